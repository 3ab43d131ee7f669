import ArgumentParser
import Scenarios

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the preset scenarios.")

    @Flag(help: "Also print each scenario's lecture notes.") var long = false

    func run() throws {
        let presets: [Scenario]
        do { presets = try ScenarioLibrary.presets() } catch { throw Failure(error) }
        let width = (presets.map(\.name.count).max() ?? 0) + 2
        for s in presets {
            print(s.name + String(repeating: " ", count: width - s.name.count) + s.title)
            if long {
                for line in s.notes.split(separator: "\n", omittingEmptySubsequences: false) {
                    print("    " + line)
                }
                print("")
            }
        }
    }
}
