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
