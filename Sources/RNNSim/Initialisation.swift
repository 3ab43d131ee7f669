import Spectral
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
    /// The LSTM's forget gate bias b_f: at initialisation f ≈ σ(b_f), so the
    /// memory keeps about σ(b_f)^ℓ of itself over ℓ steps (Jozefowicz et al. 2015 use 1).
    public var forgetBias: Double

    public init(kind: InitKind, rho: Double = 1, alpha: Double = 1, inputStd: Double = 0, forgetBias: Double = 0) {
        self.kind = kind
        self.rho = rho
        self.alpha = alpha
        self.inputStd = inputStd
        self.forgetBias = forgetBias
    }

    /// A freshly initialised network; the same seed gives the same weights bit for bit.
    /// A gated cell's G gate blocks of W_ih and W_hh are each initialised as the
    /// kind says for one H×H W_hh (so `orthogonal` gives every gate an orthogonal
    /// block, `spectral` every block spectral radius ρ); biases start at 0, the
    /// LSTM's forget gate bias at `forgetBias`.
    public func make<T: RNNFloat>(_ shape: RNNShape, activation: Activation, seed: UInt64) -> RNN<T> {
        var rng = SeededRandom(seed: seed)
        var net = RNN<T>(shape: shape, activation: activation)
        let L = net.layout, H = shape.hidden
        for k in 0..<shape.layers {
            let I = shape.inputWidth(layer: k)
            for gate in 0..<shape.cell.gates {
                let (wih, whh) = block(inputs: I, hidden: H, &rng)
                let ih = L.weightIH(k) + gate * H * I, hh = L.weightHH(k) + gate * H * H
                net.parameters.replaceSubrange(ih..<(ih + H * I), with: wih.map { T($0) })
                net.parameters.replaceSubrange(hh..<(hh + H * H), with: whh.map { T($0) })
            }
            // Biases start at 0 (IRNN requires it; for the others it keeps ρ the whole story),
            // except the LSTM's forget gate (gate 1 of i, f, g, o): b_f on the input side.
            if shape.cell == .lstm {
                let bf = L.biasIH(k) + H
                net.parameters.replaceSubrange(bf..<(bf + H), with: repeatElement(T(forgetBias), count: H))
            }
        }
        // Readout: small Gaussian, so the loss starts near the chance baseline.
        let o = shape.outputs
        let wout = Self.gaussian(o * H, std: 1 / Double(H).squareRoot(), &rng)
        net.parameters.replaceSubrange(L.readoutWeight..<(L.readoutWeight + o * H), with: wout.map { T($0) })
        return net
    }

    /// W_ih [H, I] and W_hh [H, H] of one gate (the Elman cell's only one).
    private func block(inputs I: Int, hidden H: Int, _ rng: inout SeededRandom) -> ([Double], [Double]) {
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
        return (wih, whh)
    }

    static func gaussian(_ n: Int, std: Double, _ rng: inout SeededRandom) -> [Double] {
        (0..<n).map { _ in rng.normal() * std }
    }

    static func uniform(_ n: Int, limit: Double, _ rng: inout SeededRandom) -> [Double] {
        (0..<n).map { _ in rng.uniform(-limit, limit) }
    }
}
