/// Gradient clipping and the norms it needs.
public enum Clipping {
    /// ‖v‖₂ summed in Double, so that large vectors and tiny entries keep their
    /// digits (Float in eight lanes: one chain of scalar adds was 7% of a batch-1
    /// iteration at H 128).
    @inline(__always)
    public static func norm<T: RNNFloat>(_ v: UnsafePointer<T>, count: Int) -> Double {
        Elementwise.norm(v, count)
    }

    /// The global L2 norm over all parameter gradients.
    public static func globalNorm<T: RNNFloat>(_ g: [T]) -> Double {
        g.withUnsafeBufferPointer { norm($0.baseAddress!, count: $0.count) }
    }

    /// Pascanu, Mikolov & Bengio 2013, Algorithm 1, exactly as
    /// `torch.nn.utils.clip_grad_norm_`: g ← g · min(1, N / (‖g‖ + 1e-6)).
    /// Returns the scale applied.
    @discardableResult
    public static func clipGlobalNorm<T: RNNFloat>(_ g: inout [T], norm: Double, maxNorm: Double) -> Double {
        let scale = min(1.0, maxNorm / (norm + 1e-6))
        if scale < 1 {
            let s = T(scale)
            for i in g.indices { g[i] *= s }
        }
        return scale
    }

    /// Element-wise clipping to [−limit, limit] (min-char-rnn). Returns whether anything changed.
    @discardableResult
    public static func clipValues<T: RNNFloat>(_ g: inout [T], limit: Double) -> Bool {
        let hi = T(limit), lo = -T(limit)
        var changed = false
        for i in g.indices {
            if g[i] > hi { g[i] = hi; changed = true } else if g[i] < lo { g[i] = lo; changed = true }
        }
        return changed
    }
}
