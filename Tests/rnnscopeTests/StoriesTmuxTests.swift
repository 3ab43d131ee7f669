import Foundation
import Testing

/// The lecture stories as a class sees them under tmux: the new presets open at their
/// moment with their verdicts, irnn-adding's chart fits what it draws, and
/// long-range-tickets says what its perplexity and samples are.
@Suite(.serialized)
struct StoriesTmuxTests {
    /// An optimised binary: a debug one takes minutes to train irnn-adding or reverse-input to their moments
    /// (`swift test -c release`, as CI runs it, or RNNSCOPE_BINARY naming a release build).
    static let fast: Bool = {
        #if DEBUG
        return ProcessInfo.processInfo.environment["RNNSCOPE_BINARY"] != nil
        #else
        return true
        #endif
    }()

    /// At its moment (iteration 409) the IRNN's early blow-up (‖∂L/∂h_t‖ up to 1.4e4 at
    /// iteration 74) is long gone from both charts: their top decade is the drawn bars'.
    @Test(.enabled(if: TmuxTests.ready && fast, "needs tmux, and a release rnnscope (swift test -c release, or RNNSCOPE_BINARY)"),
          .timeLimit(.minutes(3)))
    func irnnAddingsChartsFitWhatTheyDraw() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["run", "irnn-adding", "--speed", "max"])
        defer { pane.close() }
        try pane.wait("the IRNN's moment", timeout: 60) { $0.contains("✓ irnn: iteration 409") }
        let decades = pane.lines.compactMap { $0.firstMatch(of: #/^ *1e(-?[0-9]+)│/#).flatMap { Int($0.1) } }
        #expect(!decades.isEmpty && decades.allSatisfy { $0 <= 1 }, "\(pane.screen)")
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func longRangeTicketsSaysWhatItsPerplexityAndSamplesAre() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["run", "long-range-tickets"])
        defer { pane.close() }
        try pane.wait("its moment", timeout: 30) { $0.contains("✓ iteration 1") }
        #expect(pane.lines[1].contains("last-char perplexity "), "\(pane.screen)")
        #expect(pane.screen.contains("sampled text · only each sequence's last character is trained"), "\(pane.screen)")
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(2)))
    func residualPathOpensWithBothVerdictsAtIterationOne() throws {
        let pane = try Pane(width: 120, height: 36, arguments: ["run", "residual-path"])
        defer { pane.close() }
        try pane.wait("both halves judged", timeout: 30) {
            $0.contains("✓ residual: iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_40‖ = 34.2 > 1") && $0.contains("✓ tanh: iteration 1")
        }
        #expect(pane.screen.contains("A: network.cell = residual"), "\(pane.screen)")
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test(.enabled(if: TmuxTests.ready && fast, "needs tmux, and a release rnnscope (swift test -c release, or RNNSCOPE_BINARY)"),
          .timeLimit(.minutes(2)))
    func reverseInputStopsWhereTheReversedSourceHasLearned() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["run", "reverse-input", "--speed", "max"])
        defer { pane.close() }
        try pane.wait("the reversed side's moment", timeout: 90) { $0.contains("✓ reversed: iteration 136") }
        #expect(pane.screen.contains("A: task.reverse = true") && pane.screen.contains("B: task.reverse = false"), "\(pane.screen)")
        pane.send(" ")
        try pane.wait("the side in order, judged at its own moment", timeout: 60) { $0.contains("✓ forward: after 200 iterations") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }
}
