import Foundation
import Testing

/// `--speed` and `display.speed` on the command line: bad values end with one
/// line naming what is wrong and status 2, before any terminal is opened.
@Suite(.serialized) struct PaceCommandLineTests {
    static let cases: [([String], String)] = [
        (["train", "--headless", "--speed", "5"], "--speed sets the live view's pace; --headless has none"),
        (["run", "vanishing", "--speed", "fast"], "--speed fast: expected a number or \"max\", got a string"),
        (["run", "vanishing", "--speed", "0"], "--speed 0: 0.0 is out of range (0.1…10000, or max)"),
        // A negative value is a value out of range, not a missing one (nor a flag).
        (["run", "vanishing", "--speed", "-5"], "--speed -5: -5.0 is out of range (0.1…10000, or max)"),
        (["train", "vanishing", "--speed", "5", "--set", "display.speed=10"], "--speed and --set display.speed both set the pace; give one"),
        (["train", "--headless", "--set", "display.speed=-1"], "--set display.speed=-1: display.speed: -1.0 is out of range (0.1…10000, or max)"),
        (["train", "--iterations", "0"], "--iterations must be between 1 and 100000000, got 0"),
    ]

    @Test(arguments: cases)
    func aBadPaceIsOneLineAndStatusTwo(args: [String], message: String) throws {
        let r = try Binary.run(args)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr == "rnnscope: \(message)\n" || r.stderr.hasPrefix("rnnscope: \(message)"), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }

    /// A headless run ignores display.* (the pace means nothing there), as the help says.
    @Test func headlessTrainsAsFastAsItCanWhateverTheFileSays() throws {
        let r = try Binary.run(["train", "vanishing", "--headless", "--iterations", "3", "--set", "display.speed=0.1", "--jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1 + 3 + 1, "the header, three iterations and the end")
    }

    @Test func helpNamesSpeed() throws {
        for command in ["run", "train"] {
            let r = try Binary.run([command, "--help"])
            #expect(r.stdout.contains("--speed <N|max>"), "\(command)")
        }
    }
}
