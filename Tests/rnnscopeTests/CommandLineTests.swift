import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The headless command line, run as a user runs it: the built binary, its
/// exit status, stdout and stderr.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    /// The `rnnscope` built beside this test bundle.
    static var url: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("rnnscope")
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ path: String) -> String {
        packageRoot.appendingPathComponent("Tests/RNNSimTests/Fixtures/\(path)").path
    }

    static func run(_ args: [String], stdin: Data? = nil, executable: URL? = nil, environment extra: [String: String] = [:],
                    in directory: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = executable ?? url
        p.arguments = args
        p.currentDirectoryURL = directory ?? packageRoot
        var env = ProcessInfo.processInfo.environment
        env["RNNSCOPE_SCENARIOS"] = packageRoot.appendingPathComponent("Scenarios").path
        for (k, v) in extra { env[k] = v }
        p.environment = env
        // Output goes to files, so that a large output can never block the process.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite(.serialized) struct CommandLineTests {
    /// A stacked run's summary gave ‖∂L/∂h_1‖/‖∂L/∂h_T‖ and ρ without saying they are
    /// layer 1's (a claim on layer 2 printed another ratio), nor how many layers there are.
    @Test func aStackedRunsSummaryNamesTheLayerOfItsFigures() throws {
        let r = try Binary.run(["train", "stacked-layers", "--headless", "--iterations", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("H = 32 × 3 layers") && r.stdout.contains("‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ of layer 1 = ")
                && r.stdout.contains("σ_max(W_hh) = ") && r.stdout.contains(" of layer 1\n"), "\(r.stdout)")
        let one = try Binary.run(["train", "vanishing", "--headless", "--iterations", "2"])
        #expect(one.status == 0 && !one.stdout.contains("layer"), "\(one.stdout)")
    }

    /// README says docs/cli.md has every flag; --padding-idx, --ignore-index,
    /// --drop-unrun-tensors and --epochs were only in --help.
    @Test func everyFlagOfEveryCommandIsInTheCommandsPage() throws {
        let page = try String(contentsOf: Binary.packageRoot.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        for command in ["run", "lecture", "train", "watch", "grads", "list", "check", "reference", "bench"] {
            let help = try Binary.run([command, "--help"])
            #expect(help.status == 0)
            // Option lines: "  --flag <value>   What it does." or "  -h, --help ...".
            let flags = help.stdout.split(separator: "\n").compactMap { line -> String? in
                guard let m = line.wholeMatch(of: #/\ \ (?:-[a-z],\ )?(--[a-z][a-z-]*)(?:\ .*)?/#) else { return nil }
                return String(m.1)
            }
            #expect(!flags.isEmpty, "\(command)")
            for flag in flags {
                #expect(page.contains(try Regex("\(flag)(?![a-z-])")), "\(command) \(flag) is not in docs/cli.md")
            }
        }
    }

    /// docs/model.md gave "`--truncate K` … `--clip N`" as if run and train took them:
    /// `train --clip 1` got "Unknown option '--clip'. Did you mean '--csv'?". A flag that
    /// run or train lacks is given with the command that has it.
    @Test func theModelPageNamesTheCommandOfAFlagOnlySomeTake() throws {
        let page = try String(contentsOf: Binary.packageRoot.appendingPathComponent("docs/model.md"), encoding: .utf8)
        let commands = ["run", "train", "grads"]
        var helps: [String] = []
        for command in commands { helps.append(try Binary.run([command, "--help"]).stdout) }
        for m in page.matches(of: #/`(--[a-z][a-z-]*)([^`]*)`/#) {
            let flag = String(m.1)
            var takers: [String] = []
            for (command, help) in zip(commands, helps) where help.contains("  \(flag) ") || help.contains("  \(flag)\n") {
                takers.append(command)
            }
            guard !takers.isEmpty, takers.count < commands.count else { continue }
            // Named just before the span (`grads --clip N`, "`run` and `train` take …`), or a flag alone (`--save`).
            let from = page.index(m.range.lowerBound, offsetBy: -30, limitedBy: page.startIndex) ?? page.startIndex
            let before = String(page[from..<m.range.lowerBound])
            let named = takers.contains { before.contains($0) }
            #expect(named || m.2.isEmpty, "docs/model.md: `\(flag)\(m.2)` without naming \(takers.joined(separator: " or "))")
        }
    }

    /// With $RNNSCOPE_SCENARIOS set, a file in ./Scenarios was "no preset of that name":
    /// the first folder found hid the others. A name is now looked up in each.
    @Test func ownScenariosAreFoundInEveryFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-folders-\(UUID().uuidString)")
        let local = dir.appendingPathComponent("Scenarios"), shared = dir.appendingPathComponent("shared")
        for folder in [local, shared] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = "title = \"%@\"\n[network]\nhidden = 4\n[task]\nsteps = 6\n[[expect]]\nmetric = \"grad_ratio\"\nbelow = 1e9\n"
        try String(format: scenario, "Mine").write(to: local.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        try String(format: scenario, "Shared").write(to: shared.appendingPathComponent("shared.toml"), atomically: true, encoding: .utf8)
        try String(format: scenario, "Shared copy").write(to: shared.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        let env = ["RNNSCOPE_SCENARIOS": shared.path]
        let list = try Binary.run(["list"], environment: env, in: dir)
        #expect(list.status == 0 && list.stdout.contains("shared ") && list.stdout.contains("mine ") && list.stdout.contains("vanishing "), "\(list.stdout)\(list.stderr)")
        // The environment's folder comes first: its mine.toml is the one listed.
        #expect(list.stdout.contains("Shared copy") && !list.stdout.contains("Mine"), "\(list.stdout)")
        let check = try Binary.run(["check", "shared", "vanishing"], environment: env, in: dir)
        #expect(check.status == 0, "\(check.stderr)")
        let missing = try Binary.run(["check", "nosuch"], environment: env, in: dir)
        #expect(missing.status == 2 && missing.stderr.contains("nosuch: no preset of that name in shared, Scenarios"), "\(missing.stderr)")
        try FileManager.default.removeItem(at: shared.appendingPathComponent("mine.toml"))
        let own = try Binary.run(["check", "mine"], environment: env, in: dir)
        #expect(own.status == 0 && own.stdout.contains("PASS mine"), "\(own.stdout)\(own.stderr)")
    }

    @Test func gradsJSONMatchesThePyTorchCase() throws {
        let dir = "tanh-mse-all-rho1.4-clip1"
        let r = try Binary.run(["grads", "--model", Binary.fixture("\(dir)/model.safetensors"), "--data", Binary.fixture("\(dir)/data.safetensors"),
                                "--loss", "mse-all", "--clip", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Binary.fixture("\(dir)/expected.json")))) as! [String: Any]
        for key in ["loss", "grad_norm", "clip_scale"] {
            let a = try #require(obj[key] as? Double), b = (expected[key] as! NSNumber).doubleValue
            #expect(abs(a - b) <= 1e-4 * abs(b), "\(key): \(a) vs \(b)")
        }
        let norms = try #require(obj["hidden_grad_norms"] as? [[Double]])
        let want = (expected["hidden_grad_norms_l0"] as! [NSNumber]).map(\.doubleValue)
        #expect(norms.count == 1 && norms[0].count == want.count)
        for (a, b) in zip(norms[0], want) { #expect(abs(a - b) <= 1e-4 * b) }
        let jac = try #require(obj["jacobian_norms"] as? [[Double]])
        #expect(jac.count == 1 && jac[0].count == 25 && jac[0].allSatisfy { $0 > 0 && $0.isFinite })
    }

    @Test func gradsOutWritesEveryGradientAndTheNorms() throws {
        let dir = "relu-xent-all-truncate6-2layers"
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-grads-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Binary.run(["grads", "--model", Binary.fixture("\(dir)/model.safetensors"), "--data", Binary.fixture("\(dir)/data.safetensors"),
                                "--loss", "xent-all", "--truncate", "6", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try SafeTensorsFile(contentsOf: out)
        let expected = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Binary.fixture("\(dir)/expected.safetensors")))
        #expect(Set(written.tensors.keys) == Set(expected.tensors.keys))
        for (name, want) in expected.tensors {
            let got = try #require(written[name]).doubles(), ref = try want.doubles()
            let scale = ref.map(abs).max() ?? 0
            for (a, b) in zip(got, ref) { #expect(abs(a - b) <= 1e-4 * max(abs(b), 1e-3 * scale), "\(name)") }
        }
    }

    @Test func trainJSONLHasTheContractFieldsAndIsDeterministic() throws {
        let args = ["train", "--headless", "--iterations", "4", "--jsonl", "--set", "network.hidden=12", "--set", "task.steps=9", "--set", "seed=5"]
        let a = try Binary.run(args), b = try Binary.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout, "same seed and settings must give identical runs")
        var lines = a.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 4 + 1)
        // The last line closes the stream: `watch` on the file shows it ENDED.
        #expect(lines.removeLast() == #"{"end": true}"#)
        // The header: what produced the lines after it.
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines.removeFirst().utf8)) as? [String: Any])
        #expect((header["rnnscope"] as? String)?.isEmpty == false)
        #expect(header["scenario"] as? String == "custom")
        #expect(header["seed"] as? Int == 5)
        // Every field docs/stream.md gives a header (a script reading header["rows"] got a KeyError).
        for key in ["source", "title", "cell", "activation", "layers", "directions", "hidden", "proj_size", "input_size", "steps", "rows",
                    "device", "dtype", "world_size", "rank", "every", "exact", "inexact", "control"] {
            #expect(header.keys.contains(key), "\(key)")
        }
        #expect(header["rows"] as? [String] == ["layer 1"] && header["input_size"] as? Int == 2 && header["dtype"] as? String == "float32")
        let settings = try #require(header["settings"] as? [String: Any])
        #expect(Set(settings.keys) == Set(Settings.keys.map(\.name)))
        #expect(settings["network.hidden"] as? Int == 12 && settings["task.steps"] as? Int == 9)
        #expect(settings["train.optimizer"] as? String == "sgd")
        #expect(settings["task.corpus"] is NSNull)
        for (i, line) in lines.enumerated() {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["iteration"] as? Int == i + 1)
            for key in ["loss", "grad_norm", "clip_scale", "spectral_radius"] { #expect(o[key] is Double, "\(key)") }
            for key in ["clipped", "nonfinite"] { #expect(o[key] is Bool, "\(key)") }
            let norms = try #require(o["hidden_grad_norms"] as? [[Double]])
            #expect(norms.count == 1 && norms[0].count == 9)
        }
        let c = try Binary.run(["train", "--headless", "--iterations", "4", "--jsonl", "--set", "network.hidden=12", "--set", "task.steps=9", "--set", "seed=6"])
        #expect(c.stdout != a.stdout, "another seed gives another run")
    }

    /// A preset's title describes its own settings: the header says which --set changed
    /// (vanishing's title says ρ(W_hh) = 0.5 over a run at 1.0), and nothing when none did.
    @Test func trainJSONLSaysWhatSetChangedFromTheScenario() throws {
        func header(_ extra: [String]) throws -> [String: Any] {
            let r = try Binary.run(["train", "vanishing", "--headless", "--iterations", "1", "--jsonl"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let first = try #require(r.stdout.split(separator: "\n").first)
            return try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        }
        #expect(try header([])["changed"] as? [String] == [])
        let changed = try header(["--set", "init.rho=1.0", "--set", "train.lr=0.02"])
        #expect(changed["changed"] as? [String] == ["init.rho", "train.lr"])
        #expect((changed["title"] as? String)?.contains("0.5") == true)
    }

    /// A gated cell has no ρ: its lines carry the direct-path gate per layer in its
    /// place (and an LSTM ‖∂L/∂c_t‖), never a "NaN" ρ beside "nonfinite": false.
    @Test(arguments: ["lstm", "gru"])
    func gatedJSONLHasTheGateInPlaceOfRho(cell: String) throws {
        let r = try Binary.run(["train", "--headless", "--iterations", "2", "--jsonl", "--set", "network.cell=\(cell)",
                                "--set", "network.hidden=6", "--set", "network.layers=2", "--set", "task.steps=9"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in r.stdout.split(separator: "\n").dropFirst().dropLast() {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["spectral_radius"] == nil && o["spectral_radii"] == nil)
            let means = try #require(o["gate_mean"] as? [Double]), products = try #require(o["gate_product"] as? [Double])
            let saturated = try #require(o["gate_saturation"] as? [Double])
            #expect(means.count == 2 && products.count == 2 && saturated.count == 2)
            #expect(means.allSatisfy { $0 > 0 && $0 < 1 } && products.allSatisfy { $0 > 0 && $0 < 1 } && saturated.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect((o["sigma_max"] as? [Double])?.count == 2)
            let cellNorms = o["cell_grad_norms"] as? [[Double]]
            #expect(cell == "lstm" ? cellNorms?.count == 2 && cellNorms?[0].count == 9 : cellNorms == nil)
        }
    }

    /// A char-LM with a held-out split: the held-out loss every 100 iterations and at
    /// the end, in the JSONL and the summary; exactly what `check` measures there.
    @Test func heldOutLossEveryHundredIterationsAndAtTheEnd() throws {
        let args = ["train", "lm-perplexity", "--headless", "--iterations", "150", "--set", "network.hidden=16", "--set", "task.steps=8"]
        let r = try Binary.run(args + ["--jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try r.stdout.split(separator: "\n").dropFirst().dropLast().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let measured = objs.filter { $0["heldout_loss"] != nil }.map { $0["iteration"] as? Int }
        #expect(measured == [100, 150])
        let loss = try #require(objs[99]["heldout_loss"] as? Double)
        #expect(loss > 0 && exp(loss) < 60, "a perplexity below the vocabulary's size: \(exp(loss))")
        let summary = try Binary.run(args)
        #expect(summary.stdout.contains("held-out perplexity "), "\(summary.stdout)")
    }

    /// A char-LM's headless figure is the live view's: the n-gram levels on the loss chart
    /// and the text the network writes at the end.
    @Test func charLMFigureHasTheNGramLevelsAndASample() throws {
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-lm-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let r = try Binary.run(["train", "lm-perplexity", "--headless", "--iterations", "3", "--set", "network.hidden=16",
                                "--svg", svg.path, "--size", "120x36"])
        #expect(r.status == 0, "\(r.stderr)")
        let frame = try String(contentsOf: svg, encoding: .utf8)
        #expect(frame.contains("3-gram") && frame.contains(">sampled<") && frame.contains(">temperature<"), "the levels and the sample panel")
        #expect(!frame.contains("(sampled about once a second)"), "a sample, not the placeholder")
    }

    @Test func csvRowsAreTheJSONLNormsAndSVGIsTheLastFrame() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("norms.csv").path, svg = dir.appendingPathComponent("end.svg").path
        let settings = ["--set", "network.hidden=8", "--set", "task.steps=7", "--set", "network.layers=2", "--set", "seed=3"]
        let r = try Binary.run(["train", "--headless", "--iterations", "5", "--jsonl", "--csv", csv, "--svg", svg, "--size", "90x24"] + settings)
        #expect(r.status == 0, "\(r.stderr)")
        // What the JSONL says, per iteration, layer and t, as written (Foundation's JSON
        // reader rounds the last digit on Linux): both print the shortest exact decimal.
        var expected: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let it = o["iteration"] as? Int else { continue }  // the header and the end
            let text = try #require(line.firstMatch(of: #/"hidden_grad_norms":\[\[([^\]]*(?:\],\[[^\]]*)*)\]\]/#)).1
            for (k, row) in text.split(separator: "],[").enumerated() {
                for (s, v) in row.split(separator: ",").enumerated() { expected["\(it),\(k + 1),\(s + 1)"] = String(v) }
            }
        }
        #expect(expected.count == 5 * 2 * 7)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "iteration,layer,t,norm")
        #expect(rows.count == 1 + expected.count)
        for row in rows.dropFirst() {
            let f = row.split(separator: ",")
            let key = f.prefix(3).joined(separator: ",")
            #expect(String(f[3]) == expected[key], "\(row)")
            #expect(Double(String(f[3])) != nil)
        }
        let frame = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(frame.hasPrefix("<?xml") && frame.hasSuffix("</svg>\n"))
        #expect(frame.contains("width=\"810\" height=\"432\""))
        #expect(frame.contains(">iteration</text>"))
        #expect(frame.contains(">5</text>"), "the header shows the last iteration")
        // Nothing but the two files: no temporary left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["end.svg", "norms.csv"])
    }

    @Test func explodingRunIsReportedAndFrozenNotCrashed() throws {
        let r = try Binary.run(["train", "--headless", "--iterations", "30", "--jsonl",
                                "--set", "network.activation=linear", "--set", "init.rho=3", "--set", "task.steps=60",
                                "--set", "train.lr=0.5", "--set", "network.hidden=8"])
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try r.stdout.split(separator: "\n").dropFirst().dropLast().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objs.count == 30)
        #expect(objs.contains { $0["nonfinite"] as? Bool == true }, "ρ = 3 over 60 linear steps must overflow float32")
        // Inf and NaN are told apart, as the strings float() reads; never null.
        let norms = objs.flatMap { ($0["hidden_grad_norms"] as? [[Any]] ?? []).joined() }
        #expect(norms.contains { $0 as? String == "NaN" || $0 as? String == "Infinity" })
        #expect(norms.allSatisfy { $0 is Double || ["NaN", "Infinity", "-Infinity"].contains($0 as? String) })
        #expect(!r.stdout.split(separator: "\n").dropFirst().contains { $0.contains("null") })
    }

    @Test func headlessSummaryAndProgress() throws {
        let r = try Binary.run(["train", "--headless", "--iterations", "20", "--set", "network.hidden=8", "--set", "task.steps=10"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("20 iterations of adding"))
        #expect(r.stdout.contains("chance"))
        #expect(r.stderr.contains("20/20"))
        // Each progress line says how fast and how long the rest will take.
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains(" it/s, ") && ($0.hasSuffix(" left") || $0.hasSuffix(" in all")) }, "\(r.stderr)")
        #expect(lines.last?.hasSuffix(" in all") == true)
    }

    @Test func versionAndHelpFitTheirColumns() throws {
        let v = try Binary.run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
        let help = try Binary.run(["train", "--help"])
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("Settings") })
        let end = try #require(lines.firstIndex { $0.hasPrefix("USAGE") })
        // Every line of the key list is a key's first line or sits under its text.
        for line in lines[(start + 1)..<end] where !line.isEmpty {
            #expect(line.hasPrefix("  ") && line.count <= 80, "\(line)")
            let isKey = Settings.keys.contains { line.hasPrefix("  \($0.name) ") }
            #expect(isKey || line.hasPrefix(String(repeating: " ", count: 21)), "continuation not under its key: \(line)")
        }
    }

    static let badInputs: [[String]] = [
        ["train", "--headless", "--bogus"],
        ["train", "--headless", "--set", "network.hidden=0"],
        ["train", "--headless", "--set", "task.steps=1000000000"],
        ["train", "--headless", "--set", "nosuch.key=1"],
        ["train", "--headless", "--set", "train.lr=fast"],
        ["train", "--headless", "--set", "network.activation=softplus"],
        ["train", "--headless", "--set", "network.layers"],
        ["train", "--headless", "--iterations", "0"],
        ["train", "--headless", "--set", "task.kind=echo", "--set", "task.lag=60"],
        ["train", "--headless", "--set", "task.kind=char-lm", "--set", "task.corpus=/no/such/corpus.txt"],
        ["train", "--headless", "--set", "train.batch=1024", "--set", "network.hidden=2048", "--set", "task.steps=100000"],
        ["grads", "--model", "/no/such/model.safetensors", "--data", "/no/such/data.safetensors", "--loss", "mse-last"],
        ["grads", "--model", Binary.fixture("tanh-mse-last/model.safetensors"), "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--loss", "hinge"],
        ["grads", "--model", Binary.fixture("tanh-mse-last/data.safetensors"), "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--loss", "mse-last"],
        ["grads", "--model", Binary.fixture("tanh-mse-last/model.safetensors"), "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--loss", "xent-last"],
        ["grads", "--model", Binary.fixture("tanh-mse-last/model.safetensors"), "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--loss", "mse-last", "--out", "/no/such/dir/g.safetensors"],
        ["bench", "--hidden", "0"],
        ["frobnicate"],
        ["train", "--headless", "--iterations", "2", "--svg", "/no/such/dir/f.svg"],
        ["train", "--headless", "--iterations", "2", "--csv", "/no/such/dir/f.csv"],
        ["train", "--headless", "--iterations", "2", "--svg", "f.svg", "--size", "100"],
        ["train", "--headless", "--iterations", "2", "--svg", "f.svg", "--size", "20x10"],
        ["train", "--csv", "f.csv"],
        ["run", "vanishing", "--record", "/no/such/dir/s.cast"],
        ["train", "--headless", "--record", "s.cast"],
        ["run", "vanishing", "--vs", "nosuch.key=1"],
        ["run", "vanishing", "--vs", "train.clip=-1"],
        ["run", "vanishing", "--vs", "network.hidden"],
        // With --model, what was read is said only once the recording is open: still one line.
        ["run", "--model", Binary.fixture("stock/fc-2layers/model.safetensors"), "--data", Binary.fixture("stock/fc-2layers/data.safetensors"),
         "--record", "/no/such/dir/s.cast"],
        ["run", "--model", Binary.fixture("stock/fc-2layers/model.safetensors"), "--data", Binary.fixture("stock/fc-2layers/data.safetensors"),
         "--vs", "train.batch=0"],
        ["check", "--seeds", "0", "vanishing"],
        ["check", "--seeds", "many", "vanishing"],
        ["train", "vanishing", "--headless", "--iterations", "1", "--set", "task.heldout=0.2"],
    ]

    @Test(arguments: badInputs)
    func badInputIsOneLineAndStatusTwo(args: [String]) throws {
        let r = try Binary.run(args)
        #expect(r.status == 2, "\(args): status \(r.status), stderr \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(args): \(r.stderr)")
        #expect(lines.first?.hasPrefix("rnnscope: ") == true)
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("backtrace"))
        #expect(r.stdout.isEmpty)
    }

    @Test func trainHelpDocumentsEveryKey() throws {
        let r = try Binary.run(["train", "--help"])
        #expect(r.status == 0)
        for key in Settings.keys { #expect(r.stdout.contains(key.name), "\(key.name) missing from train --help") }
    }

    @Test func checkSeedsTalliesEveryClaim() throws {
        let r = try Binary.run(["check", "--seeds", "3", "jacobian-product"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 5, "four claims and the tally")
        for line in lines.prefix(4) {
            #expect(line.hasPrefix("PASS jacobian-product: held on 3 of 3 seeds (1…3, needs 3); seed 1: "), "\(line)")
        }
    }
}

/// A lecturer's copy of the binary, alone in an empty folder: every preset is inside it.
@Suite struct CopiedBinaryTests {
    /// ETXTBSY, as Foundation reports it (itself, or as the underlying error of a Cocoa one).
    static func isBusy(_ error: NSError) -> Bool {
        if error.domain == NSPOSIXErrorDomain && error.code == Int(ETXTBSY) { return true }
        if let under = error.userInfo[NSUnderlyingErrorKey] as? NSError { return isBusy(under) }
        return error.localizedDescription.localizedCaseInsensitiveContains("busy")
    }

    @Test(.enabled(if: TmuxTests.binary != nil, "needs a built rnnscope next to the tests"), .timeLimit(.minutes(2)))
    func aCopiedBinaryListsAndRunsThePresets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("rnnscope")
        try FileManager.default.copyItem(at: TmuxTests.binary!, to: copy)
        var environment = ProcessInfo.processInfo.environment
        environment["RNNSCOPE_SCENARIOS"] = nil
        func run(_ args: [String]) throws -> Run {
            let p = Process()
            p.executableURL = copy
            p.arguments = args
            p.currentDirectoryURL = dir
            p.environment = environment
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            // A test running beside this one may fork while the copy's descriptor is still
            // open for writing: its child holds it a moment, and exec says "Text file busy".
            var attempt = 0
            while true {
                do {
                    try p.run()
                    break
                } catch let error as NSError where Self.isBusy(error) && attempt < 100 {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        }
        let list = try run(["list"])
        #expect(list.status == 0, "\(list.stderr)")
        for name in ["jacobian-product", "vanishing", "lstm-adding", "lm-perplexity"] { #expect(list.stdout.contains(name)) }
        // `check vanishing` trains for minutes in a debug build: .ci/run checks it with a copied release binary.
        let show = try run(["list", "--long"])
        #expect(show.status == 0 && show.stdout.contains("ρ(W_hh) = 0.5"), "\(show.stderr)")
        if TmuxTests.ready {
            let pane = try Pane(width: 100, height: 32, arguments: ["run", "vanishing"], directory: dir.path, executable: copy.path)
            defer { pane.close() }
            try pane.wait("the preset runs") { $0.contains("Vanishing gradients") && $0.contains("stopped at the moment") }
            pane.send("q")
            try pane.wait("exited") { $0.contains("exit=0") }
        }
    }
}
