import Foundation

/// Reads a run stream a line at a time while it grows, as `tail -f` does: a file
/// (which may not exist yet, or may be replaced or truncated while followed) or
/// an already open descriptor (standard input). Memory is bounded: a line longer
/// than `maximumLine` is skipped, not held.
public final class StreamFollower {
    public enum Next: Equatable {
        case line([UInt8])
        /// Nothing more yet (the writer may add more).
        case waiting
        /// A line over `maximumLine` bytes was dropped.
        case skippedLong
        /// The file was replaced or truncated: what follows starts from its first line.
        case restarted
        /// A pipe's writer closed it: nothing more will come.
        case ended
    }

    public static let maximumLine = 16 << 20

    private let path: String?
    private var fd: Int32 = -1
    private var identity: (dev: UInt64, ino: UInt64)?
    private var offset: Int64 = 0
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline goes on (the bytes before it have none).
    private var scanned = 0
    private var discarding = false
    private var closedPipe = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// The last bytes read, as they were: a file rewritten in place (`cp other.jsonl run.jsonl`,
    /// `train --jsonl > run.jsonl` again) keeps its inode and may outgrow what was read before
    /// the next look, so neither the inode nor the size gives it away; these bytes do.
    private var tail: [UInt8] = []
    private var regular = false
    private static let tailLength = 64

    /// Follows the file at `path` (opened when it appears).
    public init(path: String) { self.path = path }

    /// Follows an open descriptor to its end (a pipe, standard input).
    public init(descriptor: Int32) {
        path = nil
        fd = descriptor
    }

    deinit { if path != nil && fd >= 0 { close(fd) } }

    /// Bytes of the stream up to the end of the last line returned.
    public var consumed: Int64 { offset - Int64(buffer.count - start) }

    /// How long the stream is now: the file's size (0 before it exists), or for a pipe what was read of it.
    public var length: Int64 {
        var st = stat()
        if fd >= 0, regular, fstat(fd, &st) == 0 { return Int64(st.st_size) }
        if fd < 0, let path, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { return Int64(st.st_size) }
        return offset
    }

    /// The next complete line, without its newline (and a trailing CR).
    public func next() -> Next {
        while true {
            if let line = takeLine() { return line }
            if closedPipe { return .ended }
            if fd < 0 && !open() { return .waiting }
            if regular && rewritten() {
                reset()
                return .restarted
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { return .waiting }
                closedPipe = true
                continue
            }
            if n == 0 {
                if path == nil { closedPipe = true; continue }
                // At the end of what was written: has the path been given to another file?
                if let p = path, replaced(p) {
                    reset()
                    return .restarted
                }
                return .waiting
            }
            offset += Int64(n)
            if regular {
                tail = n >= Self.tailLength ? Array(chunk[(n - Self.tailLength)..<n])
                                            : Array((tail + chunk[0..<n]).suffix(Self.tailLength))
            }
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                scanned -= start
                start = 0
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// A complete line from the buffer, or a note that an overlong one was dropped.
    private func takeLine() -> Next? {
        if let nl = buffer[max(start, scanned)...].firstIndex(of: 0x0A) {
            let from = start
            start = nl + 1
            scanned = start
            if discarding {
                discarding = false
                return .skippedLong
            }
            var end = nl
            if end > from && buffer[end - 1] == 0x0D { end -= 1 }
            return .line(Array(buffer[from..<end]))
        }
        scanned = buffer.count
        if buffer.count - start > Self.maximumLine || (discarding && buffer.count > start) {
            // Keep nothing of it: the rest of the line is dropped as it arrives.
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
            discarding = true
        } else if closedPipe && start < buffer.count && !discarding {
            // The writer's last line had no newline: it is still a line.
            let line = Array(buffer[start...])
            start = buffer.count
            scanned = start
            return .line(line)
        }
        return nil
    }

    private func open() -> Bool {
        guard let path else { return false }
        let d = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else { return false }
        var st = stat()
        guard fstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFIFO else {
            close(d)
            return false
        }
        fd = d
        regular = (st.st_mode & S_IFMT) == S_IFREG
        identity = (UInt64(st.st_dev), UInt64(st.st_ino))
        offset = 0
        return true
    }

    /// The path now names another file, or this one shrank below what was read.
    private func replaced(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, let id = identity else { return false }
        if UInt64(st.st_dev) != id.dev || UInt64(st.st_ino) != id.ino { return true }
        return (st.st_mode & S_IFMT) == S_IFREG && Int64(st.st_size) < offset
    }

    /// The bytes just before `offset` are no longer those that were read there: the file
    /// was rewritten in place (truncated and written again), whatever its size now.
    private func rewritten() -> Bool {
        guard !tail.isEmpty else { return false }
        var now = [UInt8](repeating: 0, count: tail.count)
        let n = now.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset) - off_t(tail.count)) }
        return n != tail.count || now != tail
    }

    private func reset() {
        if fd >= 0 { close(fd) }
        fd = -1
        identity = nil
        buffer.removeAll()
        tail.removeAll()
        start = 0
        scanned = 0
        discarding = false
    }
}
