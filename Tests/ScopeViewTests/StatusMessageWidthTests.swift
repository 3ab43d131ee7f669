import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// A key's one-line answer is read whole on a 100-column terminal (the size the README
/// and a projector use): the status row cuts what is wider, mid-word and without a mark.
@Suite struct StatusMessageWidthTests {
    static let keys: [Key] = [" ", "<", ">", "n", "b", "c", "t", "i", "g", "r", "L", "v", "o", "+", "-", "[", "]", "{", "}"]
        .map { (c: String) in Key.char(Character(c)) } + [.tab, .escape]

    @Test(arguments: [CellKind.rnn, .residual, .lstm, .gru], [false, true])
    func everyKeysMessageFitsA100ColumnRow(cell: CellKind, split: Bool) {
        let scenario = Fixture.scenario { $0.cell = cell }
        for key in Self.keys {
            var s = Fixture.state(width: 100, height: 32, scenario: scenario, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
            if split { _ = update(&s, .key(.char("v"))) }
            s.ui.status = nil
            _ = update(&s, .key(key))
            guard let text = s.ui.status?.text else { continue }
            let buf = Fixture.render(s)
            // The row starts one column in and ends at the last.
            #expect(buf.displayWidth(text) <= 99, "\(cell) \(split ? "split" : "single") \(key.label): \(text)")
        }
        // Opening the split says what it does.
        var s = Fixture.state(width: 100, height: 32, scenario: scenario, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = update(&s, .key(.char("v")))
        #expect(Fixture.render(s).displayWidth(s.ui.status?.text ?? "") <= 99, "\(s.ui.status?.text ?? "")")
    }
}

/// A key that does nothing says so (a student's htop habits): the view never ignores a key in silence.
@Suite struct UnboundKeyTests {
    @Test(arguments: [Key.char("x"), .char("z"), .up, .left, .home, .backspace])
    func anUnboundKeySaysSoAndPointsToHelp(key: Key) {
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        s.ui.status = nil
        #expect(update(&s, .key(key)) == [])
        #expect(s.ui.status?.text.contains("? lists every key") == true, "\(key.label): \(s.ui.status?.text ?? "nothing said")")
        // Esc closes things: with nothing open it stays quiet.
        s.ui.status = nil
        _ = update(&s, .key(.escape))
        #expect(s.ui.status == nil)
    }
}

/// A message wider than the row (a long path in `w`'s answer, a narrow terminal) ends with
/// an ellipsis, after a word where that keeps at least half the row: never cut without a mark.
@Suite struct LongStatusMessageTests {
    static func shown(_ text: String, ascii: Bool) throws -> (kept: String, line: String) {
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        s.ui.status = StatusMessage(text: text, since: s.ui.now)
        let buf = Fixture.render(s, ascii: ascii)
        let row = try #require(buf.row(containing: String(text.prefix(20))))
        let line = buf.line(row).trimmingCharacters(in: .whitespaces)
        #expect(buf.displayWidth(line) <= 99)
        let ellipsis = ascii ? "..." : "…"
        #expect(line.hasSuffix(" " + ellipsis), "\(line)")
        let kept = String(line.dropLast(ellipsis.count + 1))
        #expect(text.hasPrefix(kept), "\(line)")
        return (kept, line)
    }

    @Test(arguments: [false, true])
    func aLongMessageEndsWithAnEllipsis(ascii: Bool) throws {
        // Words: cut after one.
        let words = "saved iteration 80's weights to models/lstm.trained.safetensors (loss 2.988 on its batch after the update, which is lower than before)"
        let (kept, line) = try Self.shown(words, ascii: ascii)
        #expect(words.dropFirst(kept.count).first == " ", "\(line)")
        // One path wider than the row: cut inside it, marked.
        let path = "/home/lecturer/courses/deep-learning/week-7/models/the-lstm-that-would-not-train.trained.safetensors"
        _ = try Self.shown("saved iteration 80's weights to \(path) (loss 2.988)", ascii: ascii)
        // A message that fits is shown as it is.
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        s.ui.status = StatusMessage(text: "saved iteration 80's weights to m.safetensors (loss 2.988 on its batch after the update)", since: s.ui.now)
        #expect(Fixture.render(s, ascii: ascii).text.contains(s.ui.status!.text))
    }
}

/// A row of verdicts wider than the status row or a split side's row loses its asides and
/// headings before any figure: at 100 columns clipping-rescue's loss/chance and all three
/// of stacked-layers' layers stay on screen.
@Suite struct VerdictFittingTests {
    static let buf = ScreenBuffer(width: 100, height: 2)

    @Test func asidesGoFirstThenHeadingsThenSpacesThenWords() {
        let clipping = "✓ clipped: 1000 iterations without Inf/NaN  ✓ after 1000 iterations: loss/chance (mean of 50) = 0.0226 < 0.2"
        #expect(StatusLine.fittedVerdict(clipping, toWidth: 96, Self.buf)
                == "✓ clipped: 1000 iterations without Inf/NaN  ✓ after 1000 iterations: loss/chance = 0.0226 < 0.2")
        #expect(StatusLine.fittedVerdict(clipping, toWidth: 80, Self.buf)
                == "✓ clipped: 1000 iterations without Inf/NaN  ✓ loss/chance = 0.0226 < 0.2")
        let layers = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 3 = 1.6e-8  ✓ layer 2 = 5.18e-7  ✓ layer 1 = 1.02e-6, each < 1e-5"
        #expect(StatusLine.fittedVerdict(layers, toWidth: 96, Self.buf)
                == "✓ ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 3 = 1.6e-8 ✓ layer 2 = 5.18e-7 ✓ layer 1 = 1.02e-6, each < 1e-5")
        // A side's label stays: it says which run the verdict is about.
        #expect(StatusLine.fittedVerdict("✓ reversed: iteration 134: loss (mean of 100) = 1.199 < 1.2", toWidth: 40, Self.buf)
                == "✓ reversed: loss = 1.199 < 1.2")
        // A label with spaces: at 80 columns eigen-proof's verdict lost its "vs log ρ = −0.1054".
        #expect(StatusLine.fittedVerdict("✓ ρ = 0.9: iteration 1: slope of log‖∂L/∂h_t‖ per step back = −0.1054 vs log ρ = −0.1054",
                                         toWidth: 76, Self.buf)
                == "✓ ρ = 0.9: slope of log‖∂L/∂h_t‖ per step back = −0.1054 vs log ρ = −0.1054")
        // stacked-layers at 80 columns: all three layers' figures, the quantity said by the chart.
        #expect(StatusLine.fittedVerdict(layers, toWidth: 76, Self.buf)
                == "✓ layer 3 = 1.6e-8 ✓ layer 2 = 5.18e-7 ✓ layer 1 = 1.02e-6, each < 1e-5")
        // What fits is left as it is; what cannot fit even so is cut after a word, marked.
        #expect(StatusLine.fittedVerdict(clipping, toWidth: 200, Self.buf) == clipping)
        let cut = StatusLine.fittedVerdict(layers, toWidth: 60, Self.buf)
        #expect(cut.hasSuffix(" …") && Self.buf.displayWidth(cut) <= 60, "\(cut)")
    }
}
