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

    public init(loss: LossKind, truncate: Int = 0, clipNorm: Double = 0, clipValue: Double = 0, recordJacobians: Bool = false) {
        self.loss = loss
        self.truncate = truncate
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        self.recordJacobians = recordJacobians
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
/// batch is one [B × H] block, so products over all timesteps are single GEMMs
/// and only the recurrence itself runs step by step.
public final class BPTT<T: RNNFloat> {
    public let shape: RNNShape
    public let steps: Int
    public let batchSize: Int

    /// h_t of every layer, [layers, T+1, B, H]; block 0 of each layer is h_0 = 0.
    private let hs: UnsafeMutablePointer<T>
    /// ∂L/∂h_t of the layer being processed, [T, B, H].
    private let dh: UnsafeMutablePointer<T>
    /// ∂L/∂a_t (a_t the pre-activation) of the layer being processed, [T, B, H].
    private let da: UnsafeMutablePointer<T>
    /// Readout y_t and ∂L/∂y_t, [T·B, O] (only the last B rows for `-last` losses).
    private let y: UnsafeMutablePointer<T>
    private let dy: UnsafeMutablePointer<T>
    /// act'(a_t) of one batch row, for the Jacobian factor.
    private let derivatives: UnsafeMutablePointer<T>
    private let layerStride: Int
    private var jacobian: JacobianNorm<T>
    /// ‖∂L/∂h_t‖ (Frobenius over the batch), [layers][T].
    public private(set) var hiddenGradNorms: [[Double]]
    /// ‖diag(act'(a_t)) W_hh‖₂, the largest over the batch, [layers][T]; NaN unless recorded.
    public private(set) var jacobianNorms: [[Double]]

    public init(shape: RNNShape, steps: Int, batchSize: Int) {
        precondition(steps > 0 && batchSize > 0)
        self.shape = shape
        self.steps = steps
        self.batchSize = batchSize
        let block = batchSize * shape.hidden
        layerStride = (steps + 1) * block
        func zeros(_ n: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        hs = zeros(shape.layers * layerStride)
        dh = zeros(steps * block)
        da = zeros(steps * block)
        y = zeros(steps * batchSize * shape.outputs)
        dy = zeros(steps * batchSize * shape.outputs)
        derivatives = zeros(shape.hidden)
        jacobian = JacobianNorm<T>(hidden: shape.hidden)
        hiddenGradNorms = Array(repeating: [Double](repeating: 0, count: steps), count: shape.layers)
        jacobianNorms = Array(repeating: [Double](repeating: .nan, count: steps), count: shape.layers)
    }

    deinit {
        for p in [hs, dh, da, y, dy, derivatives] { p.deallocate() }
    }

    /// h_0 … h_T of layer k: h_t for the batch at offset t·B·H.
    @inline(__always)
    private func states(_ k: Int) -> UnsafeMutablePointer<T> { hs + k * layerStride }

    /// The hidden states h_1…h_T of layer k from the last forward pass, [T, B, H].
    public func hiddenStates(layer k: Int) -> [T] {
        let block = batchSize * shape.hidden
        return Array(UnsafeBufferPointer(start: states(k) + block, count: steps * block))
    }

    /// One forward pass and one backward pass: fills `gradients` (same layout as
    /// the parameters) with ∂L/∂θ after clipping, and the per-step norms.
    public func run(_ net: RNN<T>, _ batch: Batch<T>, _ options: BPTTOptions, gradients: inout [T]) -> BPTTSummary {
        precondition(net.shape == shape && batch.steps == steps && batch.size == batchSize && batch.inputWidth == shape.inputs)
        precondition(gradients.count == net.layout.count)
        let loss = net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                forward(net, p.baseAddress!, x.baseAddress!, batch.targets, options.loss)
            }
        }
        net.parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                gradients.withUnsafeMutableBufferPointer { g in
                    backward(net, p.baseAddress!, x.baseAddress!, options, g.baseAddress!)
                }
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
            let bih = p + L.biasIH(k), bhh = p + L.biasHH(k)
            for r in 0..<(steps * B) {
                let row = a + r * H
                for j in 0..<H { row[j] += bih[j] + bhh[j] }
            }
            for t in 1...steps {
                let ht = h + t * BH
                // a_t += h_{t-1} W_hhᵀ
                Gemm.run(transA: false, transB: true, m: B, n: H, k: H,
                         a: ht - BH, lda: H, b: p + L.weightHH(k), ldb: H, beta: 1, c: ht, ldc: H)
                // h_t = act(a_t)
                Elementwise.activate(act, ht, BH)
            }
        }
        // y_t = h_t W_outᵀ + b_out on the top layer, at the scored steps
        let O = shape.outputs
        let firstRow = lossKind.lastStepOnly ? (steps - 1) * B : 0
        let rows = steps * B - firstRow
        let htop = states(shape.layers - 1) + BH
        Gemm.run(transA: false, transB: true, m: rows, n: O, k: H,
                 a: htop + firstRow * H, lda: H, b: p + L.readoutWeight, ldb: H, beta: 0, c: y, ldc: O)
        let bout = p + L.readoutBias
        for r in 0..<rows { for j in 0..<O { y[r * O + j] += bout[j] } }
        return Loss.evaluate(lossKind, y: y, dy: dy, rows: rows, outputs: O, targets: targets, rowOffset: firstRow)
    }

    // MARK: Backward

    private func backward(_ net: RNN<T>, _ p: UnsafePointer<T>, _ x: UnsafePointer<T>, _ options: BPTTOptions, _ g: UnsafeMutablePointer<T>) {
        let H = shape.hidden, B = batchSize, O = shape.outputs, steps = self.steps, L = net.layout, BH = B * H
        let act = net.activation
        let firstRow = options.loss.lastStepOnly ? (steps - 1) * B : 0
        let rows = steps * B - firstRow
        let top = shape.layers - 1
        let htop = states(top) + BH  // h_1 … h_T of the top layer

        // ∂L/∂W_out = Σ_t dy_tᵀ h_t ;  ∂L/∂b_out = Σ_t dy_t
        Gemm.run(transA: true, transB: false, m: O, n: H, k: rows,
                 a: dy, lda: O, b: htop + firstRow * H, ldb: H, beta: 0, c: g + L.readoutWeight, ldc: H)
        let gbout = g + L.readoutBias
        for j in 0..<O { gbout[j] = 0 }
        for r in 0..<rows { for j in 0..<O { gbout[j] += dy[r * O + j] } }
        // ∂L/∂h_t of the top layer, from the readout: dy_t W_out (zero at unscored steps)
        dh.update(repeating: 0, count: firstRow * H)
        Gemm.run(transA: false, transB: false, m: rows, n: H, k: O,
                 a: dy, lda: O, b: p + L.readoutWeight, ldb: H, beta: 0, c: dh + firstRow * H, ldc: H)

        for k in stride(from: top, through: 0, by: -1) {
            let h = states(k)  // h_t at h + t·B·H, h_0 = 0
            let whh = p + L.weightHH(k)
            // Backward through time. Step s (0-based) made h_{s+1} from a_{s+1};
            // dh_s, da_s hold ∂L/∂h and ∂L/∂a of that step.
            for s in stride(from: steps - 1, through: 0, by: -1) {
                let dht = dh + s * BH, dat = da + s * BH, ht = h + (s + 1) * BH
                // ‖∂L/∂h_t‖: everything reaching h_t (readout, layer above, step t+1)
                hiddenGradNorms[k][s] = Elementwise.norm(dht, BH)
                // ∂L/∂a_t = act'(a_t) ⊙ ∂L/∂h_t
                Elementwise.backprop(act, h: ht, dh: dht, da: dat, BH)
                // ∂L/∂h_{t-1} += ∂L/∂a_t W_hh, unless truncation detached h_{t-1}
                if s > 0 && !options.cuts(before: s) {
                    Gemm.run(transA: false, transB: false, m: B, n: H, k: H,
                             a: dat, lda: H, b: whh, ldb: H, beta: 1, c: dht - BH, ldc: H)
                }
            }
            if options.recordJacobians { recordJacobians(layer: k, whh: whh, act: act) }
            // ∂L/∂W_hh = Σ_t ∂L/∂a_tᵀ h_{t-1}   (a detached h_{t-1} still feeds W_hh)
            Gemm.run(transA: true, transB: false, m: H, n: H, k: steps * B,
                     a: da, lda: H, b: h, ldb: H, beta: 0, c: g + L.weightHH(k), ldc: H)
            // ∂L/∂W_ih = Σ_t ∂L/∂a_tᵀ x_t
            let I = shape.inputWidth(layer: k)
            let input = k == 0 ? x : UnsafePointer(states(k - 1) + BH)
            Gemm.run(transA: true, transB: false, m: H, n: I, k: steps * B,
                     a: da, lda: H, b: input, ldb: I, beta: 0, c: g + L.weightIH(k), ldc: I)
            // ∂L/∂b_ih = ∂L/∂b_hh = Σ_t ∂L/∂a_t
            let gbih = g + L.biasIH(k), gbhh = g + L.biasHH(k)
            for j in 0..<H { gbih[j] = 0 }
            for r in 0..<(steps * B) { for j in 0..<H { gbih[j] += da[r * H + j] } }
            for j in 0..<H { gbhh[j] = gbih[j] }
            // ∂L/∂h_t of the layer below = ∂L/∂a_t W_ih  (its h_t is this layer's x_t)
            if k > 0 {
                Gemm.run(transA: false, transB: false, m: steps * B, n: H, k: H,
                         a: da, lda: H, b: p + L.weightIH(k), ldb: I, beta: 0, c: dh, ldc: H)
            }
        }
    }

    /// ‖diag(act'(a_t)) W_hh‖₂ for every step, the largest over the batch:
    /// the factor by which one step back can at most stretch the gradient.
    private func recordJacobians(layer k: Int, whh: UnsafePointer<T>, act: Activation) {
        let H = shape.hidden, B = batchSize
        let h = states(k)
        for s in 0..<steps {
            var largest = 0.0
            for b in 0..<B {
                let ht = h + (s + 1) * B * H + b * H
                for j in 0..<H { derivatives[j] = act.derivative(output: ht[j]) }
                let n = Double(jacobian.norm(w: whh, d: derivatives))
                if n.isNaN || n > largest { largest = n }
                if largest.isNaN { break }
            }
            jacobianNorms[k][s] = largest
        }
    }
}
