import RealModule

public enum OptimiserKind: String, CaseIterable, Sendable, Codable {
    case sgd, adagrad, rmsprop, adam
}

/// The update θ ← θ − step(g), over the flat parameter vector, with state kept
/// between iterations. Definitions follow torch.optim (defaults included).
public struct Optimiser: Sendable {
    public let kind: OptimiserKind
    public var learningRate: Double
    /// SGD momentum μ (0 = plain SGD); also RMSprop's, as torch.
    public var momentum: Double
    public private(set) var step = 0
    private var m: [Float]
    private var v: [Float]

    public let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, rmsAlpha = 0.99, adagradEpsilon = 1e-10

    public init(kind: OptimiserKind, learningRate: Double, momentum: Double = 0, parameterCount n: Int) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        m = [Float](repeating: 0, count: n)
        v = [Float](repeating: 0, count: n)
    }

    public mutating func update(_ theta: inout [Float], _ g: [Float]) {
        precondition(theta.count == g.count && g.count == m.count)
        step += 1
        let lr = Float(learningRate), mu = Float(momentum)
        switch kind {
        case .sgd:
            if mu == 0 {
                // θ ← θ − η g
                for i in theta.indices { theta[i] -= lr * g[i] }
            } else {
                // b ← μ b + g ;  θ ← θ − η b
                for i in theta.indices {
                    m[i] = mu * m[i] + g[i]
                    theta[i] -= lr * m[i]
                }
            }
        case .adagrad:
            // G ← G + g² ;  θ ← θ − η g / (√G + ε)
            let eps = Float(adagradEpsilon)
            for i in theta.indices {
                v[i] += g[i] * g[i]
                theta[i] -= lr * g[i] / (v[i].squareRoot() + eps)
            }
        case .rmsprop:
            // v ← α v + (1 − α) g² ;  θ ← θ − η g / (√v + ε)   (with momentum: b ← μ b + g/(√v+ε))
            let a = Float(rmsAlpha), eps = Float(epsilon)
            for i in theta.indices {
                v[i] = a * v[i] + (1 - a) * g[i] * g[i]
                let d = g[i] / (v[i].squareRoot() + eps)
                if mu > 0 {
                    m[i] = mu * m[i] + d
                    theta[i] -= lr * m[i]
                } else {
                    theta[i] -= lr * d
                }
            }
        case .adam:
            // m ← β₁m + (1−β₁)g ; v ← β₂v + (1−β₂)g² ; θ ← θ − η m̂ / (√v̂ + ε)
            let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon)
            let c1 = 1 - Float.pow(b1, step), c2 = 1 - Float.pow(b2, step)
            let stepSize = lr / c1, c2root = c2.squareRoot()
            for i in theta.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / c2root + eps)
            }
        }
    }
}
