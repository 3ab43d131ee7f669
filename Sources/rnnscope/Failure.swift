import Foundation
import RNNSim

/// A user-facing failure: one line on stderr and exit status 2.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
    init(_ error: Error) { description = "\(error)" }
    /// An error about a file's contents, naming the file and what it is (`model`, `data`);
    /// a read error names the path itself.
    init(_ error: Error, file: String, role: String? = nil) {
        let what = role.map { "\($0) " } ?? ""
        if case SafeTensorsError.cannotRead = error {
            description = role.map { "\($0): \(error)" } ?? "\(error)"
        } else {
            description = "\(what)\(file): \(error)"
        }
    }
}

/// Writes to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Flattens a message to one line, so every error is exactly one line.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }.joined(separator: " ")
}
