import RealModule

/// Perplexity on text the model never trained on: the language-model lecture's
/// measure of generalisation, and the n-gram baselines it is compared with.
///
/// Every model is scored on the same characters: the held-out text from its
/// third character on (so that a trigram has its two characters of context),
/// each predicted from the held-out characters before it.
extension CharLanguageModel {
    /// Mean cross-entropy (nats) of the network on the held-out text, read one
    /// character at a time from a zero state (teacher forcing: the true
    /// character is fed at every step, never the model's own guess).
    public func heldOutLoss(of model: RNN<Float>) -> Double {
        let text = heldOutText
        guard text.count >= 3 else { return .nan }
        var stepper = Stepper(model: model)
        var total = 0.0
        for i in 0..<(text.count - 1) {
            let logits = stepper.step(input: Int(text[i]))
            if i + 1 >= 2 { total += Self.crossEntropy(logits: logits, target: Int(text[i + 1])) }
        }
        return total / Double(text.count - 2)
    }

    /// −log softmax(logits)[target], in Double.
    static func crossEntropy(logits: [Float], target: Int) -> Double {
        let top = Double(logits.max() ?? 0)
        let logSum = Double.log(logits.reduce(0.0) { $0 + Double.exp(Double($1) - top) }) + top
        return logSum - Double(logits[target])
    }

    /// Mean cross-entropy (nats) on the held-out text of an n-gram model counted
    /// on the training text, with add-one (Laplace) smoothing:
    /// p(c | the n − 1 characters before) = (count(context, c) + 1) / (count(context) + V).
    public func nGramHeldOutLoss(order n: Int) -> Double {
        precondition(n >= 1 && n <= 3)
        let V = vocabulary.count, text = heldOutText
        guard text.count >= 3 else { return .nan }
        // Counts of (context, next) and of the context, the context packed in one integer.
        var pairs: [Int: Int] = [:], contexts: [Int: Int] = [:]
        func context(_ s: [Int32], _ i: Int) -> Int {
            var key = 0
            for j in (i - (n - 1))..<i { key = key * V + Int(s[j]) }
            return key
        }
        if encoded.count > n - 1 {
            for i in (n - 1)..<encoded.count {
                let c = context(encoded, i)
                pairs[c * V + Int(encoded[i]), default: 0] += 1
                contexts[c, default: 0] += 1
            }
        }
        var total = 0.0
        for i in 2..<text.count {
            let c = context(text, i)
            let p = Double(pairs[c * V + Int(text[i])] ?? 0) + 1
            let q = Double(contexts[c] ?? 0) + Double(V)
            total -= Double.log(p / q)
        }
        return total / Double(text.count - 2)
    }
}
