import Foundation
import Testing

/// `rnnscope watch` under tmux: a stream piped in, a finished file replayed at the
/// pace, a growing file followed, and the keys that reach a loop through its control file.
@Suite(.serialized)
struct WatchTmuxTests {
    static let ready = TmuxTests.ready

    func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "rnnscope-watch-\(getpid())-\(name)"
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aHeadlessRunPipedInDraws() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["watch", "-", "--speed", "max"],
                            input: ["train", "vanishing", "--headless", "--jsonl", "--iterations", "30"])
        defer { pane.close() }
        try pane.wait("all 30 records shown") { $0.contains("Vanishing gradients") && $0.contains("iteration 30") }
        try pane.wait("the side panel reads the stream") { _ in pane.panel("records") == "30, ended" }
        try pane.wait("the header says it ended, at no rate") { $0.contains("ENDED") && $0.contains(" 0 it/s") }
        pane.send(" ")
        try pane.wait("space says so") { $0.contains("the stream has ended") }
        pane.send(" ")
        #expect(pane.panel("σ_max(W_hh)").flatMap(Double.init).map { $0 > 0.5 && $0 < 1 } == true)
        #expect(pane.screen.contains("by timestep"))
        // Keys that would change training are not offered, and say why when pressed.
        #expect(!pane.screen.contains("IRNN") && !pane.screen.contains("Trunc"))
        pane.send("t")
        try pane.wait("t refused") { $0.contains("truncation is the writer's own") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
        try pane.expectTerminalRestored()
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aFinishedFileReplaysAtThePaceAndPauses() throws {
        let file = temporary("replay.jsonl")
        defer { unlink(file) }
        let run = try Binary.run(["train", "vanishing", "--headless", "--jsonl", "--iterations", "100"])
        #expect(run.status == 0)
        try run.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let pane = try Pane(width: 120, height: 36, arguments: ["watch", file, "--speed", "10"])
        defer { pane.close() }
        try pane.wait("replaying") { _ in (pane.iteration ?? 0) >= 3 }
        // At 10 records a second, 100 records take 10 s: well short of the end after one.
        Thread.sleep(forTimeInterval: 1)
        #expect((pane.iteration ?? 0) < 60)
        pane.send(" ")
        try pane.wait("paused") { $0.contains("PAUSED") }
        let held = pane.iteration
        Thread.sleep(forTimeInterval: 0.6)
        #expect(pane.iteration == held, "the replay stops while paused")
        pane.send("n")
        try pane.wait("one record on") { _ in pane.iteration == (held ?? 0) + 1 }
        pane.send(">>>>>>>>>>>>>>")
        pane.send(" ")
        try pane.wait("the rest at max") { _ in pane.iteration == 100 }
        // train closed the file with its end record: ENDED, not following a file that may grow.
        try pane.wait("ended") { $0.contains("ENDED") && pane.panel("records") == "100, ended" }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    /// Two streams side by side (`--vs`), each side named after its file and showing
    /// its own figures; `e` writes the frame as SVG and text, and `--record` leaves an
    /// asciicast of the session.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func twoStreamsSideBySideExportedAndRecorded() throws {
        let dir = temporary("vs")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, rho) in [("half", "0.5"), ("one", "1.0")] {
            let run = try Binary.run(["train", "vanishing", "--headless", "--jsonl", "--iterations", "40", "--set", "init.rho=\(rho)"])
            #expect(run.status == 0)
            try run.stdout.write(toFile: dir + "/\(name).jsonl", atomically: true, encoding: .utf8)
        }
        let pane = try Pane(width: 120, height: 36, arguments: ["watch", "half.jsonl", "--vs", "one.jsonl", "--speed", "max",
                                                                "--record", "both.cast"], directory: dir)
        defer { pane.close() }
        try pane.wait("both sides at their last record") {
            $0.contains("A: half:") && $0.contains("B: one:") && $0.components(separatedBy: "iteration 40").count >= 3
        }
        // Each side's own ρ: 0.5 and 1.0 at initialisation, a little moved after 40 SGD steps.
        let rows = pane.screen.split(separator: "\n").filter { $0.hasPrefix("  ρ ") }
        let rhos = rows.compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
        #expect(rhos.count == 2 && abs(rhos[0] - 0.5) < 0.05 && abs(rhos[1] - 1.0) < 0.05, "\(rows)")
        #expect(pane.screen.contains("log₁₀(B/A)"))
        pane.send("e")
        try pane.wait("exported") { $0.contains("wrote rnnscope-half-it40.svg") }
        let svg = try String(contentsOfFile: dir + "/rnnscope-half-it40.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg"))
        let text = try String(contentsOfFile: dir + "/rnnscope-half-it40.txt", encoding: .utf8)
        #expect(text.contains("A: half:") && text.contains("B: one:"))
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
        let cast = try String(contentsOfFile: dir + "/both.cast", encoding: .utf8).split(separator: "\n")
        let head = try #require(try JSONSerialization.jsonObject(with: Data(cast[0].utf8)) as? [String: Any])
        #expect(head["version"] as? Int == 2 && head["width"] as? Int == 120)
        #expect(cast.count > 2 && cast.dropFirst().allSatisfy { $0.hasPrefix("[") })
    }

    /// A stand-in for a loop that opted in: the view writes its control file (space
    /// pauses, n steps, c sets the clipping) and removes it on quitting.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func keysReachALoopThroughItsControlFile() throws {
        let file = temporary("steered.jsonl")
        let control = file + ".control"
        defer { unlink(file); unlink(control) }
        let header = #"{"rnnscope":"0.2.0","source":"pytorch","title":"model.rnn","cell":"rnn","activation":"tanh","layers":1,"directions":1,"hidden":4,"steps":3,"every":1,"exact":true,"inexact":[],"control":"elsewhere/ignored.control"}"#
        var text = header + "\n"
        for i in 1...5 { text += #"{"iteration":\#(i),"loss":0.5,"grad_norm":1,"clip_scale":1,"clipped":false,"clip_max_norm":0,"nonfinite":false,"sigma_max":[1],"spectral_radii":[0.9],"hidden_grad_norms":[[0.1,0.2,0.3]]}"# + "\n" }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let pane = try Pane(width: 100, height: 32, arguments: ["watch", file, "--speed", "max"])
        defer { pane.close() }
        try pane.wait("the records") { _ in pane.iteration == 5 }
        pane.send(" ")
        try pane.wait("paused the loop") { $0.contains("your loop waits") }
        #expect(try String(contentsOfFile: control, encoding: .utf8).contains(#""pause": true"#))
        pane.send("n")
        try pane.wait("one step let through") { _ in
            ((try? String(contentsOfFile: control, encoding: .utf8)) ?? "").contains(#""step": 1"#)
        }
        pane.send("c")
        try pane.wait("clipping on") { _ in
            ((try? String(contentsOfFile: control, encoding: .utf8)) ?? "").contains(#""clip": 1.0"#)
        }
        // The header's own path is never written: the view derives the control file from the stream's.
        #expect(!FileManager.default.fileExists(atPath: "elsewhere/ignored.control"))
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
        #expect(!FileManager.default.fileExists(atPath: control), "the control file goes with the view")
    }

    /// `watch badhdr.jsonl` (layers = 10^12) and `watch corrupt.jsonl` (line 1 garbage) stayed
    /// open in ERROR on a terminal; without one they said only that a terminal was needed.
    /// The header is read first: one line naming the file and the line, status 2, either way.
    @Test func aFileWithAnUnusableHeaderIsBadInput() throws {
        let bad = temporary("badhdr.jsonl"), corrupt = temporary("corrupt.jsonl"), good = temporary("good.jsonl")
        defer { unlink(bad); unlink(corrupt); unlink(good) }
        try (#"{"rnnscope":"0.2.0","source":"pytorch","cell":"rnn","layers":1000000000000,"hidden":4}"# + "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        try "\u{1B}[2J garbage\n".write(toFile: corrupt, atomically: true, encoding: .utf8)
        try (#"{"rnnscope":"0.2.0","cell":"rnn","layers":1,"hidden":4}"# + "\n").write(toFile: good, atomically: true, encoding: .utf8)
        let hint = " (a stream begins with its header line: anything else the loop prints belongs on stderr, or write the stream to a file)"
        for (args, says) in [(["watch", bad], "rnnscope: \(bad), line 1: the header's layers must be 1…64\n"),
                             (["watch", corrupt], "rnnscope: \(corrupt), line 1: not a JSON object\(hint)\n"),
                             (["watch", good, "--vs", corrupt], "rnnscope: \(corrupt), line 1: not a JSON object\(hint)\n")] {
            let run = try Binary.run(args)
            #expect(run.status == 2 && run.stderr == says && run.stdout.isEmpty, "\(args): \(run.status) \(run.stderr)")
        }
    }

    /// A header that arrives unusable once the view is open (a file not yet written, a pipe)
    /// ends it: the terminal restored, the one line on stderr, status 2.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aBadHeaderArrivingEndsTheView() throws {
        let file = temporary("later.jsonl")
        defer { unlink(file) }
        unlink(file)
        let pane = try Pane(width: 120, height: 36, arguments: ["watch", file])
        defer { pane.close() }
        try pane.wait("waiting for the file") { $0.contains("waiting for the stream's header") }
        try (#"{"rnnscope":"0.2.0","cell":"rnn","layers":1000000000000,"hidden":4}"# + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try pane.wait("ended with the reason") { $0.contains("exit=2") }
        #expect(pane.screen.contains("rnnscope: \(file), line 1: the header's layers must be 1…64"), "\(pane.screen)")
        #expect(!pane.screen.contains("ERROR") && !pane.screen.contains("cannot train"))
        try pane.expectTerminalRestored()
    }

    /// `cat corrupt.jsonl | rnnscope watch -` stayed open after standard input ended.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func garbagePipedInEndsTheView() throws {
        let pane = try Pane(width: 100, height: 32, arguments: ["watch", "-"], input: ["--version"])
        defer { pane.close() }
        try pane.wait("ended with the reason") { $0.contains("exit=2") }
        #expect(pane.screen.contains("rnnscope: standard input, line 1: not a JSON object"), "\(pane.screen)")
        try pane.expectTerminalRestored()
    }

    @Test func aStreamInAFolderThatDoesNotExistIsATypo() throws {
        let run = try Binary.run(["watch", "/nonexistent-\(getpid())/dir/x.jsonl"])
        #expect(run.status == 2 && run.stderr.contains("no folder"), "\(run.stderr)")
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aBadStreamIsCountedNotFatal() throws {
        let file = temporary("bad.jsonl")
        defer { unlink(file) }
        let header = #"{"rnnscope":"0.2.0","source":"pytorch","title":"bad lines","cell":"gru","layers":1,"hidden":4,"every":1}"#
        let good = #"{"iteration":1,"loss":0.5,"hidden_grad_norms":[[0.1,0.2]]}"#
        let lines = [header, good, "garbage", #"{"iteration":2,"hidden_grad_norms":[[1],[2]]}"#, "{\"iteration\":3,\"loss\":\u{1B}[2J}",
                     String(repeating: "[", count: 50_000), #"{"iteration":4,"loss":"NaN","hidden_grad_norms":[["Infinity",1e308]]}"#]
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let pane = try Pane(width: 100, height: 32, arguments: ["watch", file, "--speed", "max"])
        defer { pane.close() }
        try pane.wait("the good records shown") { _ in pane.iteration == 4 }
        try pane.wait("the bad ones counted") { _ in pane.panel("skipped") == "4 bad lines" }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }
}
