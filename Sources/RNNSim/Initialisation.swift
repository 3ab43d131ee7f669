import RealModule

public struct Initialisation: Sendable, Equatable {
    public var kind: InitKind
    /// Target spectral radius for `spectral` and scale for `orthogonal`.
    public var rho: Double
    /// α of the identity initialisation.
    public var alpha: Double
    /// σ of a Gaussian W_ih in place of the kind's own input weights; 0 = the kind's own.
    /// (IRNN's W_ih ~ N(0, 0.001²) makes the inputs tiny at first, so it learns
    /// later than with PyTorch's default; this puts the two side by side.)
    public var inputStd: Double

    public init(kind: InitKind, rho: Double = 1, alpha: Double = 1, inputStd: Double = 0) {
        self.kind = kind
        self.rho = rho
        self.alpha = alpha
        self.inputStd = inputStd
    }

    /// A freshly initialised network; the same seed gives the same weights bit for bit.
    public func make<T: RNNFloat>(_ shape: RNNShape, activation: Activation, seed: UInt64) -> RNN<T> {
        var rng = SeededRandom(seed: seed)
        var net = RNN<T>(shape: shape, activation: activation)
        let L = net.layout, H = shape.hidden
        for k in 0..<shape.layers {
            let I = shape.inputWidth(layer: k)
            var wih: [Double]
            let whh: [Double]
            switch kind {
            case .spectral:
                wih = Self.gaussian(H * I, std: 1 / Double(I).squareRoot(), &rng)
                let g = Self.gaussian(H * H, std: 1 / Double(H).squareRoot(), &rng)
                // Rescale so that ρ(W_hh) = rho exactly (when the eigen-solver converges).
                let radius = Spectral.spectralRadius(g, n: H) ?? 1
                whh = g.map { $0 * rho / max(radius, 1e-12) }
            case .xavier:
                wih = Self.uniform(H * I, limit: (6 / Double(I + H)).squareRoot(), &rng)
                whh = Self.uniform(H * H, limit: (6 / Double(2 * H)).squareRoot(), &rng)
            case .orthogonal:
                wih = Self.gaussian(H * I, std: 1 / Double(I).squareRoot(), &rng)
                whh = Spectral.randomOrthogonal(n: H, rng: &rng).map { $0 * rho }
            case .identity:
                wih = Self.gaussian(H * I, std: 0.001, &rng)
                whh = (0..<(H * H)).map { $0 / H == $0 % H ? alpha : 0 }
            }
            if inputStd > 0 { wih = Self.gaussian(H * I, std: inputStd, &rng) }
            net.parameters.replaceSubrange(L.weightIH(k)..<(L.weightIH(k) + H * I), with: wih.map { T($0) })
            net.parameters.replaceSubrange(L.weightHH(k)..<(L.weightHH(k) + H * H), with: whh.map { T($0) })
            // Biases start at 0 (IRNN requires it; for the others it keeps ρ the whole story).
        }
        // Readout: small Gaussian, so the loss starts near the chance baseline.
        let o = shape.outputs
        let wout = Self.gaussian(o * H, std: 1 / Double(H).squareRoot(), &rng)
        net.parameters.replaceSubrange(L.readoutWeight..<(L.readoutWeight + o * H), with: wout.map { T($0) })
        return net
    }

    static func gaussian(_ n: Int, std: Double, _ rng: inout SeededRandom) -> [Double] {
        (0..<n).map { _ in rng.normal() * std }
    }

    static func uniform(_ n: Int, limit: Double, _ rng: inout SeededRandom) -> [Double] {
        (0..<n).map { _ in rng.uniform(-limit, limit) }
    }
}
