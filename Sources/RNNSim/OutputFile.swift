import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way rnnscope writes a file (gradients, saved models, figures, CSV,
/// recordings): `try OutputFile.write(data, to: path)` at once, or
/// `OutputFile(path:)`, `write` as it comes, and `commit` at the end.
///
/// - A new or regular file is replaced atomically: the bytes go to a file
///   without a name in the target's directory (`O_TMPFILE`), are synced, given
///   a name beside the target (`linkat`) and renamed over it, so a reader sees
///   the old file or the new one, never half of one. The named temporary exists
///   only between the link and the rename: a process killed at any other moment
///   (SIGKILL included) leaves nothing behind. Where the file system has no
///   `O_TMPFILE`, the bytes are held in memory and the temporary file is created
///   only at `commit`.
/// - An existing file keeps its permission bits, less setuid and setgid (a
///   program's bits must not pass to a figure or a CSV); a new one gets 0666
///   less the umask.
/// - A symbolic link is written through: its target (followed to the end of a
///   chain of links) is what gets replaced; the link itself stays.
/// - A FIFO, device, socket or directory is refused with one line: renaming over
///   it would replace what is not ours to replace (`--out /dev/null` as root),
///   and so is a path ending in `/` (it names a directory).
/// - The named temporary is removed on every way out: an error, or a signal that
///   would end the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, …) in its
///   moment.
///
/// It lives beside the maths because every module (the commands, the view's
/// recordings, `SafeTensorsFile.write`) must reach it, and it needs nothing
/// beyond Foundation and POSIX.
public final class OutputFile {
    public let path: String
    private let target: String
    private let directory: String
    private let mode: mode_t
    /// The unnamed file being written, or -1 where the file system has no
    /// O_TMPFILE (then `pending` holds everything until `commit`).
    private let fd: Int32
    private var pending = Data()
    private var closed = false
    private let way: Way

    /// How the bytes reach the folder: an unnamed file linked at the end (the usual
    /// way), an unnamed file copied at the end (no /proc, no link), or held in memory
    /// until the end (no O_TMPFILE).
    public enum Way: Sendable { case unnamed, unnamedCopied, atTheEnd }

    /// Checks the path and opens the unnamed file in its directory now, so that
    /// a bad path fails before any work is done; `write` adds to it, `commit`
    /// puts it in place, `discard` (or dropping it uncommitted) leaves nothing.
    /// `way` chooses a fallback, for the tests of systems without O_TMPFILE or /proc.
    public init(path: String, way: Way = .unnamed) throws {
        self.path = path
        self.way = way
        let unnamed = way != .atTheEnd
        (target, mode) = try Self.destination(path)
        let parent = target.pathFolder
        directory = parent.isEmpty ? "." : parent
        var opened: Int32 = -1
        if unnamed, let flag = Self.unnamedFlag {
            // Read and write: where it cannot be linked, its bytes are read back (`copy`).
            opened = open(directory, flag | O_RDWR | O_CLOEXEC, 0o600)
            if opened < 0 && ![EOPNOTSUPP, EISDIR, EINVAL].contains(errno) {
                throw Self.openError(path, directory, errno)
            }
        }
        if opened < 0 {
            // The fallback makes its temporary only at the end: made and removed now too, so a
            // folder that takes no new file is refused before the work (access() passes /proc,
            // and any folder but a read-only file system for root).
            let probe = Self.temporaryName(directory, target)
            let cleanup = try TemporaryFileGuard(probe, path: path)
            defer { cleanup.release() }
            let file = Self.openTemporary(probe)
            if file < 0 { throw Self.openError(path, directory, errno) }
            close(file)
            unlink(probe)
        }
        fd = opened
    }

    /// A fresh name beside the target, for the file renamed over it.
    private static func temporaryName(_ directory: String, _ target: String) -> String {
        directory + "/.\((target as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    }

    /// The one way a named file is made beside the target; -1 and errno if the folder will not.
    private static func openTemporary(_ name: String) -> Int32 {
        open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    }

    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc's Swift overlay does
    /// not export; nil where there is none (the bytes then wait until the end).
    private static var unnamedFlag: Int32? {
        #if os(Linux)
        return 0o20000000 | O_DIRECTORY
        #else
        return nil
        #endif
    }

    private static func openError(_ path: String, _ directory: String, _ code: Int32) -> OutputFileError {
        if code == ENOENT {
            guard FileManager.default.fileExists(atPath: directory) else {
                return OutputFileError(path: path, reason: "directory \(TextSafety.quoted(directory)) does not exist")
            }
            // The folder is there but makes no file in it (/proc): the output cannot be written.
            return OutputFileError(path: path, reason: "directory \(TextSafety.quoted(directory)) takes no new files (\(String(cString: strerror(code))))",
                                   status: 74)
        }
        return OutputFileError(path: path, errno: code)
    }

    deinit { discard() }

    public func write(_ data: Data) throws {
        precondition(!closed, "write after commit or discard")
        pending.append(data)
        if fd >= 0 && pending.count >= 1 << 20 { try flush() }
    }

    public func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Syncs the file, gives it the mode and a name beside the target, and renames it over the target.
    public func commit() throws {
        guard !closed else { return }
        closed = true
        let temporary = Self.temporaryName(directory, target)
        let cleanup: TemporaryFileGuard
        do { cleanup = try TemporaryFileGuard(temporary, path: path) } catch {
            if fd >= 0 { close(fd) }
            throw error
        }
        defer { cleanup.release() }
        var failure: Int32?
        var file = fd
        if file < 0 {
            file = Self.openTemporary(temporary)
            if file < 0 { throw Self.openError(path, directory, errno) }
        }
        failure = Self.writeAll(file, pending)
        pending = Data()
        if failure == nil && fsync(file) != 0 { failure = errno }
        if failure == nil && fchmod(file, mode) != 0 { failure = errno }
        if failure == nil && fd >= 0 && (way == .unnamedCopied || !Self.link(file, to: temporary)) {
            failure = Self.copy(file, to: temporary, mode: mode)
        }
        if close(file) != 0 && failure == nil { failure = errno }
        if failure == nil && rename(temporary, target) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw OutputFileError(path: path, errno: failure)
        }
    }

    /// Gives the unnamed file a name: through /proc (any user), else AT_EMPTY_PATH
    /// (which needs CAP_DAC_READ_SEARCH).
    private static func link(_ fd: Int32, to name: String) -> Bool {
        if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 { return true }
        let first = errno
        if linkat(fd, "", AT_FDCWD, name, 0x1000 /* AT_EMPTY_PATH */) == 0 { return true }
        errno = first
        return false
    }

    /// Where the unnamed file cannot be linked (no /proc, no CAP_DAC_READ_SEARCH):
    /// its bytes copied to the named temporary instead; the errno, or nil.
    private static func copy(_ fd: Int32, to name: String, mode: mode_t) -> Int32? {
        let out = openTemporary(name)
        guard out >= 0 else { return errno }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        var failure: Int32?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 { if errno == EINTR { continue }; failure = errno; break }
            if n == 0 { break }
            failure = writeAll(out, Data(buffer[0..<n]))
            offset += off_t(n)
        }
        if failure == nil && fsync(out) != 0 { failure = errno }
        if failure == nil && fchmod(out, mode) != 0 { failure = errno }
        if close(out) != 0 && failure == nil { failure = errno }
        return failure
    }

    /// Drops what was written: the target is left as it was, and nothing is left beside it.
    public func discard() {
        guard !closed else { return }
        closed = true
        if fd >= 0 { close(fd) }
        pending = Data()
    }

    private func flush() throws {
        if let failure = Self.writeAll(fd, pending) {
            discard()
            throw OutputFileError(path: path, errno: failure)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// A whole file at once.
    public static func write(_ data: Data, to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(data)
        try file.commit()
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Throws what `write` would refuse about `path` (not a regular file, a missing
    /// directory, a folder that takes no new file), so that a command refuses it
    /// before doing the work whose result it would write: the file is opened as
    /// `write` opens it, and dropped.
    public static func check(_ path: String) throws {
        try OutputFile(path: path).discard()
    }

    /// The regular file a write to `path` replaces (symbolic links followed) and
    /// the mode it gets: an existing file's own, else 0666 less the umask.
    private static func destination(_ path: String) throws -> (target: String, mode: mode_t) {
        guard !path.isEmpty else { throw OutputFileError(path: path, reason: "the path is empty") }
        // `x/` names a directory: never a file called x.
        guard !path.hasSuffix("/") else { throw OutputFileError(path: path, reason: "it ends in /, so it names a directory; rnnscope writes only regular files") }
        let target = try resolveLinks(path)
        var info = stat()
        if lstat(target, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw OutputFileError(path: path, reason: "\(target == path ? "it" : "its link target " + TextSafety.quoted(target)) is \(kindName(info.st_mode)), not a regular file; rnnscope replaces only regular files")
            }
            // Less setuid and setgid: the bytes written are not the program those bits were for.
            return (target, info.st_mode & 0o7777 & ~(S_ISUID | S_ISGID))
        } else if errno != ENOENT {
            throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
        }
        // A link the kernel follows but whose text names no path (/dev/stdout → /proc/self/fd/1
        // → 'pipe:[…]'): what it leads to, not "No such file or directory".
        if stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
            throw OutputFileError(path: path, reason: "it leads to \(kindName(info.st_mode)), not a regular file; rnnscope replaces only regular files")
        }
        return (target, 0o666 & ~currentUmask())
    }

    /// Follows a chain of symbolic links to the path that will be replaced
    /// (which need not exist yet). Relative links are read from their own directory.
    package static func resolveLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {  // the kernel's own limit on a chain of links
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
            let link = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : (current.pathFolder as NSString).appendingPathComponent(link)
        }
        throw OutputFileError(path: path, reason: "too many levels of symbolic links")
    }

    /// For a signal handler that ends the process (the live view's): removes
    /// the temporary file of a write under way. Async-signal-safe.
    public static func removeTemporaryFile() { TemporaryFileGuard.removeNow() }

    package static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    private static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    /// Writes every byte, retrying short writes and EINTR; the errno, or nil.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        data.withUnsafeBytes { raw -> Int32? in
            guard var p = raw.baseAddress else { return nil }
            var left = raw.count
            while left > 0 {
                let n = posixWrite(fd, p, min(left, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                p += n
                left -= n
            }
            return nil
        }
    }
}

public struct OutputFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    /// 2 when the path was refused (not a regular file, no such folder): bad input.
    /// 74 (EX_IOERR) when the system would not store the bytes (a full disk, a
    /// read-only file system, no permission, an I/O error): the output failed.
    public var status: Int32 = 2
    public var description: String { "cannot write \(TextSafety.quoted(path)): \(reason)" }

    public init(path: String, reason: String, status: Int32 = 2) {
        self.path = path
        self.reason = reason
        self.status = status
    }

    /// A failed system call's errno: a path that names nothing usable is bad input, the rest an output failure.
    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)),
                  status: [ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP, EISDIR].contains(code) ? 2 : 74)
    }
}

/// Removes the temporary files of the writes under way if a signal ends the
/// process. The handler uses only async-signal-safe calls (unlink, sigaction,
/// raise) on paths copied out beforehand; it is installed while any write is
/// under way, only for signals whose action is the default one (a program with
/// its own handler, such as the live view, calls `removeNow` itself). Several
/// files may be open at once (a recording and a figure, a CSV and an SVG).
final class TemporaryFileGuard {
    /// Every signal whose default action ends the process and that can be caught.
    static let terminating: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2,
                                       SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL, SIGSYS, SIGTRAP,
                                       SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSTKFLT, SIGPWR] + realTime
    /// SIGRTMIN…SIGRTMAX (34–64 with glibc): their default action ends the process too.
    static var realTime: [Int32] {
        #if canImport(Glibc)
        return Array(__libc_current_sigrtmin()...__libc_current_sigrtmax())
        #else
        return []
        #endif
    }
    static let slots = 16
    private static let width = Int(PATH_MAX) + 1
    private static let lock = NSLock()
    nonisolated(unsafe) private static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * width)
    nonisolated(unsafe) private static let armed: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: slots)
        p.initialize(repeating: 0, count: slots)
        return p
    }()
    nonisolated(unsafe) private static var active = 0
    nonisolated(unsafe) private static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    nonisolated(unsafe) private static var installed = [Bool](repeating: false, count: 65)
    private let slot: Int
    private var released = false

    init(_ temporary: String, path: String) throws {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let free = (0..<Self.slots).first(where: { Self.armed[$0] == 0 }) else {
            throw OutputFileError(path: path, reason: "\(Self.slots) files are being written already")
        }
        slot = free
        let bytes = Array(temporary.utf8.prefix(Self.width - 1))
        let base = Self.paths + slot * Self.width
        for (i, b) in bytes.enumerated() { base[i] = CChar(bitPattern: b) }
        base[bytes.count] = 0
        if Self.active == 0 {
            for s in Self.terminating {
                var current = sigaction()
                sigaction(s, nil, &current)
                guard handlerIsDefault(current) else { continue }
                installSignalHandler(s, Self.onSignal, saving: Self.previous)
                Self.installed[Int(s)] = true
            }
        }
        Self.active += 1
        Self.armed[slot] = 1
    }

    func release() {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard !released else { return }
        released = true
        Self.armed[slot] = 0
        Self.active -= 1
        if Self.active == 0 {
            for s in Self.terminating where Self.installed[Int(s)] {
                sigaction(s, Self.previous + Int(s), nil)
                Self.installed[Int(s)] = false
            }
        }
    }

    static func removeNow() {
        for i in 0..<slots where armed[i] != 0 { unlink(paths + i * width) }
    }

    private static let onSignal: @convention(c) (Int32) -> Void = { signal in
        TemporaryFileGuard.removeNow()
        sigaction(signal, TemporaryFileGuard.previous + Int(signal), nil)
        raise(signal)
    }
}

#if canImport(Glibc)
private let posixWrite = Glibc.write
#else
private let posixWrite = Darwin.write
#endif

private func handlerIsDefault(_ action: sigaction) -> Bool {
    #if canImport(Glibc)
    return action.__sigaction_handler.sa_handler == nil  // SIG_DFL is 0
    #else
    return action.__sigaction_u.__sa_handler == nil
    #endif
}

/// Installs `handler` for `signal` (no flags, nothing masked: a blocked read returns, so a
/// loop sees a flag the handler sets), the action in place before saved at `previous[signal]`.
/// The one way the program's signal handlers are put in place.
public func installSignalHandler(_ signal: Int32, _ handler: @convention(c) (Int32) -> Void,
                                 saving previous: UnsafeMutablePointer<sigaction>) {
    var action = sigaction()
    #if canImport(Glibc)
    action.__sigaction_handler.sa_handler = handler
    #else
    action.__sigaction_u.__sa_handler = handler
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(signal, &action, previous + Int(signal))
}
