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

    /// One step of the stacked RNN at a time, for sampling:
    /// h_k = act(W_ih x + b_ih + W_hh h_k + b_hh), logits = W_out h_top + b_out.
    struct Stepper {
        let model: RNN<Float>
        var hidden: [[Float]]

        init(model: RNN<Float>) {
            self.model = model
            hidden = Array(repeating: [Float](repeating: 0, count: model.shape.hidden), count: model.shape.layers)
        }

        /// Feeds one-hot character `input` and returns the readout logits.
        mutating func step(input: Int) -> [Float] {
            let p = model.parameters, layout = model.layout, shape = model.shape, h = shape.hidden
            var below: [Float] = []
            for k in 0..<shape.layers {
                let width = shape.inputWidth(layer: k)
                let wih = layout.weightIH(k), whh = layout.weightHH(k)
                let bih = layout.biasIH(k), bhh = layout.biasHH(k)
                var next = [Float](repeating: 0, count: h)
                for i in 0..<h {
                    var a = p[bih + i] + p[bhh + i]
                    // Layer 0's input is one-hot: W_ih x is just one column.
                    if k == 0 {
                        a += p[wih + i * width + input]
                    } else {
                        for j in 0..<width { a += p[wih + i * width + j] * below[j] }
                    }
                    for j in 0..<h { a += p[whh + i * h + j] * hidden[k][j] }
                    next[i] = model.activation.apply(a)
                }
                hidden[k] = next
                below = next
            }
            let wo = layout.readoutWeight, bo = layout.readoutBias
            var logits = [Float](repeating: 0, count: shape.outputs)
            for o in 0..<shape.outputs {
                var y = p[bo + o]
                for j in 0..<h { y += p[wo + o * h + j] * below[j] }
                logits[o] = y
            }
            return logits
        }
    }
}
