import Foundation
import Testing

/// Signals that end a process, sent to the live view under tmux: the terminal
/// comes back (main screen, cursor shown, echo and canonical mode on), the
/// process ends of the signal as a headless run does (the shell sees 128 + n),
/// and a `--record` file is kept whichever the signal. Real-time signals 34–64
/// used to leave the alternate screen and a hidden cursor (14 of 14 runs), and
/// SIGTERM/SIGHUP ended the view with status 0.
@Suite(.serialized) struct SignalTests {
    /// The rnnscope under the pane's shell.
    static func program(in pane: Pane) throws -> pid_t? {
        guard let shell = Int32(try pane.display("#{pane_pid}")) else { return nil }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
            if let first = children.split(separator: " ").first, let pid = Int32(first) { return pid }
            usleep(20_000)
        }
        return nil
    }

    @Test(.enabled(if: TmuxTests.ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aSignalThatEndsTheViewRestoresTheTerminalAndEndsAsHeadlessDoes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (signal, record) in [(SIGTERM, false), (SIGHUP, false), (Int32(34), true), (Int32(64), false), (SIGUSR1, true), (SIGQUIT, true)] {
            let cast = dir.appendingPathComponent("s\(signal).cast").path
            let pane = try Pane(width: 80, height: 24, arguments: ["run", "vanishing"] + (record ? ["--record", cast] : []))
            defer { pane.close() }
            try pane.wait("running") { $0.contains("RUNNING") || $0.contains("PAUSED") }
            let pid = try #require(try Self.program(in: pane))
            #expect(kill(pid, signal) == 0)
            try pane.wait("exited") { $0.contains("exit=") }
            #expect(pane.screen.contains("exit=\(128 + signal)"), "signal \(signal): \(pane.screen.suffix(200))")
            try pane.expectTerminalRestored()
            #expect(try pane.display("#{cursor_flag}") == "1", "signal \(signal): the cursor is hidden")
            if record {
                let lines = ((try? String(contentsOfFile: cast, encoding: .utf8)) ?? "").split(separator: "\n")
                #expect(lines.count >= 2 && lines[0].contains("\"version\": 2"), "signal \(signal): the recording was dropped")
            }
        }
    }
}
