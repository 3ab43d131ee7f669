import Foundation
import Testing

/// The golden frames (Tests/ScopeViewTests/Frames, drawn there without a terminal)
/// are what the built binary shows in a real terminal: `rnnscope` itself (README's
/// frame) and a comparison preset's split, captured whole at 100×32.
@Suite(.serialized) struct GoldenFrameTmuxTests {
    static let frames = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ScopeViewTests/Frames")

    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(2)),
          arguments: [("vanishing", [String]()), ("truncation-horizon", ["train", "truncation-horizon", "--iterations", "1"])])
    func theBinaryDrawsTheGolden(_ name: String, _ arguments: [String]) throws {
        let golden = try String(contentsOf: Self.frames.appendingPathComponent("\(name).txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let pane = try Pane(width: 100, height: 32, arguments: arguments)
        defer { pane.close() }
        // The runs stop by themselves; until then (and mid-redraw) the screen differs.
        var last: [String] = []
        let deadline = Date().addingTimeInterval(45)
        repeat {
            last = pane.lines
            if last == golden { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        for row in 0..<max(golden.count, last.count) {
            let g = row < golden.count ? golden[row] : "(none)", n = row < last.count ? last[row] : "(none)"
            if g != n { Issue.record("\(name), row \(row + 1) after 45 s:\n  golden │\(g)\n  binary │\(n)") }
        }
        #expect(last.count == 32)
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
    }
}
