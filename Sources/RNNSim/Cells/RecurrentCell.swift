/// One recurrent step of a cell for a batch of B rows: `forward` turns the
/// step's gate pre-activations into h_t (and c_t), `backward` takes the total
/// ∂L/∂h_t and gives ∂L/∂(pre-activations). The BPTT loop does the products
/// (all of a layer's input products in one GEMM, the recurrent product of a
/// step as one GEMM of [B, H] by the stacked W_hhᵀ [H, G·H]) and never looks
/// inside a cell.
protocol RecurrentCell {
    associatedtype T: RNNFloat
    var hidden: Int { get }
    /// Gate blocks in W_ih, W_hh and the biases.
    static var gates: Int { get }
    /// Floats per unit the step keeps in its gate block (its row width is width·H).
    static var width: Int { get }
    /// Elman only: a_t is built in place of h_t, so the gate block is h_t itself.
    static var gatesInPlaceOfH: Bool { get }
    /// Whether the cell carries a memory c_t beside h_t (LSTM).
    static var hasMemory: Bool { get }
    /// Whether h_{t−1} W_hhᵀ must stay apart from the input side, because a
    /// gate multiplies it (GRU's r ⊙ (W_hn h + b_hn)); then the recurrent side's
    /// gradient differs from the input side's (`dah` ≠ `dax`).
    static var recurrentApart: Bool { get }
    /// Gate blocks of b_hh added to the input side once for all steps (all but GRU's b_hn).
    static var foldedRecurrentBias: Int { get }
    /// The stored gate that multiplies the direct path back in time (LSTM f on
    /// c, GRU z on h), as a block index; nil for the Elman cell.
    static var pathGate: Int? { get }

    func forward(_ s: CellStep<T>)
    func backward(_ s: CellStep<T>, _ g: CellGradients<T>)
    /// ∂h_t/∂h_{t−1} of batch row b (memory held fixed) as Σ_g diag(coefficients_g) W_hh,g + diag(diagonal).
    func jacobian(_ s: CellStep<T>, row b: Int, coefficients: UnsafeMutablePointer<T>, diagonal: UnsafeMutablePointer<T>)
}

/// The buffers of one step of one layer, batch rows one after another. Rows
/// never meet inside a step, so a block of rows is a step of its own (`rows`).
struct CellStep<T: RNNFloat> {
    let batch: Int
    /// [B, width·H]. On entry to `forward`, the first G·H columns of each row
    /// hold the pre-activations x_t W_ihᵀ + b_ih (+ folded b_hh) (+ h_{t−1} W_hhᵀ
    /// unless the cell keeps it apart); `forward` leaves there what `backward` needs.
    let gates: UnsafeMutablePointer<T>
    let hPrev: UnsafePointer<T>
    let h: UnsafeMutablePointer<T>
    /// c_{t−1} and c_t, [B, H], for cells with memory.
    let cPrev: UnsafePointer<T>?
    let c: UnsafeMutablePointer<T>?
    /// h_{t−1} W_hhᵀ [B, G·H] when the cell keeps it apart, and b_hh (nil for a layout without biases).
    let recurrent: UnsafePointer<T>?
    let biasHH: UnsafePointer<T>?
}

/// The gradients of one step: what reaches it and what it gives back.
struct CellGradients<T: RNNFloat> {
    /// ∂L/∂h_t, everything that reaches h_t, [B, H].
    let dh: UnsafePointer<T>
    /// In: ∂L/∂c_t from step t+1; out: ∂L/∂c_{t−1} along the memory (0 if `carries` is false).
    let dc: UnsafeMutablePointer<T>?
    /// Out: ∂L/∂c_t, everything that reaches c_t (for its norm), [B, H].
    let dcTotal: UnsafeMutablePointer<T>?
    /// ∂L/∂(pre-activations) on the input side and on the recurrent side, [B, G·H] (the same buffer unless `recurrentApart`).
    let dax: UnsafeMutablePointer<T>
    let dah: UnsafeMutablePointer<T>
    /// ∂L/∂h_{t−1} to add the direct path to (GRU's z ⊙ ∂L/∂h_t); nil where truncation cuts.
    let dhPrev: UnsafeMutablePointer<T>?
    /// Whether the graph goes on to step t−1.
    let carries: Bool
}

extension CellStep {
    /// Batch rows `rows` of this step (`gateWidth`: floats per row of `gates`, width·H).
    func rows(_ rows: Range<Int>, hidden H: Int, gateWidth: Int, recurrentWidth: Int) -> CellStep {
        let r = rows.lowerBound
        return CellStep(batch: rows.count, gates: gates + r * gateWidth, hPrev: hPrev + r * H, h: h + r * H,
                        cPrev: cPrev.map { $0 + r * H }, c: c.map { $0 + r * H },
                        recurrent: recurrent.map { $0 + r * recurrentWidth }, biasHH: biasHH)
    }
}

extension CellGradients {
    /// Batch rows `rows` of these gradients (`gateWidth`: floats per row of `dax` and `dah`, G·H).
    func rows(_ rows: Range<Int>, hidden H: Int, gateWidth: Int) -> CellGradients {
        let r = rows.lowerBound
        return CellGradients(dh: dh + r * H, dc: dc.map { $0 + r * H }, dcTotal: dcTotal.map { $0 + r * H },
                             dax: dax + r * gateWidth, dah: dah + r * gateWidth, dhPrev: dhPrev.map { $0 + r * H },
                             carries: carries)
    }
}
