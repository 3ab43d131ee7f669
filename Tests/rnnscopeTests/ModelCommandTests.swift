import Foundation
import Testing
@testable import RNNSim

/// `grads`, `train` and `run` on stock PyTorch files (Fixtures/stock), as a user runs them.
@Suite(.serialized) struct ModelCommandTests {
    static func stock(_ path: String) -> String { Binary.fixture("stock/\(path)") }

    static func flags(_ name: String) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stock("\(name)/expected.json")))) as! [String: Any]
        let args = json["args"] as! [String: Any]
        return (args["flags"] as! [String]) + ["--loss", args["loss"] as! String, "--truncate", "\(args["truncate"] as! Int)",
                                                "--clip", "\((args["clip"] as! NSNumber).doubleValue)"]
    }

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-model-\(getpid())-\(name)")
    }

    static func close(_ a: Double, _ b: Double, scale: Double = 0) -> Bool { abs(a - b) <= 1e-4 * max(abs(b), 1e-3 * scale) }

    @Test(arguments: ["fc-2layers", "nobias-relu", "batch-first", "h0-truncate", "embedding-lm", "dataparallel"])
    func gradsMatchesPyTorchAndWritesTheModelsOwnNames(name: String) throws {
        let out = Self.temporary("\(name).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Binary.run(["grads", "--model", Self.stock("\(name)/model.safetensors"), "--data", Self.stock("\(name)/data.safetensors"),
                                "--json", "--out", out.path] + Self.flags(name))
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.stock("\(name)/expected.json")))) as! [String: Any]
        for key in ["loss", "grad_norm", "clip_scale"] {
            #expect(Self.close(try #require(o[key] as? Double), (expected[key] as! NSNumber).doubleValue), "\(key)")
        }
        // What was read, in the JSON: cell, layers, I, H, O, nonlinearity, bias, T, B, batch-first.
        let model = try #require(o["model"] as? [String: Any])
        for key in ["cell", "layers", "inputs", "hidden", "outputs", "nonlinearity", "bias", "steps", "batch", "batch_first"] {
            #expect(model[key] != nil, "model.\(key) missing")
        }
        #expect(model["batch_first"] as? Bool == (name == "batch-first"))
        #expect(model["bias"] as? Bool == (name != "nobias-relu"))
        #expect(model["steps"] as? Int == 12 && model["batch"] as? Int == 3)
        // ... and on stderr
        #expect(r.stderr.contains("model \(Self.stock("\(name)/model.safetensors")): nn.RNN"))
        #expect(r.stderr.contains("T 12, B 3"))
        // --out: every gradient under the module's own names, as PyTorch computed it.
        let written = try SafeTensorsFile(contentsOf: out)
        let want = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("\(name)/expected.safetensors")))
        #expect(Set(written.tensors.keys) == Set(want.tensors.keys))
        for (n, t) in want.tensors {
            let got = try #require(written[n]).doubles(), ref = try t.doubles()
            let scale = ref.map(abs).max() ?? 0
            for (a, b) in zip(got, ref) { #expect(Self.close(a, b, scale: scale), "\(n): \(a) vs \(b)") }
        }
    }

    @Test func reluWithoutMetadataRunsAsTanhAndSaysSo() throws {
        let args = ["grads", "--model", Self.stock("nobias-relu/model.safetensors"), "--data", Self.stock("nobias-relu/data.safetensors"),
                    "--loss", "mse-all", "--json"]
        let plain = try Binary.run(args)
        #expect(plain.status == 0, "\(plain.stderr)")
        let notice = plain.stderr.split(separator: "\n").filter { $0.contains("nonlinearity") && $0.contains("tanh") }
        #expect(notice.count == 1 && notice[0].contains("--nonlinearity relu"), "\(plain.stderr)")
        let relu = try Binary.run(args + ["--nonlinearity", "relu"])
        #expect(relu.status == 0 && !relu.stderr.contains("does not say its nonlinearity"), "\(relu.stderr)")
        let lossOf = { (r: Run) -> Double in (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["loss"] as! Double }
        let (tanhLoss, reluLoss) = (try lossOf(plain), try lossOf(relu))
        #expect(tanhLoss != reluLoss, "the flag changes the numbers")
        // A file that says relu needs no flag; one that says tanh refuses a contradicting flag.
        let conflict = try Binary.run(["grads", "--model", Binary.fixture("tanh-mse-last/model.safetensors"), "--data",
                                       Binary.fixture("tanh-mse-last/data.safetensors"), "--nonlinearity", "relu"])
        #expect(conflict.status == 2 && conflict.stderr.contains("contradicts"), "\(conflict.stderr)")
    }

    @Test func aPyTorchPickleIsRefusedWithTheCallToUse() throws {
        let r = try Binary.run(["grads", "--model", Self.stock("model.pt"), "--data", Self.stock("fc-2layers/data.safetensors")])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("model \(Self.stock("model.pt"))") && lines[0].contains("PyTorch pickle")
                && lines[0].contains("save_file(model.state_dict()"), "\(r.stderr)")
        let data = try Binary.run(["grads", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("model.pt")])
        #expect(data.status == 2 && data.stderr.hasPrefix("rnnscope: data ") && data.stderr.contains("PyTorch pickle"), "\(data.stderr)")
    }

    /// Files PyTorch would write for modules that hold two RNNs, or two heads that fit.
    static func ambiguousFile(_ kind: String) throws -> URL {
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: stock("fc-2layers/model.safetensors")))
        switch kind {
        case "two-rnns":
            for (n, t) in file.tensors where n.hasPrefix("rnn.") { file.tensors["decoder_rnn." + n.dropFirst(4)] = t }
        case "two-heads":
            file.tensors["aux.weight"] = file.tensors["fc.weight"]
            file.tensors["aux.bias"] = file.tensors["fc.bias"]
        default:
            file.tensors["norm.weight"] = SafeTensor(floats: [1, 1, 1], shape: [3])
        }
        let url = temporary("\(kind).safetensors")
        try file.write(to: url)
        return url
    }

    @Test(arguments: [("two-rnns", "several nn.RNN", ["'decoder_rnn'", "'rnn'", "--rnn PREFIX", "--head PREFIX"], ["--rnn", "rnn"]),
                      ("two-heads", "ambiguous model", ["'aux'", "'fc'", "--head PREFIX"], ["--head", "fc"]),
                      ("stray", "unexpected tensor 'norm.weight'", ["--rnn PREFIX"], ["--rnn", "rnn", "--head", "fc"])])
    func ambiguityIsOneLineListingTheCandidatesAndTheFlags(kind: String, says: String, lists: [String], choose: [String]) throws {
        let model = try Self.ambiguousFile(kind)
        defer { try? FileManager.default.removeItem(at: model) }
        let args = ["grads", "--model", model.path, "--data", Self.stock("fc-2layers/data.safetensors"), "--loss", "mse-last", "--json"]
        let r = try Binary.run(args)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("rnnscope: model \(model.path): ") && lines[0].contains(says), "\(r.stderr)")
        for item in lists { #expect(r.stderr.contains(item), "\(item) not in \(r.stderr)") }
        // The flags resolve it, to the same numbers as the unambiguous file.
        let chosen = try Binary.run(args + choose)
        #expect(chosen.status == 0, "\(chosen.stderr)")
        let plain = try Binary.run(["grads", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors"),
                                    "--loss", "mse-last", "--json"])
        let loss = { (r: Run) in (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["loss"] as! Double }
        let (chosenLoss, plainLoss) = (try loss(chosen), try loss(plain))
        #expect(chosenLoss == plainLoss)
        let wrong = try Binary.run(args + choose + ["--head", "nosuch"])
        #expect(wrong.status == 2 && wrong.stderr.contains("--head 'nosuch'") && wrong.stderr.contains("'fc'"), "\(wrong.stderr)")
    }

    static let dataErrors: [(String, [String])] = [
        ("inputs of the wrong width", ["--model", stock("nobias-relu/model.safetensors"), "--data", stock("fc-2layers/data.safetensors")]),
        ("floats for an embedding", ["--model", stock("embedding-lm/model.safetensors"), "--data", stock("fc-2layers/data.safetensors")]),
        ("class ids for mse", ["--model", stock("batch-first/model.safetensors"), "--data", stock("batch-first/data.safetensors"), "--batch-first", "--loss", "mse-all"]),
        ("h0 of another model", ["--model", stock("fc-2layers/model.safetensors"), "--data", stock("h0-truncate/data.safetensors")]),
    ]

    @Test(arguments: dataErrors)
    func dataErrorsNameTheDataFile(what: String, args: [String]) throws {
        let r = try Binary.run(["grads"] + args)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("rnnscope: data \(args[3]): "), "\(what): \(r.stderr)")
    }

    /// `train --model … --data … --headless --save`: the saved file loads where the
    /// original did (same names, shapes, dtypes, metadata) and has a lower loss on the data.
    @Test(arguments: ["fc-2layers", "dataparallel", "embedding-lm", "nobias-relu"])
    func trainSaveWritesWhatWasReadWithALowerLoss(name: String) throws {
        let out = Self.temporary("trained-\(name).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let model = Self.stock("\(name)/model.safetensors"), data = Self.stock("\(name)/data.safetensors")
        let extra = name == "nobias-relu" ? ["--nonlinearity", "relu"] : []
        let r = try Binary.run(["train", "--model", model, "--data", data, "--headless", "--iterations", "60",
                                "--set", "train.optimizer=adam", "--set", "train.lr=0.01", "--save", out.path] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("saved the weights of iteration 60 to \(out.path)"))
        let original = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model)), saved = try SafeTensorsFile(contentsOf: out)
        // The metadata as read, plus the nonlinearity trained with: reading it again needs no flag.
        #expect(saved.metadata == original.metadata.merging(["nonlinearity": name == "nobias-relu" ? "relu" : "tanh"]) { $1 })
        #expect(Set(saved.tensors.keys) == Set(original.tensors.keys))
        for (n, t) in original.tensors {
            #expect(saved[n]?.shape == t.shape && saved[n]?.dtype == t.dtype, "\(n)")
            #expect(saved[n]?.data != t.data, "\(n) was trained")
        }
        let loss = { (path: String) throws -> Double in
            let g = try Binary.run(["grads", "--model", path, "--data", data, "--json"] + (path == model ? extra : []))
            return (try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as! [String: Any])["loss"] as! Double
        }
        let before = try loss(model), after = try loss(out.path)
        #expect(after < 0.9 * before, "loss \(before) → \(after)")
    }

    @Test func modelWithoutDataUsesTheTaskOnlyWhenItFits() throws {
        let r = try Binary.run(["train", "--model", Self.stock("fc-2layers/model.safetensors"), "--headless", "--iterations", "2"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("I = 3") && lines[0].contains("O = 4") && lines[0].contains("--data"), "\(r.stderr)")
        // The adding problem has 2 inputs and 1 output: a model of those widths trains on it.
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("nobias-relu/model.safetensors")))
        let rnd = (0..<16).map { Float($0 % 5) * 0.05 - 0.1 }
        file.tensors["rnn.weight_ih_l0"] = SafeTensor(floats: Array(rnd.prefix(16)), shape: [8, 2])
        file.tensors["head.weight"] = SafeTensor(floats: Array(rnd.prefix(8)), shape: [1, 8])
        file.tensors["head.bias"] = SafeTensor(floats: [0], shape: [1])
        let url = Self.temporary("adding.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let ok = try Binary.run(["train", "--model", url.path, "--headless", "--iterations", "3", "--nonlinearity", "relu"])
        #expect(ok.status == 0 && ok.stdout.contains("3 iterations of adding"), "\(ok.stderr)")
        #expect(ok.stdout.contains("(chance "), "the adding problem has a chance baseline")
    }

    @Test func flagsThatNeedAModelAndSettingsTheModelFixesSaySo() throws {
        for args in [["train", "--headless", "--save", "x.safetensors"], ["grads", "--data", Self.stock("fc-2layers/data.safetensors")],
                     ["run", "--batch-first"], ["run", Self.stock("fc-2layers/model.safetensors")],
                     ["train", "--headless", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors"),
                      "--set", "network.hidden=64"]] {
            let r = try Binary.run(args)
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    /// Damaged files, of either kind: every refusal is one line naming the file at fault.
    @Test func everyRefusalOfADamagedFileNamesIt() throws {
        var rng = SeededRandom(seed: 10)
        var refused = 0
        for round in 0..<40 {
            let damageModel = round % 2 == 0
            let source = Self.stock(damageModel ? "h0-truncate/model.safetensors" : "h0-truncate/data.safetensors")
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
            // A few bytes anywhere, mostly in the header (where the structure is).
            for _ in 0..<(1 + rng.int(below: 4)) {
                let at = rng.int(below: 3) == 0 ? rng.int(below: bytes.count) : rng.int(below: min(bytes.count, 400))
                bytes[at] = UInt8(rng.int(below: 256))
            }
            if round % 10 == 9 { bytes = Array(bytes.prefix(rng.int(below: bytes.count))) }
            let damaged = Self.temporary("damaged-\(round).safetensors")
            defer { try? FileManager.default.removeItem(at: damaged) }
            try Data(bytes).write(to: damaged)
            let model = damageModel ? damaged.path : Self.stock("h0-truncate/model.safetensors")
            let data = damageModel ? Self.stock("h0-truncate/data.safetensors") : damaged.path
            let r = try Binary.run(["grads", "--model", model, "--data", data])
            guard r.status != 0 else { continue }
            refused += 1
            let lines = r.stderr.split(separator: "\n")
            let role = damageModel ? "model" : "data"
            #expect(r.status == 2 && lines.count == 1 && lines[0].hasPrefix("rnnscope: \(role) \(damaged.path): "), "\(r.stderr)")
        }
        #expect(refused >= 20, "most damage is caught (\(refused) of 40)")
    }
}
