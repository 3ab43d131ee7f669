#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RNNSim

/// `train --headless --jsonl` asked to stop by a signal (Ctrl-C, SIGTERM, SIGHUP) ends its
/// stream first: the iteration under way finishes, the end record is written, and the
/// process then dies of the signal as it did before (status 128 + n), through whatever
/// handled it before (a temporary file's guard removes its file). A `watch` of the file
/// then shows the run ENDED rather than one that may go on. A second signal ends it at once.
enum StreamInterrupt {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    nonisolated(unsafe) private static var caught: sig_atomic_t = 0
    nonisolated(unsafe) private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    private static let onSignal: @convention(c) (Int32) -> Void = { signal in
        if StreamInterrupt.caught != 0 {  // the second: no more waiting
            sigaction(signal, StreamInterrupt.previous + Int(signal), nil)
            raise(signal)
            return
        }
        StreamInterrupt.caught = sig_atomic_t(signal)
        // write(2) is async-signal-safe; the message is a constant, its bytes fixed beforehand.
        _ = StreamInterrupt.notice.withUTF8Buffer { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
    private static let notice: StaticString = "rnnscope: ending the stream after this iteration (a second signal stops it at once)\n"

    static func install() {
        _ = notice.utf8CodeUnitCount  // initialised here, not first inside the handler
        for s in signals { installSignalHandler(s, onSignal, saving: previous) }
    }

    /// The signal that asked to stop, if one did.
    static var requested: Int32? { caught != 0 ? Int32(caught) : nil }

    /// Puts back the handlers found at `install`.
    static func uninstall() {
        for s in signals { sigaction(s, previous + Int(s), nil) }
    }

    /// Dies of `signal` through the handlers found at `install`.
    static func end(by signal: Int32) -> Never {
        uninstall()
        raise(signal)
        exit(128 + signal)  // a handler that returned: the status a death by the signal gives
    }
}
