import Foundation
import Testing

/// `rnnscope lecture` and the theory overlay under tmux, as a lecturer drives them.
@Suite(.serialized)
struct LectureTmuxTests {
    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aLectureWalksItsOrderLikeSlides() throws {
        let order = NSTemporaryDirectory() + "rnnscope-lecture-\(getpid()).txt"
        defer { unlink(order) }
        try "vanishing\n# the bare product, both halves\njacobian-product   # a split\nexploding\n".write(toFile: order, atomically: true, encoding: .utf8)
        let pane = try Pane(width: 120, height: 36, arguments: ["lecture", "--order", order])
        defer { pane.close() }
        try pane.wait("the first preset at its moment") { $0.contains("1/3") && $0.contains("Vanishing") && $0.contains("✓ iteration 1") }
        pane.key("PageDown")
        // A comparison opens as its split, both halves judged on screen at their moment.
        try pane.wait("the split, both verdicts") { $0.contains("2/3") && $0.contains("✓ explodes") && $0.contains("✓ vanishes") }
        pane.key("PageDown")
        // Stopped, not only judged: the verdict can show before the report that stops the run,
        // and that report clears the status line, so PgDn pressed in between lost its message.
        try pane.wait("the third, alone, at its moment") {
            $0.contains("3/3") && $0.contains("Exploding") && !$0.contains("B/A") && $0.contains("✓") && $0.contains("stopped at the moment")
        }
        pane.key("PageDown")
        try pane.wait("the end said") { $0.contains("the lecture's last preset") }
        pane.key("PageUp")
        try pane.wait("back to the split") { $0.contains("2/3") && $0.contains("✓ vanishes") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    /// A slide after one that stopped at its moment runs to its own: clipping-rescue's
    /// unclipped side diverges at iteration 2, and its verdict shows, not the slide's message.
    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func eachSlideRunsToItsMoment() throws {
        let order = NSTemporaryDirectory() + "rnnscope-lecture-moment-\(getpid()).txt"
        defer { unlink(order) }
        try "vanishing\nclipping-rescue\n".write(toFile: order, atomically: true, encoding: .utf8)
        let pane = try Pane(width: 120, height: 36, arguments: ["lecture", "--order", order])
        defer { pane.close() }
        try pane.wait("the first at its moment") { $0.contains("1/2") && $0.contains("✓ iteration 1") }
        pane.key("PageDown")
        try pane.wait("the split at its moment, its verdict on the status line") { s in
            s.contains("2/2") && s.contains("✓ unclipped") && s.split(separator: "\n").last { $0.contains("✓") }?.contains("unclipped") == true
        }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test func aBadOrderIsOneLineAndStatusTwo() throws {
        let order = NSTemporaryDirectory() + "rnnscope-lecture-bad-\(getpid()).txt"
        defer { unlink(order) }
        try "vanishing\nno-such-preset\n".write(toFile: order, atomically: true, encoding: .utf8)
        let run = try Binary.run(["lecture", "--order", order])
        #expect(run.status == 2)
        #expect(run.stderr.contains("line 2") && run.stderr.contains("no-such-preset"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func oDrawsTheTheoryOverTheChart() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["run", "eigen-proof"])
        defer { pane.close() }
        try pane.wait("stopped at its moment") { $0.contains("PAUSED") && $0.contains("✓ ρ = 0.9") }
        #expect(!pane.screen.contains("•"))
        pane.send("o")
        try pane.wait("the lines and their legend") { $0.contains("• ρ^ℓ") && $0.filter { $0 == "•" }.count > 20 }
        pane.send("o")
        try pane.wait("off again") { $0.contains("theory lines off") && !$0.contains("• ρ^ℓ") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }
}
