import Foundation
import RNNSim

/// The preset scenarios (carried by the binary, from `Scenarios/*.toml`), the
/// user's own beside them, and scenario files anywhere.
public enum ScenarioLibrary {
    public static let defaultName = "vanishing"

    /// The order of a lecture: the bare product first, then vanishing and its
    /// proof, exploding and its cure, what vanishing costs a language model, what
    /// truncation costs, a fix by initialisation, the LSTM's fix by its cell, and a real model at the end.
    /// Other files follow alphabetically.
    public static let lectureOrder = [
        "jacobian-product", "vanishing", "eigen-proof", "gamma-bound", "weight-sum", "exploding",
        "clipping-rescue", "long-range-tickets", "truncation-horizon", "good-init", "irnn-adding", "residual-path",
        "lstm-adding", "gru-adding", "forget-bias", "stacked-layers", "deep-lstm", "char-lm", "lm-perplexity", "reverse-input",
    ]

    /// The folders presets are read from, in order: $RNNSCOPE_SCENARIOS, ./Scenarios, then
    /// the first `Scenarios` folder holding .toml files walking up from the executable's
    /// directory (CommandLine.arguments[0] resolved, and Bundle.main.executableURL), so that
    /// `.build/release/rnnscope` and `swift run` inside a checkout find the repo's Scenarios/.
    /// A name is looked up in each in turn: one folder does not hide the others.
    public static func directories() -> [URL] {
        let fm = FileManager.default
        var found: [URL] = []
        func add(_ url: URL) {
            let dir = url.standardizedFileURL
            if !found.contains(where: { $0.path == dir.path }) { found.append(dir) }
        }
        if let env = ProcessInfo.processInfo.environment["RNNSCOPE_SCENARIOS"], !env.isEmpty {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: env, isDirectory: &isDir), isDir.boolValue { add(URL(fileURLWithPath: env)) }
        }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        let local = cwd.appendingPathComponent("Scenarios")
        if holdsScenarios(local) { add(local) }
        var starts: [URL] = []
        if let arg0 = CommandLine.arguments.first, !arg0.isEmpty {
            let url = arg0.hasPrefix("/") ? URL(fileURLWithPath: arg0) : cwd.appendingPathComponent(arg0)
            starts.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let exe = Bundle.main.executableURL {
            starts.append(exe.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        search: for start in starts {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("Scenarios")
                if holdsScenarios(candidate) { add(candidate); break search }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        return found
    }

    static func holdsScenarios(_ url: URL) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.contains { $0.hasSuffix(".toml") }
    }

    /// The presets the binary carries, then every `.toml` file in `directories()` (a file
    /// of a preset's name takes its place: an edited preset is the one run; an earlier
    /// folder's file takes a later one's), parsed, in `lectureOrder`.
    public static func presets() throws -> [Scenario] {
        var byName: [String: Scenario] = [:]
        for (name, text) in BuiltInPresets.files { byName[name] = try parse(text, path: builtInPath(name)) }
        for dir in directories().reversed() {
            for scenario in try presets(in: dir) { byName[scenario.name] = scenario }
        }
        return ordered(Array(byName.values), name: \.name)
    }

    /// How a built-in preset is named in messages: as the file it was made from.
    static func builtInPath(_ name: String) -> String { "Scenarios/\(name).toml" }

    static func presets(in dir: URL) throws -> [Scenario] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
        let scenarios = try files.map { try read(dir.appendingPathComponent($0).path, shown: displayPath(dir, $0)) }
        return ordered(scenarios, name: \.name)
    }

    /// The preset names available, built in and in `dirs`, in order (no parsing).
    static func presetNames(in dirs: [URL]) -> [String] {
        let files = dirs.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? [] }
        let names = Set(files.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
            .union(BuiltInPresets.files.map(\.name))
        return ordered(Array(names), name: \.self)
    }

    /// Lecture order first, then alphabetical.
    static func ordered<T>(_ items: [T], name: (T) -> String) -> [T] {
        items.sorted { a, b in
            let na = name(a), nb = name(b)
            let ia = lectureOrder.firstIndex(of: na) ?? Int.max, ib = lectureOrder.firstIndex(of: nb) ?? Int.max
            return ia != ib ? ia < ib : na < nb
        }
    }

    /// Every preset that reads (the carried ones, then the folder's, which replace a
    /// carried one of their name), in order, and one line for each file that does not:
    /// the live view's picker lists the rest and says which it left out.
    public static func readablePresets() -> (presets: [Scenario], unreadable: [String]) { readablePresets(in: directories()) }

    static func readablePresets(in folders: [URL]) -> (presets: [Scenario], unreadable: [String]) {
        var byName: [String: Scenario] = [:], unreadable: [String] = []
        for (name, text) in BuiltInPresets.files {
            do { byName[name] = try parse(text, path: builtInPath(name)) } catch { unreadable.append("\(error)") }
        }
        for dir in folders.reversed() {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
            for file in files.sorted() {
                do {
                    let s = try read(dir.appendingPathComponent(file).path, shown: displayPath(dir, file))
                    byName[s.name] = s
                } catch { unreadable.append("\(error)") }
            }
        }
        return (ordered(Array(byName.values), name: \.name), unreadable)
    }

    /// How error messages name a preset file: relative to the working directory when
    /// it is below it (`Scenarios/vanishing.toml`), else the full path.
    static func displayPath(_ dir: URL, _ file: String) -> String {
        let full = dir.appendingPathComponent(file).standardizedFileURL.path
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }

    /// A folder as messages name it: relative to the working directory when below it.
    static func displayFolder(_ dir: URL) -> String {
        let shown = displayPath(dir, "")
        return shown.hasSuffix("/") && shown.count > 1 ? String(shown.dropLast()) : shown
    }

    /// A preset name (a file stem in one of `directories()`, or built in) or a path to a `.toml` file.
    public static func load(_ nameOrPath: String) throws -> Scenario {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml")
        if looksLikePath {
            return try read(nameOrPath, shown: nameOrPath)
        }
        let dirs = directories()
        for dir in dirs {
            let file = dir.appendingPathComponent(nameOrPath + ".toml")
            if FileManager.default.fileExists(atPath: file.path) {
                return try read(file.path, shown: displayPath(dir, nameOrPath + ".toml"))
            }
        }
        if let builtIn = BuiltInPresets.files.first(where: { $0.name == nameOrPath }) {
            return try parse(builtIn.text, path: builtInPath(builtIn.name))
        }
        let looked = dirs.isEmpty ? "" : " in \(dirs.map { TextSafety.escaped(displayFolder($0)) }.joined(separator: ", ")) or built in"
        throw ScenarioError(path: nameOrPath, message: "no preset of that name\(looked); the presets are \(presetNames(in: dirs).joined(separator: ", "))")
    }

    /// Parses scenario text; `path` names the file in errors, and its stem is the name.
    public static func parse(_ text: String, path: String) throws -> Scenario {
        try ScenarioParser.parse(text, path: path)
    }

    static func read(_ path: String, shown: String) throws -> Scenario {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ScenarioError(path: shown, message: "no such file")
        }
        if isDir.boolValue { throw ScenarioError(path: shown, message: "is a directory, not a scenario file") }
        let data: Data
        // TOML parsing holds a few copies of the text and its tree.
        do { data = try InputFile.read(path, bytesPerByte: 32) } catch let error as InputFileError {
            throw ScenarioError(path: shown, message: error.reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(path: shown, message: "is not UTF-8 text")
        }
        var scenario = try parse(text, path: shown)
        scenario.path = path
        return scenario
    }
}
