import Spectral
/// How one backward pass is run: which loss, where truncation cuts, how gradients are clipped.
public struct BPTTOptions: Sendable, Equatable {
    public var loss: LossKind
    /// Truncation length K: no gradient crosses from step K·j to K·j − 1. 0 = full BPTT.
    public var truncate: Int
    /// Global-norm clipping threshold (Pascanu et al. 2013, Alg. 1). 0 = off.
    public var clipNorm: Double
    /// Element-wise clipping to ±clipValue (min-char-rnn's ±5). 0 = off.
    public var clipValue: Double
    /// Also measure ‖∂h_t/∂h_{t−1}‖₂ at every step, and a gated cell's gate path
    /// (costs about as much as the pass itself).
    public var recordJacobians: Bool
    /// Only a gated cell's gate path (its mean, product and saturation): one read
    /// of the stored gates, cheap beside the pass.
    public var recordGates = false
    /// Also record each step's term of ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t) (O(B·H²) per step).
    public var recordStepGradients: Bool
    /// A class target equal to this is not scored (`nn.CrossEntropyLoss(ignore_index=…)`,
    /// −100 by default as there): its row adds no loss and no gradient, and the
    /// mean is over the targets that are scored, as reduction='mean' takes it.
    public var ignoreIndex: Int32 = -100
    /// `nn.Embedding(padding_idx=…)`: this row of the embedding gets no gradient.
    public var paddingIndex: Int? = nil

    public init(loss: LossKind, truncate: Int = 0, clipNorm: Double = 0, clipValue: Double = 0, recordJacobians: Bool = false,
                recordStepGradients: Bool = false) {
        self.loss = loss
        self.truncate = truncate
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        self.recordJacobians = recordJacobians
        self.recordStepGradients = recordStepGradients
    }

    /// Whether the graph is cut between step s − 1 and step s (0-based).
    @inline(__always)
    public func cuts(before s: Int) -> Bool { truncate > 0 && s % truncate == 0 }
}

/// The scalar outcome of one forward + backward pass. The per-step norms stay
/// in the `BPTT` workspace (`hiddenGradNorms`, `jacobianNorms`).
public struct BPTTSummary: Sendable, Equatable {
    public var loss: Double
    /// Global L2 norm of all parameter gradients, before clipping.
    public var gradNorm: Double
    /// The factor clipping multiplied every gradient by (1 = not clipped).
    public var clipScale: Double
    /// Whether element-wise clipping changed any gradient entry.
    public var valueClipped: Bool
    /// Inf or NaN in the loss or the gradients: nothing may be updated with these.
    public var nonfinite: Bool
}

/// Forward pass and backpropagation through time for a stacked recurrent
/// network of any cell (`RecurrentCell`: Elman, LSTM, GRU), with every buffer
/// allocated once for a given (network, T, B) and reused.
///
/// Layout: everything is time-major and row-major, h_t of layer k for the whole
/// batch is one [B × H] block, a step's stacked gates one [B × G·H] block, so
/// products over many timesteps are single GEMMs and only the recurrence itself
/// runs step by step.
///
/// Memory: the forward pass must keep every h_t (and the gates, and c_t). The
/// backward pass walks back in windows of `window` steps and keeps ∂L/∂h and
/// ∂L/∂a only for the window (plus, below a layer, that layer's ∂L/∂a for all
/// steps), so a single-layer Elman run over T = 100,000 steps needs little
/// beyond its hidden states.
public final class BPTT<T: RNNFloat> {
    public let shape: RNNShape
    public let steps: Int
    public let batchSize: Int
    /// Steps per backward window: long enough that the window's products are
    /// efficient GEMMs, short enough to stay in cache.
    public let window: Int

    /// h_t of every layer, [layers, T+1, B, H]; block 0 of each layer is h_0 (the batch's, or 0).
    private let hs: UnsafeMutablePointer<T>
    private let layerStride: Int
    /// The gates each step keeps, [layers, T, B, width·H] (all cells but the
    /// Elman cell builds a_t in place of h_t).
    private let gateStore: UnsafeMutablePointer<T>
    /// c_t of every layer, [layers, T+1, B, H], block 0 c_0 (LSTM).
    private let cs: UnsafeMutablePointer<T>
    /// h_{t−1} W_hhᵀ of one step, [B, G·H] (GRU).
    private let recurrentScratch: UnsafeMutablePointer<T>
    /// ∂L/∂h_t for the steps of the current window, [window, B, H].
    private let dhWindow: UnsafeMutablePointer<T>
    /// ∂L/∂a_t for the current window of the bottom layer, [window, B, G·H],
    /// and on the recurrent side where it differs (GRU).
    private let daWindow: UnsafeMutablePointer<T>
    private let dahWindow: UnsafeMutablePointer<T>
    /// Where the recurrence runs on the caller's thread alone (batch 1, small H) and there
    /// are several windows: each window's ∂W_hh product runs on a helper while the next
    /// window's recurrence runs, which then writes its ∂L/∂a into a second pair of buffers.
    let deferred: DeferredProduct?
    private let daWindowSpare: UnsafeMutablePointer<T>
    private let dahWindowSpare: UnsafeMutablePointer<T>
    /// Whether the current window's ∂L/∂a is in the second pair.
    private var spareWindow = false
    /// ∂L/∂a_t for all steps of layers above the bottom one, which the layer
    /// below needs: two alternating [T, B, G·H] buffers (none for one layer).
    private let daFull: [UnsafeMutablePointer<T>]
    /// ∂L/∂h_{t-1} carried from the first step of one window to the last of the next, [B, H].
    private let carry: UnsafeMutablePointer<T>
    /// ∂L/∂c along the memory, from step to step, [B, H] (LSTM).
    private let dcRunning: UnsafeMutablePointer<T>
    /// ∂L/∂c_t of each step of the window (LSTM), for its norm.
    private let dcWindow: UnsafeMutablePointer<T>
    /// Blocks of batch rows the recurrence runs on at once, one per thread (1: the
    /// rows together, each product split over the threads instead).
    let rowBlocks: Int
    /// Readout y_t and ∂L/∂y_t for the scored rows, [rows, O]; sized on first use.
    private var y: UnsafeMutablePointer<T>
    private var dy: UnsafeMutablePointer<T>
    private var readoutRows = 0
    /// For a network with an embedding: x_t = E[id_t] for all steps, [T, B, I], and
    /// ∂L/∂x_t for the steps of the current window, [window, B, I]; sized on first use.
    private var embedded: UnsafeMutablePointer<T>?
    private var embeddedGradient: UnsafeMutablePointer<T>?
    /// W_hh of the layer being run, as op(B) of every step's product: W_hhᵀ
    /// [H, G·H] forward, W_hh [G·H, H] backward (packed once per layer and pass).
    private let recurrentForward: PackedOperand<T>
    private let recurrentBackward: PackedOperand<T>
    /// Per batch row, for the Jacobian factor: the cell's coefficients [G·H] and
    /// diagonal [H], and ∂h_t/∂h_{t−1} itself [H, H] for all cells but the Elman one.
    private let coefficients: UnsafeMutablePointer<T>
    private let diagonal: UnsafeMutablePointer<T>
    private let stepJacobian: UnsafeMutablePointer<T>
    private let ones: UnsafeMutablePointer<T>
    private var jacobian: JacobianNorm<T>
    /// ‖∂L/∂h_t‖ (Frobenius over the batch), [layers][T].
    public private(set) var hiddenGradNorms: [[Double]]
    /// ‖∂L/∂c_t‖ (Frobenius over the batch), [layers][T]; empty unless the cell has a memory (LSTM).
    public private(set) var cellGradNorms: [[Double]]
    /// ‖∂h_t/∂h_{t−1}‖₂ (for the Elman cell ‖diag(act'(a_t)) W_hh‖₂; for gated
    /// cells with the memory held fixed), the largest over the batch, [layers][T];
    /// NaN unless recorded.
    public var jacobianNorms: [[Double]] {
        recordedJacobianNorms.isEmpty ? nanNorms : recordedJacobianNorms
    }
    /// The gate on a gated cell's direct path at each step (LSTM f, GRU z), its
    /// mean over units and batch, [layers][T]; NaN unless recorded (and for the Elman cell).
    public var pathGateMeans: [[Double]] { recordedGateMeans.isEmpty ? nanNorms : recordedGateMeans }
    /// The direct path's product from step t to T, Π_{u=t}^{T} f_u (LSTM:
    /// ∂c_T/∂c_{t−1} along the memory) or Π z_u (GRU), per unit, its mean over
    /// units and batch, [layers][T]; NaN unless recorded (and for the Elman cell).
    public var pathProducts: [[Double]] { recordedPathProducts.isEmpty ? nanNorms : recordedPathProducts }
    /// The fraction of that gate's values (all steps, units and batch rows) that are
    /// saturated, below 0.05 or above 0.95 (σ' < 0.05: it barely learns), per layer;
    /// NaN unless recorded (and for the Elman cell).
    public var pathGateSaturation: [Double] {
        recordedSaturation.isEmpty ? [Double](repeating: .nan, count: shape.layers) : recordedSaturation
    }
    /// Allocated by the first pass that records them: a long run that never
    /// does keeps no memory for them.
    private var recordedJacobianNorms: [[Double]] = []
    private var recordedGateMeans: [[Double]] = []
    private var recordedPathProducts: [[Double]] = []
    private var recordedSaturation: [Double] = []
    private var nanNorms: [[Double]] { Array(repeating: [Double](repeating: .nan, count: steps), count: shape.layers) }
    /// Each step's term of ∂L/∂W_hh, from the last pass that recorded them (else nil).
    public private(set) var stepGradients: StepGradients?

    /// `deferring`: false keeps every ∂W_hh product on the caller's side of the window loop
    /// (tests compare the bits); by default it is deferred where that pays (`deferred`).
    public init(shape: RNNShape, steps: Int, batchSize: Int, window: Int? = nil, rowBlocks: Int? = nil, deferring: Bool = true) {
        precondition(steps > 0 && batchSize > 0)
        // Helper threads flush subnormals, as Float passes do; Double keeps every digit on one thread.
        precondition(rowBlocks.map { $0 >= 1 && ($0 == 1 || T.self == Float.self) } ?? true)
        self.rowBlocks = min(batchSize, rowBlocks ?? (T.self == Float.self
            ? Self.rowBlocks(batch: batchSize, hidden: shape.hidden, gates: shape.cell.gates) : 1))
        self.shape = shape
        self.steps = steps
        self.batchSize = batchSize
        self.window = min(steps, max(1, window ?? max(32, 512 / batchSize)))
        let cell = shape.cell, H = shape.hidden, GH = cell.gates * H
        let block = batchSize * H
        layerStride = (steps + 1) * block
        hs = Self.zeros(shape.layers * layerStride)
        gateStore = Self.zeros(cell == .rnn ? 0 : shape.layers * steps * batchSize * 4 * H)
        cs = Self.zeros(cell == .lstm ? shape.layers * layerStride : 0)
        recurrentScratch = Self.zeros(cell == .gru ? batchSize * GH : 0)
        dhWindow = Self.zeros(self.window * block)
        daWindow = Self.zeros(self.window * batchSize * GH)
        dahWindow = Self.zeros(cell == .gru ? self.window * batchSize * GH : 0)
        let defers = deferring && T.self == Float.self && self.rowBlocks == 1 && KernelThreads.count > 1 && steps > self.window
            && FloatKernels.threads(m: batchSize, n: GH, k: H) == 1
        deferred = defers ? DeferredProduct() : nil
        daWindowSpare = Self.zeros(defers ? self.window * batchSize * GH : 0)
        dahWindowSpare = Self.zeros(defers && cell == .gru ? self.window * batchSize * GH : 0)
        daFull = (0..<min(2, shape.layers - 1)).map { _ in Self.zeros(steps * batchSize * GH) }
        carry = Self.zeros(block)
        dcRunning = Self.zeros(cell == .lstm ? block : 0)
        dcWindow = Self.zeros(cell == .lstm ? self.window * block : 0)
        y = Self.zeros(1)
        dy = Self.zeros(1)
        coefficients = Self.zeros(GH)
        diagonal = Self.zeros(H)
        stepJacobian = Self.zeros(cell == .rnn ? 0 : H * H)
        ones = AlignedMemory.allocate(T.self, capacity: H)
        ones.initialize(repeating: 1, count: max(H, 1))
        recurrentForward = PackedOperand(k: H, n: GH, transB: true, rows: batchSize)
        recurrentBackward = PackedOperand(k: GH, n: H, transB: false, rows: batchSize)
        jacobian = JacobianNorm<T>(hidden: H)
        hiddenGradNorms = Array(repeating: [Double](repeating: 0, count: steps), count: shape.layers)
        cellGradNorms = cell == .lstm ? hiddenGradNorms : []
    }

    deinit {
        deferred?.finish()
        for p in [hs, gateStore, cs, recurrentScratch, dhWindow, daWindow, dahWindow, daWindowSpare, dahWindowSpare, carry,
                  dcRunning, dcWindow, y, dy,
                  coefficients, diagonal, stepJacobian, ones] + daFull { p.deallocate() }
        embedded?.deallocate()
        embeddedGradient?.deallocate()
    }

    /// One block of rows per core once every block has enough rows for the
    /// tiled product (`minimumRows`) and a step enough work to share. Each
    /// thread then reads all of W_hh at every step, where a product split by
    /// columns reads its share: measured, rows win while W_hh stays under 1 MB
    /// (2 MB for the gated cells, whose pointwise work the rows share too), and
    /// columns win beyond (H = 512, B = 32..64: 5% faster).
    static func rowBlocks(batch: Int, hidden: Int, gates: Int) -> Int {
        let weights = gates * hidden * hidden
        guard batch * weights >= rowSplitWork, weights * MemoryLayout<Float>.size < (gates > 1 ? 2 : 1) << 20 else { return 1 }
        return max(1, min(KernelThreads.count, batch / minimumRows))
    }
    static var minimumRows: Int { 4 }
    static var rowSplitWork: Int { 1 << 16 }

    /// The same memory as Float (only where T is Float: the deferred product's operands).
    private static func float(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    private static func zeros(_ n: Int) -> UnsafeMutablePointer<T> {
        let p = AlignedMemory.allocate(T.self, capacity: n)
        p.initialize(repeating: 0, count: max(n, 1))
        return p
    }

    /// h_0 … h_T of layer k: h_t for the batch at offset t·B·H.
    @inline(__always)
    private func states(_ k: Int) -> UnsafeMutablePointer<T> { hs + k * layerStride }

    /// c_0 … c_T of layer k (LSTM).
    @inline(__always)
    private func memories(_ k: Int) -> UnsafeMutablePointer<T> { cs + k * layerStride }

    /// The gate blocks of layer k, step s at offset s·B·width·H: h_1 … h_T
    /// themselves for the Elman cell.
    @inline(__always)
    private func gates<C: RecurrentCell>(_ k: Int, _: C.Type) -> UnsafeMutablePointer<T> {
        C.gatesInPlaceOfH ? states(k) + batchSize * shape.hidden : gateStore + k * steps * batchSize * C.width * shape.hidden
    }

    /// Where ∂L/∂a of layer k lives: all steps for k > 0 (the layer below reads
    /// them), the current window only for the bottom layer.
    @inline(__always)
    private func fullDA(_ k: Int) -> UnsafeMutablePointer<T>? { k == 0 ? nil : daFull[k % daFull.count] }

    /// The hidden states h_1…h_T of layer k from the last forward pass, [T, B, H].
    public func hiddenStates(layer k: Int) -> [T] {
        let block = batchSize * shape.hidden
        return Array(UnsafeBufferPointer(start: states(k) + block, count: steps * block))
    }

    /// One forward pass and one backward pass: fills `gradients` (same layout as
    /// the parameters) with ∂L/∂θ after clipping, and the per-step norms.
    /// Specialised for Float so that callers in other modules get the tuned code.
    @_specialize(exported: true, where T == Float)
    public func run(_ net: RNN<T>, _ batch: Batch<T>, _ options: BPTTOptions, gradients: inout [T]) -> BPTTSummary {
        precondition(net.shape == shape && batch.steps == steps && batch.size == batchSize)
        precondition((batch.tokens != nil) == (net.layout.vocabulary != nil) && (batch.tokens != nil || batch.inputWidth == shape.inputs))
        precondition(gradients.count == net.layout.count)
        let block = batchSize * shape.hidden
        precondition(batch.initialHidden.map { $0.count == shape.layers && $0.allSatisfy { $0.count == block } } ?? true)
        precondition(batch.initialMemory.map { $0.count == shape.layers && $0.allSatisfy { $0.count == block } } ?? true)
        precondition(batch.initialMemory == nil || shape.cell == .lstm, "only the LSTM has a memory c_0")
        setInitialStates(batch)
        // Vanished float32 gradients turn subnormal, and subnormal arithmetic is
        // ~100× slower: flush them to zero for the pass (they are below float32's
        // resolution anyway). Double keeps every digit for the checks.
        let H = shape.hidden
        switch shape.cell {
        case .rnn: return flushed { pass(ElmanCell<T>(activation: net.activation, hidden: H), net, batch, options, &gradients) }
        case .lstm: return flushed { pass(LSTMCell<T>(hidden: H), net, batch, options, &gradients) }
        case .gru: return flushed { pass(GRUCell<T>(hidden: H), net, batch, options, &gradients) }
        case .residual: return flushed { pass(ResidualCell<T>(activation: net.activation, hidden: H), net, batch, options, &gradients) }
        }
    }

    /// h_0 (and c_0) of every layer: the batch's, or zeros.
    private func setInitialStates(_ batch: Batch<T>) {
        let block = batchSize * shape.hidden
        for k in 0..<shape.layers {
            if let h0 = batch.initialHidden?[k] { states(k).update(from: h0, count: block) }
            else { states(k).update(repeating: 0, count: block) }
            guard shape.cell == .lstm else { continue }
            if let c0 = batch.initialMemory?[k] { memories(k).update(from: c0, count: block) }
            else { memories(k).update(repeating: 0, count: block) }
        }
    }

    /// x_t = E[id_t] for every step and sequence, the input of layer 0.
    private func embed(_ net: RNN<T>, _ tokens: [Int32]) {
        let rows = steps * batchSize, I = shape.inputs
        if embedded == nil {
            embedded = Self.zeros(rows * I)
            embeddedGradient = Self.zeros(window * batchSize * I)
        }
        net.parameters.withUnsafeBufferPointer { p in
            tokens.withUnsafeBufferPointer { ids in
                Embedding.forward(p.baseAddress! + net.layout.embedding, width: I, tokens: ids.baseAddress!, rows: rows, into: embedded!)
            }
        }
    }

    @inline(__always)
    private func flushed<R>(_ body: () -> R) -> R {
        T.self == Float.self ? Denormals.flushed(body) : body()
    }

    private func pass<C: RecurrentCell>(_ cell: C, _ net: RNN<T>, _ batch: Batch<T>, _ options: BPTTOptions,
                                        _ gradients: inout [T]) -> BPTTSummary where C.T == T {
        if let tokens = batch.tokens { embed(net, tokens) }
        stepGradients = options.recordStepGradients
            ? StepGradients(layers: shape.layers, rows: C.gates * shape.hidden, hidden: shape.hidden, steps: steps) : nil
        let loss = net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                forward(C.self, net, p.baseAddress!, embedded.map { UnsafePointer($0) } ?? x.baseAddress!, batch.targets, options)
            }
        }
        net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                gradients.withUnsafeMutableBufferPointer { g in
                    let input = embedded.map { UnsafePointer($0) } ?? x.baseAddress!
                    if let tokens = batch.tokens {
                        tokens.withUnsafeBufferPointer { backward(C.self, net, p.baseAddress!, input, $0.baseAddress!, options, g.baseAddress!) }
                    } else {
                        backward(C.self, net, p.baseAddress!, input, nil, options, g.baseAddress!)
                    }
                }
            }
        }
        // padding_idx: PyTorch's embedding backward skips the row, so it never moves.
        if let pad = options.paddingIndex, let V = net.layout.vocabulary, (0..<V).contains(pad) {
            let I = shape.inputs, start = net.layout.embedding + pad * I
            for i in start..<(start + I) { gradients[i] = 0 }
        }
        if options.recordJacobians {
            net.parameters.withUnsafeBufferPointer { p in recordJacobians(cell, p.baseAddress!, net.layout) }
        }
        if options.recordJacobians || options.recordGates { recordGatePath(C.self) }
        if stepGradients != nil {
            let rows = C.gates * shape.hidden, H = shape.hidden
            for k in 0..<shape.layers {
                let o = net.layout.weightHH(k)
                stepGradients!.total[k] = gradients[o..<(o + rows * H)].map { Double($0) }
            }
        }
        // Global norm before clipping: ‖g‖ = sqrt(Σ g²), summed in Double.
        let gradNorm = Clipping.globalNorm(gradients)
        // A batch with no target scored has PyTorch's NaN loss and a zero gradient: not a divergence.
        // (Its targets are looked at only when the loss is not finite.)
        let firstRow = options.loss.lastStepOnly ? (steps - 1) * batchSize : 0
        let nonfinite = (!loss.isFinite && !Loss.scoresNothing(options.loss, targets: batch.targets, rows: steps * batchSize - firstRow,
                                                               rowOffset: firstRow, ignoreIndex: options.ignoreIndex))
            || !gradNorm.isFinite
        var clipScale = 1.0
        var valueClipped = false
        if !nonfinite {
            if options.clipNorm > 0 { clipScale = Clipping.clipGlobalNorm(&gradients, norm: gradNorm, maxNorm: options.clipNorm) }
            if options.clipValue > 0 { valueClipped = Clipping.clipValues(&gradients, limit: options.clipValue) }
        }
        return BPTTSummary(loss: loss, gradNorm: gradNorm, clipScale: clipScale, valueClipped: valueClipped, nonfinite: nonfinite)
    }

    /// Step s (0-based, making h_{s+1}) of layer k.
    @inline(__always)
    private func step<C: RecurrentCell>(_ k: Int, _ s: Int, _: C.Type, biasHH: UnsafePointer<T>?) -> CellStep<T> {
        let BH = batchSize * shape.hidden
        let h = states(k) + s * BH, c: UnsafeMutablePointer<T>? = C.hasMemory ? memories(k) + s * BH : nil
        return CellStep(batch: batchSize, gates: gates(k, C.self) + s * batchSize * C.width * shape.hidden,
                        hPrev: h, h: h + BH, cPrev: c.map { UnsafePointer($0) }, c: c.map { $0 + BH },
                        recurrent: C.recurrentApart ? recurrentScratch : nil, biasHH: biasHH)
    }

    // MARK: Forward

    private func forward<C: RecurrentCell>(_: C.Type, _ net: RNN<T>, _ p: UnsafePointer<T>, _ x: UnsafePointer<T>,
                                           _ targets: Batch<T>.Targets, _ options: BPTTOptions) -> Double where C.T == T {
        let lossKind = options.loss
        let H = shape.hidden, B = batchSize, steps = self.steps, L = net.layout, BH = B * H
        let GH = C.gates * H, W = C.width * H
        for k in 0..<shape.layers {
            let I = shape.inputWidth(layer: k)
            let input = k == 0 ? x : UnsafePointer(states(k - 1) + BH)
            let a = gates(k, C.self)
            // a_t = x_t W_ihᵀ, all gates, for all t in one product
            Gemm.run(transA: false, transB: true, m: steps * B, n: GH, k: I,
                     a: input, lda: I, b: p + L.weightIH(k), ldb: I, beta: 0, c: a, ldc: W)
            // a_t += b_ih + b_hh (the part of b_hh no gate multiplies)
            let bhh = L.bias ? p + L.biasHH(k) : nil
            if let bhh {
                let bih = p + L.biasIH(k), folded = C.foldedRecurrentBias * H
                for r in 0..<(steps * B) {
                    let row = a + r * W
                    for j in 0..<folded { row[j] += bih[j] + bhh[j] }
                    for j in folded..<GH { row[j] += bih[j] }
                }
            }
            recurrentForward.load(p + L.weightHH(k), ldb: H)
            rowPass = RowPass(phase: .forward, layer: k, biasHH: bhh, activation: net.activation, options: nil)
            recurrence()
        }
        // y_t = h_t W_outᵀ + b_out on the top layer, at the scored steps
        let O = shape.outputs
        let firstRow = lossKind.lastStepOnly ? (steps - 1) * B : 0
        let rows = steps * B - firstRow
        if rows > readoutRows {
            y.deallocate()
            dy.deallocate()
            (y, dy, readoutRows) = (Self.zeros(rows * O), Self.zeros(rows * O), rows)
        }
        let htop = states(shape.layers - 1) + BH
        Gemm.run(transA: false, transB: true, m: rows, n: O, k: H,
                 a: htop + firstRow * H, lda: H, b: p + L.readoutWeight, ldb: H, beta: 0, c: y, ldc: O)
        if L.readoutHasBias {
            let bout = p + L.readoutBias
            for r in 0..<rows { for j in 0..<O { y[r * O + j] += bout[j] } }
        }
        return Loss.evaluate(lossKind, y: y, dy: dy, rows: rows, outputs: O, targets: targets, rowOffset: firstRow,
                             ignoreIndex: options.ignoreIndex)
    }

    // MARK: Backward

    /// `tokens`: the ids x was looked up from, for a network with an embedding.
    private func backward<C: RecurrentCell>(_: C.Type, _ net: RNN<T>, _ p: UnsafePointer<T>, _ x: UnsafePointer<T>,
                                            _ tokens: UnsafePointer<Int32>?, _ options: BPTTOptions,
                                            _ g: UnsafeMutablePointer<T>) where C.T == T {
        let H = shape.hidden, B = batchSize, O = shape.outputs, steps = self.steps, L = net.layout, BH = B * H
        let GH = C.gates * H, BG = B * GH
        let firstRow = options.loss.lastStepOnly ? (steps - 1) * B : 0
        let rows = steps * B - firstRow
        let top = shape.layers - 1
        if let V = L.vocabulary { (g + L.embedding).update(repeating: 0, count: V * shape.inputs) }

        // ∂L/∂W_out = Σ_t dy_tᵀ h_t ;  ∂L/∂b_out = Σ_t dy_t
        Gemm.run(transA: true, transB: false, m: O, n: H, k: rows,
                 a: dy, lda: O, b: states(top) + BH + firstRow * H, ldb: H, beta: 0, c: g + L.readoutWeight, ldc: H)
        if L.readoutHasBias {
            let gbout = g + L.readoutBias
            gbout.update(repeating: 0, count: O)
            Elementwise.addRows(dy, count: rows, width: O, into: gbout)
        }

        for k in stride(from: top, through: 0, by: -1) {
            let h = states(k)  // h_t at h + t·B·H
            let I = shape.inputWidth(layer: k)
            let input = k == 0 ? x : UnsafePointer(states(k - 1) + BH)
            let bhh = L.bias ? p + L.biasHH(k) : nil
            recurrentBackward.load(p + L.weightHH(k), ldb: H)
            if C.hasMemory { dcRunning.update(repeating: 0, count: BH) }
            var end = steps
            spareWindow = false
            while end > 0 {
                // The window of steps start..<end; w.dh(s), w.dax(s), w.dah(s) are step s's blocks.
                let start = max(0, end - window), n = end - start
                let w = WindowBuffers(self, layer: k, start: start, C.self)
                // ∂L/∂h_t from outside the recurrence: the readout (top layer) or the layer above
                if k == top {
                    // dy_t W_out at the scored steps, 0 elsewhere
                    let scoredFrom = min(max(start * B, firstRow), end * B)  // first scored row in the window
                    w.dh(start).update(repeating: 0, count: (scoredFrom - start * B) * H)
                    if end * B > scoredFrom {
                        Gemm.run(transA: false, transB: false, m: end * B - scoredFrom, n: H, k: O,
                                 a: dy + (scoredFrom - firstRow) * O, lda: O, b: p + L.readoutWeight, ldb: H,
                                 beta: 0, c: w.dh(start) + (scoredFrom - start * B) * H, ldc: H)
                    }
                } else {
                    // ∂L/∂h_t = ∂L/∂a_t W_ih, both of the layer above (its x_t is this h_t)
                    Gemm.run(transA: false, transB: false, m: n * B, n: H, k: GH,
                             a: fullDA(k + 1)! + start * BG, lda: GH, b: p + L.weightIH(k + 1), ldb: H,
                             beta: 0, c: w.dh(start), ldc: H)
                }
                // ∂L/∂h_{end-1} += what step `end` (first of the later window) sent back
                if end < steps && !options.cuts(before: end) {
                    let last = w.dh(end - 1)
                    for j in 0..<BH { last[j] += carry[j] }
                }
                // Backward through time, each block of batch rows on its own thread
                rowPass = RowPass(phase: .backward(start: start, end: end), layer: k, biasHH: bhh,
                                  activation: net.activation, options: options)
                recurrence()
                for s in start..<end {
                    // ‖∂L/∂h_t‖: everything reaching h_t (readout, layer above, step t+1); ‖∂L/∂c_t‖
                    hiddenGradNorms[k][s] = Elementwise.norm(w.dh(s), BH)
                    if C.hasMemory { cellGradNorms[k][s] = Elementwise.norm(w.dc(s), BH) }
                    // step t's own term of ∂L/∂W_hh = Σ_t ∂L/∂a_tᵀ h_{t-1}, kept apart when asked for
                    stepGradients?.add(layer: k, step: s, da: w.dah(s), hPrevious: h + s * BH, batch: B, rows: GH, hidden: H)
                }
                let accumulate: T = end == steps ? 0 : 1
                // ∂L/∂W_hh += Σ_t ∂L/∂a_tᵀ h_{t-1}   (a detached h_{t-1} still feeds W_hh), each window's
                // terms added after the later window's; on a helper during the next window where one is free
                if let deferred, start > 0 {
                    deferred.start(transA: true, transB: false, m: GH, n: H, k: n * B,
                                   a: UnsafePointer(Self.float(w.dah(start))), lda: GH, b: UnsafePointer(Self.float(h + start * BH)), ldb: H,
                                   beta: Float(accumulate), c: Self.float(g + L.weightHH(k)), ldc: H)
                    spareWindow.toggle()
                } else {
                    deferred?.finish()
                    Gemm.run(transA: true, transB: false, m: GH, n: H, k: n * B,
                             a: w.dah(start), lda: GH, b: h + start * BH, ldb: H, beta: accumulate, c: g + L.weightHH(k), ldc: H)
                }
                // ∂L/∂W_ih += Σ_t ∂L/∂a_tᵀ x_t
                Gemm.run(transA: true, transB: false, m: GH, n: I, k: n * B,
                         a: w.dax(start), lda: GH, b: input + start * B * I, ldb: I, beta: accumulate, c: g + L.weightIH(k), ldc: I)
                // ∂L/∂b_ih = Σ_t ∂L/∂a_t (input side), ∂L/∂b_hh = Σ_t ∂L/∂a_t (recurrent side)
                if L.bias {
                    let gbih = g + L.biasIH(k), gbhh = g + L.biasHH(k), dxw = w.dax(start), dhw = w.dah(start)
                    if end == steps { gbih.update(repeating: 0, count: GH) }
                    Elementwise.addRows(dxw, count: n * B, width: GH, into: gbih)
                    if C.recurrentApart {
                        if end == steps { gbhh.update(repeating: 0, count: GH) }
                        Elementwise.addRows(dhw, count: n * B, width: GH, into: gbhh)
                    }
                }
                // ∂L/∂E[id_t] += ∂L/∂x_t = ∂L/∂a_t W_ih, at the bottom layer of a network with an embedding
                if k == 0, let dx = embeddedGradient, let ids = tokens {
                    Gemm.run(transA: false, transB: false, m: n * B, n: I, k: GH,
                             a: w.dax(start), lda: GH, b: p + L.weightIH(0), ldb: I, beta: 0, c: dx, ldc: I)
                    Embedding.backward(dx, width: I, tokens: ids + start * B, rows: n * B, into: g + L.embedding)
                }
                end = start
            }
            if L.bias && !C.recurrentApart {
                let gbih = g + L.biasIH(k), gbhh = g + L.biasHH(k)
                for j in 0..<GH { gbhh[j] = gbih[j] }
            }
        }
    }

    // MARK: The recurrence, by blocks of batch rows

    /// What the row blocks run next: a layer's forward recurrence, or its
    /// backward pass through the window of steps start..<end.
    private struct RowPass {
        enum Phase { case forward, backward(start: Int, end: Int) }
        var phase: Phase
        var layer: Int
        var biasHH: UnsafePointer<T>?
        var activation: Activation
        var options: BPTTOptions?
    }
    private var rowPass: RowPass?

    /// Runs `rowPass` over the batch rows: in `rowBlocks` blocks at once, or
    /// all rows here. Rows never meet in the recurrence, so each block runs
    /// every step of its rows and the threads meet only at the end.
    private func recurrence() {
        if rowBlocks == 1 { runRowBlock(0..<batchSize); return }
        precondition(T.self == Float.self)
        KernelThreads.runRows(batchSize, parts: rowBlocks, context: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())) {
            context, lower, upper in
            Unmanaged<BPTT<Float>>.fromOpaque(context).takeUnretainedValue().runRowBlock(lower..<upper)
        }
    }

    private func runRowBlock(_ rows: Range<Int>) {
        let H = shape.hidden, pass = rowPass!
        switch shape.cell {
        case .rnn: runRowBlock(ElmanCell<T>(activation: pass.activation, hidden: H), pass, rows)
        case .lstm: runRowBlock(LSTMCell<T>(hidden: H), pass, rows)
        case .gru: runRowBlock(GRUCell<T>(hidden: H), pass, rows)
        case .residual: runRowBlock(ResidualCell<T>(activation: pass.activation, hidden: H), pass, rows)
        }
    }

    private func runRowBlock<C: RecurrentCell>(_ cell: C, _ pass: RowPass, _ rows: Range<Int>) where C.T == T {
        let k = pass.layer, H = shape.hidden, GH = C.gates * H, W = C.width * H, bhh = pass.biasHH
        // With one block, each product is split over the threads instead
        let split = rowBlocks == 1
        // Batch 1: odd steps read W_hh's rows last to first (`PackedOperand.product`).
        let alternates = batchSize == 1
        switch pass.phase {
        case .forward:
            for s in 0..<steps {
                let st = step(k, s, C.self, biasHH: bhh).rows(rows, hidden: H, gateWidth: W, recurrentWidth: GH)
                if C.recurrentApart {
                    // h_{t-1} W_hhᵀ, kept apart for the cell
                    recurrentForward.product(m: st.batch, a: st.hPrev, lda: H, beta: 0,
                                             c: recurrentScratch + rows.lowerBound * GH, ldc: GH, split: split,
                                             descending: alternates && s & 1 == 1)
                } else {
                    // a_t += h_{t-1} W_hhᵀ
                    recurrentForward.product(m: st.batch, a: st.hPrev, lda: H, beta: 1, c: st.gates, ldc: W, split: split,
                                             descending: alternates && s & 1 == 1)
                }
                // h_t (and c_t) from the gates
                cell.forward(st)
            }
        case .backward(let start, let end):
            let options = pass.options!, w = WindowBuffers(self, layer: k, start: start, C.self), r0 = rows.lowerBound
            // Step s (0-based) made h_{s+1} from a_{s+1}.
            for s in stride(from: end - 1, through: start, by: -1) {
                // Unless truncation detached h_{t-1}, the step sends ∂L/∂h_{t-1} back: within
                // the window to dh(s-1), from the window's first step into the next window.
                let carries = s > 0 && !options.cuts(before: s)
                let dhPrev: UnsafeMutablePointer<T>? = !carries ? nil : s > start ? w.dh(s - 1) : carry
                if dhPrev == carry { (carry + r0 * H).update(repeating: 0, count: rows.count * H) }
                // ∂L/∂a_t (and ∂L/∂c_{t-1}) from ∂L/∂h_t (and ∂L/∂c_t)
                let grads = CellGradients(dh: w.dh(s), dc: C.hasMemory ? dcRunning : nil, dcTotal: C.hasMemory ? w.dc(s) : nil,
                                          dax: w.dax(s), dah: w.dah(s), dhPrev: dhPrev, carries: carries)
                cell.backward(step(k, s, C.self, biasHH: bhh).rows(rows, hidden: H, gateWidth: W, recurrentWidth: GH),
                              grads.rows(rows, hidden: H, gateWidth: GH))
                // ∂L/∂h_{t-1} += ∂L/∂a_t W_hh
                if let dhPrev {
                    recurrentBackward.product(m: rows.count, a: w.dah(s) + r0 * GH, lda: GH, beta: 1,
                                              c: dhPrev + r0 * H, ldc: H, split: split, descending: alternates && s & 1 == 1)
                }
            }
        }
    }

    /// Where step s's gradients live in the backward window starting at `start`
    /// of layer k: ∂L/∂h, ∂L/∂c, and ∂L/∂a on the input and recurrent sides.
    private struct WindowBuffers {
        let dhBase: UnsafeMutablePointer<T>, dcBase: UnsafeMutablePointer<T>
        let daxWindow: UnsafeMutablePointer<T>, daFull: UnsafeMutablePointer<T>?, dahWindow: UnsafeMutablePointer<T>
        let start: Int, BH: Int, BG: Int, apart: Bool

        init<C: RecurrentCell>(_ b: BPTT<T>, layer k: Int, start: Int, _: C.Type) {
            let H = b.shape.hidden
            (dhBase, dcBase, daFull) = (b.dhWindow, b.dcWindow, b.fullDA(k))
            (daxWindow, dahWindow) = b.spareWindow ? (b.daWindowSpare, b.dahWindowSpare) : (b.daWindow, b.dahWindow)
            (self.start, BH, BG, apart) = (start, b.batchSize * H, b.batchSize * C.gates * H, C.recurrentApart)
        }

        func dh(_ s: Int) -> UnsafeMutablePointer<T> { dhBase + (s - start) * BH }
        func dc(_ s: Int) -> UnsafeMutablePointer<T> { dcBase + (s - start) * BH }
        /// All steps for a layer with a layer below (which reads them), else the window's.
        func dax(_ s: Int) -> UnsafeMutablePointer<T> { daFull.map { $0 + s * BG } ?? daxWindow + (s - start) * BG }
        func dah(_ s: Int) -> UnsafeMutablePointer<T> { apart ? dahWindow + (s - start) * BG : dax(s) }
    }

    // MARK: Diagnostics

    /// ‖∂h_t/∂h_{t−1}‖₂ for every step, the largest over the batch: the factor
    /// by which one step back can at most stretch the gradient; and the gated
    /// cells' direct path, gate by gate and as a product from T back.
    private func recordJacobians<C: RecurrentCell>(_ cell: C, _ p: UnsafePointer<T>, _ L: ParameterLayout) where C.T == T {
        let H = shape.hidden, B = batchSize
        if recordedJacobianNorms.isEmpty { recordedJacobianNorms = nanNorms }
        for k in 0..<shape.layers {
            let whh = p + L.weightHH(k)
            for s in 0..<steps {
                let st = step(k, s, C.self, biasHH: L.bias ? p + L.biasHH(k) : nil)
                var largest = 0.0
                for b in 0..<B {
                    cell.jacobian(st, row: b, coefficients: coefficients, diagonal: diagonal)
                    let n: Double
                    if C.gatesInPlaceOfH {
                        n = Double(jacobian.norm(w: whh, d: coefficients))  // diag(act') W_hh
                    } else {
                        // Σ_g diag(coefficients_g) W_hh,g + diag(diagonal), row by row
                        for i in 0..<H {
                            let row = stepJacobian + i * H
                            for j in 0..<H { row[j] = 0 }
                            for gate in 0..<C.gates {
                                let c = coefficients[gate * H + i], w = whh + (gate * H + i) * H
                                for j in 0..<H { row[j] += c * w[j] }
                            }
                            row[i] += diagonal[i]
                        }
                        n = Double(jacobian.norm(w: stepJacobian, d: ones))
                    }
                    if n.isNaN || n > largest { largest = n }
                    if largest.isNaN { break }
                }
                recordedJacobianNorms[k][s] = largest
            }
        }
    }

    /// The gated cells' direct path, gate by gate and as a product from T back.
    private func recordGatePath<C: RecurrentCell>(_: C.Type) where C.T == T {
        let H = shape.hidden, B = batchSize
        guard let gate = C.pathGate else { return }
        if recordedGateMeans.isEmpty {
            (recordedGateMeans, recordedPathProducts) = (nanNorms, nanNorms)
            recordedSaturation = [Double](repeating: .nan, count: shape.layers)
        }
        // Π_{u=t}^{T} gate_u per unit, from T back, in Double (σ(0)^1000 is far below float32's range);
        // its mean over units and batch
        var product = [Double](repeating: 1, count: H)
        for k in 0..<shape.layers {
            var gateSums = [Double](repeating: 0, count: steps), productSums = gateSums
            var saturated = 0
            for b in 0..<B {
                for j in 0..<H { product[j] = 1 }
                for s in stride(from: steps - 1, through: 0, by: -1) {
                    let v = gates(k, C.self) + (s * B + b) * C.width * H + gate * H
                    var sum = 0.0, prod = 0.0
                    for j in 0..<H {
                        product[j] *= Double(v[j])
                        sum += Double(v[j])
                        prod += product[j]
                        if v[j] < 0.05 || v[j] > 0.95 { saturated += 1 }
                    }
                    gateSums[s] += sum
                    productSums[s] += prod
                }
            }
            let count = Double(B * H)
            recordedGateMeans[k] = gateSums.map { $0 / count }
            recordedPathProducts[k] = productSums.map { $0 / count }
            recordedSaturation[k] = Double(saturated) / (count * Double(steps))
        }
    }
}
