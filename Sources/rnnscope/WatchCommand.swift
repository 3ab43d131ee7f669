import ArgumentParser
import Foundation
import RNNSim
import RunStream
import ScopeView
import Terminal

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the live view on a run stream: a JSON-lines file, followed as it grows, or - for standard input.",
        discussion: """
            The stream is what `rnnscope train --headless --jsonl` prints or what the Python package's \
            rnnscope.watch(module, PATH) writes from your own PyTorch loop (docs/stream.md). A finished file replays at \
            the pace in force (space, <, >); a growing one is followed as tail -f follows it; a file that does not exist \
            yet is waited for. Where the loop opted in (control=True), space pauses it at its next scope.step(), n lets one \
            iteration through and c, +, - set the clipping its scope.clip_grad_norm_ applies.
            """)

    @Argument(help: ArgumentHelp("The stream: a file, or - for standard input.", valueName: "FILE|-"))
    var stream: String
    @Option(name: .customLong("vs"), help: ArgumentHelp("A second stream, shown beside the first.", valueName: "FILE"))
    var versus: String?
    @Flag(help: "Draw with ASCII characters only.") var ascii = false
    @Option(help: recordHelp) var record: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Records shown per second (\(Settings.speedText(Settings.speedRange.lowerBound))…\(Settings.speedText(Settings.speedRange.upperBound))) or max; < and > change it.", valueName: "N|max"))
    var speed: String?

    func validate() throws {
        if versus == "-" && stream == "-" { throw ValidationError("only one of the streams can be standard input") }
        for path in [stream, versus].compactMap({ $0 }) where path != "-" {
            if path.isEmpty || path.utf8.count > 4096 || path.contains("\0") {
                throw ValidationError("not a usable path: \(TextSafety.quoted(path))")
            }
            var isDirectory: ObjCBool = false
            // A device or a socket is never a stream: it was waited on as a file not yet
            // written ('waiting for the stream's header' on /dev/zero, for ever).
            var info = stat()
            let found = stat(path, &info) == 0
            // Only a file not there yet is waited for: a symbolic-link loop or a path through a
            // file never becomes a stream (it read 'waiting for the stream's header', for ever).
            if !found, errno != ENOENT {
                throw ValidationError("cannot follow \(TextSafety.quoted(path)): \(String(cString: strerror(errno)))")
            }
            if found, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFIFO {
                throw ValidationError("\(TextSafety.quoted(path)) is \(OutputFile.kindName(info.st_mode)), not a stream: watch follows a file, a FIFO or - (standard input)")
            }
            // A file that does not exist yet is waited for; a folder that does not exist is a typo.
            let folder = path.pathFolder
            if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw ValidationError("no folder \(TextSafety.quoted(folder)) for the stream \(TextSafety.quoted(path))")
            }
        }
    }

    func run() throws {
        var pace = Settings()
        if let speed {
            do { try pace.set("display.speed", SettingValue(parsing: speed)) } catch let e as SettingsError {
                throw Failure("--speed \(speed): \(e.message)")
            }
        }
        // The recording never replaces a stream it shows (it did, with status 0).
        try refuseSameFile(outputs: [("--record", record)],
                           inputs: [("the stream", stream == "-" ? nil : stream), ("--vs", versus == "-" ? nil : versus)])
        // A file whose header is already there and unusable is bad input before any terminal
        // is needed (the same line the view ends on when the header comes later or on a pipe).
        for path in [stream, versus].compactMap({ $0 }) where path != "-" {
            if let problem = StreamHeader.problem(inFile: path, name: path) { throw Failure(problem) }
        }
        let input = stream == "-" || versus == "-" ? try Self.takeStandardInput() : -1
        func session(_ path: String) -> StreamSession {
            path == "-" ? StreamSession(path: nil, descriptor: input, speed: pace.speed)
                        : StreamSession(path: path, speed: pace.speed)
        }
        let recording: SessionRecording?
        do {
            recording = try record.map { SessionRecording(file: try OutputFile(path: $0), title: "rnnscope watch \(stream)") }
        } catch { throw Failure(error, flag: "--record") }
        // What the view and its figures call a stream: its file's name without .jsonl.
        let name: (String) -> String = { path in
            let file = path == "-" ? "stdin" : (path as NSString).lastPathComponent
            return file.hasSuffix(".jsonl") && file.count > 6 ? String(file.dropLast(6)) : file
        }
        let status: Int32
        do {
            status = try InteractiveApp.watch(session(stream), versus.map(session), names: (name(stream), versus.map(name)),
                                              speed: pace.speed, ascii: ascii, recording: recording)
        } catch let unusable as UnusableStream {
            throw Failure(unusable.description)
        }
        throw ExitCode(status)
    }

    /// The stream arrives on standard input: it moves to a descriptor of its own, and
    /// the keys come from the terminal (/dev/tty) on descriptor 0, where curses reads them.
    static func takeStandardInput() throws -> Int32 {
        if isatty(STDIN_FILENO) == 1 {
            throw Failure("watch - reads the stream from standard input, which is a terminal: pipe a stream in (rnnscope train NAME --headless --jsonl | rnnscope watch -)")
        }
        let stream = dup(STDIN_FILENO)
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard stream >= 0, tty >= 0, dup2(tty, STDIN_FILENO) >= 0 else {
            throw Failure("watch - needs a terminal for its keys (/dev/tty): \(String(cString: strerror(errno)))")
        }
        close(tty)
        return stream
    }
}
