import ArgumentParser
import Foundation
import RNNSim
import Scenarios

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the scenarios' expect claims headlessly: one PASS/FAIL line each, with the measured figure.",
        discussion: "With --seeds N every claim runs on N seeds (the file's own and the N − 1 after it, or from --from-seed S on) and passes when it holds on at least 90% of them. Exits 1 when any claim fails.")

    @Argument(help: "Preset names or scenario files (default: every preset).")
    var scenarios: [String] = []

    // .unconditional here and below: "--seeds -1" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: "Run every claim on this many seeds: the file's own and the ones after it (1…1000).")
    var seeds: Int = 1
    @Option(parsing: .unconditional, help: ArgumentHelp("Start the seeds at S instead of the file's own (e.g. 1000: seeds no claim was calibrated on).", valueName: "S"))
    var fromSeed: Int?

    // run's and train's --seed N, given here: said what it is here rather than "did you mean --seeds".
    @Option(parsing: .unconditional, help: .hidden) var seed: String?

    func validate() throws {
        guard (1...1000).contains(seeds) else { throw ValidationError("--seeds must be 1…1000, got \(seeds)") }
        // Every seed checked is one --seed and a file's seed = take, so that a failing one can be run.
        let lastStart = Int.max - (seeds - 1)
        if let fromSeed, !(0...lastStart).contains(fromSeed) {
            throw ValidationError("--from-seed must be 0…\(lastStart)\(seeds > 1 ? " with --seeds \(seeds)" : ""), the seeds --seed takes; got \(fromSeed)")
        }
        if let seed {
            let s = TextSafety.escaped(seed)
            throw ValidationError("check has no --seed: --from-seed \(s) checks seed \(s) (with --seeds N, N seeds from it)")
        }
    }

    func run() throws {
        let list: [Scenario]
        do {
            list = scenarios.isEmpty ? try ScenarioLibrary.presets() : try scenarios.map(ScenarioLibrary.load)
        } catch { throw Failure(error) }
        // All scenarios' runs share the two cores; the lines come out in order.
        // What is running goes to stderr on a terminal, so that a minute-long check shows life.
        let progress: ((String) -> Void)? = isatty(STDERR_FILENO) != 0 ? { printError($0) } : nil
        let results = ScenarioCheck.runAll(list, seeds: seeds, fromSeed: fromSeed.map(UInt64.init), progress: progress).flatMap { $0 }
        for r in results { print(r.line) }
        let passed = results.filter(\.passed).count, failed = results.count - passed
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
