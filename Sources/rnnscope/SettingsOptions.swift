import ArgumentParser
import RNNSim
import Scenarios

/// `--set key=value`, shared by `train` and `run`.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting (repeatable); see 'rnnscope train --help' for the keys.", valueName: "key=value"))
    var assignments: [String] = []

    /// The scenario's settings with every `--set` applied, in order, and checked.
    func apply(to scenario: Scenario) throws -> Scenario {
        var s = scenario
        for a in assignments {
            do { try s.settings.set(assignment: a) } catch { throw Failure("--set \(a): \(error)") }
        }
        do { try s.settings.validate() } catch { throw Failure("\(error)") }
        return s
    }

    /// The documentation of every key, generated from the one table that parses them.
    static var keyHelp: String {
        let defaults = Settings()
        let width = (Settings.keys.map(\.name.count).max() ?? 0) + 2
        return Settings.keys.map { k in
            let pad = String(repeating: " ", count: max(1, width - k.name.count))
            return "  \(k.name)\(pad)\(k.summary)\n  \(String(repeating: " ", count: width))\(k.accepts); default \(k.value(in: defaults).isEmpty ? "none" : k.value(in: defaults))"
        }.joined(separator: "\n")
    }
}

/// A scenario from a name or path, or the settings alone when none is given.
func resolveScenario(_ nameOrPath: String?) throws -> Scenario {
    guard let nameOrPath else { return Scenario(name: "custom", title: "Custom run (--set)", notes: "") }
    // A model where a scenario belongs: say how to open it.
    if nameOrPath.hasSuffix(".safetensors") || nameOrPath.hasSuffix(".pt") || nameOrPath.hasSuffix(".pth") {
        throw Failure("\(nameOrPath) is not a scenario; to open a model: --model \(nameOrPath) --data D.safetensors")
    }
    do { return try ScenarioLibrary.load(nameOrPath) } catch { throw Failure(error) }
}
