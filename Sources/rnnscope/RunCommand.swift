import ArgumentParser
import Scenarios
import Terminal

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Open a scenario in the interactive view (the default command).")

    @Argument(help: "A preset name (see 'rnnscope list') or a scenario file.")
    var scenario: String?
    @Flag(help: "Draw with ASCII characters only.") var ascii = false
    @OptionGroup var pace: PaceOption
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        let s = try pace.apply(to: settings.apply(to: resolveScenario(scenario ?? ScenarioLibrary.defaultName)), settings: settings)
        throw ExitCode(Interactive.open(s, ascii: ascii))
    }
}

enum Interactive {
    /// Runs the terminal UI on a scenario; returns the exit status. `stopAt`: each run pauses at this iteration.
    static func open(_ scenario: Scenario, ascii: Bool, stopAt: Int? = nil) -> Int32 {
        let presets = (try? ScenarioLibrary.presets()) ?? []
        return InteractiveApp.run(scenario: scenario, presets: presets, ascii: ascii, stopAt: stopAt,
                                  watcherFactory: { $0.momentWatcher() })
    }
}
