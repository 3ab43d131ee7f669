import Foundation
import RNNSim

/// The preset scenarios in `Scenarios/*.toml`, and scenario files anywhere.
public enum ScenarioLibrary {
    public static let defaultName = "vanishing"

    /// The order of a lecture: the bare product first, then vanishing and its
    /// proof, exploding and its cure, what vanishing costs a language model, what
    /// truncation costs, a fix by initialisation, the LSTM's fix by its cell, and a real model at the end.
    /// Other files follow alphabetically.
    public static let lectureOrder = [
        "jacobian-product", "vanishing", "eigen-proof", "gamma-bound", "weight-sum", "exploding",
        "clipping-rescue", "long-range-tickets", "truncation-horizon", "good-init", "irnn-adding",
        "lstm-adding", "forget-bias", "stacked-layers", "char-lm", "lm-perplexity",
    ]

    /// Where presets are found, in order: $RNNSCOPE_SCENARIOS, ./Scenarios, then
    /// walking up from the executable's directory (CommandLine.arguments[0]
    /// resolved, and Bundle.main.executableURL) looking for a `Scenarios` folder
    /// holding .toml files (so `.build/release/rnnscope` and `swift run` inside a
    /// checkout find the repo's Scenarios/).
    public static func directory() -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["RNNSCOPE_SCENARIOS"], !env.isEmpty {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: env, isDirectory: &isDir), isDir.boolValue {
                return URL(fileURLWithPath: env).standardizedFileURL
            }
        }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        let local = cwd.appendingPathComponent("Scenarios")
        if holdsScenarios(local) { return local.standardizedFileURL }
        var starts: [URL] = []
        if let arg0 = CommandLine.arguments.first, !arg0.isEmpty {
            let url = arg0.hasPrefix("/") ? URL(fileURLWithPath: arg0) : cwd.appendingPathComponent(arg0)
            starts.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let exe = Bundle.main.executableURL {
            starts.append(exe.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("Scenarios")
                if holdsScenarios(candidate) { return candidate.standardizedFileURL }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        return nil
    }

    static func holdsScenarios(_ url: URL) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.contains { $0.hasSuffix(".toml") }
    }

    /// Every `.toml` file in `directory()`, parsed, in `lectureOrder`.
    public static func presets() throws -> [Scenario] {
        guard let dir = directory() else {
            throw ScenarioError(path: "Scenarios", message: "no scenarios folder found (looked at $RNNSCOPE_SCENARIOS, ./Scenarios and above the executable)")
        }
        return try presets(in: dir)
    }

    static func presets(in dir: URL) throws -> [Scenario] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
        let scenarios = try files.map { try read(dir.appendingPathComponent($0).path, shown: displayPath(dir, $0)) }
        return scenarios.sorted { a, b in
            let ia = lectureOrder.firstIndex(of: a.name) ?? Int.max, ib = lectureOrder.firstIndex(of: b.name) ?? Int.max
            return ia != ib ? ia < ib : a.name < b.name
        }
    }

    /// Every preset that reads, in order, and one line for each that does not: the
    /// live view's picker lists the rest and says which it left out.
    public static func readablePresets() -> (presets: [Scenario], unreadable: [String]) {
        directory().map(readablePresets(in:)) ?? ([], [])
    }

    static func readablePresets(in dir: URL) -> (presets: [Scenario], unreadable: [String]) {
        var presets: [Scenario] = [], unreadable: [String] = []
        for name in presetNames(in: dir) {
            do { presets.append(try read(dir.appendingPathComponent(name + ".toml").path, shown: displayPath(dir, name + ".toml"))) } catch {
                unreadable.append("\(error)")
            }
        }
        return (presets, unreadable)
    }

    /// The preset names available, in order (no parsing).
    static func presetNames(in dir: URL) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
        return names.sorted { a, b in
            let ia = lectureOrder.firstIndex(of: a) ?? Int.max, ib = lectureOrder.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
    }

    /// How error messages name a preset file: relative to the working directory when
    /// it is below it (`Scenarios/vanishing.toml`), else the full path.
    static func displayPath(_ dir: URL, _ file: String) -> String {
        let full = dir.appendingPathComponent(file).standardizedFileURL.path
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }

    /// A preset name (a file stem in `directory()`) or a path to a `.toml` file.
    public static func load(_ nameOrPath: String) throws -> Scenario {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml")
        if looksLikePath {
            return try read(nameOrPath, shown: nameOrPath)
        }
        guard let dir = directory() else {
            throw ScenarioError(path: nameOrPath, message: "no preset of that name: no scenarios folder found (looked at $RNNSCOPE_SCENARIOS, ./Scenarios and above the executable)")
        }
        let file = dir.appendingPathComponent(nameOrPath + ".toml")
        guard FileManager.default.fileExists(atPath: file.path) else {
            let known = presetNames(in: dir)
            throw ScenarioError(path: nameOrPath, message: "no preset of that name in \(displayPath(dir, "")); the presets are \(known.joined(separator: ", "))")
        }
        return try read(file.path, shown: displayPath(dir, nameOrPath + ".toml"))
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
