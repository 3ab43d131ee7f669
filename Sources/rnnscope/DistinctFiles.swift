import Foundation
import ModelIO
import RNNSim

/// Refuses, before any work, a command whose output would land on one of its
/// inputs, on another of its outputs (`SamePath` says how files are compared),
/// or on the file standard output or standard error goes to: `--csv /dev/stdout
/// > run.txt` renamed the CSV over run.txt while the printed lines went on into
/// the replaced file, lost, with status 0.
func refuseSameFile(outputs: [(flag: String, path: String?)], inputs: [(flag: String, path: String?)]) throws {
    if let clash = SamePath.clash(outputs: outputs, inputs: inputs) {
        if clash.input {
            throw Failure("\(clash.output) is the file given as \(clash.other): rnnscope never writes over its inputs; give \(clash.output) another path")
        }
        throw Failure("\(clash.output) and \(clash.other) name the same file: each output needs its own path")
    }
    for (flag, path) in outputs {
        guard let path else { continue }
        var file = stat()
        guard stat(path, &file) == 0 else { continue }
        for (descriptor, stream) in [(STDOUT_FILENO, "standard output"), (STDERR_FILENO, "standard error")] {
            var s = stat()
            if fstat(descriptor, &s) == 0, s.st_mode & S_IFMT == S_IFREG, s.st_dev == file.st_dev, s.st_ino == file.st_ino {
                throw Failure("\(flag) is the file \(stream) goes to: the one would replace the other; give \(flag) another path")
            }
        }
    }
}

/// The scenario argument when it names a file rather than a preset (as `ScenarioLibrary.load` tells them apart).
func scenarioFile(_ nameOrPath: String?) -> String? {
    guard let s = nameOrPath, s.contains("/") || s.hasSuffix(".toml") else { return nil }
    return s
}
