/// The vanilla (Elman) cell, `nn.RNN`:  h_t = act(a_t),  a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh.
/// a_t is built in place of h_t, so the step keeps nothing beside h_t.
struct ElmanCell<T: RNNFloat>: RecurrentCell {
    let activation: Activation
    let hidden: Int

    static var gates: Int { 1 }
    static var width: Int { 1 }
    static var gatesInPlaceOfH: Bool { true }
    static var hasMemory: Bool { false }
    static var recurrentApart: Bool { false }
    static var foldedRecurrentBias: Int { 1 }
    static var pathGate: Int? { nil }

    // Row by row, as the gated cells' `Pointwise.run`: a unit's value never
    // depends on how many rows a step holds (rows may run on separate threads).
    func forward(_ s: CellStep<T>) {
        // h_t = act(a_t), in place
        for b in 0..<s.batch { Elementwise.activate(activation, s.h + b * hidden, hidden) }
    }

    func backward(_ s: CellStep<T>, _ g: CellGradients<T>) {
        // ∂L/∂a_t = act'(a_t) ⊙ ∂L/∂h_t
        for b in 0..<s.batch {
            let u = b * hidden
            Elementwise.backprop(activation, h: s.h + u, dh: g.dh + u, da: g.dax + u, hidden)
        }
    }

    func jacobian(_ s: CellStep<T>, row b: Int, coefficients: UnsafeMutablePointer<T>, diagonal: UnsafeMutablePointer<T>) {
        // ∂h_t/∂h_{t−1} = diag(act'(a_t)) W_hh
        let h = s.h + b * hidden
        for j in 0..<hidden {
            coefficients[j] = activation.derivative(output: h[j])
            diagonal[j] = 0
        }
    }
}
