import Foundation
import Testing
@testable import Scenarios

/// The bounds checked before TOMLKit: deep text is refused with its line, and
/// what a scenario really writes (strings holding brackets and dots, multi-line
/// arrays, inline claim tables) passes.
@Suite struct TextLimitsTests {
    func refused(_ text: String) -> TextLimits.Exceeded? {
        do { try TextLimits.check(text); return nil } catch { return error }
    }

    @Test func deepKeysAndNestingAreRefusedAtTheirLine() {
        let parts = Array(repeating: "a", count: 17).joined(separator: ".")
        #expect(refused("title = \"x\"\n\n[\(parts)]\n")?.line == 3)
        #expect(refused("title = \"x\"\n\(parts) = 1\n")?.line == 2)
        #expect(refused("t = 1\na = " + String(repeating: "[", count: 33) + String(repeating: "]", count: 33))?.line == 2)
        #expect(refused("a = {b = [{c = " + String(repeating: "[", count: 30) + "]}]}") != nil)
        #expect(refused("\"" + String(repeating: "k", count: 300) + "\" = 1") != nil)
    }

    @Test func whatAScenarioWritesPasses() {
        let text = """
        title = "Brackets [in [strings]] and a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r dots"
        notes = \"\"\"
        [not.a.header.at.all.because.it.is.inside.a.multi.line.string.with.many.many.dotted.parts]
        \"\"\"
        'literal.key' = 'a [ b { c'
        [variants.relu]
        network.activation = "relu"
        [[expect]]
        metric = "grad_ratio"
        sides = [ { variant = "a", below = 1.0 },
                  { variant = "b", above = 2.5 } ]  # a comment with [ and {
        values = [[1, 2], [3, [4, [5]]]]
        """
        #expect(refused(text) == nil)
        let sixteen = Array(repeating: "a", count: 16).joined(separator: ".")
        #expect(refused("[\(sixteen)]\n\(sixteen) = 1") == nil)
        #expect(refused("a = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32)) == nil)
    }

    /// Through the parser: a ScenarioError with the file and line, before TOMLKit.
    @Test func theParserReportsTheLimit() {
        let text = "title = \"x\"\n[" + Array(repeating: "a", count: 20_000).joined(separator: ".") + "]\n"
        #expect(throws: ScenarioError.self) { try ScenarioLibrary.parse(text, path: "deep.toml") }
        do { _ = try ScenarioLibrary.parse(text, path: "deep.toml") } catch let e as ScenarioError {
            #expect(e.line == 2 && e.description.hasPrefix("deep.toml:2: ") && e.message.contains("16 dotted parts"), "\(e)")
        } catch { Issue.record("\(error)") }
    }
}

extension TextLimitsTests {
    /// Text that is not TOML ends the scan (TOMLKit reports it); found by the fuzz tests as a hang.
    @Test func textThatIsNotTOMLEndsTheScan() {
        for text in ["]", "= 1", "title = \"x\"\n]]]\n", "a = [1,\n", "{", "\"unterminated", "'''", "a.\n"] {
            #expect(refused(text) == nil, "\(text.debugDescription)")
        }
    }
}

extension TextLimitsTests {
    /// The live view's picker: a preset that does not read is left out and named, the rest listed.
    @Test func unreadablePresetsAreLeftOutAndNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-presets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "title = \"fine\"\n".write(to: dir.appendingPathComponent("fine.toml"), atomically: true, encoding: .utf8)
        try ("title = \"x\"\n[" + Array(repeating: "a", count: 20_000).joined(separator: ".") + "]\n")
            .write(to: dir.appendingPathComponent("deep.toml"), atomically: true, encoding: .utf8)
        let (presets, unreadable) = ScenarioLibrary.readablePresets(in: [dir])
        // The folder's readable file joins the presets the binary carries; the deep one is named.
        #expect(presets.contains { $0.name == "fine" } && presets.count == BuiltInPresets.files.count + 1)
        #expect(unreadable.count == 1 && unreadable[0].contains("deep.toml:2:"), "\(unreadable)")
    }
}

extension TextLimitsTests {
    /// A header whose name starts with neither a key nor `]` stopped the process in
    /// TOMLKit's parser (an assertion, exit 134): refused at its line instead, and each
    /// such file goes through the parser to a ScenarioError.
    @Test(arguments: ["[[[a]]]", "[.a]", "[=]", "[[.a]]", "[ =]", "[\t.b]", "[[#]]"])
    func aHeaderWithoutAKeyIsRefusedAtItsLine(_ header: String) throws {
        let text = "title = \"x\"\n\n\(header)\n"
        #expect(refused(text)?.line == 3)
        #expect(throws: ScenarioError.self) { try ScenarioLibrary.parse(text, path: "h.toml") }
    }

    /// Headers TOMLKit reports itself still reach it.
    @Test func headersTOMLKitReportsPass() {
        for text in ["[]", "[[]]", "[a.]", "[\"q\".r]", "['lit']", "[ a ]", "[[ a ]]"] {
            #expect(refused(text) == nil, "\(text)")
        }
    }
}

extension TextLimitsTests {
    /// TOMLKit reads the text as a C string and stopped at a NUL byte: a NUL in a
    /// comment left every line below it out, and the run went on without them
    /// (hidden = 4 after it ran H = 32). Refused at its line and column instead.
    @Test func aNulByteIsRefusedAtItsLine() {
        #expect(refused("\u{00}")?.line == 1)
        let e = refused("title = \"x\"\n# a \u{00} comment\n[network]\nhidden = 4\n")
        #expect(e?.line == 2 && e?.message.contains("NUL byte at column 5") == true, "\(String(describing: e))")
        #expect(refused("title = \"n\u{00}ul\"\n")?.line == 1)
        // Escaped, in a basic string or a key: TOMLKit cut the value there (title "abc\u0000def" listed as abc).
        #expect(refused("a = 1\ntitle = \"abc\\u0000def\"\n")?.line == 2)
        #expect(refused("notes = \"\"\"\nx\n\\U00000000\"\"\"\n")?.line == 3)
        #expect(refused("\"k\\u0000\" = 1\n") != nil)
        #expect(refused("title = \"\\\\u0000 \\u0001\"\nb = 'lit\\u0000'\nc = '''x\\U00000000'''\n") == nil, "an escaped backslash, another code, literal strings")
        do { _ = try ScenarioLibrary.parse("title = \"x\"\n[network]\nhidden = 4\u{00}\n[nonsense]\n", path: "nul.toml"); Issue.record("read as the text before the NUL") } catch let e as ScenarioError {
            #expect(e.description.hasPrefix("nul.toml:3: ") && e.message.contains("NUL"), "\(e)")
        } catch { Issue.record("\(error)") }
    }
}
