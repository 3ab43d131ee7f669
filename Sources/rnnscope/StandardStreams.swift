import Foundation
import RNNSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every byte rnnscope writes to stdout and stderr goes through here, and every
/// write is checked: output lost to a full disk, a closed descriptor or a broken
/// pipe ends the program with `StandardStreams.lostOutputStatus`, never a trap
/// (Foundation's FileHandle raises SIGILL on a failed write) and never exit 0.
enum StandardStreams {
    /// sysexits' EX_IOERR: the command ran but its output could not be written.
    static let lostOutputStatus: Int32 = 74

    nonisolated(unsafe) private static var pending: [UInt8] = []
    nonisolated(unsafe) private static var stdoutIsTerminal = false

    /// Called first thing: a closed stdout or stderr is held open on /dev/null
    /// (opened write-never: O_RDONLY), so no file rnnscope opens later can take
    /// descriptor 1 or 2 and receive its messages; a write to it then fails as a
    /// write to a closed stream should.
    static func prepare() {
        for fd in [STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 && null != fd { dup2(null, fd); close(null) }
        }
        stdoutIsTerminal = isatty(STDOUT_FILENO) != 0
        // The Swift runtime's backtracer takes SIGQUIT to print every thread's stack
        // and then lets the run go on (a headless run wrote its --csv to the end);
        // Ctrl-\\ and kill -QUIT end rnnscope as they end any program.
        var standard = sigaction()
        sigemptyset(&standard.sa_mask)
        sigaction(SIGQUIT, &standard, nil)
    }

    /// One line on stdout (buffered; sent at once on a terminal). Lines of the
    /// text are kept; any other control character is escaped (`TextSafety`), so
    /// text from a file can never drive the terminal.
    static func out(_ text: String) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == UInt8(ascii: "\n") }) {
            pending.append(contentsOf: text.utf8)
        } else {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            pending.append(contentsOf: lines.map { TextSafety.escaped(String($0), limit: .max) }.joined(separator: "\n").utf8)
        }
        pending.append(UInt8(ascii: "\n"))
        if stdoutIsTerminal || pending.count >= 1 << 16 { flush() }
    }

    /// Sends what `out` has buffered; a failure ends the program.
    static func flush() {
        guard !pending.isEmpty else { return }
        let failure = writeAll(STDOUT_FILENO, pending)
        pending.removeAll(keepingCapacity: true)
        if let failure {
            _ = writeAll(STDERR_FILENO, Array("rnnscope: cannot write to standard output: \(failure)\n".utf8))
            exit(lostOutputStatus)
        }
    }

    /// Text on stderr as it is (no newline added); a failure ends the program,
    /// since nothing can be reported.
    static func err(_ text: String) {
        if writeAll(STDERR_FILENO, Array(text.utf8)) != nil {
            pending.removeAll()
            exit(lostOutputStatus)
        }
    }

    /// The last line before exiting with `status`: if stderr cannot take it,
    /// the status already says that the command failed.
    static func fail(_ line: String, status: Int32) -> Never {
        _ = writeAll(STDERR_FILENO, Array((line + "\n").utf8))
        exit(status)
    }

    /// Ends the program with `status` after sending stdout's buffer.
    static func exit(_ status: Int32) -> Never {
        flush()
        Foundation.exit(status)
    }

    /// Writes every byte, retrying short writes and EINTR; the error text, or nil.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return String(cString: strerror(n < 0 ? errno : EIO)) }
                offset += n
            }
            return nil
        }
    }
}

/// Writes one line to stderr, any control character in it escaped (`TextSafety`).
func printError(_ text: String) { StandardStreams.err(TextSafety.escaped(text, limit: .max) + "\n") }

/// One line on stdout, checked (see `StandardStreams`). Shadows Swift's `print`
/// in this module, so that no output can bypass the check.
func print(_ text: String) { StandardStreams.out(text) }
