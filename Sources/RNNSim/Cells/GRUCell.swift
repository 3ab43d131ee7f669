/// The GRU cell, `nn.GRU` (gates r, z, n stacked in that order):
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
///
/// r multiplies W_hn h + b_hn, so h_{t−1} W_hhᵀ is kept apart from the input
/// side. The step keeps r, z, n and W_hn h + b_hn.
struct GRUCell<T: RNNFloat>: RecurrentCell {
    let hidden: Int

    static var gates: Int { 3 }
    static var width: Int { 4 }
    static var gatesInPlaceOfH: Bool { false }
    static var hasMemory: Bool { false }
    static var recurrentApart: Bool { true }
    static var foldedRecurrentBias: Int { 2 }
    /// z carries h_{t−1} straight into h_t: that path's factor is diag(z).
    static var pathGate: Int? { 1 }

    func forward(_ s: CellStep<T>) {
        Pointwise.run(T.self, rows: s.batch, units: hidden, Forward(s: s, H: hidden))
    }

    struct Forward: LaneKernel {
        let s: CellStep<T>, H: Int
        @inline(__always) func run<V: Lanes>(_: V.Type, _ b: Int, _ j: Int) {
            let a = s.gates.lanes(V.self) + b * 4 * H + j, rec = s.recurrent!.lanes(V.self) + b * 3 * H + j
            let u = b * H + j
            let r = (V.load(a) + V.load(rec)).sigmoid
            let z = (V.load(a + H) + V.load(rec + H)).sigmoid
            var hn = V.load(rec + 2 * H)  // W_hn h + b_hn
            if let b = s.biasHH { hn = hn + V.load(b.lanes(V.self) + 2 * H + j) }
            let n = (V.load(a + 2 * H) + r * hn).tanh
            let hPrev = V.load(s.hPrev.lanes(V.self) + u)
            (n + z * (hPrev - n)).store(s.h.lanes(V.self) + u)  // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
            r.store(a); z.store(a + H); n.store(a + 2 * H); hn.store(a + 3 * H)
        }
    }

    func backward(_ s: CellStep<T>, _ g: CellGradients<T>) {
        Pointwise.run(T.self, rows: s.batch, units: hidden, Backward(s: s, g: g, H: hidden))
    }

    struct Backward: LaneKernel {
        let s: CellStep<T>, g: CellGradients<T>, H: Int
        @inline(__always) func run<V: Lanes>(_: V.Type, _ b: Int, _ j: Int) {
            let a = s.gates.lanes(V.self) + b * 4 * H + j, u = b * H + j
            let r = V.load(a), z = V.load(a + H), n = V.load(a + 2 * H), hn = V.load(a + 3 * H)
            let hPrev = V.load(s.hPrev.lanes(V.self) + u)
            let dh = V.load(g.dh.lanes(V.self) + u)
            let dan = dh * (V.one - z) * (V.one - n * n)   // ∂L/∂(n's pre-activation)
            let dar = dan * hn * r * (V.one - r)           // through r ⊙ (W_hn h + b_hn)
            let daz = dh * (hPrev - n) * z * (V.one - z)
            let dax = g.dax.lanes(V.self) + b * 3 * H + j, dah = g.dah.lanes(V.self) + b * 3 * H + j
            dar.store(dax); daz.store(dax + H); dan.store(dax + 2 * H)
            dar.store(dah); daz.store(dah + H); (dan * r).store(dah + 2 * H)  // W_hn h + b_hn is scaled by r
            if let dhPrev = g.dhPrev {
                let p = dhPrev.lanes(V.self) + u
                (V.load(p) + dh * z).store(p)  // the direct path: ∂h_t/∂h_{t−1} ∋ diag(z)
            }
        }
    }

    func jacobian(_ s: CellStep<T>, row b: Int, coefficients: UnsafeMutablePointer<T>, diagonal: UnsafeMutablePointer<T>) {
        let H = hidden, a = s.gates + b * 4 * H, hPrev = s.hPrev + b * H
        for j in 0..<H {
            let r = a[j], z = a[H + j], n = a[2 * H + j], hn = a[3 * H + j]
            let dn = (1 - z) * (1 - n * n)
            coefficients[j] = dn * hn * r * (1 - r)
            coefficients[H + j] = (hPrev[j] - n) * z * (1 - z)
            coefficients[2 * H + j] = dn * r
            diagonal[j] = z
        }
    }
}
