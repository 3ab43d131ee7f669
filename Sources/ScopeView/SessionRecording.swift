import Foundation
import RNNSim

/// `--record FILE.cast`: the session as an asciicast v2 file (asciinema's format):
/// a header line, then one `[seconds, "o", text]` event per frame drawn, holding
/// what the terminal was sent to show it (AnsiFrame), and `[seconds, "r", "WxH"]`
/// when the terminal is resized. `asciinema play` replays it; `agg` makes a GIF.
public final class SessionRecording {
    private let file: OutputFile
    private let title: String
    private let timestamp: Int
    private var shown: ScreenBuffer?
    private var start: Double?

    /// `file` is opened by the caller before the terminal is taken over, so a bad path fails first.
    public init(file: OutputFile, title: String, timestamp: Date = Date()) {
        self.file = file
        self.title = title
        self.timestamp = Int(timestamp.timeIntervalSince1970)
    }

    /// One frame drawn at `seconds` (any monotonic clock: times are kept relative to the first frame).
    public func record(_ frame: ScreenBuffer, at seconds: Double) throws {
        if start == nil {
            start = seconds
            try file.write(Self.header(width: frame.width, height: frame.height, timestamp: timestamp, title: title) + "\n")
        }
        let t = Self.time(seconds - (start ?? seconds))
        if let shown, shown.width != frame.width || shown.height != frame.height {
            try file.write("[\(t), \"r\", \(JSONString.quoted("\(frame.width)x\(frame.height)"))]\n")
        }
        let text = AnsiFrame.encode(frame, after: shown)
        shown = frame
        guard !text.isEmpty else { return }
        try file.write("[\(t), \"o\", \(JSONString.quoted(text))]\n")
    }

    /// Puts the file in place; a session that drew nothing still gets a valid (empty) recording.
    public func finish(width: Int, height: Int) throws {
        if start == nil {
            try file.write(Self.header(width: width, height: height, timestamp: timestamp, title: title) + "\n")
        }
        try file.commit()
    }

    static func header(width: Int, height: Int, timestamp: Int, title: String) -> String {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? "xterm-256color"
        return "{\"version\": 2, \"width\": \(width), \"height\": \(height), \"timestamp\": \(timestamp), "
            + "\"title\": \(JSONString.quoted(title)), \"env\": {\"TERM\": \(JSONString.quoted(term))}}"
    }

    /// Seconds with microseconds, as asciinema writes them.
    static func time(_ t: Double) -> String {
        let us = Int((max(0, t) * 1e6).rounded())
        let frac = String(us % 1_000_000)
        return "\(us / 1_000_000).\(String(repeating: "0", count: 6 - frac.count))\(frac)"
    }
}
