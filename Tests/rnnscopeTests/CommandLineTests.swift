import Foundation
import Testing
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

    static func run(_ args: [String], stdin: Data? = nil, executable: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = executable ?? url
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        env["RNNSCOPE_SCENARIOS"] = packageRoot.appendingPathComponent("Scenarios").path
        p.environment = env
        // Output goes to files, so that a large output can never block the process.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
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
        let lines = a.stdout.split(separator: "\n")
        #expect(lines.count == 4)
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

    @Test func explodingRunIsReportedAndFrozenNotCrashed() throws {
        let r = try Binary.run(["train", "--headless", "--iterations", "30", "--jsonl",
                                "--set", "network.activation=linear", "--set", "init.rho=3", "--set", "task.steps=60",
                                "--set", "train.lr=0.5", "--set", "network.hidden=8"])
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try r.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objs.count == 30)
        #expect(objs.contains { $0["nonfinite"] as? Bool == true }, "ρ = 3 over 60 linear steps must overflow float32")
    }

    @Test func headlessSummaryAndProgress() throws {
        let r = try Binary.run(["train", "--headless", "--iterations", "20", "--set", "network.hidden=8", "--set", "task.steps=10"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("20 iterations of adding"))
        #expect(r.stdout.contains("chance"))
        #expect(r.stderr.contains("20/20"))
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
}
