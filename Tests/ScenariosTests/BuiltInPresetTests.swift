import Foundation
import Testing
@testable import Scenarios

/// The presets the binary carries are exactly `Scenarios/*.toml` (Scenarios/embed.py writes them).
@Suite struct BuiltInPresetTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios")

    @Test func theCarriedPresetsAreTheFilesAsTheyAre() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files.count >= 16)
        let carried = Dictionary(uniqueKeysWithValues: BuiltInPresets.files.map { ($0.name + ".toml", $0.text) })
        #expect(Set(carried.keys) == Set(files), "run `python3 Scenarios/embed.py` after adding or removing a preset")
        for file in files {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            #expect(carried[file] == text, "\(file) changed: run `python3 Scenarios/embed.py`")
        }
    }

    @Test func everyCarriedPresetParsesAndIsInTheLectureOrder() throws {
        for (name, text) in BuiltInPresets.files {
            let s = try ScenarioLibrary.parse(text, path: ScenarioLibrary.builtInPath(name))
            #expect(s.name == name)
            #expect(ScenarioLibrary.lectureOrder.contains(name), "\(name) is not in the lecture order")
        }
    }

    /// Far from any Scenarios folder, every preset is still there.
    @Test func presetsNeedNoFolder() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-nofolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let names = ScenarioLibrary.presetNames(in: [])
        #expect(names.first == "jacobian-product" && names.count == BuiltInPresets.files.count)
        #expect(try ScenarioLibrary.load("vanishing").settings.rho == 0.5)
        #expect(throws: ScenarioError.self) { try ScenarioLibrary.load("no-such-preset") }
    }
}
