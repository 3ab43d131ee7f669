import Foundation
import Testing
@testable import RNNSim

/// Mutated safetensors and scenario files through the built binary, a fixed
/// number of seeded cases each: no crash (death by a signal), no hang (a
/// 30-second limit per case), and every rejection exactly one line on stderr
/// with status 2. Takes about a minute on two busy cores; `RNNSCOPE_FUZZ_CASES`
/// runs more (or fewer) cases of each kind.
@Suite(.serialized) struct FuzzTests {
    static let cases = Int(ProcessInfo.processInfo.environment["RNNSCOPE_FUZZ_CASES"] ?? "") ?? 60

    /// Bytes that tend to find the edges: structure, quotes, escapes, signs,
    /// huge and odd numbers, control characters.
    static let tokens: [[UInt8]] = ["{", "}", "[", "]", "\"", "'", ",", ":", "=", "\n", "\\", "\\u001b", "-", "-1", "0",
                                    "1e999", "99999999999999999999", "NaN", "inf", "true", "null", "\"\"\"", "#", ".", "[[expect]]",
                                    "\u{1B}[2J", "\u{00}", "\u{7F}", "é", "\u{202E}"].map { Array($0.utf8) }

    static func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom, headerBias: Int? = nil) -> [UInt8] {
        var b = bytes
        for _ in 0...rng.int(below: 4) {
            // safetensors: mostly in the 8-byte length and the JSON header.
            let span = headerBias.map { min($0, b.count) } ?? b.count
            let at = span == 0 ? 0 : rng.int(below: span)
            switch rng.int(below: 6) {
            case 0 where !b.isEmpty: b[min(at, b.count - 1)] ^= UInt8(1 << rng.int(below: 8))
            case 1 where !b.isEmpty: b[min(at, b.count - 1)] = UInt8(rng.int(below: 256))
            case 2: b.insert(contentsOf: tokens[rng.int(below: tokens.count)], at: min(at, b.count))
            case 3 where !b.isEmpty: b.removeSubrange(min(at, b.count - 1)..<min(b.count, at + 1 + rng.int(below: 8)))
            case 4: b = Array(b.prefix(at))
            default:  // duplicate a stretch
                let end = min(b.count, at + rng.int(below: 40))
                b.insert(contentsOf: b[min(at, end)..<end], at: min(at, b.count))
            }
        }
        return b
    }

    struct Outcome { var status: Int32; var signalled: Bool; var hung: Bool; var stderr: String; var stdout: String }

    static func run(_ args: [String]) throws -> Outcome {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        let p = Process()
        p.executableURL = Binary.url
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["RNNSCOPE_SCENARIOS"] = Binary.packageRoot.appendingPathComponent("Scenarios").path
        env["RNNSCOPE_MEMORY_LIMIT"] = "512M"  // a mutated size is refused, not run for minutes
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline { usleep(2000) }
        let hung = p.isRunning
        if hung { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Outcome(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, hung: hung,
                       stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "",
                       stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "")
    }

    static func check(_ o: Outcome, _ what: String) {
        #expect(!o.hung, "\(what): no answer within 30 s")
        #expect(!o.signalled, "\(what): died of signal \(o.status); stderr \(o.stderr)")
        if !o.hung && !o.signalled && o.status != 0 {
            let lines = o.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(o.status == 2, "\(what): status \(o.status); stderr \(o.stderr)")
            #expect(lines.count == 1 && lines.first?.hasPrefix("rnnscope: ") == true, "\(what): \(o.stderr)")
            #expect(!o.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(what): raw control character in \(o.stderr.debugDescription)")
        }
    }

    @Test(.timeLimit(.minutes(10))) func mutatedSafetensorsFiles() throws {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-st-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixtures = ["tanh-mse-last": "mse-last", "relu-xent-all-truncate6-2layers": "xent-all"]
        var rng = SeededRandom(seed: 11)
        var rejected = 0
        for i in 0..<Self.cases {
            let (name, loss) = fixtures.sorted(by: { $0.key < $1.key })[i % 2]
            let model = try Array(Data(contentsOf: URL(fileURLWithPath: Binary.fixture("\(name)/model.safetensors"))))
            let data = try Array(Data(contentsOf: URL(fileURLWithPath: Binary.fixture("\(name)/data.safetensors"))))
            let mutateModel = i % 3 != 2
            let original = mutateModel ? model : data
            let headerEnd = 8 + Int(original.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let mutated = Self.mutate(original, &rng, headerBias: rng.int(below: 4) == 0 ? nil : headerEnd)
            let path = dir + "/case\(i).safetensors"
            try Data(mutated).write(to: URL(fileURLWithPath: path))
            let modelPath = mutateModel ? path : Binary.fixture("\(name)/model.safetensors")
            let dataPath = mutateModel ? Binary.fixture("\(name)/data.safetensors") : path
            let o = try Self.run(["grads", "--model", modelPath, "--data", dataPath, "--loss", loss, "--json"])
            Self.check(o, "safetensors case \(i) (\(mutateModel ? "model" : "data") of \(name))")
            if o.status != 0 { rejected += 1 }
        }
        #expect(rejected > Self.cases / 2, "the mutations should mostly make files to reject (\(rejected) of \(Self.cases))")
    }

    @Test(.timeLimit(.minutes(10))) func mutatedScenarioFiles() throws {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-toml-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let presets = ["vanishing", "irnn-adding", "truncation-horizon", "char-lm", "eigen-proof"]
        var rng = SeededRandom(seed: 12)
        var rejected = 0
        for i in 0..<Self.cases {
            let preset = presets[i % presets.count]
            let text = try Array(Data(contentsOf: Binary.packageRoot.appendingPathComponent("Scenarios/\(preset).toml")))
            let path = dir + "/case\(i).toml"
            try Data(Self.mutate(text, &rng)).write(to: URL(fileURLWithPath: path))
            // The file is parsed and checked whole; the run itself is kept small.
            let o = try Self.run(["train", path, "--headless", "--iterations", "1", "--set", "network.hidden=8",
                                  "--set", "task.steps=12", "--set", "train.batch=2"])
            Self.check(o, "scenario case \(i) (\(preset))")
            if o.status != 0 { rejected += 1 }
        }
        #expect(rejected > 0)
    }

    /// Deep and long text around the limits checked before TOMLKit (issue 20: a
    /// 20,000-part header segfaulted): headers and keys of 1 to 40,000 parts,
    /// arrays and inline tables nested 1 to 100,000 deep, mixed, inside strings
    /// and comments too. Each answers within seconds, as a run or one line.
    @Test(.timeLimit(.minutes(5))) func deepAndLongScenarioText() throws {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-deep-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SeededRandom(seed: 20)
        let sizes = [1, 15, 16, 17, 31, 32, 33, 300, 40_000]
        for i in 0..<(Self.cases / 3) {
            let n = rng.int(below: 3) == 0 ? 1 + rng.int(below: 100_000) : sizes[rng.int(below: sizes.count)]
            let parts = Array(repeating: rng.int(below: 2) == 0 ? "a" : "\"q.q\"", count: n).joined(separator: ".")
            var nesting = ""
            for _ in 0..<n { nesting += rng.int(below: 2) == 0 ? "[" : "{x=" }
            let body: String
            switch rng.int(below: 5) {
            case 0: body = "[\(parts)]\nx = 1\n"
            case 1: body = "\(parts) = 1\n"
            case 2: body = "a = \(nesting)\n"
            case 3: body = "notes = \"\(nesting)\"\n# [\(parts)]\n"
            default: body = "[[expect]]\nsides = \(nesting)\n"
            }
            let path = dir + "/deep\(i).toml"
            try ("title = \"deep\"\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            Self.check(try Self.run(["check", path]), "deep case \(i) (n = \(n))")
        }
    }

    /// A real-time signal (34–64) or another ending one at a random moment of a
    /// headless run writing --csv and --svg: the process dies of it, and nothing
    /// is left in the output folder.
    @Test(.timeLimit(.minutes(2))) func signalsAtRandomMomentsLeaveNothingBehind() throws {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-signal-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SeededRandom(seed: 21)
        let signals: [Int32] = Array(34...64) + [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM]
        for i in 0..<8 {
            let signal = signals[rng.int(below: signals.count)]
            let out = dir + "/out\(i)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let pid = try HardeningTests.spawn(["train", "--headless", "--jsonl", "--iterations", "100000", "--set", "network.hidden=4",
                                                "--csv", out + "/n.csv", "--svg", out + "/f.svg"], errPath: dir + "/err")
            usleep(useconds_t(50_000 + rng.int(below: 400_000)))
            kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            #expect(status & 0x7f == signal, "case \(i): signal \(signal), status \(status)")
            let left = try FileManager.default.contentsOfDirectory(atPath: out)
            #expect(left.isEmpty, "case \(i): signal \(signal) left \(left)")
        }
    }

    /// The model's path spelled many ways as `grads --out` (./, //, ../, a link,
    /// a chain of links, a hard link, the data's path): each is refused before
    /// anything is written, and the model and data stay byte for byte.
    @Test func anInputSpelledAnyWayIsNeverAnOutput() throws {
        let dir = NSTemporaryDirectory() + "rnnscope-fuzz-same-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/m.safetensors", data = dir + "/d.safetensors"
        try FileManager.default.copyItem(atPath: Binary.fixture("tanh-mse-last/model.safetensors"), toPath: model)
        try FileManager.default.copyItem(atPath: Binary.fixture("tanh-mse-last/data.safetensors"), toPath: data)
        symlink(model, dir + "/link1")
        symlink(dir + "/link1", dir + "/link2")
        symlink("../m.safetensors", dir + "/sub/relative")
        link(model, dir + "/hard")
        let before = (try Data(contentsOf: URL(fileURLWithPath: model)), try Data(contentsOf: URL(fileURLWithPath: data)))
        var rng = SeededRandom(seed: 22)
        let spellings = [model, dir + "/./m.safetensors", dir + "//m.safetensors", dir + "/sub/../m.safetensors", dir + "/link1",
                         dir + "/link2", dir + "/sub/relative", dir + "/hard", data, dir + "/sub/./../d.safetensors"]
        for i in 0..<12 {
            let out = spellings[i < spellings.count ? i : rng.int(below: spellings.count)]
            let o = try Self.run(["grads", "--model", model, "--data", data, "--loss", "mse-last", "--out", out])
            Self.check(o, "same-path case \(i) (\(out))")
            #expect(o.status == 2 && o.stderr.contains("never writes over its inputs"), "\(out): \(o.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before.0 && Data(contentsOf: URL(fileURLWithPath: data)) == before.1)
    }
}
