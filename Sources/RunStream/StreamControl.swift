import Foundation
import RNNSim

/// The control file through which the view steers a loop that opted in
/// (`rnnscope.watch(..., control=True)`): pause, one iteration through, and the
/// clipping threshold (docs/stream.md). Written whole, by rename, so the loop
/// never reads half a file; removed when the view closes, so a later run does
/// not start paused.
public final class StreamControl {
    public let path: String
    public private(set) var paused = false
    public private(set) var steps = 0
    /// The threshold the loop's clip_grad_norm_ applies; nil leaves its own argument, 0 is off.
    public private(set) var clip: Double?
    /// `clip_seq` of the view's n-th clipping request is `origin + n`. The origin is the time
    /// this file was taken over, in milliseconds: a record that echoes an earlier viewer's
    /// numbers (a backlog written before this view) is older than any request of this one.
    public let origin: Int
    /// The request `clip` is (0: none yet).
    public private(set) var clipRequest = 0
    private var written = false

    /// Where the control file of a stream is. For a file the view derives it
    /// (`<stream>.control`) and ignores the header's text, so a stranger's header
    /// cannot name a file to overwrite; for standard input it takes the header's
    /// path only if it is a `.control` file.
    public static func path(stream: String?, header: String?) -> String? {
        guard let header, !header.isEmpty else { return nil }
        if let stream { return stream + ".control" }
        let name = header.split(separator: "/").last.map(String.init) ?? header
        return name.hasSuffix(".control") && name.count > ".control".count && !header.contains("\0") ? header : nil
    }

    public init(path: String, origin: Int = Int(Date().timeIntervalSince1970 * 1000)) {
        self.path = path
        self.origin = origin
    }

    public func pause(_ on: Bool) throws {
        paused = on
        try write()
    }

    public func step() throws {
        steps += 1
        try write()
    }

    /// The view's `request`-th clipping change (nil: off).
    public func setClip(_ threshold: Double?, request: Int) throws {
        clip = threshold ?? 0
        clipRequest = request
        try write()
    }

    /// Which of the view's clipping requests a record's `clip_seq` says the loop had read: 0
    /// for none of this view's; a number beyond its latest (another viewer's since) counts as it.
    public func request(read clipSeq: Int) -> Int {
        max(0, min(clipSeq - origin, clipRequest))
    }

    public var text: String {
        let clipText = clip.map { $0.isFinite ? "\($0)" : "0" } ?? "null"
        return "{\"pause\": \(paused), \"step\": \(steps), \"clip\": \(clipText), \"clip_seq\": \(origin + clipRequest)}\n"
    }

    private func write() throws {
        let dir = path.pathFolder
        let temporary = (dir.isEmpty ? "." : dir) + "/.rnnscope-control.\(getpid()).tmp"
        let bytes = Array(text.utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw StreamError("cannot write \(path): \(String(cString: strerror(errno)))") }
        let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard n == bytes.count, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StreamError("cannot write \(path): \(reason)")
        }
        written = true
    }

    /// Lets the loop run on its own again: the file is removed (only if this view wrote it).
    public func release() {
        if written { unlink(path) }
        written = false
    }
}
