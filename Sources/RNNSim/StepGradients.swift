/// W_hh is one matrix used at every step, so its gradient is a sum over time:
///
///     ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t),   ∂L/∂W_hh|_(t) = Σ_b ∂L/∂a_t,bᵀ h_(t-1),b
///
/// (step t's contribution is what the gradient would be if only the copy of
/// W_hh used at step t could change). BPTT computes the sum with one product
/// per window of steps; this records each step's term separately, in Double,
/// so that the identity can be checked and the steps that dominate be seen.
public struct StepGradients: Sendable, Equatable {
    /// ‖∂L/∂W_hh|_(t)‖_F for every layer and step t = 1…T (before clipping).
    public var norms: [[Double]]
    /// Σ_t ∂L/∂W_hh|_(t), [G·H, H] row-major per layer (G gate blocks: 1 for the
    /// Elman cell, 4 for the LSTM, 3 for the GRU), summed step by step.
    public var sums: [[Double]]
    /// ∂L/∂W_hh as BPTT computed it (before clipping), [G·H, H] per layer.
    public var total: [[Double]]

    init(layers: Int, rows: Int, hidden: Int, steps: Int) {
        norms = Array(repeating: [Double](repeating: 0, count: steps), count: layers)
        sums = Array(repeating: [Double](repeating: 0, count: rows * hidden), count: layers)
        total = sums
    }

    /// Adds step s's term (0-based: a_(s+1) was made from h_s) of layer k;
    /// `da` is ∂L/∂a_t of the recurrent product, [B, rows].
    mutating func add<T: RNNFloat>(layer k: Int, step s: Int, da: UnsafePointer<T>, hPrevious: UnsafePointer<T>,
                                   batch B: Int, rows: Int, hidden H: Int) {
        var squares = 0.0
        sums[k].withUnsafeMutableBufferPointer { sum in
            for i in 0..<rows {
                for j in 0..<H {
                    var g = 0.0
                    for b in 0..<B { g += Double(da[b * rows + i]) * Double(hPrevious[b * H + j]) }
                    sum[i * H + j] += g
                    squares += g * g
                }
            }
        }
        norms[k][s] = squares.squareRoot()
    }

    /// ‖Σ_t ∂L/∂W_hh|_(t) − ∂L/∂W_hh‖ / ‖∂L/∂W_hh‖ of layer k: 0 up to rounding.
    public func sumError(layer k: Int) -> Double {
        var diff = 0.0, size = 0.0
        for (s, g) in zip(sums[k], total[k]) {
            diff += (s - g) * (s - g)
            size += g * g
        }
        return (diff / size).squareRoot()
    }

    /// The share of Σ_t ‖∂L/∂W_hh|_(t)‖ carried by the last `count` steps of layer k.
    public func shareOfLast(_ count: Int, layer k: Int) -> Double {
        let all = norms[k].reduce(0, +)
        return norms[k].suffix(count).reduce(0, +) / all
    }
}
