import RealModule

/// A character-level language model in the manner of Andrej Karpathy's
/// min-char-rnn.py (2015): predict the next character of a text from the ones
/// before it.
///
/// The vocabulary is the sorted distinct Unicode scalars of the text; inputs are
/// one-hot characters and the targets are the same window shifted by one. A batch
/// row is a window of steps + 1 consecutive characters with a uniform start; a text
/// shorter than that is treated as cyclic, so even one short sentence works.
public struct CharLanguageModel: SequenceTask {
    public static let minimumSteps = 1

    public let name = "char-lm"
    public let steps: Int
    public let vocabulary: [Unicode.Scalar]
    /// The training text as vocabulary indices.
    let encoded: [Int32]
    /// The held-out end of the text (empty without a split), as vocabulary indices.
    public let heldOutText: [Int32]
    let index: [Unicode.Scalar: Int32]

    public var inputWidth: Int { vocabulary.count }
    public var outputWidth: Int { vocabulary.count }
    public let defaultLoss = LossKind.xentAll

    /// An empty text would leave no vocabulary at all; a single space keeps the
    /// task well formed. `Corpus.load` rejects such texts before they get here.
    /// `heldOut` (0…0.5) keeps that fraction of the text, at its end, out of the
    /// batches; the vocabulary is the whole text's.
    public init(text: String, steps: Int, heldOut: Double = 0) {
        let scalars = Array(text.isEmpty ? " ".unicodeScalars : text.unicodeScalars)
        let vocabulary = Set(scalars).sorted()
        var index: [Unicode.Scalar: Int32] = [:]
        for (i, s) in vocabulary.enumerated() { index[s] = Int32(i) }
        self.vocabulary = vocabulary
        self.index = index
        let all = scalars.map { index[$0]! }
        let cut = all.count - Int((Double(all.count) * min(max(heldOut, 0), 0.5)).rounded())
        self.encoded = Array(all[..<cut])
        self.heldOutText = Array(all[cut...])
        self.steps = max(steps, Self.minimumSteps)
    }

    /// The uniform guess over the vocabulary, log V: the baseline a freshly
    /// initialised network starts near.
    public var chanceLoss: Double { Double.log(Double(vocabulary.count)) }

    /// Entropy of the text's character frequencies (nats): the best any
    /// input-blind predictor can do, a tighter bar than `chanceLoss`.
    public var unigramEntropy: Double {
        var counts = [Int](repeating: 0, count: vocabulary.count)
        for c in encoded { counts[Int(c)] += 1 }
        let n = Double(encoded.count)
        return counts.reduce(0.0) { h, c in
            c == 0 ? h : h - Double(c) / n * Double.log(Double(c) / n)
        }
    }

    public func perplexity(loss: Double) -> Double { Double.exp(loss) }
    public func bitsPerCharacter(loss: Double) -> Double { loss / Double.log(2) }

    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let t = steps, b = size, v = vocabulary.count, n = encoded.count
        var inputs = [Float](repeating: 0, count: t * b * v)
        var classes = [Int32](repeating: 0, count: t * b)
        for row in 0..<b {
            // A long text gives windows that never run off its end; a short one wraps.
            let start = n > t ? rng.int(below: n - t) : rng.int(below: n)
            for step in 0..<t {
                let current = encoded[(start + step) % n]
                inputs[(step * b + row) * v + Int(current)] = 1
                classes[step * b + row] = encoded[(start + step + 1) % n]
            }
        }
        return Batch(steps: t, size: b, inputWidth: v, inputs: inputs, targets: .classes(classes))
    }
}

extension CharLanguageModel {
    /// Generates `length` characters (Unicode scalars) from the network, fed first
    /// with `prime`. Prime characters outside the vocabulary are skipped; with an
    /// empty prime the network starts from a zero state on the first vocabulary
    /// character. The prime itself is not part of the result. `temperature`
    /// divides the logits (clamped to ≥ 0.01): low is greedy, high is near uniform.
    /// Returns "" if the network's input or output width is not the vocabulary size.
    public func sample(
        from model: RNN<Float>, length: Int, temperature: Double, prime: String, rng: inout SeededRandom
    ) -> String {
        let v = vocabulary.count
        guard length > 0, model.shape.inputs == v, model.shape.outputs == v else { return "" }
        var stepper = Stepper(model: model)
        var primed = prime.unicodeScalars.compactMap { index[$0] }.map(Int.init)
        if primed.isEmpty { primed = [0] }
        var logits: [Float] = []
        for c in primed { logits = stepper.step(input: c) }

        let temperature = max(temperature, 0.01)
        var out = String.UnicodeScalarView()
        for i in 0..<length {
            let c = Self.draw(logits: logits, temperature: temperature, rng: &rng)
            out.append(vocabulary[c])
            if i + 1 < length { logits = stepper.step(input: c) }
        }
        return String(out)
    }

    /// Draws an index from softmax(logits / temperature). Non-finite logits (a
    /// diverged network) fall back to the largest finite logit, else index 0, so a
    /// blown-up run still prints something instead of trapping.
    static func draw(logits: [Float], temperature: Double, rng: inout SeededRandom) -> Int {
        guard logits.allSatisfy({ $0.isFinite }) else {
            var best = 0, bestValue = -Float.infinity
            for (i, l) in logits.enumerated() where l.isFinite && l > bestValue { best = i; bestValue = l }
            return best
        }
        let scaled = logits.map { Double($0) / temperature }
        let top = scaled.max() ?? 0
        let weights = scaled.map { Double.exp($0 - top) }
        let total = weights.reduce(0, +)
        var u = rng.uniform() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        // Rounding can leave u a hair above zero: the last non-zero weight wins.
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// One step of the stacked network at a time, for sampling: each layer's
    /// gate pre-activations W_ih x + b_ih + W_hh h + b_hh, then the cell's own
    /// forward step (the one BPTT runs); logits = W_out h_top + b_out.
    struct Stepper {
        let model: RNN<Float>
        var hidden: [[Float]]
        /// c of each layer (LSTM; zeros and unused otherwise).
        var memory: [[Float]]

        init(model: RNN<Float>) {
            self.model = model
            hidden = Array(repeating: [Float](repeating: 0, count: model.shape.hidden), count: model.shape.layers)
            memory = hidden
        }

        /// Feeds one-hot character `input` and returns the readout logits.
        mutating func step(input: Int) -> [Float] {
            let H = model.shape.hidden
            switch model.cell {
            case .rnn: return step(ElmanCell<Float>(activation: model.activation, hidden: H), input)
            case .lstm: return step(LSTMCell<Float>(hidden: H), input)
            case .gru: return step(GRUCell<Float>(hidden: H), input)
            case .residual: return step(ResidualCell<Float>(activation: model.activation, hidden: H), input)
            }
        }

        private mutating func step<C: RecurrentCell>(_ cell: C, _ input: Int) -> [Float] where C.T == Float {
            let p = model.parameters, layout = model.layout, shape = model.shape, h = shape.hidden
            let GH = C.gates * h, folded = C.foldedRecurrentBias * h
            var below: [Float] = []
            for k in 0..<shape.layers {
                let width = shape.inputWidth(layer: k)
                let wih = layout.weightIH(k), whh = layout.weightHH(k)
                let bih = layout.bias ? layout.biasIH(k) : nil, bhh = layout.bias ? layout.biasHH(k) : nil
                var gates = [Float](repeating: 0, count: C.width * h)
                var recurrent = [Float](repeating: 0, count: GH)
                for r in 0..<GH {
                    var a: Float = 0
                    if let bih, let bhh { a = p[bih + r] + (r < folded ? p[bhh + r] : 0) }
                    // Layer 0's input is one-hot: W_ih x is just one column.
                    if k == 0 {
                        a += p[wih + r * width + input]
                    } else {
                        for j in 0..<width { a += p[wih + r * width + j] * below[j] }
                    }
                    var rec: Float = 0
                    for j in 0..<h { rec += p[whh + r * h + j] * hidden[k][j] }
                    if C.recurrentApart { recurrent[r] = rec } else { a += rec }
                    gates[r] = a
                }
                var next = [Float](repeating: 0, count: h), c = next
                p.withUnsafeBufferPointer { params in
                    gates.withUnsafeMutableBufferPointer { g in
                        next.withUnsafeMutableBufferPointer { hNew in
                            c.withUnsafeMutableBufferPointer { cNew in
                                hidden[k].withUnsafeBufferPointer { hPrev in
                                    memory[k].withUnsafeBufferPointer { cPrev in
                                        recurrent.withUnsafeBufferPointer { rec in
                                            cell.forward(CellStep(
                                                batch: 1, gates: g.baseAddress!, hPrev: hPrev.baseAddress!,
                                                h: C.gatesInPlaceOfH ? g.baseAddress! : hNew.baseAddress!,
                                                cPrev: cPrev.baseAddress!, c: cNew.baseAddress!,
                                                recurrent: rec.baseAddress!, biasHH: bhh.map { params.baseAddress! + $0 }))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if C.gatesInPlaceOfH { next = Array(gates[0..<h]) }
                hidden[k] = next
                memory[k] = c
                below = next
            }
            let wo = layout.readoutWeight, bo = layout.readoutHasBias ? layout.readoutBias : nil
            var logits = [Float](repeating: 0, count: shape.outputs)
            for o in 0..<shape.outputs {
                var y = bo.map { p[$0 + o] } ?? 0
                for j in 0..<h { y += p[wo + o * h + j] * below[j] }
                logits[o] = y
            }
            return logits
        }
    }
}
