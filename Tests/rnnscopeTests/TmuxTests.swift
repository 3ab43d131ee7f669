import Foundation
@testable import ModelIO
import RNNSim
import Testing

/// The built `rnnscope` under tmux, as a user drives it: keys in, screen out
/// (`capture-pane`), resizes, and the terminal left clean after quitting.
/// Builds nothing itself; skips (with the reason) if tmux or the binary is missing.
@Suite(.serialized)
struct TmuxTests {
    static let tmux = TmuxTests.executable(named: "tmux")
    static let binary = TmuxTests.findBinary()
    static let ready = tmux != nil && binary != nil

    /// `run --model M --data D --save OUT`: the user's model trains live, i re-initialises
    /// its W_hh and says so, and w writes the weights where --save said, loadable again.
    /// The --record file is titled after the model file (it was "rnnscope model").
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func yourOwnModelLiveAndSaved() throws {
        let out = NSTemporaryDirectory() + "rnnscope-e2e-model-\(getpid()).safetensors"
        let cast = NSTemporaryDirectory() + "rnnscope-e2e-model-\(getpid()).cast"
        defer { for f in [out, cast] { try? FileManager.default.removeItem(atPath: f) } }
        let pane = try Pane(width: 100, height: 30, arguments: [
            "run", "--model", Binary.fixture("stock/fc-2layers/model.safetensors"),
            "--data", Binary.fixture("stock/fc-2layers/data.safetensors"), "--save", out, "--speed", "max", "--record", cast])
        defer { pane.close() }
        try pane.wait("the model running") { $0.contains("Your model: model.safetensors on its data") && $0.contains("RUNNING") }
        #expect(!pane.screen.contains("chance"), "no chance line for the user's data")
        // Each panel read is a fresh capture, which can land mid-redraw on a busy machine: wait, don't sample once.
        try pane.wait("the panel names the user's data and weights") { _ in
            pane.panel("task") == "your data" && pane.panel("init") == "your model's weights"
        }
        pane.send("w")
        try pane.wait("saved") { $0.contains("saved iteration") && $0.contains(out) }
        let saved = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: out))
        #expect(saved["fc.weight"]?.shape == [4, 8] && saved["rnn.weight_hh_l1"]?.shape == [8, 8])
        pane.send("i")
        try pane.wait("IRNN on the model") { $0.contains("your model's W_hh re-initialised") }
        try pane.wait("panel shows relu") { _ in pane.panel("activation") == "relu" }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
        let header = try String(contentsOfFile: cast, encoding: .utf8).prefix { $0 != "\n" }
        let title = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])["title"] as? String
        #expect(title == "rnnscope model.safetensors", "\(header)")
    }

    /// g cycles the cell: the side panel says lstm and shows its forget gate; } raises b_f; g again gives gru.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func theCellKeyTurnsTheNetworkIntoAnLSTM() throws {
        let pane = try Pane(width: 100, height: 32)
        defer { pane.close() }
        try pane.wait("stopped at the moment") { $0.contains("PAUSED") && $0.contains("stopped at the moment") }
        try pane.wait("the vanilla cell in the panel") { _ in pane.panel("cell") == "rnn (vanilla)" }
        pane.send("g")
        try pane.wait("the status line says so") { $0.contains("cell lstm") && $0.contains("re-initialised") }
        try pane.wait("lstm in the side panel") { _ in pane.panel("cell") == "lstm" }
        pane.send(" ")
        try pane.wait("the forget gate measured") { _ in
            pane.panel("forget gate f̄").flatMap(Double.init).map { $0 > 0 && $0 < 1 } ?? false
        }
        #expect(pane.screen.contains("{}b_f") && pane.screen.contains("gCell"))
        pane.send("}")
        try pane.wait("b_f raised") { _ in pane.panel("forget bias b_f") == "0.5" }
        pane.send("g")
        try pane.wait("gru in the side panel") { _ in pane.panel("cell") == "gru" && pane.panel("update gate z̄") != nil }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func driveEveryContractKey() throws {
        let pane = try Pane(width: 100, height: 30)
        defer { pane.close() }

        // Starts on vanishing, which stops at its claim's moment (iteration 1); space goes on.
        try pane.wait("stopped at the moment") { $0.contains("PAUSED") && $0.contains("stopped at the moment") }
        pane.send(" ")
        // Starts, runs, shows the header and the chart.
        try pane.wait("running") { $0.contains("RUNNING") && $0.range(of: #"iteration [1-9]"#, options: .regularExpression) != nil }
        let first = pane.screen
        #expect(first.contains("by timestep"))
        #expect(first.contains("it/s"))
        #expect(first.contains("Quit"))

        // space pauses; n runs exactly one more iteration.
        pane.send(" ")
        try pane.wait("paused") { $0.contains("PAUSED") }
        Thread.sleep(forTimeInterval: 0.3)
        let before = pane.iteration
        pane.send("n")
        try pane.wait("one more iteration") { _ in pane.iteration == before.map { $0 + 1 } }

        // c toggles clipping; + and - change its threshold; the panel follows.
        let clipWasOn = pane.panel("clipping")?.hasPrefix("on") == true
        pane.send("c")
        try pane.wait("clipping toggled") { $0.contains(clipWasOn ? "clipping off" : "clipping on: threshold") }
        if !clipWasOn {
            try pane.wait("panel shows clipping on") { _ in pane.panel("clipping")?.hasPrefix("on") == true }
            pane.send("+")
            try pane.wait("threshold doubled") { $0.contains("clipping threshold 2.0") }
            pane.send("-")
            try pane.wait("threshold halved") { $0.contains("clipping threshold 1.0") }
            pane.send("_")
            try pane.wait("threshold halved again") { $0.contains("clipping threshold 0.5") }
        }

        // t toggles truncation; ] and [ double and halve K.
        pane.send("t")
        try pane.wait("truncation toggled") { $0.contains("truncation on: K =") || $0.contains("truncation off") }
        if pane.screen.contains("truncation on: K =") {
            let k = pane.number(after: "truncation on: K = ")
            pane.send("]")
            try pane.wait("K doubled") { $0.contains("truncation K = ") }
            pane.send("[")
            try pane.wait("K back") { _ in pane.number(after: "truncation K = ") == k }
        }

        // i: IRNN (identity init, ReLU) re-initialises the network (off, if the scenario is one).
        pane.send("i")
        try pane.wait("IRNN toggled") { $0.contains("IRNN on") || $0.contains("IRNN off") }
        if pane.screen.contains("IRNN on") {
            try pane.wait("panel shows identity and relu") { _ in
                pane.panel("init")?.hasPrefix("identity") == true && pane.panel("activation") == "relu"
            }
        } else {
            try pane.wait("panel shows the initialisation without IRNN") { _ in
                pane.panel("init")?.hasPrefix("identity") == false
            }
        }

        // b: step through the backward pass from t = T; h back, l forward, Esc leaves.
        try pane.wait("an iteration to step through") { $0.range(of: #"[·*] it [1-9]"#, options: .regularExpression) != nil }
        pane.send("b")
        // t only from a whole "t = N of M": a capture can land while the line is half drawn.
        func stepT(_ screen: String) -> Int? {
            screen.firstMatch(of: #/BPTT step-through: t = (\d+) of \d+/#).flatMap { Int($0.1) }
        }
        var T: Int?
        try pane.wait("step-through") { T = stepT($0); return $0.contains("STEP-THROUGH") && T != nil }
        pane.send("h")
        try pane.wait("one step back") { stepT($0) == T.map { $0 - 1 } }
        pane.send("h")
        pane.send("l")
        try pane.wait("one step forward") { stepT($0) == T.map { $0 - 1 } }
        pane.key("Escape")
        try pane.wait("left step-through") { !$0.contains("STEP-THROUGH") }

        // ? help, s picker, Esc closes each.
        pane.send("?")
        try pane.wait("help") { $0.contains("help: everything on screen") && $0.contains("KEYS") }
        pane.key("Escape")
        try pane.wait("help closed") { !$0.contains("help: everything on screen") }
        pane.send("s")
        try pane.wait("picker") { $0.contains("open a scenario") }
        pane.key("Escape")
        try pane.wait("picker closed") { !$0.contains("open a scenario") }

        // r restarts with the same seed.
        pane.send("r")
        try pane.wait("restarted") { $0.contains("restarted with seed") }

        // Resizing redraws at the new size; below 60×16 it says so, and comes back.
        pane.resize(width: 60, height: 16)
        // Narrow, the chart's title shortens its words to keep the iteration: '‖∂L/∂h_t‖, log · it 1'.
        try pane.wait("redrawn at 60×16") { $0.contains("‖∂L/∂h_t‖, log · it") && !$0.contains("too small") }
        #expect(pane.lines.count == 16)
        pane.resize(width: 50, height: 12)
        try pane.wait("too small") { $0.contains("terminal too small") && $0.contains("50") && $0.contains("12") }
        pane.resize(width: 100, height: 30)
        try pane.wait("back to full size") { $0.contains("by timestep") && $0.contains("network") }
        // Esc right before a resize still closes help (neither is swallowed with the other).
        for (i, size) in [(110, 32), (100, 30), (104, 31)].enumerated() {
            pane.send("?")
            try pane.wait("help again (\(i))") { $0.contains("help: everything on screen") }
            Thread.sleep(forTimeInterval: 0.5)  // idle, as a person would be: the view waits a frame for input
            pane.key("Escape")
            pane.resize(width: size.0, height: size.1)
            try pane.wait("help closed by Esc before a resize (\(i))") { !$0.contains("help: everything on screen") && $0.contains("by timestep") }
            #expect(pane.lines.count == size.1)
        }

        // q quits with status 0 and leaves the terminal as it found it.
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=0"))
        try pane.expectTerminalRestored()
    }

    /// The issue's test: opened fresh, vanishing is still near its start five seconds later,
    /// its steep decay on screen; < and > change the pace the header shows, also while paused.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func vanishingStaysOnItsMomentAndThePaceKeysWorkWhilePaused() throws {
        let pane = try Pane(width: 120, height: 36, arguments: ["run", "vanishing"])
        defer { pane.close() }
        try pane.wait("started") { $0.contains("iteration ") && $0.contains("pace ") }
        Thread.sleep(forTimeInterval: 5)
        let screen = pane.screen
        #expect((pane.iteration ?? .max) <= 300, "\(screen)")
        #expect(screen.contains("PAUSED") && screen.contains("stopped at the moment: space goes on"), "\(screen)")
        #expect(screen.contains("* ✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = "), "\(screen)")
        let pace = try #require(pane.pace, "\(screen)")
        pane.send(">")
        try pane.wait("pace doubled while paused") { _ in pane.pace == pace * 2 }
        pane.send("<")
        pane.send("<")
        try pane.wait("pace halved while paused") { _ in pane.pace == pace / 2 }
        #expect(pane.screen.contains("PAUSED"))
        // Space goes on at that pace: the header measures it.
        pane.send(" ")
        try pane.wait("running and measured") { $0.contains("RUNNING") && $0.range(of: #"/s   [0-9.]*[1-9][0-9.]* it/s"#, options: .regularExpression) != nil }
        // Truncation moves the run off the claim's settings: the ✓ measured on them stays, the title says what changed.
        pane.send("t")
        try pane.wait("the verdict stays, the change is named") { $0.contains("changed: train.truncate") && $0.contains("* ✓ iteration 1") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func explodingStillShowsFiniteBarsAfterFiveSeconds() throws {
        let pane = try Pane(width: 120, height: 36, arguments: ["run", "exploding"])
        defer { pane.close() }
        try pane.wait("started") { $0.range(of: #"iteration [1-9]"#, options: .regularExpression) != nil }
        Thread.sleep(forTimeInterval: 5)
        let lines = pane.lines
        let screen = lines.joined(separator: "\n")
        #expect(!screen.contains("DIVERGED"), "\(screen)")
        let top = try #require(lines.firstIndex { $0.contains("by timestep") }, "\(screen)")
        let axis = try #require(lines.firstIndex { $0.contains("└") }, "\(screen)")
        // The chart's rows (left of the side panel): bars, and no Inf/NaN mark among them.
        let chart = lines[(top + 1)..<axis].map { String($0.prefix(60)) }
        #expect(chart.contains { $0.contains("█") }, "\(screen)")
        #expect(!chart.contains { $0.contains("×") }, "\(screen)")
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
    }

    /// `train --iterations N` in the live view stops at N, and space goes on past it.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func liveTrainStopsAtItsIterations() throws {
        let pane = try Pane(width: 100, height: 30, arguments: ["train", "--set", "task.steps=20", "--iterations", "30", "--speed", "max"])
        defer { pane.close() }
        try pane.wait("stopped at 30") { $0.contains("stopped at iteration 30 (--iterations): space goes on") }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(pane.iteration == 30)
        #expect(pane.screen.contains("PAUSED") && pane.screen.contains("pace max"))
        pane.send(" ")
        try pane.wait("on past it") { _ in (pane.iteration ?? 0) > 30 }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=0"))
        // A comparison scenario opens as its split, as `run` opens it, both runs stopping there.
        let split = try Pane(width: 120, height: 40, arguments: ["train", "truncation-horizon", "--iterations", "12", "--speed", "max"])
        defer { split.close() }
        try split.wait("both stopped at 12") { s in
            let lines = s.components(separatedBy: "\n")
            return lines.contains { $0.contains("▶ A: train.truncate = 20") && $0.contains("iteration 12   loss") }
                && lines.contains { $0.contains("B: train.truncate = 9") && $0.contains("iteration 12   loss") }
        }
    }

    /// `run NAME --seed N` runs seed N, as `--set seed=N` does: the title bar says it.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func seedFlagIsTheRunsSeed() throws {
        let pane = try Pane(width: 120, height: 36, arguments: ["run", "vanishing", "--seed", "17"])
        defer { pane.close() }
        try pane.wait("seed 17 in the title bar") { ($0.components(separatedBy: "\n").first ?? "").hasSuffix("seed 17") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    /// The split in a terminal too small even for one run says what one run needs
    /// (v, which closes the split, would not help there), and redraws when it grows.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func aSplitTooSmallForOneRunSaysWhatOneRunNeeds() throws {
        let pane = try Pane(width: 120, height: 36, arguments: ["run", "vanishing"])
        defer { pane.close() }
        try pane.wait("started") { $0.contains("by timestep") }
        pane.send("v")
        try pane.wait("split") { $0.contains("▶ A: ") }
        pane.resize(width: 50, height: 12)
        try pane.wait("too small for one run") { s in
            let said = s.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            return said.contains("terminal too small: have 50×12, need 60×16 the split view needs 100×28") && !said.contains("v closes")
        }
        pane.resize(width: 80, height: 24)
        try pane.wait("one run alone") { $0.contains("A alone (split needs 100×28; Tab: B)") }
        pane.resize(width: 120, height: 36)
        try pane.wait("the split again") { $0.contains("▶ A: ") }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    /// `run --model M --data D --vs train.clip=…`: the split on the user's model; w saves the
    /// focused run, e names the figure after the model file, v closes keeping the focused run.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func yourOwnModelSplitSavesTheFocusedRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-vs-\(getpid())")  // short: the status line names the file
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("trained.safetensors").path
        let pane = try Pane(width: 120, height: 40, arguments: [
            "run", "--model", Binary.fixture("stock/fc-2layers/model.safetensors"),
            "--data", Binary.fixture("stock/fc-2layers/data.safetensors"), "--save", out, "--vs", "train.clip=0.001"], directory: dir.path)
        defer { pane.close() }
        try pane.wait("two charts of the model") { $0.components(separatedBy: "by timestep t").count == 3 && $0.contains("RUNNING") }
        #expect(pane.screen.contains("Your model: model.safetensors on its data"))
        #expect(pane.screen.contains("A: train.clip = off") && pane.screen.contains("B: train.clip = 0.001"))
        #expect(pane.screen.contains("w Save") && pane.screen.contains("v Split"))
        pane.key("Tab")
        pane.send("w")
        try pane.wait("B saved") { $0.contains("B: saved iteration") && $0.contains(out) }
        #expect(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: out))["fc.weight"]?.shape == [4, 8])
        pane.send("e")
        try pane.wait("exported") { $0.contains("wrote rnnscope-model-it") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("rnnscope-model-it") && $0.hasSuffix(".svg") })
        pane.send("v")
        try pane.wait("closed on B") { $0.contains("split closed: run B goes on") && $0.components(separatedBy: "by timestep t").count == 2 }
        try pane.wait("B's clipping goes on") { _ in pane.panel("clipping")?.contains("0.001") == true }
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=0") }
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func splitViewExportsAnSVGAndRecordsTheSession() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-split-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cast = dir.appendingPathComponent("session.cast").path
        let pane = try Pane(width: 120, height: 40, arguments: ["run", "vanishing", "--vs", "train.clip=1", "--record", cast],
                            directory: dir.path)
        defer { pane.close() }
        // Two charts, each under its side's header, and the B/A row.
        try pane.wait("two charts") { $0.components(separatedBy: "by timestep t").count == 3 }
        let screen = pane.screen
        #expect(screen.contains("A: train.clip = off") && screen.contains("B: train.clip = 1.0"))
        #expect(screen.contains("log₁₀(B/A) of ‖∂L/∂h_t‖"))
        // vanishing stops at its claim's moment (iteration 1), whose line replaces any
        // notice shown before it: export once it has stopped.
        try pane.wait("stopped at the moment") { $0.contains("stopped at the moment") }
        pane.send("e")
        try pane.wait("exported") { $0.contains("wrote rnnscope-vanishing-it") }
        let svgName = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".svg") })
        let svg = try String(contentsOfFile: dir.appendingPathComponent(svgName).path, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("width=\"1080\" height=\"720\""))
        #expect(svg.components(separatedBy: "<text").count == svg.components(separatedBy: "</text>").count)
        #expect(svg.contains(">B/A</text>"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(svgName.replacingOccurrences(of: ".svg", with: ".txt")).path))
        pane.send("q")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=0"))
        // The recording: an asciicast v2 header, then output events in time order.
        let lines = try String(contentsOfFile: cast, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2 && header["width"] as? Int == 120 && header["height"] as? Int == 40)
        #expect(header["timestamp"] is Int)
        var last = -1.0
        for line in lines.dropFirst() {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            let t = try #require(event[0] as? Double)
            #expect(t >= last)
            last = t
            #expect(["o", "r"].contains(event[1] as? String) && event[2] is String)
        }
        #expect(lines.count >= 3, "the first frame and the one after e at least")
        // Only the cells that changed are written: the notice's text over the moment's
        // line comes in pieces, the name of the .txt whole.
        let txtName = svgName.replacingOccurrences(of: ".svg", with: ".txt")
        #expect(lines.contains { $0.contains(txtName) }, "the recording shows what the screen showed")
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func ctrlCLeavesTheTerminalClean() throws {
        let pane = try Pane(width: 80, height: 24)
        defer { pane.close() }
        try pane.wait("running") { $0.contains("RUNNING") || $0.contains("PAUSED") }
        pane.key("C-c")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=0"))
        try pane.expectTerminalRestored()
    }

    /// Ctrl-\\ sends SIGQUIT, whose default action ends the process: it still dies
    /// of SIGQUIT (status 128 + 3), but on a restored terminal.
    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func ctrlBackslashLeavesTheTerminalClean() throws {
        let pane = try Pane(width: 80, height: 24)
        defer { pane.close() }
        try pane.wait("running") { $0.contains("RUNNING") || $0.contains("PAUSED") }
        pane.key("C-\\")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=131"))
        #expect(!pane.screen.contains("crashed"))
        try pane.expectTerminalRestored()
        let cursor = try pane.display("#{cursor_flag}")
        #expect(cursor == "1", "the cursor is hidden")
    }

    @Test(.enabled(if: ready, "needs tmux on PATH and a built rnnscope (swift build) next to the tests"),
          .timeLimit(.minutes(1)))
    func functionKeysOpenHelpAndQuit() throws {
        let pane = try Pane(width: 80, height: 24)
        defer { pane.close() }
        try pane.wait("running") { $0.contains("RUNNING") || $0.contains("PAUSED") }
        pane.key("F1")
        try pane.wait("help") { $0.contains("help: everything on screen") }
        pane.key("F10")
        try pane.wait("exited") { $0.contains("exit=") }
        #expect(pane.screen.contains("exit=0"))
        try pane.expectTerminalRestored()
    }

    @Test(.enabled(if: binary != nil, "needs a built rnnscope (swift build) next to the tests"))
    func withoutATerminalItPointsToHeadless() throws {
        let p = Process()
        p.executableURL = Self.binary
        p.standardInput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 2)
        #expect(message.contains("train --headless"))
        #expect(message.split(separator: "\n").count == 1)
    }

    // MARK: Finding things

    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Next to the test bundle (the products directory), else the package's .build/debug.
    static func findBinary() -> URL? {
        if let explicit = ProcessInfo.processInfo.environment["RNNSCOPE_BINARY"] { return URL(fileURLWithPath: explicit) }
        let bundle = Bundle.main.bundleURL
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            bundle.appendingPathComponent("rnnscope"),
            bundle.deletingLastPathComponent().appendingPathComponent("rnnscope"),
            root.appendingPathComponent(".build/debug/rnnscope"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
}

/// One tmux server (its own socket) with one pane running rnnscope inside a shell
/// that reports the exit status and the terminal modes afterwards.
final class Pane {
    let socket: String
    let target = "rnnscope-e2e"
    let modesFile: String
    private static let counter = Counter()

    /// `input`: arguments of a first rnnscope whose standard output is piped into this one.
    /// `executable`: another copy of rnnscope to run (a copied binary).
    init(width: Int, height: Int, arguments: [String] = [], directory: String? = nil, input: [String]? = nil,
         executable: String? = nil) throws {
        let n = Self.counter.next()
        socket = "rnnscope-test-\(getpid())-\(n)"
        modesFile = NSTemporaryDirectory() + "rnnscope-e2e-\(getpid())-\(n).stty"
        let binary = executable ?? TmuxTests.binary!.path
        // After the program: its status on screen, the terminal modes in a file, then idle
        // so that the pane stays to be read. The shell survives Ctrl-C as an interactive
        // one would, and Ctrl-\\ too (a trap, not an ignore: the program must get SIGINT
        // and SIGQUIT as usual).
        let args = arguments.map { " '\($0)'" }.joined()
        let cd = directory.map { "cd '\($0)' && " } ?? ""
        let pipe = input.map { "'\(binary)'" + $0.map { " '\($0)'" }.joined() + " | " } ?? ""
        let script = "trap 'true' INT QUIT; \(cd)\(pipe)'\(binary)'\(args); echo \"exit=$?\"; stty -a > '\(modesFile)'; sleep 60"
        try tmux(["-u", "new-session", "-d", "-s", target, "-x", "\(width)", "-y", "\(height)", "sh", "-c", script])
    }

    /// Ends the session (and so the shell and the program), then the server. kill-server
    /// alone can leave the server waiting on a pane whose shell is still in `sleep`.
    func close() {
        _ = try? tmux(["kill-session", "-t", target])
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: modesFile)
        let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(directory)/tmux-\(getuid())/\(socket)")
    }

    /// Types text, one key per character.
    func send(_ text: String) { _ = try? tmux(["send-keys", "-t", target, "-l", "--", text]) }
    /// A named key: Escape, Left, C-c, F1.
    func key(_ name: String) { _ = try? tmux(["send-keys", "-t", target, name]) }

    func resize(width: Int, height: Int) {
        _ = try? tmux(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
    }


    var screen: String { (try? tmux(["capture-pane", "-p", "-t", target])) ?? "" }
    var lines: [String] {
        var l = screen.components(separatedBy: "\n")
        if l.last == "" { l.removeLast() }
        return l
    }

    /// The iteration number in the header.
    var iteration: Int? { number(after: "iteration ") }

    /// The pace in the header ("pace 2.5/s"), in iterations per second.
    var pace: Double? {
        screen.firstMatch(of: #/pace ([0-9.]+)\/s/#).flatMap { Double($0.1) }
    }

    func number(after prefix: String) -> Int? {
        guard let r = screen.range(of: prefix) else { return nil }
        return Int(screen[r.upperBound...].prefix { $0.isNumber })
    }

    /// The side panel's value for a label (the panel is flush right).
    func panel(_ label: String) -> String? {
        guard let line = lines.first(where: { $0.contains(" \(label) ") }),
              let r = line.range(of: " \(label) ", options: .backwards) else { return nil }
        return line[r.upperBound...].trimmingCharacters(in: .whitespaces)
    }

    /// Polls the screen until `condition` holds; fails with the last screen after `timeout` seconds.
    func wait(_ what: String, timeout: Double = 8, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen
            if condition(last) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TmuxError(description: "timed out waiting for \(what); the screen was:\n\(last)")
    }

    /// Echo and canonical mode back on, and the alternate screen left.
    func expectTerminalRestored() throws {
        let deadline = Date().addingTimeInterval(5)
        var modes = ""
        while Date() < deadline {
            modes = (try? String(contentsOfFile: modesFile, encoding: .utf8)) ?? ""
            if !modes.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let flags = Set(modes.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(flags.contains("echo") && !flags.contains("-echo"), "echo is off: \(modes)")
        #expect(flags.contains("icanon") && !flags.contains("-icanon"), "icanon is off: \(modes)")
        let alternate = try tmux(["display-message", "-p", "-t", target, "#{alternate_on}"])
        #expect(alternate.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// A tmux format about the pane, e.g. `#{cursor_flag}`.
    func display(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", target, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs tmux with posix_spawn and waitpid, its output in a file. Not Foundation's
    /// Process: the server tmux forks inherits the descriptor Process watches for the
    /// child's exit, and waitUntilExit would wait for the server to end.
    @discardableResult
    private func tmux(_ args: [String]) throws -> String {
        let outPath = NSTemporaryDirectory() + "\(socket)-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let path = TmuxTests.tmux!.path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path, "-L", socket] + args).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else {
            throw TmuxError(description: "cannot start \(path)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        // Exited normally (low 7 bits 0) with status 0.
        guard status & 0x7f == 0 && (status >> 8) & 0xff == 0 else {
            throw TmuxError(description: "tmux \(args.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            n += 1
            return n
        }
    }
}
