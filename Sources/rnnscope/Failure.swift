import Foundation
import ModelIO
import RNNSim

/// A user-facing failure: one line on stderr and exit status 2.
struct Failure: Error, CustomStringConvertible {
    var description: String
    /// 2 for bad input; 1 for a run that cannot give what was asked (a diverged run's weights).
    var status: Int32 = 2
    init(_ message: String) { description = message }
    init(_ message: String, status: Int32) { description = message; self.status = status }
    /// An output that could not be written keeps its status: 74 when the system
    /// would not store it (a full disk, a read-only file system), 2 for a bad path.
    init(_ error: Error) {
        description = "\(error)"
        if let output = error as? OutputFileError { status = output.status }
    }
    /// An output the flag names could not be written: "--record: cannot write …", as for every output flag.
    init(_ error: Error, flag: String) {
        self.init(error)
        description = "\(flag): \(description)"
    }
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

/// Flattens a message to one line, so every error is exactly one line: line
/// breaks become spaces, and any other control character that reached the
/// message from outside is escaped (`TextSafety`).
func oneLine(_ text: String) -> String {
    let joined = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }.joined(separator: " ")
    return TextSafety.escaped(joined, limit: 1000)
}
