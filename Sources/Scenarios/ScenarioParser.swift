import Foundation
import RNNSim
import TOMLKit

/// A TOML value, copied out of TOMLKit so that validation is plain Swift.
indirect enum Node: Sendable {
    case int(Int), double(Double), string(String), bool(Bool)
    case array([Node])
    case table([(key: String, value: Node)])
    /// Dates and times: never valid in a scenario, kept for the error message.
    case other(String)

    init(_ v: TOMLValueConvertible) {
        switch v.type {
        case .int: self = .int(v.int ?? 0)
        case .double: self = .double(v.double ?? .nan)
        case .string: self = .string(v.string ?? "")
        case .bool: self = .bool(v.bool ?? false)
        case .array: self = .array((v.array.map { Array($0) } ?? []).map(Node.init))
        case .table: self = .table(Node.entries(v.table))
        case .date: self = .other("a date")
        case .time: self = .other("a time")
        case .dateTime: self = .other("a date-time")
        }
    }

    static func entries(_ t: TOMLTable?) -> [(key: String, value: Node)] {
        guard let t else { return [] }
        return t.keys.compactMap { k in t[k].map { (k, Node($0)) } }
    }

    var typeName: String {
        switch self {
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .other(let name): name
        }
    }

    var settingValue: SettingValue? {
        switch self {
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        default: nil
        }
    }

    var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

/// Reads one scenario file: TOMLKit for the values, `SourceLines` for where
/// each key is written, `Settings.keys` for the settings, `ClaimKeys` for `[[expect]]`.
struct ScenarioParser {
    /// The file as the errors name it.
    let path: String
    let name: String
    let lines: SourceLines

    /// The sections of settings, from the `Settings.keys` table (`train.lr` → train).
    static let sections: [String] = {
        var seen: [String] = []
        for k in Settings.keys {
            if let dot = k.name.firstIndex(of: "."), case let s = String(k.name[..<dot]), !seen.contains(s) { seen.append(s) }
        }
        return seen
    }()

    static let topLevel = ["title", "notes", "seed"] + sections + ["variants", "compare", "expect"]

    static func parse(_ text: String, path: String) throws -> Scenario {
        // Before TOMLKit, whose parser recurses once per level (TextLimits says why).
        do { try TextLimits.check(text) } catch {
            throw ScenarioError(path: path, line: error.line, message: error.message)
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ScenarioError(path: path, line: e.source.begin.line,
                                message: "syntax error at column \(e.source.begin.column): \(e.description)")
        }
        let parser = ScenarioParser(path: path, name: Self.stem(path), lines: SourceLines(text))
        return try parser.scenario(Node.entries(root))
    }

    static func stem(_ path: String) -> String {
        var file = path.split(separator: "/").last.map(String.init) ?? path
        if file.hasSuffix(".toml") { file.removeLast(5) }
        return file
    }

    // MARK: Errors and lines

    /// `expect.0.sides.1.below` → `expect[1].sides[2].below`: array elements are
    /// shown 1-based in brackets, as a reader counts them in the file.
    static func display(_ path: [String]) -> String {
        var s = ""
        for seg in path {
            if let i = Int(seg), !s.isEmpty {
                s += "[\(i + 1)]"
            } else {
                if !s.isEmpty { s += "." }
                s += seg
            }
        }
        return s
    }

    func line(_ path: [String]) -> Int { lines.nearestLine(of: path) ?? 1 }

    /// The folder of the file, for paths written in it ("" and "." mean the working directory).
    var directory: String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    func error(_ path: [String], _ message: String) -> ScenarioError {
        ScenarioError(path: self.path, line: line(path), key: Self.display(path), message: message)
    }

    /// Entries sorted by where they are written, so the first error reported is the first in the file.
    func ordered(_ entries: [(key: String, value: Node)], at path: [String]) -> [(key: String, value: Node)] {
        entries.enumerated().sorted { a, b in
            let la = lines.line(of: path + [a.element.key]) ?? Int.max, lb = lines.line(of: path + [b.element.key]) ?? Int.max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: The scenario

    func scenario(_ root: [(key: String, value: Node)]) throws -> Scenario {
        var title: String?
        var notes = ""
        var settingEntries: [(key: String, value: Node)] = []
        var variantsNode: Node?
        var expectNode: Node?
        var compareNode: Node?
        for (key, value) in ordered(root, at: []) {
            switch key {
            case "title":
                guard case .string(let t) = value else { throw error([key], "expected a string, got \(value.typeName)") }
                let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty, !trimmed.contains("\n") else {
                    throw error([key], "the title is one non-empty line (the lecture text goes in notes)")
                }
                title = trimmed
            case "notes":
                guard case .string(let t) = value else { throw error([key], "expected a string, got \(value.typeName)") }
                notes = Self.tidy(t)
            case "variants": variantsNode = value
            case "compare": compareNode = value
            case "expect": expectNode = value
            default:
                // `"train.lr" = 0.1` (a quoted --set key) is a setting too.
                guard Self.topLevel.contains(key) || Settings.keys.contains(where: { $0.name == key }) else {
                    throw error([key], "unknown key\(Self.suggestion(key, Self.topLevel)); a scenario has title, notes, seed, [\(Self.sections.joined(separator: "], ["))], [variants.NAME] and [[expect]]")
                }
                settingEntries.append((key, value))
            }
        }
        guard let title else {
            throw ScenarioError(path: path, line: 1, key: "title", message: "missing: every scenario needs a one-line title")
        }
        var settings = Settings()
        try apply(settingEntries, to: &settings, at: [])
        do { try settings.validate() } catch let e as SettingsError {
            throw error(e.key.split(separator: ".").map(String.init), e.message)
        }
        let variants = try parseVariants(variantsNode, base: settings)
        let claims = try parseClaims(expectNode, base: settings, variants: variants)
        let compare = try parseCompare(compareNode, base: settings, variants: variants)
        return Scenario(name: name, title: title, notes: notes, settings: settings, path: path, claims: claims, variants: variants,
                        compare: compare)
    }

    /// `compare = ["A", "B"]`: the scenario opens as the split view of two of its
    /// variants (`base` is the file's own settings).
    func parseCompare(_ node: Node?, base: Settings, variants: [Variant]) throws -> (a: Variant, b: Variant)? {
        guard let node else { return nil }
        let known = ["base"] + variants.map(\.name)
        guard case .array(let items) = node, items.count == 2 else {
            throw error(["compare"], "expected two variant names, [\"A\", \"B\"] (of \(known.joined(separator: ", ")))")
        }
        let sides = try items.map { item -> Variant in
            guard case .string(let name) = item else { throw error(["compare"], "expected variant names, got \(item.typeName)") }
            if name == "base" { return Variant(name: "base", overrides: [], settings: base) }
            guard let v = variants.first(where: { $0.name == name }) else {
                throw error(["compare"], "no [variants.\(name)] in this file (variants: \(known.joined(separator: ", ")))")
            }
            return v
        }
        guard sides[0].name != sides[1].name else { throw error(["compare"], "compares a variant with itself: name two different ones") }
        return (sides[0], sides[1])
    }

    /// Notes as written, minus trailing blanks on each line and blank lines at either end.
    static func tidy(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var s = String(line)
            while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
            return s
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    // MARK: Settings

    /// Applies `seed` and the section tables (or dotted keys) under `path`.
    /// Every leaf must be one of `Settings.keys`.
    func apply(_ entries: [(key: String, value: Node)], to settings: inout Settings, at path: [String]) throws {
        for (key, value) in ordered(entries, at: path) {
            try applyLeaf([key], value, to: &settings, at: path)
        }
    }

    private func applyLeaf(_ rel: [String], _ value: Node, to settings: inout Settings, at base: [String]) throws {
        let name = rel.joined(separator: ".")
        let full = base + rel
        if case .table(let inner) = value {
            // A section ([train]) or a dotted key (train.lr = ...): go one level down,
            // unless this already names a setting (then a table is the wrong type).
            if Settings.keys.contains(where: { $0.name == name }) {
                throw error(full, "expected \(Self.accepts(name)), got a table")
            }
            guard rel.count == 1, Self.sections.contains(name) else {
                throw error(full, unknownSetting(name))
            }
            for (k, v) in ordered(inner, at: full) { try applyLeaf(rel + [k], v, to: &settings, at: base) }
            return
        }
        guard let key = Settings.keys.first(where: { $0.name == name }) else {
            if rel.count == 1, Self.sections.contains(name) {
                throw error(full, "expected a table ([\(name)] with its keys), got \(value.typeName)")
            }
            throw error(full, unknownSetting(name))
        }
        guard var v = value.settingValue else {
            throw error(full, "expected \(key.accepts), got \(value.typeName)")
        }
        // A corpus named in a file is found next to the file, and only there or below.
        if name == "task.corpus", case .string(let file) = v {
            switch CorpusPath.resolve(file, folder: directory) {
            case .success(let path): v = .string(path)
            case .failure(let refusal): throw error(full, refusal.message)
            }
        }
        do { try settings.set(name, v) } catch let e as SettingsError {
            throw error(full, e.message)
        }
    }

    private func unknownSetting(_ name: String) -> String {
        let all = Settings.keys.map(\.name)
        let segments = name.split(separator: ".").map(String.init)
        if segments.count >= 2, Self.sections.contains(segments[0]) {
            let section = segments[0]
            let known = all.filter { $0.hasPrefix(section + ".") }.map { String($0.dropFirst(section.count + 1)) }
            return "unknown key\(Self.suggestion(name, all)); [\(section)] has \(known.joined(separator: ", "))"
        }
        return "unknown key\(Self.suggestion(name, all)); the settings are seed and [\(Self.sections.joined(separator: "], ["))]"
    }

    static func accepts(_ name: String) -> String {
        Settings.keys.first { $0.name == name }?.accepts ?? "a value"
    }

    /// ` (did you mean train.lr?)` for a near miss.
    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(word, c)
            let tail = c.split(separator: ".").last.map(String.init) ?? c
            let d2 = editDistance(word.split(separator: ".").last.map(String.init) ?? word, tail)
            let score = min(d, d2 + (c.hasPrefix(word.split(separator: ".").first.map(String.init) ?? "") ? 0 : 1))
            if score <= 2, best == nil || score < best!.1 { best = (c, score) }
        }
        return best.map { " (did you mean \($0.0)?)" } ?? ""
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }

    // MARK: Variants

    func parseVariants(_ node: Node?, base: Settings) throws -> [Variant] {
        guard let node else { return [] }
        guard case .table(let entries) = node else {
            throw error(["variants"], "expected tables [variants.NAME] of setting overrides, got \(node.typeName)")
        }
        var variants: [Variant] = []
        for (name, value) in ordered(entries, at: ["variants"]) {
            let path = ["variants", name]
            guard case .table(let overrides) = value else {
                throw error(path, "expected a table of setting overrides ([variants.\(name)]), got \(value.typeName)")
            }
            if name == "base" { throw error(path, "'base' is reserved: it means the file's own settings") }
            var settings = base
            try apply(overrides, to: &settings, at: path)
            do { try settings.validate() } catch let e as SettingsError {
                throw error(path + e.key.split(separator: ".").map(String.init), e.message)
            }
            variants.append(Variant(name: name, overrides: flatten(overrides, at: path), settings: settings))
        }
        return variants
    }

    /// The overrides as `--set` pairs, in file order.
    private func flatten(_ entries: [(key: String, value: Node)], at path: [String], prefix: [String] = []) -> [(key: String, value: SettingValue)] {
        var out: [(key: String, value: SettingValue)] = []
        for (k, v) in ordered(entries, at: path) {
            if case .table(let inner) = v {
                out += flatten(inner, at: path + [k], prefix: prefix + [k])
            } else if let sv = v.settingValue {
                out.append(((prefix + [k]).joined(separator: "."), sv))
            }
        }
        return out
    }

    // MARK: Claims

    func parseClaims(_ node: Node?, base: Settings, variants: [Variant]) throws -> [Claim] {
        guard let node else { return [] }
        var tables: [([(key: String, value: Node)], [String])] = []
        switch node {
        case .table(let entries):
            tables = [(entries, ["expect"])]
        case .array(let elements):
            for (i, e) in elements.enumerated() {
                guard case .table(let entries) = e else {
                    throw error(["expect", String(i)], "expected a claim table ([[expect]]), got \(e.typeName)")
                }
                tables.append((entries, ["expect", String(i)]))
            }
        default:
            throw error(["expect"], "expected claim tables ([[expect]] with metric = ...), got \(node.typeName)")
        }
        var claims: [Claim] = []
        for (entries, path) in tables {
            claims += try ClaimReader(parser: self, base: base, variants: variants).claims(entries, at: path)
        }
        return claims
    }
}
