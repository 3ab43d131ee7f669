#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RNNSim

/// Keeps the user's terminal usable whatever happens.
///
/// - SIGINT, SIGTERM, SIGHUP set a flag; the main loop sees it within a frame and
///   quits through the normal path (endwin).
/// - Every other signal whose default action ends the process — the crashes (a
///   Swift trap is SIGILL or SIGTRAP; also SEGV, BUS, FPE, ABRT, SYS) and the
///   rest (Ctrl-\\ is SIGQUIT; USR1, USR2, PIPE, ALRM, the timers, the resource
///   limits) — restores the termios saved before curses started and leaves the
///   alternate screen with the cursor shown — tcsetattr and write are
///   async-signal-safe — removes a half-written output file, then hands the
///   signal to whoever had it before (the Swift runtime's backtracer, or the
///   default action), so the process ends as it would have, on a clean terminal.
enum SignalGuard {
    static let quitSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let crashSignals: [Int32] = [SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGTRAP, SIGSYS]
    /// Not crashes: they end the process with their default action, not through
    /// the Swift backtracer (which also claims SIGQUIT and reports a "crash").
    static let endingSignals: [Int32] = [SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF,
                                         SIGXCPU, SIGXFSZ, SIGPOLL, SIGSTKFLT, SIGPWR]
    static let fatalSignals = crashSignals + endingSignals

    // Written before the handlers are installed, only read inside them.
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var haveSaved: Int32 = 0
    nonisolated(unsafe) private static var quitFlag: sig_atomic_t = 0
    nonisolated(unsafe) private static var crashFlag: sig_atomic_t = 0
    /// The actions in place before ours, by signal number (restored and chained to).
    nonisolated(unsafe) private static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    /// Leaves the alternate screen, resets attributes, normal cursor keys, shows the cursor.
    private static let restoreSequence: StaticString = "\u{1B}[0m\u{1B}[?1l\u{1B}>\u{1B}[?1049l\u{1B}[?25h\r\n"

    static var quitRequested: Bool { quitFlag != 0 }
    /// Another thread is dying: drawing now would scribble over the shell's screen.
    static var crashing: Bool { crashFlag != 0 }

    /// Saves the terminal's modes and installs the handlers. Call before curses starts.
    static func install() {
        quitFlag = 0
        crashFlag = 0
        if tcgetattr(STDIN_FILENO, &saved) == 0 { haveSaved = 1 }
        for s in quitSignals { set(s, handler: onQuitSignal) }
        for s in fatalSignals { set(s, handler: onFatalSignal) }
    }

    /// Puts the previous handlers back (after curses has ended).
    static func uninstall() {
        for s in quitSignals + fatalSignals { sigaction(s, previous + Int(s), nil) }
    }

    /// The saved termios, e.g. after endwin on an unusual exit path.
    static func restoreTerminalModes() {
        if haveSaved != 0 { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }

    /// Async-signal-safe: no array, no allocation.
    private static func isCrash(_ s: Int32) -> Bool {
        s == SIGSEGV || s == SIGILL || s == SIGBUS || s == SIGFPE || s == SIGABRT || s == SIGTRAP || s == SIGSYS
    }

    private static func set(_ signal: Int32, handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked read returns, and the loop sees the flag
        sigaction(signal, &action, previous + Int(signal))
    }

    private static let onQuitSignal: @convention(c) (Int32) -> Void = { _ in
        SignalGuard.quitFlag = 1
    }

    private static let onFatalSignal: @convention(c) (Int32) -> Void = { signal in
        SignalGuard.crashFlag = 1
        OutputFile.removeTemporaryFile()
        if SignalGuard.haveSaved != 0 { tcsetattr(STDIN_FILENO, TCSANOW, &SignalGuard.saved) }
        let sequence = SignalGuard.restoreSequence
        _ = write(STDOUT_FILENO, sequence.utf8Start, sequence.utf8CodeUnitCount)
        if SignalGuard.isCrash(signal) {
            // Chain: the previous action gets the signal once this handler returns.
            sigaction(signal, SignalGuard.previous + Int(signal), nil)
        } else {
            var standard = sigaction()  // SIG_DFL: zeroed
            sigemptyset(&standard.sa_mask)
            sigaction(signal, &standard, nil)
        }
        raise(signal)
    }
}
