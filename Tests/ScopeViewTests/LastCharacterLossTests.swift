import Foundation
import RNNSim
import Testing
@testable import ScopeView

/// A char-lm trained on its last character only (long-range-tickets: xent-last on one
/// sentence): exp(loss) is that one letter's perplexity, and the samples are what the
/// network says after anything. The screen says so, instead of "perplexity 1" beside "tttt…".
@Suite struct LastCharacterLossTests {
    static func state(loss: LossKind?) -> AppState {
        let scenario = Fixture.scenario("tickets", title: "one sentence") {
            $0.task = .charLM
            $0.steps = 25
            $0.loss = loss
        }
        var s = Fixture.state(width: 120, height: 36, scenario: scenario,
                              report: Fixture.report(norms: Fixture.decaying(steps: 25), loss: 0.0004),
                              options: BPTTOptions(loss: loss ?? .xentAll))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, sample: "tttttttttttttttttttt")))
        return s
    }

    @Test func aLastStepLossNamesItsPerplexityAndItsSamples() {
        let buf = Fixture.render(Self.state(loss: .xentLast))
        #expect(buf.line(1).contains("last-char perplexity 1"), "\(buf.line(1))")
        #expect(buf.text.contains("sampled text · only each sequence's last character is trained"), "\(buf.text)")
    }

    @Test func aLossAtEveryStepIsTheTextsPerplexity() {
        let buf = Fixture.render(Self.state(loss: nil))
        #expect(buf.line(1).contains("perplexity 1") && !buf.line(1).contains("last-char"), "\(buf.line(1))")
        #expect(buf.text.contains("sampled text") && !buf.text.contains("last character is trained"))
    }
}
