import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way rnnscope reads a file it is given (models, data, scenarios,
/// corpora): only a regular file, and only after its size is known, so that a
/// FIFO or `/dev/stdin` is named for what it is (not "Permission denied", not a
/// hang) and a caller can check what reading it will cost before it does.
public final class InputFile {
    public let path: String
    /// The file's length in bytes.
    public let size: Int
    private let fd: Int32

    public init(_ path: String) throws {
        self.path = path
        // open() would read the path only up to the NUL: another file than the one named
        // (a scenario's corpus = "ok.txt\u0000x" read ok.txt).
        guard !path.utf8.contains(0) else { throw InputFileError(path: path, reason: "the path holds a NUL character") }
        // O_NONBLOCK: opening a FIFO with no writer must not hang before fstat can refuse it.
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw InputFileError(path: path, reason: reason)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw InputFileError(path: path, reason: "it is \(OutputFile.kindName(info.st_mode)), not a regular file")
        }
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    public func read(at offset: Int, count: Int) throws -> Data {
        var data = Data(count: max(0, min(count, size - offset)))
        var done = 0
        try data.withUnsafeMutableBytes { raw in
            while done < raw.count {
                let n = pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
                if n == 0 { break }  // the file shrank while we read it
                done += n
            }
        }
        return done == data.count ? data : data.prefix(done)
    }

    /// The whole file.
    public func readAll() throws -> Data { try read(at: 0, count: size) }

    /// The whole file at `path`, refused if reading it (at `bytesPerByte` of
    /// working memory per byte of file) would pass the memory cap.
    public static func read(_ path: String, bytesPerByte: Double = 1) throws -> Data {
        let file = try InputFile(path)
        let needed = Double(file.size) * bytesPerByte
        let cap = try MemoryBudget.limit()
        if needed > cap {
            throw InputFileError(path: path, reason: "reading its \(MemoryBudget.format(Double(file.size))) needs about \(MemoryBudget.format(needed)), over the \(MemoryBudget.format(cap)) memory limit; give a smaller file, or raise the limit with \(MemoryBudget.variable)=SIZE")
        }
        return try file.readAll()
    }
}

public struct InputFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "cannot read \(TextSafety.quoted(path, limit: 400)): \(reason)" }
}
