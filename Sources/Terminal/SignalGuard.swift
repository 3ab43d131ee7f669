#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RNNSim

/// Keeps the user's terminal usable whatever happens.
///
/// - Every signal whose default action ends the process and that is not a crash
///   — SIGINT, SIGTERM, SIGHUP, Ctrl-\\ SIGQUIT, USR1, USR2, PIPE, ALRM, the
///   timers, the resource limits and the real-time signals SIGRTMIN…SIGRTMAX
///   (34–64 on Linux) — sets a flag; the main loop sees it within a frame and
///   quits through the normal path (endwin, the recording finished), and the
///   process then dies of that signal as a headless run does (status 128 + n;
///   SIGINT, Ctrl-C, is the view's quit key like q and ends with 0). A
///   second one while the first is pending (a loop that does not answer) takes
///   the crash path below at once.
/// - The crashes (a Swift trap is SIGILL or SIGTRAP; also SEGV, BUS, FPE, ABRT,
///   SYS) restore the termios saved before curses started and leave the
///   alternate screen with the cursor shown — tcsetattr and write are
///   async-signal-safe — remove a half-written output file, then hand the
///   signal to whoever had it before (the Swift runtime's backtracer, or the
///   default action), so the process ends as it would have, on a clean terminal.
enum SignalGuard {
    static let crashSignals: [Int32] = [SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGTRAP, SIGSYS]
    /// Not crashes: their default action ends the process, the Swift backtracer
    /// not involved (it also claims SIGQUIT and would report a "crash").
    static let quitSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM,
                                       SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL, SIGSTKFLT, SIGPWR] + realTimeSignals
    /// SIGRTMIN…SIGRTMAX, as the C library numbers them (glibc keeps 32 and 33 for itself).
    static var realTimeSignals: [Int32] {
        #if canImport(Glibc)
        return Array(__libc_current_sigrtmin()...__libc_current_sigrtmax())
        #else
        return []
        #endif
    }

    // Written before the handlers are installed, only read inside them.
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var haveSaved: Int32 = 0
    /// The signal that asked to quit, or 0.
    nonisolated(unsafe) private static var quitFlag: sig_atomic_t = 0
    nonisolated(unsafe) private static var crashFlag: sig_atomic_t = 0
    /// The actions in place before ours, by signal number (restored and chained to).
    nonisolated(unsafe) private static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    /// Leaves the alternate screen, resets attributes, normal cursor keys, shows the cursor.
    private static let restoreSequence: StaticString = "\u{1B}[0m\u{1B}[?1l\u{1B}>\u{1B}[?1049l\u{1B}[?25h\r\n"

    static var quitRequested: Bool { quitFlag != 0 }
    /// The signal that ended the view (0 for none): the process dies of it once the terminal is restored.
    static var quitSignal: Int32 { Int32(quitFlag) }
    /// Another thread is dying: drawing now would scribble over the shell's screen.
    static var crashing: Bool { crashFlag != 0 }

    /// Saves the terminal's modes and installs the handlers. Call before curses starts.
    static func install() {
        quitFlag = 0
        crashFlag = 0
        if tcgetattr(STDIN_FILENO, &saved) == 0 { haveSaved = 1 }
        for s in quitSignals { set(s, handler: onQuitSignal) }
        for s in crashSignals { set(s, handler: onFatalSignal) }
    }

    /// After the view has ended: dies of the signal that ended it, as a headless run
    /// would (the shell sees 128 + n); returns when no signal ended it.
    /// SIGINT is Ctrl-C, the view's quit key as q is: it ends with 0.
    static func endAsSignalled() {
        let s = quitSignal
        guard s != 0, s != SIGINT else { return }
        var standard = sigaction()  // SIG_DFL: zeroed
        sigemptyset(&standard.sa_mask)
        sigaction(s, &standard, nil)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, s)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(s)
    }

    /// Puts the previous handlers back (after curses has ended).
    static func uninstall() {
        for s in quitSignals + crashSignals { sigaction(s, previous + Int(s), nil) }
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
        installSignalHandler(signal, handler, saving: previous)  // no SA_RESTART: a blocked read returns
    }

    private static let onQuitSignal: @convention(c) (Int32) -> Void = { signal in
        // A second one while the first waits for the loop: end now, on a clean terminal.
        if SignalGuard.quitFlag != 0 { SignalGuard.onFatalSignal(signal) }
        SignalGuard.quitFlag = sig_atomic_t(signal)
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
