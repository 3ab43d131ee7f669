import ArgumentParser
import Scenarios

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the preset scenarios.")

    @Flag(help: "Also print each scenario's lecture notes.") var long = false

    /// A preset file that does not read hides none of the others: they are listed,
    /// then each bad file in one line, and the status says a file was bad.
    func run() throws {
        let (presets, unreadable) = ScenarioLibrary.readablePresets()
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
        if let first = unreadable.first {
            StandardStreams.flush()
            for line in unreadable.dropFirst() { printError("rnnscope: " + line) }
            throw Failure(first)
        }
    }
}
