import ArgumentParser
import Foundation
import RNNSim
import Scenarios

struct LectureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lecture",
        abstract: "Walk the presets in a lecture's order like slides: PgDn the next, PgUp the previous.",
        discussion: """
            Each preset opens as `run` opens it (a comparison as its split) and stops at its moment. The order is \
            the presets' own (rnnscope list), or --order FILE: one preset name or scenario file per line, # starts a comment. \
            A clicker's page keys are PgDn and PgUp.
            """)

    @Option(help: ArgumentHelp("The lecture's order: one preset name or scenario file per line.", valueName: "FILE"))
    var order: String?
    @Flag(help: "Draw with ASCII characters only.") var ascii = false
    @Option(help: recordHelp) var record: String?

    func run() throws {
        let slides: [Scenario]
        do { slides = try order.map(Self.read) ?? ScenarioLibrary.presets() } catch let f as Failure { throw f } catch { throw Failure(error) }
        // The recording never replaces the order file or a scenario file of the lecture (it did, with status 0).
        try refuseSameFile(outputs: [("--record", record)],
                           inputs: [("--order", order)] + slides.compactMap(\.path).map { ("a scenario file of the lecture", $0) })
        guard var first = slides.first else { throw Failure("\(order ?? "the lecture") names no presets") }
        // A comparison opens as its split, as `run` opens it.
        var compare: Settings?
        if let pair = first.compare {
            first.settings = pair.a.settings
            compare = pair.b.settings
        }
        throw ExitCode(try Interactive.open(first, ascii: ascii, record: record, compare: compare, lecture: slides))
    }

    /// The presets an order file names, in its order; an unknown name is refused with its line.
    static func read(_ path: String) throws -> [Scenario] {
        let data: Data
        do { data = try InputFile.read(path, bytesPerByte: 1) } catch let e as InputFileError {
            throw Failure("\(TextSafety.quoted(path)): \(e.reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure("\(TextSafety.quoted(path)): not UTF-8 text") }
        var slides: [Scenario] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let name = line.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            do { slides.append(try ScenarioLibrary.load(name)) } catch {
                throw Failure("\(TextSafety.quoted(path)), line \(n + 1): \(error)")
            }
        }
        return slides
    }
}
