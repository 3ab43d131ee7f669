import Foundation
import RNNSim
import RunStream
import Testing
@testable import ScopeView

/// A run read from a stream: what reaches the view, at what pace, and what a key can do to it.
@Suite struct StreamSessionTests {
    static let header = #"{"rnnscope":"0.2.0","source":"pytorch","title":"model.lstm","cell":"lstm","layers":1,"directions":2,"hidden":4,"steps":2,"every":5,"exact":true,"inexact":[]}"#

    static func record(_ i: Int) -> String {
        #"{"iteration":\#(i * 5),"loss":\#(1.0 / Double(i)),"grad_norm":2,"clip_scale":1,"clipped":false,"clip_max_norm":0,"nonfinite":false,"sigma_max":[1.5,1.25],"gate_mean":[0.5,0.5],"gate_product":[0.25,0.25],"gate_saturation":[0,0],"hidden_grad_norms":[[0.5,1],[1,0.5]],"cell_grad_norms":[[1,1],[1,1]]}"#
    }

    func file(_ lines: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "rnnscope-stream-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Polls until `done` holds of the state, folding every update in as the view does.
    func follow(_ s: StreamSession, _ state: inout AppState, timeout: Double = 5, until done: (AppState) -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !done(state) {
            if let u = s.poll() { _ = update(&state, .report(u)) }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    @Test func theHeaderDescribesTheRunAndRecordsArriveInOrder() throws {
        let path = try file([Self.header] + (1...6).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 30 && $0.a.streamProgress?.caughtUp == true }
        #expect(state.a.latestIteration == 30)
        #expect(state.a.settings.cell == .lstm && state.a.settings.layers == 2 && state.a.rowName(1) == "layer 1 reverse")
        #expect(state.a.scenario.title == "model.lstm" && state.a.stream?.every == 5)
        #expect(state.a.history.count == 6)
        #expect(state.a.spectrum?.largestSingularValue == [1.5, 1.25] && state.a.spectrum?.gateProducts == [0.25, 0.25])
        #expect(state.a.streamProgress?.records == 6 && state.a.streamProgress?.skipped == 0)
    }

    @Test func thePaceHoldsRecordsBack() throws {
        let path = try file([Self.header] + (1...50).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: 10, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state, timeout: 0.5) { _ in false }
        // About 5 records in half a second at 10 a second, never all 50.
        #expect((2...9).contains(state.a.streamProgress?.records ?? 0), "\(String(describing: state.a.streamProgress))")
    }

    /// Behind the file (a loop faster than the pace, or a replay), the panel says about how
    /// far: it read "records 455" as if live while the loop had written 1,190.
    @Test func behindTheFileTheViewSaysHowFar() throws {
        let path = try file([Self.header] + (1...50).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: 10, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state, timeout: 0.5) { _ in false }
        let p = try #require(state.a.streamProgress)
        #expect(abs(p.records + p.behind - 50) <= 3 && p.behind >= 35, "\(p)")  // an estimate: lines differ in length
        #expect(Fixture.render(state).panelValue("records") == "\(p.records), ~\(p.behind) behind")
    }

    /// A loop writing a record every 50 ms leaves the view caught up between any two: it is
    /// RUNNING at about 20 it/s, not "WAITING FOR RECORDS   0 it/s" (as it read for a loop at
    /// 40 it/s); a second without a record, it is waiting.
    @Test func aStreamThatKeepsComingIsRunning() throws {
        let path = try file([Self.header.replacingOccurrences(of: #""every":5"#, with: #""every":1"#), Self.record(1)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity)
        var state = first
        defer { s.stop() }
        var seen: [String] = []
        for i in 2...30 {
            try append(path, [Self.record(i)])
            follow(s, &state, timeout: 0.05) { _ in false }
            if i > 10 { seen.append(Header.runState(state.a, mode: state.ui.mode).text + " \(Int(state.a.iterationsPerSecond))") }
        }
        #expect(seen.allSatisfy { $0.hasPrefix("RUNNING") }, "\(seen)")
        #expect(state.a.iterationsPerSecond > 5 && state.a.streamProgress?.caughtUp == true)
        follow(s, &state, timeout: 1.6) { _ in false }
        #expect(Header.runState(state.a, mode: state.ui.mode).text == "WAITING FOR RECORDS" && state.a.iterationsPerSecond == 0)
    }

    @Test func pausedNothingArrivesAndAStepLetsOneThrough() throws {
        let path = try file([Self.header] + (1...20).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, running: false, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        state.a.running = false
        follow(s, &state, timeout: 0.4) { _ in false }
        #expect(state.a.latestIteration == 0 && state.a.stream?.source == "pytorch")
        s.send(.stepOnce)
        follow(s, &state) { $0.a.latestIteration == 5 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.latestIteration == 5)
    }

    @Test func keysThatWouldChangeTrainingAreRefusedInOneLine() throws {
        var state = watchState(name: "run.jsonl", speed: 20, width: 100, height: 32)
        for key in ["t", "i", "g", "r", "R", "}", "w", "v", "s", "c"] {
            let commands = update(&state, .key(.char(Character(key))))
            #expect(commands.isEmpty, "\(key) acted: \(commands)")
            #expect(state.ui.status != nil)
        }
        #expect(state.a.clip == 0 && state.a.truncate == 0 && !state.a.identityInit)
    }

    /// The loop's own clipping (its records' clip_max_norm) is what c turns off and + doubles.
    @Test func theLoopsClippingIsTheRunsOwn() throws {
        let (path, s, followed) = try steeredLoopClippingAt5()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        #expect(state.a.clip == 5 && state.a.settings.trainingDifferences(from: state.a.scenario.settings).isEmpty)
        #expect(update(&state, .key(.char("+"))) == [.setClip(10, request: 1)])
        #expect(update(&state, .key(.char("c"))) == [.setClip(nil, request: 2)])
    }

    /// c turned a steered loop's clipping off: its records say clip_max_norm 0, as those of a
    /// loop that clips with torch's own clip_grad_norm_ do. The panel said "none via scope",
    /// which the help explains as a loop clipping by itself; it says the view turned it off.
    @Test func clippingTheViewTurnedOffIsSaidSo() throws {
        let (path, s, followed) = try steeredLoopClippingAt5()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        #expect(Fixture.render(state).text.contains("on, ‖g‖ ≤ 5"))
        press("c", &state, s)
        try append(path, [Self.record(2)])          // clip_max_norm 0: the control file's clip
        follow(s, &state) { $0.a.latestIteration == 10 }
        follow(s, &state, timeout: 0.3) { _ in false }
        let text = Fixture.render(state).text
        #expect(!text.contains("none via scope") && text.contains("off (c)"), "\(text)")
        press("c", &state, s)
        // On again: the record shown was still made with the view's 0.
        #expect(!Fixture.render(state).text.contains("none via scope"))
        try append(path, [Self.record(3).replacingOccurrences(of: #""clip_max_norm":0"#, with: #""clip_max_norm":5"#)])
        follow(s, &state) { $0.a.latestIteration == 15 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(Fixture.render(state).text.contains("on, ‖g‖ ≤ 5"))
    }

    /// At max pace records come in bursts and only the last is drawn: its clipping threshold
    /// is drawn with it. `watch --speed max` of a loop whose clipping c had turned off showed
    /// the last record (clip_max_norm 0) under "clipping on, ‖g‖ ≤ 0.5", the first of the burst's.
    @Test func theLastRecordOfABurstIsShownWithItsOwnClipping() throws {
        let clipped = (1...5).map { Self.record($0).replacingOccurrences(of: #""clip_max_norm":0"#, with: #""clip_max_norm":5"#) }
        let path = try file([Self.header] + clipped + [Self.record(6)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 30 && $0.a.report?.iteration == 30 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.report?.iteration == 30 && state.a.reportOptions?.clipNorm == 0)
        let text = Fixture.render(state).text
        #expect(text.contains("none via scope") && !text.contains("‖g‖ ≤ 5"), "\(text)")
    }

    /// The clipping the keys act on is the latest record's, also when several records come
    /// in one update (a burst at max pace): c turned it off at iteration 28, and after an
    /// update with 27 and 28 the run held 0.5, so c said "clipping off" to a loop that was off.
    @Test func theKeysActOnTheLatestRecordsClipping() throws {
        var state = watchState(name: "run", speed: .infinity, width: 100, height: 32)
        var u = SessionUpdate(generation: state.a.generation)
        u.streamHeader = try StreamHeader.parse(Array(Self.steered.utf8)).get()
        _ = update(&state, .report(u))
        let on = Fixture.report(iteration: 27, norms: [0.5, 1]), off = Fixture.report(iteration: 28, norms: [0.5, 1])
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation,
                                                 iterations: [IterationSummary(report: on, clipThreshold: 0.5),
                                                              IterationSummary(report: off, clipThreshold: 0)])))
        #expect(state.a.latestIteration == 28 && state.a.clip == 0)
        #expect(update(&state, .key(.char("c"))) == [.setClip(0.5, request: 1)])
    }

    /// A record of a steered loop made at clipping threshold `clip` after reading the control
    /// file whose `clip_seq` was `seq` (0: none read).
    static func record(_ i: Int, clip: Double, seq: Int) -> String {
        record(i).replacingOccurrences(of: #""clip_max_norm":0"#, with: #""clip_max_norm":\#(clip),"clip_seq":\#(seq)"#)
    }

    /// What a loop reads from the view's control file: its clip (nil: the loop's own) and clip_seq.
    func loopReads(_ path: String) throws -> (clip: Double?, seq: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path + ".control"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (object["clip"] as? Double, try #require(object["clip_seq"] as? Int))
    }

    /// Keys pressed faster than the loop records: each record made before the loop read the
    /// latest key still carries the clipping from before it. c then - eight times, 0.1 s apart,
    /// ended at "clipping on, ‖g‖ ≤ 1.5625" (the c undone, two - lost), and six + counted four:
    /// the view takes a record's clipping only once the loop has read its latest change.
    @Test func fastClipKeysAreNotUndoneByRecordsMadeBeforeTheLoopReadThem() throws {
        let (path, s, followed) = try steeredLoopClippingAt100()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        #expect(state.a.clip == 100)
        var loop = (clip: 100.0, seq: 0), i = 1
        func press(_ keys: String) throws {
            for key in keys {
                self.press(key, &state, s)
                // The iteration under way when the key came, made with what the loop had read before.
                i += 1
                try append(path, [Self.record(i, clip: loop.clip, seq: loop.seq)])
                follow(s, &state, timeout: 0.1) { _ in false }
                // Its next scope.step() reads the file.
                let read = try loopReads(path)
                loop = (read.clip ?? 100, read.seq)
            }
        }
        try press("c--------")
        #expect(state.a.clip == 0 && state.a.clipping.memory == 100.0 / 256, "\(state.a.clip) \(state.a.clipping.memory)")
        #expect(loop.clip == 0)
        try press("c++++++")
        #expect(state.a.clip == 25 && loop.clip == 25, "\(state.a.clip), the loop \(loop.clip)")
        // The loop's next record has read the latest: view and loop agree, nothing was said of an unread file.
        try append(path, [Self.record(i + 1, clip: loop.clip, seq: loop.seq)])
        follow(s, &state) { $0.a.latestIteration == (i + 1) * 5 }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.clip == 25 && Fixture.render(state).text.contains("on, ‖g‖ ≤ 25"))
        #expect(state.ui.status?.text.contains("does not read") != true)
    }

    /// A record the session read before the key's change reached it, but which the view
    /// takes in after the key, is older than the change too: it does not undo it.
    @Test func aRecordTakenInAfterTheKeyButReadBeforeItDoesNotUndoIt() throws {
        let (path, s, followed) = try steeredLoopClippingAt100()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        try append(path, [Self.record(2, clip: 100, seq: 0)])
        Thread.sleep(forTimeInterval: 0.3)     // read and published; the view has not polled
        press("c", &state, s)
        follow(s, &state) { $0.a.latestIteration == 10 }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.latestIteration == 10 && state.a.clip == 0)
    }

    /// A loop that goes on writing records made before the view's change, past the iteration
    /// under way, does not read the control file: its records are its clipping, and the view says so.
    @Test func aLoopThatDoesNotTakeTheClippingIsSaid() throws {
        let (path, s, followed) = try steeredLoopClippingAt100()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        press("c", &state, s)
        follow(s, &state, timeout: 0.2) { _ in false }
        try append(path, [Self.record(2, clip: 100, seq: 0)])     // the iteration under way
        follow(s, &state) { $0.a.latestIteration == 10 }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.clip == 0 && state.ui.status?.text.contains("does not read") != true)
        try append(path, [Self.record(3, clip: 100, seq: 0)])
        follow(s, &state) { $0.a.latestIteration == 15 }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.clip == 100)
        #expect(state.ui.status?.text.hasPrefix("your loop did not take the clipping: it does not read") == true,
                "\(state.ui.status?.text ?? "nil")")
    }

    /// A writer that does not echo clip_seq (an older Python package) cannot say which change
    /// its records followed: each record's clipping is taken as it comes, as before.
    @Test func anOlderWritersRecordsSetTheClippingAsTheyCome() throws {
        let (path, s, followed) = try steeredLoopClippingAt5()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = followed
        press("c", &state, s)
        #expect(state.a.clip == 0)
        try append(path, [Self.record(2).replacingOccurrences(of: #""clip_max_norm":0"#, with: #""clip_max_norm":5"#)])
        follow(s, &state) { $0.a.latestIteration == 10 }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.clip == 5)
    }

    /// Once the loop has closed its stream, nothing reads the control file: space, n, c, + and -
    /// say so in one line and write nothing (c said "clipping on: threshold 0.78125" and
    /// rewrote the file). They leave the key bar, as the keys a stream refuses do.
    @Test func afterTheEndTheKeysThatSteerTheLoopSaySo() throws {
        let path = try file([Self.steered] + (1...3).map { Self.record($0, clip: 0.5, seq: 0) } + [StreamEnd.line])
        defer { unlink(path); unlink(path + ".control") }
        let (s, first) = started(path, speed: .infinity)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.streamProgress?.ended == true }
        follow(s, &state, timeout: 0.2) { _ in false }
        let control = try String(contentsOfFile: path + ".control", encoding: .utf8)
        for key in [" ", "n", "c", "+", "-"] {
            state.ui.status = nil
            let commands = press(Character(key), &state, s)
            #expect(commands.isEmpty, "\(key) acted: \(commands)")
            #expect(state.ui.status?.text == "your loop has ended: space, n, c, + and - no longer reach it", "\(key)")
        }
        follow(s, &state, timeout: 0.2) { _ in false }
        #expect(state.a.running && state.a.clip == 0.5)
        #expect(try String(contentsOfFile: path + ".control", encoding: .utf8) == control)
        let bar = Keymap.bar(for: state).map(\.action)
        #expect(!bar.contains(.togglePause) && !bar.contains(.stepOnce) && !bar.contains(.toggleClip))
        // A stream the view does not steer: space and n say only that nothing more will come.
        var unsteered = watchState(name: "run", speed: .infinity, width: 100, height: 32)
        unsteered.a.stream = try StreamHeader.parse(Array(Self.header.utf8)).get()
        unsteered.a.streamProgress = StreamProgress(ended: true)
        for key in [" ", "n"] {
            #expect(update(&unsteered, .key(.char(Character(key)))).isEmpty)
            #expect(unsteered.ui.status?.text == "the stream has ended: nothing more will come")
        }
        #expect(unsteered.a.running)
    }

    /// `watch A --vs B`: with B's loop ended and focus on B, c, + and - say so and steer nothing
    /// (they wrote B's control file, which nothing reads any more); on A, still running, they act.
    @Test func inASplitTheEndedSideRefusesTheClippingKeys() throws {
        var state = watchState(name: "a", speed: .infinity, width: 200, height: 40)
        state.split(with: watchedRun(name: "b", speed: .infinity))
        for side in [Side.a, .b] { state[side].stream = try StreamHeader.parse(Array(Self.steered.utf8)).get() }
        state[.b].streamProgress = StreamProgress(ended: true)
        state.ui.focus = .b
        for key in ["c", "+", "-"] {
            #expect(update(&state, .key(.char(Character(key)))).isEmpty, "\(key)")
            #expect(state.ui.status?.text == "your loop has ended: space, n, c, + and - no longer reach it", "\(key)")
        }
        state.ui.focus = .a
        #expect(!update(&state, .key(.char("c"))).isEmpty, "A's loop still runs: c steers it")
    }

    /// A stream recording every 5 iterations is shown a record at a time: its rate and pace
    /// count records (the header said "20 it/s" while the iteration number went up 100 a second).
    @Test func everyFewIterationsTheRateIsRecords() throws {
        let path = try file([Self.header] + (1...6).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 30 }
        #expect(Fixture.render(state).line(1).contains(" rec/s") && !Fixture.render(state).line(1).contains("it/s"))
        _ = update(&state, .key(.char("<")))
        #expect(state.ui.status?.text.contains("rec/s") == true, "\(String(describing: state.ui.status))")
        var everyIteration = watchState(name: "run", speed: 20, width: 100, height: 32)
        everyIteration.a.stream = try StreamHeader.parse(Array(Self.header.replacingOccurrences(of: #""every":5"#, with: #""every":1"#).utf8)).get()
        #expect(Fixture.render(everyIteration).line(1).contains(" it/s"))
    }

    func append(_ path: String, _ lines: [String]) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        try h.close()
    }

    static let steered = header.replacingOccurrences(of: #""inexact":[]"#, with: #""inexact":[],"control":"x.control""#)

    /// A session on `path`, started, and the view's first state for it; the caller stops the session.
    func started(_ path: String, speed: Double, running: Bool = true, name: String = "run",
                 width: Int = 100, height: Int = 32) -> (StreamSession, AppState) {
        let s = StreamSession(path: path, speed: speed, running: running)
        s.start()
        return (s, watchState(name: name, speed: speed, width: width, height: height))
    }

    /// A steered loop's first record, made clipping at 5, followed: the file, its session
    /// (running) and the view's state. The caller stops the session and removes the files.
    func steeredLoopClippingAt5() throws -> (path: String, session: StreamSession, state: AppState) {
        let path = try file([Self.steered, Self.record(1).replacingOccurrences(of: #""clip_max_norm":0"#, with: #""clip_max_norm":5"#)])
        let (s, first) = started(path, speed: .infinity)
        var state = first
        follow(s, &state) { $0.a.latestIteration == 5 && $0.a.report != nil }
        return (path, s, state)
    }

    /// A steered loop's first record, made clipping at 100 (clip_seq 0), followed: the file,
    /// its session (running) and the view's state. The caller stops the session and removes the files.
    func steeredLoopClippingAt100() throws -> (path: String, session: StreamSession, state: AppState) {
        let path = try file([Self.steered, Self.record(1, clip: 100, seq: 0)])
        let (s, first) = started(path, speed: .infinity)
        var state = first
        follow(s, &state) { $0.a.latestIteration == 5 }
        return (path, s, state)
    }

    /// A steered loop's three records followed to the end, then paused by space: the file,
    /// its session (running) and the view's state. The caller stops the session and removes
    /// the file and its control file.
    func pausedSteeredLoop() throws -> (path: String, session: StreamSession, state: AppState) {
        let path = try file([Self.steered] + (1...3).map(Self.record))
        let (s, first) = started(path, speed: .infinity)
        var state = first
        follow(s, &state) { $0.a.latestIteration == 15 && $0.a.streamProgress?.caughtUp == true }
        s.send(.pause)
        state.a.running = false
        follow(s, &state, timeout: 0.3) { _ in false }
        return (path, s, state)
    }

    /// Space stops a steered loop at its next scope.step(), after it wrote the iteration under
    /// way; n lets one more through. Those records are the loop's newest: shown though paused
    /// (the view stayed one record behind the loop, showing the iteration before the one n let through).
    @Test func pausedASteeredLoopsNewRecordsAreShown() throws {
        let (path, s, paused) = try pausedSteeredLoop()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = paused
        try append(path, [Self.record(4)])        // the iteration under way when space was pressed
        follow(s, &state) { $0.a.latestIteration == 20 }
        #expect(state.a.latestIteration == 20 && !state.a.running)
        s.send(.stepOnce)                         // n: the loop writes one more
        follow(s, &state, timeout: 0.3) { _ in false }
        try append(path, [Self.record(5)])
        follow(s, &state) { $0.a.latestIteration == 25 }
        #expect(state.a.latestIteration == 25)
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.history.count == 5, "nothing shown twice or skipped")
    }

    /// Paused, a steered loop writes the iteration under way and then one per n. A loop that
    /// goes on writing does not read the control file the view writes (a stream from another
    /// machine over ssh, or from another directory): the view says so instead of "paused:
    /// your loop waits at its next scope.step()" while the loop ran from iteration 151 to 160.
    @Test func aLoopThatGoesOnWhilePausedIsSaid() throws {
        let (path, s, paused) = try pausedSteeredLoop()
        defer { s.stop(); unlink(path); unlink(path + ".control") }
        var state = paused
        try append(path, [Self.record(4)])        // the iteration under way: expected
        follow(s, &state) { $0.a.latestIteration == 20 }
        #expect(state.ui.status?.text.contains("did not pause") != true)
        try append(path, (5...7).map(Self.record))  // not let through by n
        follow(s, &state) { $0.a.latestIteration == 35 }
        #expect(state.ui.status?.text.contains("your loop did not pause") == true, "\(state.ui.status?.text ?? "nil")")
    }

    /// Records already in the file when space reached the session, though the view had not
    /// read them yet, were written before the loop could read the pause: they do not make a
    /// loop that stops at once "a loop that goes on" (on a busy machine a loop writing every
    /// iteration put two there, and the view said it did not read the control file).
    @Test func recordsWrittenBeforeThePauseReachedTheLoopAreNotCountedAgainstIt() throws {
        let path = try file([Self.steered] + (1...3).map(Self.record))
        defer { unlink(path); unlink(path + ".control") }
        let (s, first) = started(path, speed: .infinity)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 15 && $0.a.streamProgress?.caughtUp == true }
        try append(path, (4...6).map(Self.record))  // written while the key was on its way
        s.send(.pause)
        state.a.running = false
        follow(s, &state) { $0.a.latestIteration == 30 }
        try append(path, [Self.record(7)])           // the iteration under way: then it waits
        follow(s, &state) { $0.a.latestIteration == 35 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.ui.status?.text.contains("did not pause") != true, "\(state.ui.status?.text ?? "")")
    }

    /// Paused two records behind the loop, each n shows one of that backlog while the loop
    /// also writes one: the loop obeyed, and nothing says otherwise (n, n showed 296, 301 and
    /// then the loop's 306 and 307 came, which were counted as not let through).
    @Test func aBacklogShownByNIsNotALoopThatGoesOn() throws {
        let path = try file([Self.steered] + (1...6).map(Self.record))
        defer { unlink(path); unlink(path + ".control") }
        let (s, first) = started(path, speed: 5)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 20 }
        s.send(.pause)                               // records 25 and 30 are a backlog
        state.a.running = false
        follow(s, &state, timeout: 0.3) { _ in false }
        try append(path, [Self.record(7)])           // the iteration under way
        s.send(.stepOnce)
        try append(path, [Self.record(8)])
        s.send(.stepOnce)
        try append(path, [Self.record(9)])
        follow(s, &state) { $0.a.latestIteration == 45 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.latestIteration == 45)
        #expect(state.ui.status?.text.contains("did not pause") != true, "\(state.ui.status?.text ?? "")")
    }

    /// Records written before the pause that the view had not reached (a replay at a slow
    /// pace) wait while paused, as a replay does, whatever the loop writes after them.
    @Test func pausedABacklogWaitsForN() throws {
        let path = try file([Self.steered] + (1...3).map(Self.record))
        defer { unlink(path); unlink(path + ".control") }
        let (s, first) = started(path, speed: .infinity, running: false)
        var state = first
        defer { s.stop() }
        state.a.running = false
        follow(s, &state, timeout: 0.4) { _ in false }
        try append(path, [Self.record(4)])
        follow(s, &state, timeout: 0.4) { _ in false }
        #expect(state.a.latestIteration == 0)
        s.send(.stepOnce)
        follow(s, &state) { $0.a.latestIteration == 5 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.latestIteration == 5)
    }

    /// Started paused before the loop wrote anything: everything it writes comes after the pause.
    @Test func pausedBeforeTheStreamExistsItsRecordsAreShown() throws {
        let path = NSTemporaryDirectory() + "rnnscope-stream-\(UUID().uuidString).jsonl"
        defer { unlink(path); unlink(path + ".control") }
        let (s, first) = started(path, speed: .infinity, running: false)
        var state = first
        defer { s.stop() }
        state.a.running = false
        follow(s, &state, timeout: 0.3) { _ in false }
        try ([Self.steered, Self.record(1)].joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        follow(s, &state) { $0.a.latestIteration == 5 }
        #expect(state.a.latestIteration == 5)
        #expect(try String(contentsOfFile: path + ".control", encoding: .utf8).contains(#""pause": true"#))
    }

    /// A control file left by a viewer killed while paused does not hold the loop: the new
    /// view writes its own state as soon as it reads the header.
    @Test func aStaleControlFileIsReplacedAtOnce() throws {
        let steered = Self.header.replacingOccurrences(of: #""inexact":[]"#, with: #""inexact":[],"control":"x.control""#)
        let path = try file([steered, Self.record(1)])
        defer { unlink(path); unlink(path + ".control") }
        try #"{"pause": true, "step": 7, "clip": null}"#.write(toFile: path + ".control", atomically: true, encoding: .utf8)
        let (s, first) = started(path, speed: .infinity)
        var state = first
        follow(s, &state) { $0.a.latestIteration == 5 }
        #expect(try String(contentsOfFile: path + ".control", encoding: .utf8).contains(#""pause": false"#))
        s.stop()
        #expect(!FileManager.default.fileExists(atPath: path + ".control"), "removed when the view goes")
    }

    /// A module that ran several times with gradients (a siamese loss, accumulated micro-batches):
    /// its norms are its last call's, and the panel says so instead of "exact"; a loop that does
    /// not clip through scope shows "none via scope", not "off" (its own clipping is not seen).
    @Test func normsOfOneCallOfSeveralAreSaidSo() throws {
        let path = try file([Self.header, Self.record(1), Self.record(2).replacingOccurrences(of: #""iteration":10,"#, with: #""iteration":10,"calls":4,"#)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 10 }
        follow(s, &state, timeout: 0.3) { _ in false }
        let text = Fixture.render(state).text
        #expect(state.a.streamCalls == 4 && text.contains("last of 4 calls") && !text.contains("norms          exact"), "\(text)")
        #expect(text.contains("none via scope"))
        #expect(state.a.scenario.notes.contains("clip_grad_norm_"))
    }

    /// A loop that calls scope.step() without its loss, on a module whose weights are frozen,
    /// writes loss and grad_norm as null: not measured, which the screen said as "NaN".
    @Test func aLossAndGradNormNotRecordedAreNotShownAsNaN() throws {
        func unmeasured(_ i: Int) -> String {
            Self.record(i).replacingOccurrences(of: #""loss":\#(1.0 / Double(i)),"grad_norm":2,"#, with: #""loss":null,"#)
        }
        let path = try file([Self.header, unmeasured(1), unmeasured(2)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 10 }
        let text = Fixture.render(state).text
        #expect(!text.contains("loss NaN") && !text.contains("now NaN") && state.a.latestLoss == nil && !state.a.diverged, "\(text)")
        let gradNormRow = text.split(separator: "\n").first { $0.contains("grad norm") }
        #expect(gradNormRow?.contains("not measured") == true && text.contains("no loss in the records"), "\(text)")
    }

    /// A record without `clip_max_norm` does not say the threshold: the panel read "clipping
    /// none via scope" (or "off" for a train stream), a setting the stream never gave.
    @Test func aClippingThresholdNotRecordedIsNotShownAsOff() throws {
        let without = Self.record(1).replacingOccurrences(of: #""clip_max_norm":0,"#, with: "")
        let path = try file([Self.header, without])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 5 }
        let clippingRow = { (text: String) in text.split(separator: "\n").first { $0.contains("clipping") }.map(String.init) ?? "" }
        #expect(clippingRow(Fixture.render(state).text).contains("not measured"), "\(Fixture.render(state).text)")
        try append(path, [Self.record(2)])
        follow(s, &state) { $0.a.latestIteration == 10 }
        #expect(clippingRow(Fixture.render(state).text).contains("none via scope"))
    }

    /// `rnnscope.watch(lstm, ..., spectral=False)` writes the gates without σ_max: the panel
    /// showed "forget gate f̄ –", "∏ f –" beside a stream that held 0.5 and 0.25.
    @Test func gatesRecordedWithoutTheSpectrumAreShown() throws {
        func gatesOnly(_ i: Int) -> String { Self.record(i).replacingOccurrences(of: #""sigma_max":[1.5,1.25],"#, with: "") }
        let path = try file([Self.header, gatesOnly(1)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 5 }
        follow(s, &state, timeout: 0.3) { _ in false }
        func row(_ label: String) -> String {
            Fixture.render(state).text.split(separator: "\n").first { $0.contains(label) }.map(String.init) ?? ""
        }
        #expect(row("forget gate f̄").hasSuffix(" 0.5 ") && row("∏ f T…1").contains("2.50e-01") && row("σ_max(W_hh)").hasSuffix(" – "), "\(Fixture.render(state).text)")
        // σ_max measured once stays the one shown while later records carry the gates alone.
        try append(path, [Self.record(2), gatesOnly(3).replacingOccurrences(of: #""gate_mean":[0.5,0.5]"#, with: #""gate_mean":[0.75,0.5]"#)])
        follow(s, &state) { $0.a.latestIteration == 15 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(row("forget gate f̄").hasSuffix(" 0.75 ") && row("σ_max(W_hh)").hasSuffix(" 1.5 "), "\(Fixture.render(state).text)")
    }

    /// A bidirectional nn.RNN whose gradients vanish in both directions: the reverse direction's
    /// backward pass runs from t = 1 to T, so it vanishes towards t = T. Its ratio said
    /// "h_1/h_T 1.00e+03 ↑" beside "< 1: each loss's gradient vanishes".
    @Test func aReverseDirectionsDecayIsMeasuredAlongItsOwnBackwardPass() throws {
        let header = #"{"rnnscope":"0.2.0","source":"pytorch","title":"birnn","cell":"rnn","activation":"tanh","layers":1,"directions":2,"hidden":4,"steps":3,"every":1,"exact":true,"inexact":[]}"#
        let record = #"{"iteration":1,"loss":1,"grad_norm":2,"clip_scale":1,"clipped":false,"clip_max_norm":0,"nonfinite":false,"spectral_radius":0.3,"spectral_radii":[0.3,0.3],"sigma_max":[0.5,0.5],"hidden_grad_norms":[[0.001,0.03,1],[1,0.03,0.001]]}"#
        let path = try file([header, record])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 1 }
        #expect(Fixture.render(state).panelValue("measured h_1/h_T")?.hasSuffix("↓") == true)
        state.ui.layer = 1
        let reverse = Fixture.render(state)
        #expect(reverse.panelValue("measured h_T/h_1")?.hasSuffix("↓") == true && reverse.panelValue("measured h_1/h_T") == nil,
                "\(reverse.text)")
    }

    /// What is not exact is said in words on screen (the notes panel, and help), not only "NOT all exact".
    @Test func theInexactSentencesAreInTheNotes() throws {
        let sentence = "inter-layer dropout in training: its masks cannot be recovered"
        let inexact = Self.header.replacingOccurrences(of: #""inexact":[]"#, with: #""inexact":["\#(sentence)"]"#)
        let path = try file([inexact, Self.record(1)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 5 }
        #expect(state.a.scenario.notes.contains(sentence))
        #expect(Fixture.render(state).text.contains("Not exact"))
    }

    /// Two streams whose T differ say so in the ratio row; a stream recording every 5 counts
    /// the heatmap's span in iterations; a record with Inf/NaN shows INF/NAN, not DIVERGED.
    @Test func streamsOfOtherLengthsAndAnInfRecordAreSaid() throws {
        let a = try file([Self.header] + (1...3).map(Self.record))
        let b = try file([Self.header, Self.record(1).replacingOccurrences(of: "[[0.5,1],[1,0.5]]", with: #"[[0.5,1,"Infinity"],[1,0.5,2]]"#)
                                               .replacingOccurrences(of: #""nonfinite":false"#, with: #""nonfinite":true"#)
                                               .replacingOccurrences(of: #","cell_grad_norms":[[1,1],[1,1]]"#, with: "")])
        defer { unlink(a); unlink(b) }
        let sa = StreamSession(path: a, speed: .infinity), sb = StreamSession(path: b, speed: .infinity)
        sa.start(); sb.start()
        defer { sa.stop(); sb.stop() }
        var state = watchState(name: "a", speed: .infinity, width: 120, height: 40)
        state.split(with: watchedRun(name: "b", speed: .infinity))
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && (state.a.latestIteration < 15 || state.b?.report == nil) {
            if let u = sa.poll() { _ = update(&state, .report(u)) }
            if let u = sb.poll() { _ = update(&state, .reportB(u)) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let text = Fixture.render(state).text
        #expect(text.contains("A has T = 2, B T = 3: no ratio step by step"), "\(text)")
        #expect(state.b?.diverged == true && text.contains("DIVERGED") == false)
        var single = state
        single.unsplit(keeping: .a)
        #expect(Fixture.render(single).text.contains("over the last 11 iterations, a row per 5"))
        #expect(Header.runState(state.b!, mode: state.ui.mode).text == "INF/NAN")
    }

    /// A loop whose weights went NaN writes ρ and σ_max as "NaN": the panel shows that, not
    /// the last finite ρ of an earlier record (it read "ρ(W_hh) 1.097 … linear net: ρ > 1,
    /// explodes" at iteration 21 from iteration 1's weights). `null` is still "not measured".
    @Test func weightsGoneNaNAreShownNotAnEarlierRecordsSpectrum() throws {
        let header = #"{"rnnscope":"0.2.0","source":"pytorch","title":"model.rnn","cell":"rnn","activation":"relu","layers":1,"directions":1,"hidden":4,"steps":2,"every":1,"exact":true,"inexact":[]}"#
        func record(_ i: Int, _ rho: String) -> String {
            #"{"iteration":\#(i),"loss":1,"grad_norm":2,"clip_scale":1,"clipped":false,"clip_max_norm":0,"nonfinite":false,"spectral_radius":\#(rho),"spectral_radii":[\#(rho)],"sigma_max":[\#(rho)],"hidden_grad_norms":[[0.5,1]]}"#
        }
        let path = try file([header, record(1, "1.097"), record(2, "null")])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, width: 120, height: 40)
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 2 }
        #expect(state.a.spectrum?.iteration == 1 && state.a.spectrum?.spectralRadius == [1.097])
        try append(path, [record(3, #""NaN""#)])
        follow(s, &state) { $0.a.latestIteration == 3 }
        follow(s, &state, timeout: 0.3) { _ in false }
        #expect(state.a.spectrum?.iteration == 3 && state.a.spectrum?.spectralRadius.first?.isNaN == true)
        let text = Fixture.render(state).text
        #expect(!text.contains("1.097") && !text.contains("explodes"), "\(text)")
    }

    /// A second run appended to the file (`python train.py - >> run.jsonl`, two loops
    /// writing one file): its header starts a new run on screen, as a replaced file does.
    /// Its records were skipped as bad lines when its shape differed (the view went on
    /// showing the first model as the live one), and taken into the first run's history
    /// when it matched (iteration 15, then 1: two runs drawn as one).
    @Test(arguments: [false, true]) func aHeaderAppendedStartsANewRun(sameShape: Bool) throws {
        let second = sameShape ? Self.header.replacingOccurrences(of: "model.lstm", with: "again.lstm")
            : #"{"rnnscope":"0.2.0","source":"pytorch","title":"other.gru","cell":"gru","layers":1,"directions":1,"hidden":8,"steps":2,"every":1,"exact":true,"inexact":[]}"#
        func again(_ i: Int) -> String {
            sameShape ? Self.record(i).replacingOccurrences(of: #""iteration":\#(i * 5)"#, with: #""iteration":\#(i)"#)
                : #"{"iteration":\#(i),"loss":0.5,"grad_norm":1,"clip_scale":1,"clipped":false,"clip_max_norm":0,"nonfinite":false,"hidden_grad_norms":[[0.25,0.5]]}"#
        }
        let path = try file([Self.header] + (1...3).map(Self.record) + [second] + (1...2).map(again))
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.scenario.title == (sameShape ? "again.lstm" : "other.gru") && $0.a.latestIteration == 2 && $0.a.streamProgress?.caughtUp == true }
        #expect(state.a.scenario.title == (sameShape ? "again.lstm" : "other.gru"))
        #expect(state.a.settings.cell == (sameShape ? .lstm : .gru))
        #expect(state.a.latestIteration == 2 && state.a.history.count == 2, "\(state.a.history.count) iterations")
        #expect(state.a.streamProgress?.records == 2 && state.a.streamProgress?.skipped == 0)
    }

    /// A record whose iteration does not come after the last one (pasted in, or a writer's
    /// counter reset without a new header) is skipped and counted: taken in, the heatmap read
    /// "over the last -1 iterations" and the loss was drawn back over the run's start.
    @Test func anIterationThatGoesBackIsSkipped() throws {
        let path = try file([Self.header, Self.record(5), Self.record(6), Self.record(3), Self.record(6), Self.record(7)])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 35 && $0.a.streamProgress?.caughtUp == true }
        #expect(state.a.history.suffix(10).map(\.iteration) == [25, 30, 35])
        #expect(state.a.streamProgress?.records == 3 && state.a.streamProgress?.skipped == 2)
        #expect(state.a.streamProgress?.lastProblem == "line 5: iteration 30 after iteration 30")
        #expect(Fixture.render(state).text.contains("over the last 11 iterations, a row per 5"))
    }

    /// A header that cannot be used leaves nothing to show: the view ends on its one line,
    /// naming the stream as given and the line (it stayed open in ERROR, "waiting for the
    /// stream's header", the reason cut short on the chart).
    @Test(arguments: [
        (#"{"iteration":1}"#, "line 1: the first line is a record, not the header (was the header cut off?)"),
        (#"{"rnnscope":"0.2.0","cell":"rnn","layers":1000000000000,"hidden":4}"#, "line 1: the header's layers must be 1…64"),
    ])
    func aBadHeaderEndsTheView(line: String, says: String) throws {
        let path = try file([line])
        defer { unlink(path) }
        let (s, first) = started(path, speed: 20, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        #expect(firstCommands(s, &state) == [.fail("\(path), \(says)")])
    }

    /// A key as the event loop takes it: `update`, and its commands for the run sent to the session.
    @discardableResult
    func press(_ key: Character, _ state: inout AppState, _ s: StreamSession) -> [AppCommand] {
        let commands = update(&state, .key(.char(key)))
        for c in commands { if case .run(let r, _) = c { s.send(r) } }
        return commands
    }

    /// The first commands `update` answers the session's reports with (none within 5 s: []).
    func firstCommands(_ s: StreamSession, _ state: inout AppState) -> [AppCommand] {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let u = s.poll() {
                let commands = update(&state, .report(u))
                if !commands.isEmpty { return commands }
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return []
    }

    /// Standard input that ends before its header (`cat empty | rnnscope watch -`) ends the view too.
    @Test func standardInputEndingBeforeItsHeaderEndsTheView() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[1])
        let s = StreamSession(path: nil, descriptor: fds[0], speed: 20)
        s.start()
        defer { s.stop(); close(fds[0]) }
        var state = watchState(name: "stdin", speed: 20, width: 100, height: 32)
        #expect(firstCommands(s, &state) == [.fail("standard input ended before its header line")])
    }

    /// The Python package's scope, closed, ends its file with `{"end": true}`: the view shows
    /// it ENDED (it read "WAITING FOR RECORDS … following" for ever; only `watch -` ended).
    /// A file without it (an older writer, a loop still running) is still followed.
    @Test func aFileItsWriterClosedIsShownEnded() throws {
        let path = try file([Self.header] + (1...3).map(Self.record))
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.latestIteration == 15 && $0.a.streamProgress?.idle == true }
        #expect(Header.runState(state.a, mode: state.ui.mode).text == "WAITING FOR RECORDS")
        #expect(Fixture.render(state).panelValue("records") == "3, following")
        try append(path, [StreamEnd.line])
        follow(s, &state) { $0.a.streamProgress?.ended == true }
        #expect(Header.runState(state.a, mode: state.ui.mode).text == "ENDED")
        #expect(Fixture.render(state).panelValue("records") == "3, ended")
        // The end record is not a bad line.
        #expect(state.a.streamProgress?.skipped == 0 && state.a.latestIteration == 15)
    }

    /// A later run appended after the end record (`>>`) starts as a new run, not ended.
    @Test func aRunAppendedAfterTheEndStartsAnew() throws {
        let second = Self.header.replacingOccurrences(of: "model.lstm", with: "again.lstm")
        func again(_ i: Int) -> String { Self.record(i).replacingOccurrences(of: #""iteration":\#(i * 5)"#, with: #""iteration":\#(i)"#) }
        let path = try file([Self.header] + (1...3).map(Self.record) + [StreamEnd.line])
        defer { unlink(path) }
        let (s, first) = started(path, speed: .infinity, name: "run.jsonl")
        var state = first
        defer { s.stop() }
        follow(s, &state) { $0.a.streamProgress?.ended == true }
        #expect(state.a.latestIteration == 15 && Header.runState(state.a, mode: state.ui.mode).text == "ENDED")
        try append(path, [second] + (1...2).map(again))
        follow(s, &state) { $0.a.scenario.title == "again.lstm" && $0.a.latestIteration == 2 }
        #expect(state.a.scenario.title == "again.lstm" && state.a.history.count == 2)
        #expect(state.a.streamProgress?.ended == false && state.a.streamProgress?.records == 2)
        #expect(Header.runState(state.a, mode: state.ui.mode).text != "ENDED")
        try append(path, [StreamEnd.line])
        follow(s, &state) { $0.a.streamProgress?.ended == true }
        #expect(Header.runState(state.a, mode: state.ui.mode).text == "ENDED")
    }
}
