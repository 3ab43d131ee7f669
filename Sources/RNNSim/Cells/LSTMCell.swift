/// The LSTM cell, `nn.LSTM` (gates i, f, g, o stacked in that order):
///
///     i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
///     c_t = f ⊙ c_{t−1} + i ⊙ g
///     h_t = o ⊙ tanh(c_t)
///
/// with a = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh. The step keeps i, f, g, o.
struct LSTMCell<T: RNNFloat>: RecurrentCell {
    let hidden: Int

    static var gates: Int { 4 }
    static var width: Int { 4 }
    static var gatesInPlaceOfH: Bool { false }
    static var hasMemory: Bool { true }
    static var recurrentApart: Bool { false }
    static var foldedRecurrentBias: Int { 4 }
    /// f carries c_{t−1} into c_t: ∂c_t/∂c_{t−1} = diag(f).
    static var pathGate: Int? { 1 }

    func forward(_ s: CellStep<T>) {
        Pointwise.run(T.self, rows: s.batch, units: hidden, Forward(s: s, H: hidden))
    }

    struct Forward: LaneKernel {
        let s: CellStep<T>, H: Int
        @inline(__always) func run<V: Lanes>(_: V.Type, _ b: Int, _ j: Int) {
            let a = s.gates.lanes(V.self) + b * 4 * H + j, u = b * H + j
            let i = V.load(a).sigmoid, f = V.load(a + H).sigmoid
            let g = V.load(a + 2 * H).tanh, o = V.load(a + 3 * H).sigmoid
            let c = f * V.load(s.cPrev!.lanes(V.self) + u) + i * g  // c_t = f ⊙ c_{t−1} + i ⊙ g
            c.store(s.c!.lanes(V.self) + u)
            (o * c.tanh).store(s.h.lanes(V.self) + u)                // h_t = o ⊙ tanh(c_t)
            i.store(a); f.store(a + H); g.store(a + 2 * H); o.store(a + 3 * H)
        }
    }

    func backward(_ s: CellStep<T>, _ g: CellGradients<T>) {
        Pointwise.run(T.self, rows: s.batch, units: hidden, Backward(s: s, g: g, H: hidden))
    }

    struct Backward: LaneKernel {
        let s: CellStep<T>, g: CellGradients<T>, H: Int
        @inline(__always) func run<V: Lanes>(_: V.Type, _ b: Int, _ j: Int) {
            let a = s.gates.lanes(V.self) + b * 4 * H + j, u = b * H + j
            let i = V.load(a), f = V.load(a + H), gg = V.load(a + 2 * H), o = V.load(a + 3 * H)
            let tc = V.load(s.c!.lanes(V.self) + u).tanh
            let dh = V.load(g.dh.lanes(V.self) + u)
            let dcp = g.dc!.lanes(V.self) + u
            // ∂L/∂c_t = (from c_{t+1}) + ∂L/∂h_t ⊙ o ⊙ tanh'(c_t)
            let dc = V.load(dcp) + dh * o * (V.one - tc * tc)
            dc.store(g.dcTotal!.lanes(V.self) + u)
            // ∂L/∂c_{t−1} = f ⊙ ∂L/∂c_t, unless truncation detached c_{t−1}
            (g.carries ? dc * f : V.zero).store(dcp)
            let da = g.dax.lanes(V.self) + b * 4 * H + j
            (dc * gg * i * (V.one - i)).store(da)                                 // ∂L/∂a_i = dc ⊙ g ⊙ σ'
            (dc * V.load(s.cPrev!.lanes(V.self) + u) * f * (V.one - f)).store(da + H)  // ∂L/∂a_f = dc ⊙ c_{t−1} ⊙ σ'
            (dc * i * (V.one - gg * gg)).store(da + 2 * H)                        // ∂L/∂a_g = dc ⊙ i ⊙ tanh'
            (dh * tc * o * (V.one - o)).store(da + 3 * H)                         // ∂L/∂a_o = dh ⊙ tanh(c_t) ⊙ σ'
        }
    }

    func jacobian(_ s: CellStep<T>, row b: Int, coefficients: UnsafeMutablePointer<T>, diagonal: UnsafeMutablePointer<T>) {
        // h_t = o ⊙ tanh(f ⊙ c_{t−1} + i ⊙ g), each gate a function of W_hh,gate h_{t−1}
        let H = hidden, a = s.gates + b * 4 * H, c = s.c! + b * H, cPrev = s.cPrev! + b * H
        for j in 0..<H {
            let i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j]
            let tc = T.tanh(c[j]), dcdh = o * (1 - tc * tc)
            coefficients[j] = dcdh * g * i * (1 - i)
            coefficients[H + j] = dcdh * cPrev[j] * f * (1 - f)
            coefficients[2 * H + j] = dcdh * i * (1 - g * g)
            coefficients[3 * H + j] = tc * o * (1 - o)
            diagonal[j] = 0
        }
    }
}
