import Foundation
import Testing
@testable import RNNSim

/// The held-out split of the char-LM and the perplexities measured on it.
@Suite struct HeldOutTests {
    /// "ababababab" with 40% held out: training "ababab", held out "abab".
    static let task = CharLanguageModel(text: "ababababab", steps: 2, heldOut: 0.4)

    @Test func theSplitKeepsTheEndOutOfTraining() {
        #expect(Self.task.encoded == [0, 1, 0, 1, 0, 1])
        #expect(Self.task.heldOutText == [0, 1, 0, 1])
        #expect(Self.task.vocabulary.count == 2)
        // Batches come from the training part only: windows start below 6 − 2.
        var rng = SeededRandom(seed: 1)
        let long = CharLanguageModel(text: String(repeating: "ab", count: 50) + "cdcdcd", steps: 4, heldOut: 0.06)
        for _ in 0..<50 {
            guard case .classes(let c) = long.batch(size: 8, rng: &rng).targets else { return }
            #expect(!c.contains { $0 >= 2 }, "a held-out character was trained on")
        }
    }

    /// Add-one counts by hand. The held-out characters scored are those from
    /// the third on: 'a' after "ab" and 'b' after "ba".
    @Test func nGramPerplexitiesByHand() {
        // Unigram: a 3 times, b 3 times in 6: (3 + 1)/(6 + 2) = 1/2 for both.
        #expect(abs(Self.task.nGramHeldOutLoss(order: 1) - Foundation.log(2)) < 1e-12)
        // Bigram: (b→a) 2 of 2 b-contexts, (a→b) 3 of 3: (2+1)/(2+2), (3+1)/(3+2).
        let bigram = -(Foundation.log(3.0 / 4) + Foundation.log(4.0 / 5)) / 2
        #expect(abs(Self.task.nGramHeldOutLoss(order: 2) - bigram) < 1e-12)
        // Trigram: "ab"→a 2 of 2, "ba"→b 2 of 2: (2+1)/(2+2) both.
        #expect(abs(Self.task.nGramHeldOutLoss(order: 3) - -Foundation.log(3.0 / 4)) < 1e-12)
    }

    /// A network whose readout is all zeros guesses uniformly: log V per character.
    @Test func aUniformNetworkScoresLogV() {
        let lm = CharLanguageModel(text: "the cat sat on the mat and the dog sat too", steps: 8, heldOut: 0.3)
        let net = RNN<Float>(shape: RNNShape(inputs: lm.inputWidth, hidden: 4, outputs: lm.outputWidth), activation: .tanh)
        #expect(abs(lm.heldOutLoss(of: net) - Foundation.log(Double(lm.vocabulary.count))) < 1e-6)
    }

    @Test func theSplitIsSettingChecked() throws {
        var s = Settings()
        s.task = .adding
        s.heldOut = 0.1
        #expect(throws: SettingsError.self) { try s.validate() }
        s.task = .charLM
        s.text = "abcabc"
        s.steps = 2
        s.heldOut = 0.1  // rounds to no held-out character at all
        #expect(throws: SettingsError.self) { _ = try Trainer(settings: s) }
        s.heldOut = 0.5
        _ = try Trainer(settings: s)
        #expect(throws: SettingsError.self) { try s.set("task.heldout", .double(0.6)) }
    }
}
