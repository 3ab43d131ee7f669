import ArgumentParser
import Foundation
import Scenarios

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the scenarios' expect claims headlessly: one PASS/FAIL line each, with the measured figure.",
        discussion: "Exits 1 when any claim fails.")

    @Argument(help: "Preset names or scenario files (default: every preset).")
    var scenarios: [String] = []

    func run() throws {
        let list: [Scenario]
        do {
            list = scenarios.isEmpty ? try ScenarioLibrary.presets() : try scenarios.map(ScenarioLibrary.load)
        } catch { throw Failure(error) }
        var passed = 0, failed = 0
        for s in list {
            for r in ScenarioCheck.run(s) {
                print(r.line)
                fflush(nil)  // one line at a time, even into a pipe
                if r.passed { passed += 1 } else { failed += 1 }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
