import Foundation

/// A file written whole or not at all: everything goes to a temporary file beside
/// the target, renamed over it by `commit`; `discard` (or an error) leaves nothing.
public final class OutputFile {
    public let path: String
    private let temporary: String
    private let handle: FileHandle
    private var pending = Data()
    private var closed = false

    /// Opens the temporary file now, so that a bad path fails before any work is done.
    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputFileError("\(path): directory \(directory) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputFileError("\(path): is a directory")
        }
        temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw OutputFileError("\(path): cannot write in \(directory)")
        }
        self.handle = handle
    }

    deinit { discard() }

    public func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 20 { try flush() }
    }

    /// Puts the file in place (replacing any file of that name).
    public func commit() throws {
        guard !closed else { return }
        do {
            try flush()
            try handle.close()
        } catch {
            discard()
            throw OutputFileError("\(path): \(error.localizedDescription)")
        }
        closed = true
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw OutputFileError("\(path): \(reason)")
        }
    }

    /// Removes the temporary file: nothing is left behind.
    public func discard() {
        guard !closed else { return }
        closed = true
        try? handle.close()
        unlink(temporary)
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        do { try handle.write(contentsOf: pending) } catch {
            discard()
            throw OutputFileError("\(path): \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes a whole file at once.
    public static func write(_ text: String, to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(text)
        try file.commit()
    }
}

/// Why an output file could not be written: one line naming the file.
public struct OutputFileError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
