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
    @OptionGroup(title: "Your own model") var input: ModelOptions
    @Option(help: "Where the w key saves the weights of --model (default: MODEL.trained.safetensors beside it).")
    var save: String?

    func validate() throws {
        if save != nil && input.model == nil { throw ValidationError("--save needs --model M.safetensors") }
    }

    func run() throws {
        // With --model, the scenario (if any) supplies only the training settings.
        var s = try pace.apply(to: settings.apply(to: resolveScenario(input.model != nil ? scenario : scenario ?? ScenarioLibrary.defaultName)),
                               settings: settings)
        if input.model != nil { s = try ModelRun.scenario(base: s, user: input.load(savePath: save), dataPath: input.data, assignments: settings.assignments) }
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
