import Foundation
import RNNSim

/// A level drawn across the loss chart, in the loss's own units: the chance loss,
/// or an n-gram model's cross-entropy on the held-out text (nats, log perplexity).
public struct ReferenceLevel: Sendable, Equatable {
    public var label: String
    public var value: Double

    public init(label: String, value: Double) {
        self.label = label
        self.value = value
    }

    /// The unigram, bigram and trigram baselines of a char-LM with a held-out split
    /// (counted on the training text, scored on the held-out text, as `ngram_perplexity`
    /// does); none for other tasks or without held-out text. Counted once per run.
    public static func nGramBaselines(of task: any SequenceTask) -> [ReferenceLevel] {
        guard let lm = task as? CharLanguageModel, lm.heldOutText.count >= 3 else { return [] }
        return (1...3).compactMap { n in
            let loss = lm.nGramHeldOutLoss(order: n)
            return loss.isFinite ? ReferenceLevel(label: "\(n)-gram", value: loss) : nil
        }
    }
}

extension RunState {
    /// Every level the loss chart draws: chance, then the n-gram baselines.
    var referenceLevels: [ReferenceLevel] {
        (chanceLoss.map { [ReferenceLevel(label: "chance", value: $0)] } ?? []) + baselines
    }
}
