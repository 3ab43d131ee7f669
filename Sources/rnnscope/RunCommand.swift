import ArgumentParser
import Scenarios
import ScopeView
import Terminal

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Open a scenario in the interactive view (the default command).")

    @Argument(help: "A preset name (see 'rnnscope list') or a scenario file.")
    var scenario: String?
    @Flag(help: "Draw with ASCII characters only.") var ascii = false
    @Option(help: recordHelp) var record: String?
    @OptionGroup var pace: PaceOption
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        let s = try pace.apply(to: settings.apply(to: resolveScenario(scenario ?? ScenarioLibrary.defaultName)), settings: settings)
        throw ExitCode(try Interactive.open(s, ascii: ascii, record: record))
    }
}

let recordHelp = ArgumentHelp("Record the session as an asciicast v2 file (asciinema play FILE.cast).", valueName: "FILE.cast")

enum Interactive {
    /// Runs the terminal UI on a scenario; returns the exit status. `stopAt`: each run pauses at this iteration.
    static func open(_ scenario: Scenario, ascii: Bool, stopAt: Int? = nil, record: String? = nil) throws -> Int32 {
        let presets = (try? ScenarioLibrary.presets()) ?? []
        // The file is opened before the terminal is taken over: a bad path is one line on stderr.
        let recording: SessionRecording?
        do {
            recording = try record.map { SessionRecording(file: try OutputFile(path: $0), title: "rnnscope \(scenario.name)") }
        } catch { throw Failure(error) }
        return InteractiveApp.run(scenario: scenario, presets: presets, ascii: ascii, stopAt: stopAt, recording: recording,
                                  watcherFactory: { $0.momentWatcher() })
    }
}
