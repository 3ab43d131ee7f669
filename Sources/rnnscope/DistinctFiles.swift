import ModelIO
import RNNSim

/// Refuses, before any work, a command whose output would land on one of its
/// inputs or on another of its outputs (`SamePath` says how files are compared).
func refuseSameFile(outputs: [(flag: String, path: String?)], inputs: [(flag: String, path: String?)]) throws {
    guard let clash = SamePath.clash(outputs: outputs, inputs: inputs) else { return }
    if clash.input {
        throw Failure("\(clash.output) is the file given as \(clash.other): rnnscope never writes over its inputs; give \(clash.output) another path")
    }
    throw Failure("\(clash.output) and \(clash.other) name the same file: each output needs its own path")
}

/// The scenario argument when it names a file rather than a preset (as `ScenarioLibrary.load` tells them apart).
func scenarioFile(_ nameOrPath: String?) -> String? {
    guard let s = nameOrPath, s.contains("/") || s.hasSuffix(".toml") else { return nil }
    return s
}
