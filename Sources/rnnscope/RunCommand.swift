import ArgumentParser
import RNNSim
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
    @Option(name: .customLong("vs"), help: ArgumentHelp("Open the split view: run B is the scenario with this setting changed (repeatable); A and B train in lockstep.", valueName: "key=value"))
    var versus: [String] = []
    @OptionGroup var pace: PaceOption
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        var base = try resolveScenario(scenario ?? ScenarioLibrary.defaultName)
        var compare: Settings?
        // A scenario whose lesson is a comparison opens as the split of its two variants
        // (--vs chooses B instead); --set and --speed apply to both sides.
        if versus.isEmpty, let pair = base.compare {
            var b = base
            b.settings = pair.b.settings
            compare = try pace.apply(to: settings.apply(to: b), settings: settings).settings
            base.settings = pair.a.settings
        }
        let s = try pace.apply(to: settings.apply(to: base), settings: settings)
        if !versus.isEmpty {
            var b = s.settings
            for a in versus {
                do { try b.set(assignment: a) } catch { throw Failure("--vs \(a): \(error)") }
            }
            do { try b.validate() } catch { throw Failure("--vs: \(error)") }
            compare = b
        }
        throw ExitCode(try Interactive.open(s, ascii: ascii, record: record, compare: compare))
    }
}

let recordHelp = ArgumentHelp("Record the session as an asciicast v2 file (asciinema play FILE.cast).", valueName: "FILE.cast")

enum Interactive {
    /// Runs the terminal UI on a scenario; returns the exit status. `stopAt`: each run pauses at this iteration.
    static func open(_ scenario: Scenario, ascii: Bool, stopAt: Int? = nil, record: String? = nil,
                     compare: Settings? = nil) throws -> Int32 {
        let presets = (try? ScenarioLibrary.presets()) ?? []
        // The file is opened before the terminal is taken over: a bad path is one line on stderr.
        let recording: SessionRecording?
        do {
            recording = try record.map { SessionRecording(file: try OutputFile(path: $0), title: "rnnscope \(scenario.name)") }
        } catch { throw Failure(error) }
        return InteractiveApp.run(scenario: scenario, presets: presets, ascii: ascii, stopAt: stopAt, recording: recording,
                                  compare: compare,
                                  watcherFactory: { $0.momentWatcher() })
    }
}
