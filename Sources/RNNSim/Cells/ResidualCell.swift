/// The residual recurrence, the vanilla cell with an identity path beside it:
///
///     h_t = h_{t−1} + act(a_t),   a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh
///
/// ∂h_t/∂h_{t−1} = I + diag(act'(a_t)) W_hh: the gradient reaches h_{t−1}
/// through the I term untouched, the additive path the LSTM's memory has with
/// f = 1 and ResNet's skip connections have across layers. The step keeps
/// act(a_t), whose derivative the backward step reads (as the Elman cell reads h_t).
struct ResidualCell<T: RNNFloat>: RecurrentCell {
    let activation: Activation
    let hidden: Int

    static var gates: Int { 1 }
    static var width: Int { 1 }
    static var gatesInPlaceOfH: Bool { false }
    static var hasMemory: Bool { false }
    static var recurrentApart: Bool { false }
    static var foldedRecurrentBias: Int { 1 }
    static var pathGate: Int? { nil }

    func forward(_ s: CellStep<T>) {
        for b in 0..<s.batch {
            let u = b * hidden, f = s.gates + u, h = s.h + u, hPrev = s.hPrev + u
            Elementwise.activate(activation, f, hidden)             // act(a_t), in place of a_t
            for j in 0..<hidden { h[j] = hPrev[j] + f[j] }         // h_t = h_{t−1} + act(a_t)
        }
    }

    func backward(_ s: CellStep<T>, _ g: CellGradients<T>) {
        for b in 0..<s.batch {
            let u = b * hidden
            // ∂L/∂a_t = act'(a_t) ⊙ ∂L/∂h_t
            Elementwise.backprop(activation, h: s.gates + u, dh: g.dh + u, da: g.dax + u, hidden)
            // the identity path: ∂L/∂h_{t−1} += ∂L/∂h_t (W_hh's term is added by the loop)
            if let dhPrev = g.dhPrev {
                for j in 0..<hidden { dhPrev[u + j] += g.dh[u + j] }
            }
        }
    }

    func jacobian(_ s: CellStep<T>, row b: Int, coefficients: UnsafeMutablePointer<T>, diagonal: UnsafeMutablePointer<T>) {
        // ∂h_t/∂h_{t−1} = diag(act'(a_t)) W_hh + I
        let f = s.gates + b * hidden
        for j in 0..<hidden {
            coefficients[j] = activation.derivative(output: f[j])
            diagonal[j] = 1
        }
    }
}
