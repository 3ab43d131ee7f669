import ArgumentParser
import RNNSim
import Scenarios
import ScopeView

/// `--set key=value` and `--seed N`, shared by `train` and `run`.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting (repeatable); see 'rnnscope train --help' for the keys.", valueName: "key=value"))
    var sets: [String] = []
    // .unconditional: "--seed -1" is a value to refuse (by the seed setting's own range), not a missing one.
    @Option(parsing: .unconditional, help: ArgumentHelp("The random seed (0 or more): the same as --set seed=N.", valueName: "N"))
    var seed: String?

    /// Every assignment, in the order applied: the `--set`s, then `--seed N` as `seed=N`.
    var assignments: [String] { sets + (seed.map { ["seed=\($0)"] } ?? []) }

    /// The scenario's settings with every `--set` applied, in order, then `--seed`, and checked.
    /// With `model` (--model given) the model and its data fix part of the settings,
    /// and `ModelRun.scenario` checks the settings it makes from them instead.
    func apply(to scenario: Scenario, model: Bool = false) throws -> Scenario {
        var s = scenario
        if !assignments.isEmpty && s.settingsBeforeSet == nil { s.settingsBeforeSet = scenario.settings }
        for a in sets {
            do { try s.settings.set(assignment: a) } catch { throw Failure("--set \(TextSafety.escaped(a)): \(error)") }
        }
        if let seed {
            // --seed N is --set seed=N: the same key, parsed and checked by the same setting.
            let set = sets.last { Self.key(of: $0) == "seed" }
            let before = s.settings.seed
            do { try s.settings.set(assignment: "seed=\(seed)") } catch {
                throw Failure("--seed \(TextSafety.escaped(seed)): \((error as? SettingsError)?.message ?? "\(error)")")
            }
            if let set, s.settings.seed != before {
                throw Failure("--seed \(TextSafety.escaped(seed)) and --set \(TextSafety.escaped(set)) give different seeds; give one")
            }
        }
        if model { return s }
        do {
            try s.settings.validate()
            // Before the view opens: a run over the memory cap is one line here, not a screen.
            try Trainer.checkMemory(s.settings, task: Trainer.makeTask(s.settings))
        } catch { throw Failure("\(error)") }
        return s
    }

    /// The key of a `key=value` assignment, as `Settings.set(assignment:)` reads it.
    static func key(of assignment: String) -> String {
        String(assignment.prefix { $0 != "=" }).trimmingCharacters(in: .whitespaces)
    }

    /// The documentation of every key, generated from the one table that parses them,
    /// wrapped to `lineWidth` with every continuation line under the key's text.
    static func keyHelp(lineWidth: Int = 79) -> String {
        let defaults = Settings()
        let width = (Settings.keys.map(\.name.count).max() ?? 0) + 2
        let indent = String(repeating: " ", count: 2 + width)
        return Settings.keys.map { k in
            let value = k.value(in: defaults)
            let text = Format.wrap(k.summary, width: lineWidth - indent.count)
                + Format.wrap("\(k.accepts); default \(value.isEmpty ? "none" : value)", width: lineWidth - indent.count)
            let pad = String(repeating: " ", count: max(1, width - k.name.count))
            return (["  \(k.name)\(pad)\(text[0])"] + text.dropFirst().map { indent + $0 }).joined(separator: "\n")
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
