/// How one backward pass is run: which loss, where truncation cuts, how gradients are clipped.
public struct BPTTOptions: Sendable, Equatable {
    public var loss: LossKind
    /// Truncation length K: no gradient crosses from step K·j to K·j − 1. 0 = full BPTT.
    public var truncate: Int
    /// Global-norm clipping threshold (Pascanu et al. 2013, Alg. 1). 0 = off.
    public var clipNorm: Double
    /// Element-wise clipping to ±clipValue (min-char-rnn's ±5). 0 = off.
    public var clipValue: Double
    /// Also measure ‖diag(act'(a_t)) W_hh‖₂ at every step (costs about as much as the pass itself).
    public var recordJacobians: Bool
    /// Also record each step's term of ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t) (O(B·H²) per step).
    public var recordStepGradients: Bool

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

/// Forward pass and backpropagation through time for a stacked Elman RNN,
/// with every buffer allocated once for a given (network, T, B) and reused.
///
/// Layout: everything is time-major and row-major, h_t of layer k for the whole
/// batch is one [B × H] block, so products over many timesteps are single GEMMs
/// and only the recurrence itself runs step by step.
///
/// Memory: the forward pass must keep every h_t. The backward pass walks back
/// in windows of `window` steps and keeps ∂L/∂h and ∂L/∂a only for the window
/// (plus, below a layer, that layer's ∂L/∂a for all steps), so a single-layer
/// run over T = 100,000 steps needs little beyond its hidden states.
public final class BPTT<T: RNNFloat> {
    public let shape: RNNShape
    public let steps: Int
    public let batchSize: Int
    /// Steps per backward window: long enough that the window's products are
    /// efficient GEMMs, short enough to stay in cache.
    public let window: Int

    /// h_t of every layer, [layers, T+1, B, H]; block 0 of each layer is h_0 (0 unless the batch gives one).
    private let hs: UnsafeMutablePointer<T>
    private let layerStride: Int
    /// ∂L/∂h_t for the steps of the current window, [window, B, H].
    private let dhWindow: UnsafeMutablePointer<T>
    /// ∂L/∂a_t for the current window of the bottom layer, [window, B, H].
    private let daWindow: UnsafeMutablePointer<T>
    /// ∂L/∂a_t for all steps of layers above the bottom one, which the layer
    /// below needs: two alternating [T, B, H] buffers (none for one layer).
    private let daFull: [UnsafeMutablePointer<T>]
    /// ∂L/∂h_{t-1} carried from the first step of one window to the last of the next, [B, H].
    private let carry: UnsafeMutablePointer<T>
    /// Readout y_t and ∂L/∂y_t for the scored rows, [rows, O]; sized on first use.
    private var y: UnsafeMutablePointer<T>
    private var dy: UnsafeMutablePointer<T>
    private var readoutRows = 0
    /// For a network with an embedding: x_t = E[id_t] for all steps, [T, B, I], and
    /// ∂L/∂x_t for the steps of the current window, [window, B, I]; sized on first use.
    private var embedded: UnsafeMutablePointer<T>?
    private var embeddedGradient: UnsafeMutablePointer<T>?
    /// W_hh of the layer being run, as op(B) of every step's product: W_hhᵀ
    /// forward, W_hh backward (packed once per layer and pass).
    private let recurrentForward: PackedOperand<T>
    private let recurrentBackward: PackedOperand<T>
    /// act'(a_t) of one batch row, for the Jacobian factor.
    private let derivatives: UnsafeMutablePointer<T>
    private var jacobian: JacobianNorm<T>
    /// ‖∂L/∂h_t‖ (Frobenius over the batch), [layers][T].
    public private(set) var hiddenGradNorms: [[Double]]
    /// ‖diag(act'(a_t)) W_hh‖₂, the largest over the batch, [layers][T]; NaN unless recorded.
    public var jacobianNorms: [[Double]] {
        recordedJacobianNorms.isEmpty
            ? Array(repeating: [Double](repeating: .nan, count: steps), count: shape.layers) : recordedJacobianNorms
    }
    /// Allocated by the first pass that records them: a long run that never
    /// does keeps no memory for them.
    private var recordedJacobianNorms: [[Double]] = []
    /// Each step's term of ∂L/∂W_hh, from the last pass that recorded them (else nil).
    public private(set) var stepGradients: StepGradients?

    public init(shape: RNNShape, steps: Int, batchSize: Int, window: Int? = nil) {
        precondition(steps > 0 && batchSize > 0)
        self.shape = shape
        self.steps = steps
        self.batchSize = batchSize
        self.window = min(steps, max(1, window ?? max(32, 512 / batchSize)))
        let block = batchSize * shape.hidden
        layerStride = (steps + 1) * block
        hs = Self.zeros(shape.layers * layerStride)
        dhWindow = Self.zeros(self.window * block)
        daWindow = Self.zeros(self.window * block)
        daFull = (0..<min(2, shape.layers - 1)).map { _ in Self.zeros(steps * block) }
        carry = Self.zeros(block)
        y = Self.zeros(1)
        dy = Self.zeros(1)
        derivatives = Self.zeros(shape.hidden)
        recurrentForward = PackedOperand(k: shape.hidden, n: shape.hidden, transB: true, rows: batchSize)
        recurrentBackward = PackedOperand(k: shape.hidden, n: shape.hidden, transB: false, rows: batchSize)
        jacobian = JacobianNorm<T>(hidden: shape.hidden)
        hiddenGradNorms = Array(repeating: [Double](repeating: 0, count: steps), count: shape.layers)
    }

    deinit {
        for p in [hs, dhWindow, daWindow, carry, y, dy, derivatives] + daFull { p.deallocate() }
        embedded?.deallocate()
        embeddedGradient?.deallocate()
    }

    private static func zeros(_ n: Int) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
        p.initialize(repeating: 0, count: max(n, 1))
        return p
    }

    /// h_0 … h_T of layer k: h_t for the batch at offset t·B·H.
    @inline(__always)
    private func states(_ k: Int) -> UnsafeMutablePointer<T> { hs + k * layerStride }

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
        precondition(batch.initialHidden.map { $0.count == shape.layers && $0.allSatisfy { $0.count == batchSize * shape.hidden } } ?? true)
        precondition(gradients.count == net.layout.count)
        // Vanished float32 gradients turn subnormal, and subnormal arithmetic is
        // ~100× slower: flush them to zero for the pass (they are below float32's
        // resolution anyway). Double keeps every digit for the checks.
        if T.self == Float.self { return Denormals.flushed { pass(net, batch, options, gradients: &gradients) } }
        return pass(net, batch, options, gradients: &gradients)
    }

    private func pass(_ net: RNN<T>, _ batch: Batch<T>, _ options: BPTTOptions, gradients: inout [T]) -> BPTTSummary {
        setInitialStates(batch.initialHidden)
        if let tokens = batch.tokens { embed(net, tokens) }
        let loss = net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                forward(net, p.baseAddress!, embedded.map { UnsafePointer($0) } ?? x.baseAddress!, batch.targets, options.loss)
            }
        }
        stepGradients = options.recordStepGradients
            ? StepGradients(layers: shape.layers, hidden: shape.hidden, steps: steps) : nil
        net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                gradients.withUnsafeMutableBufferPointer { g in
                    let input = embedded.map { UnsafePointer($0) } ?? x.baseAddress!
                    if let tokens = batch.tokens {
                        tokens.withUnsafeBufferPointer { backward(net, p.baseAddress!, input, $0.baseAddress!, options, g.baseAddress!) }
                    } else {
                        backward(net, p.baseAddress!, input, nil, options, g.baseAddress!)
                    }
                }
            }
        }
        if stepGradients != nil {
            let H = shape.hidden
            for k in 0..<shape.layers {
                let o = net.layout.weightHH(k)
                stepGradients!.total[k] = gradients[o..<(o + H * H)].map { Double($0) }
            }
        }
        // Global norm before clipping: ‖g‖ = sqrt(Σ g²), summed in Double.
        let gradNorm = Clipping.globalNorm(gradients)
        let nonfinite = !loss.isFinite || !gradNorm.isFinite
        var clipScale = 1.0
        var valueClipped = false
        if !nonfinite {
            if options.clipNorm > 0 { clipScale = Clipping.clipGlobalNorm(&gradients, norm: gradNorm, maxNorm: options.clipNorm) }
            if options.clipValue > 0 { valueClipped = Clipping.clipValues(&gradients, limit: options.clipValue) }
        }
        return BPTTSummary(loss: loss, gradNorm: gradNorm, clipScale: clipScale, valueClipped: valueClipped, nonfinite: nonfinite)
    }

    // MARK: Forward

    /// h_0 of every layer: the batch's, or zeros (the workspace is reused across batches).
    private func setInitialStates(_ initial: [[T]]?) {
        let BH = batchSize * shape.hidden
        for k in 0..<shape.layers {
            if let initial { initial[k].withUnsafeBufferPointer { states(k).update(from: $0.baseAddress!, count: BH) } }
            else { states(k).update(repeating: 0, count: BH) }
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

    private func forward(_ net: RNN<T>, _ p: UnsafePointer<T>, _ x: UnsafePointer<T>, _ targets: Batch<T>.Targets, _ lossKind: LossKind) -> Double {
        let H = shape.hidden, B = batchSize, steps = self.steps, L = net.layout, BH = B * H
        let act = net.activation
        for k in 0..<shape.layers {
            let I = shape.inputWidth(layer: k)
            let input = k == 0 ? x : UnsafePointer(states(k - 1) + BH)
            let h = states(k)
            let a = h + BH  // a_1 … a_T are built in place of h_1 … h_T
            // a_t = x_t W_ihᵀ, for all t in one product
            Gemm.run(transA: false, transB: true, m: steps * B, n: H, k: I,
                     a: input, lda: I, b: p + L.weightIH(k), ldb: I, beta: 0, c: a, ldc: H)
            // a_t += b_ih + b_hh
            if L.bias {
                let bih = p + L.biasIH(k), bhh = p + L.biasHH(k)
                for r in 0..<(steps * B) {
                    let row = a + r * H
                    for j in 0..<H { row[j] += bih[j] + bhh[j] }
                }
            }
            recurrentForward.load(p + L.weightHH(k), ldb: H)
            for t in 1...steps {
                let ht = h + t * BH
                // a_t += h_{t-1} W_hhᵀ
                recurrentForward.product(m: B, a: ht - BH, lda: H, beta: 1, c: ht, ldc: H)
                // h_t = act(a_t)
                Elementwise.activate(act, ht, BH)
            }
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
        return Loss.evaluate(lossKind, y: y, dy: dy, rows: rows, outputs: O, targets: targets, rowOffset: firstRow)
    }

    // MARK: Backward

    /// `tokens`: the ids x was looked up from, for a network with an embedding.
    private func backward(_ net: RNN<T>, _ p: UnsafePointer<T>, _ x: UnsafePointer<T>, _ tokens: UnsafePointer<Int32>?,
                          _ options: BPTTOptions, _ g: UnsafeMutablePointer<T>) {
        let H = shape.hidden, B = batchSize, O = shape.outputs, steps = self.steps, L = net.layout, BH = B * H
        let act = net.activation
        let firstRow = options.loss.lastStepOnly ? (steps - 1) * B : 0
        let rows = steps * B - firstRow
        let top = shape.layers - 1
        if let V = L.vocabulary { (g + L.embedding).update(repeating: 0, count: V * shape.inputs) }

        // ∂L/∂W_out = Σ_t dy_tᵀ h_t ;  ∂L/∂b_out = Σ_t dy_t
        Gemm.run(transA: true, transB: false, m: O, n: H, k: rows,
                 a: dy, lda: O, b: states(top) + BH + firstRow * H, ldb: H, beta: 0, c: g + L.readoutWeight, ldc: H)
        if L.readoutHasBias {
            let gbout = g + L.readoutBias
            for j in 0..<O { gbout[j] = 0 }
            for r in 0..<rows { for j in 0..<O { gbout[j] += dy[r * O + j] } }
        }

        for k in stride(from: top, through: 0, by: -1) {
            let h = states(k)  // h_t at h + t·B·H, h_0 = 0
            let I = shape.inputWidth(layer: k)
            let input = k == 0 ? x : UnsafePointer(states(k - 1) + BH)
            let whh = p + L.weightHH(k)
            recurrentBackward.load(whh, ldb: H)
            var end = steps
            while end > 0 {
                // The window of steps start..<end; dh(s), da(s) are step s's blocks.
                let start = max(0, end - window), n = end - start
                let daBase = fullDA(k)
                func dh(_ s: Int) -> UnsafeMutablePointer<T> { dhWindow + (s - start) * BH }
                func da(_ s: Int) -> UnsafeMutablePointer<T> { daBase.map { $0 + s * BH } ?? daWindow + (s - start) * BH }
                // ∂L/∂h_t from outside the recurrence: the readout (top layer) or the layer above
                if k == top {
                    // dy_t W_out at the scored steps, 0 elsewhere
                    let scoredFrom = min(max(start * B, firstRow), end * B)  // first scored row in the window
                    dh(start).update(repeating: 0, count: (scoredFrom - start * B) * H)
                    if end * B > scoredFrom {
                        Gemm.run(transA: false, transB: false, m: end * B - scoredFrom, n: H, k: O,
                                 a: dy + (scoredFrom - firstRow) * O, lda: O, b: p + L.readoutWeight, ldb: H,
                                 beta: 0, c: dh(start) + (scoredFrom - start * B) * H, ldc: H)
                    }
                } else {
                    // ∂L/∂h_t = ∂L/∂a_t W_ih, both of the layer above (its x_t is this h_t)
                    Gemm.run(transA: false, transB: false, m: n * B, n: H, k: H,
                             a: fullDA(k + 1)! + start * BH, lda: H, b: p + L.weightIH(k + 1), ldb: H,
                             beta: 0, c: dh(start), ldc: H)
                }
                // ∂L/∂h_{end-1} += what step `end` (first of the later window) sent back
                if end < steps && !options.cuts(before: end) {
                    let last = dh(end - 1)
                    for j in 0..<BH { last[j] += carry[j] }
                }
                // Backward through time. Step s (0-based) made h_{s+1} from a_{s+1}.
                for s in stride(from: end - 1, through: start, by: -1) {
                    let ht = h + (s + 1) * BH
                    // ‖∂L/∂h_t‖: everything reaching h_t (readout, layer above, step t+1)
                    hiddenGradNorms[k][s] = Elementwise.norm(dh(s), BH)
                    // ∂L/∂a_t = act'(a_t) ⊙ ∂L/∂h_t
                    Elementwise.backprop(act, h: ht, dh: dh(s), da: da(s), BH)
                    if stepGradients != nil {
                        stepGradients!.add(layer: k, step: s, da: da(s), hPrevious: h + s * BH, batch: B, hidden: H)
                    }
                    // ∂L/∂h_{t-1} += ∂L/∂a_t W_hh, unless truncation detached h_{t-1};
                    // from the window's first step it is carried into the next window.
                    if s > start && !options.cuts(before: s) {
                        recurrentBackward.product(m: B, a: da(s), lda: H, beta: 1, c: dh(s - 1), ldc: H)
                    } else if s == start && s > 0 && !options.cuts(before: s) {
                        recurrentBackward.product(m: B, a: da(s), lda: H, beta: 0, c: carry, ldc: H)
                    }
                }
                let accumulate: T = end == steps ? 0 : 1
                // ∂L/∂W_hh += Σ_t ∂L/∂a_tᵀ h_{t-1}   (a detached h_{t-1} still feeds W_hh)
                Gemm.run(transA: true, transB: false, m: H, n: H, k: n * B,
                         a: da(start), lda: H, b: h + start * BH, ldb: H, beta: accumulate, c: g + L.weightHH(k), ldc: H)
                // ∂L/∂W_ih += Σ_t ∂L/∂a_tᵀ x_t
                Gemm.run(transA: true, transB: false, m: H, n: I, k: n * B,
                         a: da(start), lda: H, b: input + start * B * I, ldb: I, beta: accumulate, c: g + L.weightIH(k), ldc: I)
                // ∂L/∂b_ih = ∂L/∂b_hh = Σ_t ∂L/∂a_t
                if L.bias {
                    let gbih = g + L.biasIH(k), daw = da(start)
                    if end == steps { gbih.update(repeating: 0, count: H) }
                    for r in 0..<(n * B) { for j in 0..<H { gbih[j] += daw[r * H + j] } }
                }
                // ∂L/∂E[id_t] += ∂L/∂x_t = ∂L/∂a_t W_ih, at the bottom layer of a network with an embedding
                if k == 0, let dx = embeddedGradient, let ids = tokens {
                    Gemm.run(transA: false, transB: false, m: n * B, n: I, k: H,
                             a: da(start), lda: H, b: p + L.weightIH(0), ldb: I, beta: 0, c: dx, ldc: I)
                    Embedding.backward(dx, width: I, tokens: ids + start * B, rows: n * B, into: g + L.embedding)
                }
                end = start
            }
            if L.bias {
                let gbih = g + L.biasIH(k), gbhh = g + L.biasHH(k)
                for j in 0..<H { gbhh[j] = gbih[j] }
            }
            if options.recordJacobians { recordJacobians(layer: k, whh: whh, act: act) }
        }
    }

    /// ‖diag(act'(a_t)) W_hh‖₂ for every step, the largest over the batch:
    /// the factor by which one step back can at most stretch the gradient.
    private func recordJacobians(layer k: Int, whh: UnsafePointer<T>, act: Activation) {
        let H = shape.hidden, B = batchSize
        let h = states(k)
        if recordedJacobianNorms.isEmpty { recordedJacobianNorms = jacobianNorms }
        for s in 0..<steps {
            var largest = 0.0
            for b in 0..<B {
                let ht = h + (s + 1) * B * H + b * H
                for j in 0..<H { derivatives[j] = act.derivative(output: ht[j]) }
                let n = Double(jacobian.norm(w: whh, d: derivatives))
                if n.isNaN || n > largest { largest = n }
                if largest.isNaN { break }
            }
            recordedJacobianNorms[k][s] = largest
        }
    }
}
