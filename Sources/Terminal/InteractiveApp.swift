import CNCursesW
import Foundation
import RNNSim
import Scenarios
import ScopeView

/// `rnnscope` and `rnnscope run NAME`: the live view in the terminal.
public enum InteractiveApp {
    /// Runs the interactive view until the user quits. Returns the exit status:
    /// 0 after q, F10 or Ctrl-C; after any other signal that ends a
    /// process (SIGTERM, SIGHUP, SIGQUIT, a real-time signal, …) the process dies
    /// of it once the terminal is restored and the recording written, as headless does; 2 when there is no usable terminal
    /// (with a one-line message on stderr). `stopAt`: each run pauses at this iteration.
    /// With `recording`, every frame drawn is also written to it (`--record`); a recording
    /// that cannot be written ends the view with status 74 and one line on stderr.
    /// `compare`: open the split view with run B on these settings (`--vs`).
    /// `lecture`: `presets` are a lecture's, in its order; PgDn and PgUp walk them.
    /// `unreadablePresets`: preset files that did not read, which the picker names.
    public static func run(scenario: Scenario, presets: [Scenario], unreadablePresets: [String] = [], ascii: Bool, stopAt: Int? = nil,
                           recording: SessionRecording? = nil, compare: Settings? = nil, lecture: Bool = false,
                           watcherFactory: @escaping (Scenario) -> MomentWatcher?) -> Int32 {
        var failure: String?  // never set: a scenario's view has no input it cannot show
        return open(ascii: ascii, recording: recording, failure: &failure) { screen, glyphs in
            var loop = EventLoop(screen: screen, glyphs: glyphs, scenario: scenario, presets: presets, stopAt: stopAt,
                                 recording: recording, compare: compare, watcherFactory: watcherFactory)
            loop.state.ui.lecture = lecture
            if lecture { loop.state.ui.slide = 0 }
            loop.state.ui.unreadablePresets = unreadablePresets
            return loop
        }
    }

    /// `rnnscope watch`: the live view on one stream, or two side by side. The
    /// terminal is /dev/tty when standard input carries the stream. Throws
    /// `UnusableStream`, once the terminal is restored, when a stream's header cannot be used.
    public static func watch(_ a: StreamSession, _ b: StreamSession?, names: (String, String?), speed: Double,
                             ascii: Bool, recording: SessionRecording?) throws -> Int32 {
        var failure: String?
        let status = open(ascii: ascii, recording: recording, failure: &failure) { screen, glyphs in
            var state = watchState(name: names.0, speed: speed, width: screen.width, height: screen.height)
            if b != nil, let nameB = names.1 {
                state.split(with: watchedRun(name: nameB, speed: speed))
            }
            return EventLoop(screen: screen, glyphs: glyphs, state: state, session: a, partner: b, recording: recording,
                             watcherFactory: { _ in nil })
        }
        if let failure { throw UnusableStream(description: failure) }
        return status
    }

    /// Opens the terminal, runs the loop `make` builds until the user quits, and leaves the terminal as it was.
    /// `failure`: why the loop ended on input it could not show (`AppCommand.fail`), if it did.
    private static func open(ascii: Bool, recording: SessionRecording?, failure: inout String?,
                             _ make: (CursesScreen, Glyphs) -> EventLoop) -> Int32 {
        if let problem = TerminalCheck.problem(environment: ProcessInfo.processInfo.environment,
                                               stdinIsTTY: isatty(STDIN_FILENO) == 1,
                                               stdoutIsTTY: isatty(STDOUT_FILENO) == 1) {
            TerminalCheck.complain(problem)
            return 2
        }
        setlocale(LC_ALL, "")
        let unicode = !ascii && TerminalCheck.localeIsUTF8()
        SignalGuard.install()
        guard let screen = CursesScreen(noColor: ProcessInfo.processInfo.environment["NO_COLOR"]) else {
            SignalGuard.uninstall()
            TerminalCheck.complain("cannot open the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? ""))")
            return 2
        }
        var loop = make(screen, unicode ? .unicode : .ascii)
        // R's new seeds differ from one session to the next.
        loop.state.ui.sessionSalt = UInt64(Date().timeIntervalSince1970 * 1000) ^ UInt64(getpid())
        loop.run()
        let (width, height) = (screen.width, screen.height)
        screen.end()
        SignalGuard.restoreTerminalModes()
        SignalGuard.uninstall()
        if let recording {
            do {
                if let problem = loop.recordingProblem { throw RecordingFailure(description: problem) }
                try recording.finish(width: width, height: height)
            } catch {
                TerminalCheck.complain(recordingFailed: "\(error)")
                // The path was checked when the file was opened: this is the write failing (EX_IOERR).
                return 74
            }
        }
        // Ended by a signal (SIGTERM, SIGHUP, a real-time one, …): die of it, as headless does.
        SignalGuard.endAsSignalled()
        failure = loop.failure
        return 0
    }
}

/// A stream the view could not show (its header is unusable), named with the line and why;
/// thrown once the terminal is restored.
public struct UnusableStream: Error, CustomStringConvertible {
    public var description: String
}

/// Keys, resizes and the simulation's reports through `update`, and `render` out
/// to the screen, about 30 times a second.
struct EventLoop {
    let screen: CursesScreen
    let glyphs: Glyphs
    let watcherFactory: (Scenario) -> MomentWatcher?
    var state: AppState
    var session: any RunSource
    /// Run B of the split view, in lockstep with `session` (run A).
    var partner: (any RunSource)?
    let recording: SessionRecording?
    /// Why the recording stopped, if writing it failed; the view goes on without it.
    var recordingProblem: String?
    var quit = false
    /// The input the view could not show, which ended it (`AppCommand.fail`).
    var failure: String?

    /// The longest wait for a key: the frame period.
    static let frameMilliseconds: Int32 = 33

    init(screen: CursesScreen, glyphs: Glyphs, state: AppState, session: any RunSource, partner: (any RunSource)?,
         recording: SessionRecording?, watcherFactory: @escaping (Scenario) -> MomentWatcher?) {
        self.screen = screen
        self.glyphs = glyphs
        self.state = state
        self.session = session
        self.partner = partner
        self.recording = recording
        self.watcherFactory = watcherFactory
    }

    init(screen: CursesScreen, glyphs: Glyphs, scenario: Scenario, presets: [Scenario], stopAt: Int?,
         recording: SessionRecording?, compare: Settings?,
         watcherFactory: @escaping (Scenario) -> MomentWatcher?) {
        self.screen = screen
        self.recording = recording
        self.glyphs = glyphs
        self.watcherFactory = watcherFactory
        state = AppState(scenario: scenario, presets: presets, width: screen.width, height: screen.height)
        if let compare {
            // Both from the same seed: the same initial weights (where the settings allow) and batches.
            let gate = Lockstep()
            session = LiveSession(settings: scenario.settings, watcher: watcherFactory(scenario), stopAt: stopAt,
                                  lockstep: (gate, 0))
            // Run B is judged on the claims of the variant it is (irnn-adding's tanh side).
            let b = scenario.withSettings(compare)
            partner = LiveSession(settings: compare, watcher: watcherFactory(b), stopAt: stopAt, lockstep: (gate, 1))
            state.split(with: RunState(scenario: b))
        } else {
            session = LiveSession(settings: scenario.settings, watcher: watcherFactory(scenario), stopAt: stopAt)
        }
    }

    mutating func run() {
        session.start()
        partner?.start()
        defer {
            session.stop(timeout: 0.2)
            partner?.stop(timeout: 0.2)
        }
        // Drawn only when something changed: a paused run costs no CPU.
        var dirty = true
        while !quit && !SignalGuard.quitRequested {
            // Wait up to a frame for the first input, then take whatever else is queued
            // (a burst of keys from a paste or tmux is handled in one frame).
            var input = screen.read(milliseconds: Self.frameMilliseconds)
            var taken = 0
            while let i = input, taken < 256, !quit {
                handle(i)
                dirty = true
                taken += 1
                input = screen.read(milliseconds: 0)
            }
            if quit || SignalGuard.quitRequested { break }
            if let u = session.poll() {
                dispatch(.report(u))
                dirty = true
            }
            if let u = partner?.poll() {
                dispatch(.reportB(u))
                dirty = true
            }
            // A stream that cannot be shown ends the view before a frame of it is drawn.
            if quit { break }
            let status = state.ui.status
            dispatch(.tick(now: ProcessInfo.processInfo.systemUptime))
            if state.ui.status != status { dirty = true }
            if dirty && !SignalGuard.crashing {
                let frame = render(state, glyphs: glyphs, colors: screen.tier)
                screen.draw(frame)
                if let recording, recordingProblem == nil {
                    do { try recording.record(frame, at: ProcessInfo.processInfo.systemUptime) } catch {
                        recordingProblem = "\(error)"
                    }
                }
                dirty = false
            }
        }
    }

    private mutating func handle(_ input: CursesInput) {
        switch input {
        case .key(let k): dispatch(.key(k))
        case .resize:
            screen.invalidate()
            dispatch(.resize(width: screen.width, height: screen.height))
        case .ignored: break
        }
    }

    private mutating func dispatch(_ event: AppEvent) {
        for command in update(&state, event) { perform(command) }
    }

    private mutating func perform(_ command: AppCommand) {
        switch command {
        case .run(let c, let side):
            guard let run = side == .a ? session : partner else { return }
            guard c.startsRun else { return run.send(c) }
            // A new run gets a new watcher: the claims of the settings it runs on, however
            // they were reached (b_f keys onto a variant's value judge that variant's claims).
            let settings = state[side].settings
            run.send(c, judgedBy: watcherFactory(state.a.scenario.withSettings(settings)))
        case .openScenario:
            // The view has opened it (update's `open`): run A on its settings, and for a
            // comparison scenario run B beside it in lockstep; a split it replaces ends.
            partner?.stop(timeout: 0.2)
            partner = nil
            session.join(nil)
            let scenario = state.a.scenario
            // It runs to its moment, whatever the run before was doing (`open`).
            if let b = state.b {
                let gate = Lockstep()
                session.join((gate, 0))
                session.send(.open(scenario.settings), judgedBy: watcherFactory(scenario))
                let p = LiveSession(settings: b.settings, watcher: watcherFactory(b.scenario), running: true, lockstep: (gate, 1))
                p.start()
                partner = p
            } else {
                session.send(.open(scenario.settings), judgedBy: watcherFactory(scenario))
            }
        case .exportFrame(let base):
            // The frame as it is on screen now, before the status line reports the export.
            let frame = render(state, glyphs: glyphs, colors: screen.tier)
            var problem: String?
            do {
                try FrameExport.write(frame, directory: FileManager.default.currentDirectoryPath, baseName: base)
            } catch {
                problem = "\(error)"
            }
            dispatch(.exported(baseName: base, error: problem))
        case .openSplit(let settings):
            let gate = Lockstep()
            let handoff = TrainerHandoff()
            session.join((gate, 0))
            session.send(.fork(handoff))
            let b = LiveSession(settings: settings, running: state.a.running, lockstep: (gate, 1), startingFrom: handoff)
            b.start()
            partner = b
        case .closeSplit(let keepB):
            guard let partner else { return }
            if keepB {
                session.stop(timeout: 0.2)
                session = partner
            } else {
                partner.stop(timeout: 0.2)
            }
            session.join(nil)
            self.partner = nil
        case .quit:
            quit = true
        case .fail(let why):
            failure = why
            quit = true
        }
    }
}

/// Whether this is a terminal the view can run in, decided before curses starts.
enum TerminalCheck {
    static let headlessHint = "use `rnnscope train --headless` for a text-only run"

    /// Why the view cannot start, or nil if it can.
    static func problem(environment: [String: String], stdinIsTTY: Bool, stdoutIsTTY: Bool) -> String? {
        if !stdinIsTTY || !stdoutIsTTY {
            return "the interactive view needs a terminal on stdin and stdout"
        }
        guard let term = environment["TERM"], !term.isEmpty else { return "TERM is not set" }
        if term == "dumb" { return "TERM=dumb cannot show the interactive view" }
        return nil
    }

    static func complain(recordingFailed problem: String) {
        say("rnnscope: the recording could not be written: \(TextSafety.escaped(problem, limit: 1000))\n")
    }

    static func complain(_ problem: String) {
        say("rnnscope: \(problem); \(headlessHint)\n")
    }

    /// write(2), not FileHandle (which traps when stderr is closed or full); the
    /// exit status says what happened either way.
    private static func say(_ text: String) {
        let line = Array(text.utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// UTF-8 decided the way htop does, from the locale's codeset (after setlocale).
    static func localeIsUTF8() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).lowercased().replacingOccurrences(of: "-", with: "")
        return name == "utf8"
    }
}

/// A recording that failed while the view ran, reported when it closes.
private struct RecordingFailure: Error, CustomStringConvertible { var description: String }
