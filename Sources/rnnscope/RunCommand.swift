import ArgumentParser
import Foundation
import ModelIO
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
    @Option(name: .customLong("vs"), help: ArgumentHelp("Open the split view: run B is run A (the scenario, or --model) with this setting changed (repeatable); A and B train in lockstep.", valueName: "key=value"))
    var versus: [String] = []
    @OptionGroup var pace: PaceOption
    @OptionGroup var settings: SettingsOptions
    @OptionGroup(title: "Your own model") var input: ModelOptions
    @Option(help: "Where the w key saves the weights of --model (default: MODEL.trained.safetensors beside it).")
    var save: String?

    func validate() throws {
        if save != nil && input.model == nil { throw ValidationError("--save needs --model M.safetensors") }
    }

    func run() throws {
        try refuseSameFile(outputs: [("--save", save ?? input.model.map(UserModel.defaultSavePath(for:))), ("--record", record)],
                           inputs: [("--model", input.model), ("--data", input.data), ("the scenario file", scenarioFile(scenario))])
        // With --model, the scenario (if any) supplies only the training settings.
        var base = try resolveScenario(input.model != nil ? scenario : scenario ?? ScenarioLibrary.defaultName)
        // Its variants are networks of their own, so with --model only --vs opens the split.
        var compare = versus.isEmpty && input.model == nil ? try Self.comparePair(&base, settings: settings, pace: pace) : nil
        var s = try pace.apply(to: settings.apply(to: base, model: input.model != nil), settings: settings)
        if input.model != nil {
            let user = try input.load(savePath: save)
            // What was read is said by Interactive.open, once nothing more can fail (a failure stays one line).
            s = try ModelRun.scenario(base: s, user: user, dataPath: input.data, assignments: settings.assignments, announce: false)
            if !versus.isEmpty { compare = try ModelRun.versus(s.settings, versus, user: user) }
        } else if !versus.isEmpty {
            compare = try Self.versus(s.settings, versus)
        }
        throw ExitCode(try Interactive.open(s, ascii: ascii, record: record, compare: compare))
    }

    /// A scenario whose lesson is a comparison opens as the split of its two variants
    /// (its `compare` key): `base` becomes run A, and run B's settings are returned;
    /// --set and --speed apply to both sides. nil for a scenario without one.
    static func comparePair(_ base: inout Scenario, settings: SettingsOptions, pace: PaceOption) throws -> Settings? {
        guard let pair = base.compare else { return nil }
        var b = base
        b.settings = pair.b.settings
        base.settings = pair.a.settings
        return try pace.apply(to: settings.apply(to: b), settings: settings).settings
    }

    /// Run B of `--vs`: run A's settings with these assignments.
    static func versus(_ a: Settings, _ assignments: [String]) throws -> Settings {
        var b = a
        for a in assignments {
            do { try b.set(assignment: a) } catch { throw Failure("--vs \(TextSafety.escaped(a)): \(error)") }
        }
        do {
            try b.validate()
            try Trainer.checkMemory(b, task: Trainer.makeTask(b))
        } catch { throw Failure("--vs: \(error)") }
        return b
    }
}

let recordHelp = ArgumentHelp("Record the session as an asciicast v2 file (asciinema play FILE.cast).", valueName: "FILE.cast")

enum Interactive {
    /// Runs the terminal UI on a scenario; returns the exit status. `stopAt`: each run pauses at this iteration.
    static func open(_ scenario: Scenario, ascii: Bool, stopAt: Int? = nil, record: String? = nil,
                     compare: Settings? = nil, lecture: [Scenario]? = nil) throws -> Int32 {
        // A lecture's presets are its own; otherwise every preset that reads, the rest named by the picker.
        let (readable, unreadable) = lecture == nil ? ScenarioLibrary.readablePresets() : ([], [])
        let presets = lecture ?? readable
        // The file is opened before the terminal is taken over: a bad path is one line on stderr.
        let recording: SessionRecording?
        do {
            recording = try record.map { SessionRecording(file: try OutputFile(path: $0), title: recordingTitle(scenario)) }
        } catch { throw Failure(error, flag: "--record") }
        if let user = scenario.settings.ownModel { ModelOptions.announce(user, data: user.data, dataPath: user.dataPath) }
        return InteractiveApp.run(scenario: scenario, presets: presets, unreadablePresets: unreadable, ascii: ascii, stopAt: stopAt,
                                  recording: recording, compare: compare, lecture: lecture != nil,
                                  watcherFactory: { $0.momentWatcher() })
    }

    /// The asciicast's title: the preset's name, or your model's file by name
    /// (every --model run is the scenario "model", which named none).
    static func recordingTitle(_ scenario: Scenario) -> String {
        guard let user = scenario.settings.ownModel else { return "rnnscope \(scenario.name)" }
        return "rnnscope " + TextSafety.escaped(URL(fileURLWithPath: user.modelPath).lastPathComponent, limit: 200)
    }
}
