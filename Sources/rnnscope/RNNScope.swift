import ArgumentParser
import Foundation
import RNNSim

struct RNNScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnnscope",
        abstract: "Watch gradients vanish and explode in a recurrent network (RNN, LSTM, GRU) as it trains.",
        discussion: "With no command, opens the interactive view on the default scenario.",
        version: rnnscopeVersion,
        subcommands: [RunCommand.self, LectureCommand.self, TrainCommand.self, WatchCommand.self, GradsCommand.self, ReferenceCommand.self, ListCommand.self, CheckCommand.self, BenchCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// The version `--version` prints and the `--jsonl` header carries.
let rnnscopeVersion = "0.2.0"

@main
enum Entry {
    /// Parses and runs, so that every bad input ends as one line on stderr and exit status 2.
    static func main() {
        StandardStreams.prepare()
        // Before anything compiled for the build's CPU runs (parsing the settings already does).
        let missing = CPUCheck.missing()
        if !missing.isEmpty { StandardStreams.fail(CPUCheck.refusal(missing), status: 2) }
        do {
            var command = try RNNScope.parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            StandardStreams.exit(exit.rawValue)
        } catch let failure as Failure {
            StandardStreams.fail("rnnscope: " + oneLine(failure.description), status: failure.status)
        } catch let output as OutputFileError {
            StandardStreams.fail("rnnscope: " + oneLine(output.description), status: output.status)
        } catch {
            if RNNScope.exitCode(for: error) == .success {  // --help, --version: through the checked stream
                print(RNNScope.fullMessage(for: error))
                StandardStreams.exit(0)
            }
            StandardStreams.fail("rnnscope: " + oneLine(RNNScope.message(for: error)), status: 2)
        }
        StandardStreams.exit(0)
    }
}
