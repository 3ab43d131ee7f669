#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the user's terminal usable whatever happens.
///
/// - SIGINT, SIGTERM, SIGHUP set a flag; the main loop sees it within a frame and
///   quits through the normal path (endwin).
/// - Fatal signals (a Swift trap is SIGILL or SIGTRAP; also SEGV, BUS, FPE, ABRT)
///   restore the termios saved before curses started and leave the alternate
///   screen with the cursor shown — tcsetattr and write are async-signal-safe —
///   then hand the signal to whoever had it before (the Swift runtime's backtracer,
///   or the default action), so the crash report lands on a clean terminal.
enum SignalGuard {
    static let quitSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let fatalSignals: [Int32] = [SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGTRAP]

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
        if SignalGuard.haveSaved != 0 { tcsetattr(STDIN_FILENO, TCSANOW, &SignalGuard.saved) }
        let sequence = SignalGuard.restoreSequence
        _ = write(STDOUT_FILENO, sequence.utf8Start, sequence.utf8CodeUnitCount)
        // Chain: the previous action gets the signal once this handler returns.
        sigaction(signal, SignalGuard.previous + Int(signal), nil)
        raise(signal)
    }
}
