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
