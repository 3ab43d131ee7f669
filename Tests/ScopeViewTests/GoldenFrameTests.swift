import Foundation
import Scenarios
import Testing
@testable import ScopeView

/// Every preset's opening frame at 100×32 (`OpeningFrame`), compared whole against
/// the golden frame committed in Frames/NAME.txt; and README's frame is the
/// default preset's golden. `RNNSCOPE_RECORD_FRAMES=1 swift test -c release --filter GoldenFrameTests`
/// writes the goldens from what the view draws now (read the diff before committing them).
@Suite struct GoldenFrameTests {
    static let frames = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Frames")
    static let regenerate = "RNNSCOPE_RECORD_FRAMES=1 swift test -c release --filter GoldenFrameTests"
    static var recording: Bool { ProcessInfo.processInfo.environment["RNNSCOPE_RECORD_FRAMES"] == "1" }
    static let library = ScenarioLibrary.readablePresets()

    static func goldenURL(_ name: String) -> URL { frames.appendingPathComponent("\(name).txt") }

    static func golden(_ name: String) -> [String]? {
        (try? String(contentsOf: goldenURL(name), encoding: .utf8)).map { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
    }

    @Test(arguments: library.presets.map(\.name))
    func openingFrameIsTheGolden(_ name: String) throws {
        let presets = Self.library.presets
        let preset = try #require(presets.first { $0.name == name })
        let frame = try OpeningFrame.render(preset, presets: presets)
        #expect(frame.count == 32, "\(name): \(frame.count) rows")
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.frames, withIntermediateDirectories: true)
            try (frame.joined(separator: "\n") + "\n").write(to: Self.goldenURL(name), atomically: true, encoding: .utf8)
            return
        }
        guard let golden = Self.golden(name) else {
            Issue.record("no golden frame for \(name): regenerate with \(Self.regenerate)")
            return
        }
        let diff = Self.differences(golden: golden, now: frame)
        if !diff.isEmpty {
            Issue.record("\(name)'s opening frame is not Frames/\(name).txt (if the change is meant: \(Self.regenerate)):\n\(diff)")
        }
    }

    /// Every preset reads, and every golden frame belongs to one.
    @Test func everyGoldenBelongsToAPreset() throws {
        #expect(Self.library.unreadable.isEmpty, "\(Self.library.unreadable)")
        #expect(Self.library.presets.count >= 10, "the library lists \(Self.library.presets.count) presets")
        let names = Set(Self.library.presets.map(\.name))
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.frames.path).filter { $0.hasSuffix(".txt") }
        for file in files where !names.contains(String(file.dropLast(4))) {
            Issue.record("Frames/\(file) is the golden of no preset: remove it")
        }
    }

    /// README's frame is the golden frame of `rnnscope` (the default preset).
    @Test func readmeShowsTheDefaultGolden() throws {
        let readme = try String(contentsOf: Self.frames.appendingPathComponent("../../../README.md").standardizedFileURL, encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The first fenced block: the frame.
        let open = try #require(lines.firstIndex(of: "```"), "README has no fenced block")
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"), "README's first fenced block does not close")
        let block = Array(lines[(open + 1)..<close])
        let golden = try #require(Self.golden(ScenarioLibrary.defaultName), "no golden frame for \(ScenarioLibrary.defaultName)")
        let diff = Self.differences(golden: golden, now: block)
        if !diff.isEmpty {
            Issue.record("README's frame is not Frames/\(ScenarioLibrary.defaultName).txt (once the golden is right, copy it into README's first block):\n\(diff)")
        }
    }

    /// The rows that differ, each as the golden has it and as it is now.
    static func differences(golden: [String], now: [String]) -> String {
        var out: [String] = []
        if golden.count != now.count { out.append("\(golden.count) rows in the golden, \(now.count) now") }
        for row in 0..<max(golden.count, now.count) {
            let g = row < golden.count ? golden[row] : "(none)", n = row < now.count ? now[row] : "(none)"
            if g != n { out.append("row \(row + 1):\n  golden │\(g)\n  now    │\(n)") }
        }
        return out.joined(separator: "\n")
    }
}
