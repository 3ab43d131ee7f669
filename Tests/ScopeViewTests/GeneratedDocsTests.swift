import Foundation
import RNNSim
import Testing
@testable import ScopeView

/// The reference pages generated from the code are the ones committed: each fails
/// with the command that writes it again.
@Suite struct GeneratedDocsTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/reference")

    @Test(arguments: [("keys.md", KeyReference.markdown(), "keys"), ("settings.md", SettingsReference.markdown(), "settings")])
    func theCommittedPageIsTheGeneratedOne(file: String, generated: String, page: String) throws {
        let committed = try String(contentsOf: Self.docs.appendingPathComponent(file), encoding: .utf8)
        #expect(committed == generated, "docs/reference/\(file) is stale: swift run rnnscope reference \(page) > docs/reference/\(file)")
    }

    @Test func everyBindingIsOnThePage() {
        let page = KeyReference.markdown()
        for b in Keymap.bindings { #expect(page.contains(b.help.replacingOccurrences(of: "|", with: "\\|"))) }
        for k in Settings.keys { #expect(SettingsReference.markdown().contains("`\(k.name)`")) }
    }
}
