import ArgumentParser
import RNNSim
import Scenarios

/// `--speed N|max` on `run` and live `train`: the same as `--set display.speed=N`.
struct PaceOption: ParsableArguments {
    // .unconditional: "--speed -5" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: ArgumentHelp("The live view's pace: iterations per second (\(Settings.speedText(Settings.speedRange.lowerBound))…\(Settings.speedText(Settings.speedRange.upperBound))) or max; < and > change it while it runs.",
                               valueName: "N|max"))
    var speed: String?

    /// The scenario with the pace applied, after `--set` (which must not set it too).
    func apply(to scenario: Scenario, settings: SettingsOptions) throws -> Scenario {
        guard let speed else { return scenario }
        if settings.assignments.contains(where: { $0.split(separator: "=").first?.trimmingCharacters(in: .whitespaces) == "display.speed" }) {
            throw Failure("--speed and --set display.speed both set the pace; give one")
        }
        var s = scenario
        do { try s.settings.set("display.speed", SettingValue(parsing: speed)) } catch let e as SettingsError {
            throw Failure("--speed \(speed): \(e.message)")
        }
        return s
    }
}
