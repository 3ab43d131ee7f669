import CNCursesW
import Foundation
import RNNSim
import Scenarios
import ScopeView

/// `rnnscope` and `rnnscope run NAME`: the live view in the terminal.
public enum InteractiveApp {
    /// Runs the interactive view until the user quits. Returns the exit status:
    /// 0 after q, F10, Ctrl-C or SIGTERM; 2 when there is no usable terminal
    /// (with a one-line message on stderr). `stopAt`: each run pauses at this iteration.
    public static func run(scenario: Scenario, presets: [Scenario], ascii: Bool, stopAt: Int? = nil,
                           watcherFactory: @escaping (Scenario) -> MomentWatcher?) -> Int32 {
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
        var loop = EventLoop(screen: screen, glyphs: unicode ? .unicode : .ascii, scenario: scenario,
                             presets: presets, stopAt: stopAt, watcherFactory: watcherFactory)
        loop.run()
        screen.end()
        SignalGuard.restoreTerminalModes()
        SignalGuard.uninstall()
        return 0
    }
}

/// Keys, resizes and the simulation's reports through `update`, and `render` out
/// to the screen, about 30 times a second.
struct EventLoop {
    let screen: CursesScreen
    let glyphs: Glyphs
    let watcherFactory: (Scenario) -> MomentWatcher?
    var state: AppState
    let session: LiveSession
    var quit = false

    /// The longest wait for a key: the frame period.
    static let frameMilliseconds: Int32 = 33

    init(screen: CursesScreen, glyphs: Glyphs, scenario: Scenario, presets: [Scenario], stopAt: Int?,
         watcherFactory: @escaping (Scenario) -> MomentWatcher?) {
        self.screen = screen
        self.glyphs = glyphs
        self.watcherFactory = watcherFactory
        state = AppState(scenario: scenario, presets: presets, width: screen.width, height: screen.height)
        session = LiveSession(settings: scenario.settings, watcher: watcherFactory(scenario), stopAt: stopAt)
    }

    mutating func run() {
        session.start()
        defer { session.stop(timeout: 0.2) }
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
            let status = state.status
            dispatch(.tick(now: ProcessInfo.processInfo.systemUptime))
            if state.status != status { dirty = true }
            if dirty && !SignalGuard.crashing {
                screen.draw(render(state, glyphs: glyphs, colors: screen.tier))
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
        case .pause: session.send(.pause)
        case .resume: session.send(.resume)
        case .stepOnce: session.send(.stepOnce)
        case .setSpeed(let s): session.send(.setSpeed(s))
        case .setClip(let c): session.send(.setClip(c))
        case .setTruncate(let k): session.send(.setTruncate(k))
        case .measureJacobians: session.send(.measureJacobians)
        case .saveWeights: session.send(.saveWeights)
        case .reinitialise(let s):
            // A new run gets a new watcher: its claims are about this run.
            session.reinitialise(s, watcher: watcherFactory(state.scenario))
        case .restart:
            // state.settings already carries the seed, IRNN and the live clipping/truncation.
            session.reinitialise(state.settings, watcher: watcherFactory(state.scenario))
        case .openScenario(let name):
            let scenario = state.presets.first { $0.name == name } ?? state.scenario
            session.reinitialise(scenario.settings, watcher: watcherFactory(scenario))
        case .quit:
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

    static func complain(_ problem: String) {
        FileHandle.standardError.write(Data("rnnscope: \(problem); \(headlessHint)\n".utf8))
    }

    /// UTF-8 decided the way htop does, from the locale's codeset (after setlocale).
    static func localeIsUTF8() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).lowercased().replacingOccurrences(of: "-", with: "")
        return name == "utf8"
    }
}
