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
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        let s = try settings.apply(to: resolveScenario(scenario ?? ScenarioLibrary.defaultName))
        throw ExitCode(Interactive.open(s, ascii: ascii))
    }
}

enum Interactive {
    /// Runs the terminal UI on a scenario; returns the exit status.
    static func open(_ scenario: Scenario, ascii: Bool) -> Int32 {
        let presets = (try? ScenarioLibrary.presets()) ?? []
        return InteractiveApp.run(scenario: scenario, presets: presets, ascii: ascii, watcherFactory: { $0.momentWatcher() })
    }
}
