import Foundation
import Testing
@testable import ModelIO
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

    static let gated = ["lstm-fc-2layers", "gru-nobias", "lstm-embedding-batch-first", "gru-2layers-h0"]

    @Test(arguments: ["fc-2layers", "nobias-relu", "batch-first", "h0-truncate", "embedding-lm", "dataparallel"] + gated)
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
        #expect(model["batch_first"] as? Bool == name.contains("batch-first"))
        #expect(model["bias"] as? Bool == !name.contains("nobias"))
        #expect(model["steps"] as? Int == 12 && model["batch"] as? Int == 3)
        let cell = name.hasPrefix("lstm") ? "lstm" : name.hasPrefix("gru") ? "gru" : "rnn"
        #expect(model["cell"] as? String == cell)
        // ... and on stderr, naming the module
        let module = ["rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"][cell]!
        #expect(r.stderr.contains("model \(Self.stock("\(name)/model.safetensors")): \(module) "), "\(r.stderr)")
        // Every ‖∂L/∂h_t‖ (and for the LSTM ‖∂L/∂c_t‖) in the JSON, as PyTorch computed it.
        for kind in ["hidden", "cell"] {
            let layers = o["\(kind)_grad_norms"] as? [[Double]]
            #expect((layers != nil) == (kind == "hidden" || cell == "lstm"), "\(kind)_grad_norms")
            for (k, norms) in (layers ?? []).enumerated() {
                let want = (expected["\(kind)_grad_norms_l\(k)"] as! [NSNumber]).map(\.doubleValue)
                #expect(norms.count == want.count)
                for (a, b) in zip(norms, want) { #expect(Self.close(a, b, scale: want.max()!), "\(kind) l\(k): \(a) vs \(b)") }
            }
        }
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

    /// A float64 model on float64 data (stock/float64, make_float64_fixtures.py): grads
    /// runs in double, so it gives float64 autograd's figures to round-off. The weights
    /// and the data were rounded to float32 on the way in, which put every figure ~1e-7 off.
    @Test(arguments: ["rnn", "lstm", "gru"])
    func float64ModelsAndDataMatchFloat64AutogradToRoundOff(cell: String) throws {
        let dir = "float64/\(cell)"
        let out = Self.temporary("float64-\(cell).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Binary.run(["grads", "--model", Self.stock("\(dir)/model.safetensors"), "--data", Self.stock("\(dir)/data.safetensors"),
                                "--json", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.stock("\(dir)/expected.json")))) as! [String: Any]
        func exact(_ a: [Double], _ b: [Double], _ what: String) {
            let scale = b.map(abs).max() ?? 0
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * scale }, "\(what): \(a) vs \(b)")
        }
        for key in ["loss", "grad_norm"] { exact([try #require(o[key] as? Double)], [(expected[key] as! NSNumber).doubleValue], key) }
        for kind in ["hidden", "cell"] {
            for (k, norms) in ((o["\(kind)_grad_norms"] as? [[Double]]) ?? []).enumerated() {
                exact(norms, (expected["\(kind)_grad_norms_l\(k)"] as! [NSNumber]).map(\.doubleValue), "\(kind) l\(k)")
            }
        }
        let written = try SafeTensorsFile(contentsOf: out)
        for (n, t) in try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("\(dir)/expected.safetensors"))).tensors {
            #expect(written[n]?.dtype == .f64, "\(n)")
            exact(try #require(written[n]).doubles(), try t.doubles(), n)
        }
    }

    /// Sequences of different lengths (stock/packed, make_packed_fixture.py): padded,
    /// with -100 at their padded steps, they give pack_padded_sequence's loss and
    /// gradients. A data file with the lengths was refused only as "unexpected tensor";
    /// the refusal now says how to give such sequences.
    @Test func packedSequencesArePaddedSequencesWithIgnoredTargets() throws {
        let out = Self.temporary("packed.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let model = Self.stock("packed/model.safetensors")
        let r = try Binary.run(["grads", "--model", model, "--data", Self.stock("packed/data.safetensors"), "--json", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.stock("packed/expected.json")))) as! [String: Any]
        let loss = (expected["loss"] as! NSNumber).doubleValue
        #expect(abs(try #require(o["loss"] as? Double) - loss) <= 1e-12 * loss)
        let written = try SafeTensorsFile(contentsOf: out)
        for (n, t) in try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("packed/expected.safetensors"))).tensors {
            let want = try t.doubles(), got = try #require(written[n]).doubles(), scale = want.map(abs).max()!
            #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 1e-12 * scale }, "\(n)")
        }
        let lengths = try Binary.run(["grads", "--model", model, "--data", Self.stock("packed/data-lengths.safetensors")])
        #expect(lengths.status == 2 && lengths.stderr.split(separator: "\n").count == 1
                && lengths.stderr.contains("unexpected tensor 'lengths'") && lengths.stderr.contains("pad the sequences")
                && lengths.stderr.contains("--ignore-index (-100)"), "\(lengths.stderr)")
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

    // Choosing leaves tensors out: since issue 20 that takes --drop-unrun-tensors too.
    @Test(arguments: [("two-rnns", "several nn.RNN", ["'decoder_rnn'", "'rnn'", "--rnn PREFIX", "--head PREFIX"], ["--rnn", "rnn", "--drop-unrun-tensors"]),
                      ("two-heads", "ambiguous model", ["'aux'", "'fc'", "--head PREFIX"], ["--head", "fc", "--drop-unrun-tensors"]),
                      ("stray", "'norm.weight' [3]: rnnscope runs", ["--drop-unrun-tensors"], ["--rnn", "rnn", "--head", "fc", "--drop-unrun-tensors"])])
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
        let notDropped = try Binary.run(args + choose.dropLast())
        #expect(notDropped.status == 2 && notDropped.stderr.contains("--drop-unrun-tensors runs it without them"), "\(notDropped.stderr)")
        let plain = try Binary.run(["grads", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors"),
                                    "--loss", "mse-last", "--json"])
        let loss = { (r: Run) in (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["loss"] as! Double }
        let (chosenLoss, plainLoss) = (try loss(chosen), try loss(plain))
        #expect(chosenLoss == plainLoss)
        let wrong = try Binary.run(args + choose + ["--head", "nosuch"])
        #expect(wrong.status == 2 && wrong.stderr.contains("--head 'nosuch'") && wrong.stderr.contains("'fc'"), "\(wrong.stderr)")
    }

    @Test(arguments: [("lstm-proj", "proj_size"), ("gru-bidirectional", "bidirectional")])
    func projectionsAndBidirectionalModelsAreRefusedInOneLine(file: String, says: String) throws {
        let model = Self.stock("refused/\(file).safetensors")
        let r = try Binary.run(["grads", "--model", model, "--data", Self.stock("gru-nobias/data.safetensors")])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("rnnscope: model \(model): ") && lines[0].contains(says), "\(r.stderr)")
    }

    @Test func theCellFlagMustAgreeWithTheFile() throws {
        let args = ["grads", "--model", Self.stock("lstm-fc-2layers/model.safetensors"), "--data", Self.stock("lstm-fc-2layers/data.safetensors")]
        #expect(try Binary.run(args + ["--cell", "lstm"]).status == 0)
        let wrong = try Binary.run(args + ["--cell", "gru"])
        #expect(wrong.status == 2 && wrong.stderr.split(separator: "\n").count == 1 && wrong.stderr.contains("--cell gru contradicts"), "\(wrong.stderr)")
        let bad = try Binary.run(args + ["--cell", "transformer"])
        #expect(bad.status == 2 && bad.stderr.contains("--cell 'transformer'"), "\(bad.stderr)")
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
    @Test(arguments: ["fc-2layers", "dataparallel", "embedding-lm", "nobias-relu", "lstm-fc-2layers", "gru-nobias"])
    func trainSaveWritesWhatWasReadWithALowerLoss(name: String) throws {
        let out = Self.temporary("trained-\(name).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let model = Self.stock("\(name)/model.safetensors"), data = Self.stock("\(name)/data.safetensors")
        let extra = name == "nobias-relu" ? ["--nonlinearity", "relu"] : []
        let r = try Binary.run(["train", "--model", model, "--data", data, "--headless", "--iterations", "60",
                                "--set", "train.optimizer=adam", "--set", "train.lr=0.01", "--save", out.path] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("saved the weights of iteration 60 to \(out.path)"))
        // The summary names the data file (it said "data file") and says the weights were saved.
        #expect(r.stdout.contains("  60 iterations of data.safetensors, T = ") && r.stdout.contains("after it (the weights saved)"), "\(r.stdout)")
        let original = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model)), saved = try SafeTensorsFile(contentsOf: out)
        // The metadata as read, plus the nonlinearity trained with: reading it again needs no flag.
        // (nn.LSTM and nn.GRU have no nonlinearity to record.)
        let gated = Self.gated.contains(name)
        #expect(saved.metadata == (gated ? original.metadata : original.metadata.merging(["nonlinearity": name == "nobias-relu" ? "relu" : "tanh"]) { $1 }))
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

    static let torch: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import torch, safetensors"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Targets for the last step only, as a model scored on its last output is trained
    /// ([B, O] values, [B] class ids): mse-last or xent-last, with exactly the gradients
    /// of the same targets written [T, B, O] or [T, B] (whose other steps no loss reads).
    @Test(arguments: [("fc-2layers", "mse-last"), ("embedding-lm", "xent-last")])
    func lastStepTargetsGiveTheLastStepLoss(name: String, loss: String) throws {
        let full = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("\(name)/data.safetensors")))
        let y = try #require(full["targets"])
        let (T, B) = (y.shape[0], y.shape[1]), width = y.shape.count == 3 ? y.shape[2] : 1
        let last: SafeTensor = y.dtype.isInteger
            ? SafeTensor(int64s: Array(try y.integers().suffix(B)), shape: [B])
            : SafeTensor(floats: Array(try y.floats().suffix(B * width)), shape: [B, width])
        var tensors = full.tensors
        tensors["targets"] = last
        let data = Self.temporary("last-\(name).safetensors"), a = Self.temporary("last-\(name)-g.safetensors"), b = Self.temporary("full-\(name)-g.safetensors")
        defer { for u in [data, a, b] { try? FileManager.default.removeItem(at: u) } }
        try SafeTensorsFile(tensors: tensors).write(to: data)
        let model = Self.stock("\(name)/model.safetensors")
        let short = try Binary.run(["grads", "--model", model, "--data", data.path, "--json", "--out", a.path])
        let long = try Binary.run(["grads", "--model", model, "--data", Self.stock("\(name)/data.safetensors"), "--loss", loss, "--json", "--out", b.path])
        #expect(short.status == 0 && long.status == 0, "\(short.stderr) \(long.stderr)")
        #expect(short.stderr.contains("loss \(loss) (from the targets"), "\(short.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(short.stdout.utf8)) as? [String: Any])
        let p = try #require(try JSONSerialization.jsonObject(with: Data(long.stdout.utf8)) as? [String: Any])
        #expect(o["loss"] as? Double == p["loss"] as? Double && o["grad_norm"] as? Double == p["grad_norm"] as? Double)
        let ga = try SafeTensorsFile(contentsOf: a), gb = try SafeTensorsFile(contentsOf: b)
        #expect(Set(ga.tensors.keys) == Set(gb.tensors.keys))
        for (k, t) in gb.tensors { #expect(ga[k]?.data == t.data, "\(k)") }
        #expect(T > 1)
        // Scored at every step, one target per sequence is refused in one line saying why.
        let every = try Binary.run(["grads", "--model", model, "--data", data.path, "--loss", loss.replacingOccurrences(of: "last", with: "all")])
        #expect(every.status == 2 && every.stderr.split(separator: "\n").count == 1 && every.stderr.contains("one target per sequence"), "\(every.stderr)")
    }

    /// grads' summary counts layers from 1, as the view and the CSV do, with PyTorch's _l0 beside.
    @Test func gradsTextCountsLayersFromOne() throws {
        let r = try Binary.run(["grads", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors")])
        #expect(r.status == 0, "\(r.stderr)")
        let layers = r.stdout.split(separator: "\n").filter { $0.hasPrefix("layer ") }
        #expect(layers.count == 2 && layers[0].hasPrefix("layer 1 (_l0)  ‖∂L/∂h_1‖ = ") && layers[1].hasPrefix("layer 2 (_l1)  "), "\(r.stdout)")
    }

    /// A run that diverged saves nothing: its weights are frozen where the gradient
    /// became Inf/NaN. A last line saying so and what to lower, exit 1, no file left,
    /// and a summary that does not say the weights were saved (it did).
    /// --save writes safetensors: a name PyTorch's checkpoints go by (model.pt) is refused
    /// before any training, since torch.load could not read what it would get.
    @Test func aSaveNamedLikeATorchCheckpointIsRefused() throws {
        for name in ["trained.pt", "trained.PTH", "weights.bin"] {
            let out = Self.temporary(name)
            defer { try? FileManager.default.removeItem(at: out) }
            let r = try Binary.run(["train", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors"),
                                    "--headless", "--iterations", "2", "--save", out.path])
            #expect(r.status == 2 && r.stdout.isEmpty, "\(r.stderr)")
            #expect(r.stderr == "rnnscope: --save \(out.path): the weights are written as safetensors, which torch.load cannot read: "
                    + "name the file .safetensors and load it with safetensors.torch.load_file\n", "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func aDivergedRunIsNotSaved() throws {
        let out = Self.temporary("diverged.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Binary.run(["train", "--model", Self.stock("fc-2layers/model.safetensors"), "--data", Self.stock("fc-2layers/data.safetensors"),
                                "--headless", "--iterations", "30", "--set", "train.optimizer=sgd", "--set", "train.lr=10",
                                "--save", out.path])
        #expect(r.stdout.contains("non-finite (Inf/NaN) first at iteration"), "\(r.stdout)")
        #expect(r.status == 1, "\(r.stderr)")
        let last = r.stderr.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("rnnscope: not saved to \(out.path): the run diverged at iteration ") && last.contains("train.lr"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let summary = try #require(r.stdout.split(separator: "\n").last { $0.contains("before its update") }, "\(r.stdout)")
        #expect(summary.hasSuffix("(the weights at the end, not saved)") && !r.stdout.contains("weights saved"), "\(r.stdout)")
    }

    /// A model with a layer that lacks one of its tensors is an incomplete layer: the
    /// tensor is named as missing. A 2-layer nn.GRU without rnn.weight_hh_l1 was read as
    /// 1 layer plus three tensors "it cannot run", and --drop-unrun-tensors trained that.
    @Test func aLayerWithoutItsRecurrentWeightIsNamedNotDropped() throws {
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.stock("gru-2layers-h0/model.safetensors")))
        file.tensors["rnn.weight_hh_l1"] = nil
        let model = Self.temporary("missing_whh1.safetensors"), out = Self.temporary("missing_whh1.trained.safetensors")
        defer { for f in [model, out] { try? FileManager.default.removeItem(at: f) } }
        try file.write(to: model)
        let data = Self.stock("gru-2layers-h0/data.safetensors")
        for args in [["grads"], ["grads", "--drop-unrun-tensors"], ["train", "--headless", "--iterations", "2", "--drop-unrun-tensors"],
                     ["train", "--headless", "--iterations", "2", "--save", out.path]] {
            let r = try Binary.run(args + ["--model", model.path, "--data", data])
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status == 2 && lines.count == 1 && r.stdout.isEmpty, "\(args): \(r.status) \(r.stderr)")
            #expect(lines.first?.hasPrefix("rnnscope: model \(model.path): missing tensor 'rnn.weight_hh_l1'") == true
                    && !r.stderr.contains("cannot run these"), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A valid file with bytes after its last tensor was read (status 0); safetensors' own
    /// loader refuses it ("incomplete metadata, file not fully covered"). So does rnnscope,
    /// for the model and the data alike, in one line naming the file.
    @Test func aFileWithBytesAfterItsTensorsIsRefused() throws {
        let model = Self.temporary("trailing-model.safetensors"), data = Self.temporary("trailing-data.safetensors")
        defer { for f in [model, data] { try? FileManager.default.removeItem(at: f) } }
        let (goodModel, goodData) = (Self.stock("gru-2layers-h0/model.safetensors"), Self.stock("gru-2layers-h0/data.safetensors"))
        try (Data(contentsOf: URL(fileURLWithPath: goodModel)) + Data(count: 64)).write(to: model)
        try (Data(contentsOf: URL(fileURLWithPath: goodData)) + Data(count: 64)).write(to: data)
        #expect(try Binary.run(["grads", "--model", goodModel, "--data", goodData]).status == 0)
        for (role, path, args) in [("model", model.path, ["--model", model.path, "--data", goodData]),
                                   ("data", data.path, ["--model", goodModel, "--data", data.path])] {
            for command in [["grads"], ["train", "--headless", "--iterations", "2"]] {
                let r = try Binary.run(command + args)
                let lines = r.stderr.split(separator: "\n")
                #expect(r.status == 2 && lines.count == 1 && r.stdout.isEmpty, "\(command) \(role): \(r.status) \(r.stderr)")
                #expect(lines.first?.hasPrefix("rnnscope: \(role) \(path): 64 bytes after the tensors' data belong to no tensor") == true, "\(r.stderr)")
            }
        }
    }

    /// The LSTM trained and saved by `train --model … --save` goes back into the
    /// nn.LSTM it came from with load_state_dict(strict=True), and PyTorch finds its loss lower.
    @Test(.enabled(if: torch, "needs python3 with torch and safetensors (pip install torch safetensors)"))
    func aTrainedLSTMLoadsBackIntoPyTorchStrictly() throws {
        let out = Self.temporary("trained-lstm-strict.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Binary.run(["train", "--model", Self.stock("lstm-fc-2layers/model.safetensors"), "--data", Self.stock("lstm-fc-2layers/data.safetensors"),
                                "--headless", "--iterations", "60", "--set", "train.optimizer=adam", "--set", "train.lr=0.01", "--save", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.stock("load_trained.py"), "lstm-fc-2layers", out.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "strict load failed: \(text)")
        let losses = text.split(separator: "\n").compactMap { Double($0) }
        #expect(losses.count == 2 && losses[1] < 0.9 * losses[0], "PyTorch's loss before and after: \(losses)")
    }

    /// `train --model … --headless` with the figures of the export: the JSONL header names the
    /// model and data and what was read, --csv has a row per layer and step, --svg has no chance line.
    @Test func headlessFiguresOfYourModel() throws {
        let csv = Self.temporary("norms.csv"), svg = Self.temporary("end.svg")
        defer { for f in [csv, svg] { try? FileManager.default.removeItem(at: f) } }
        let model = Self.stock("fc-2layers/model.safetensors"), data = Self.stock("fc-2layers/data.safetensors")
        let r = try Binary.run(["train", "--model", model, "--data", data, "--headless", "--iterations", "4", "--jsonl",
                                "--csv", csv.path, "--svg", svg.path])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(header["model_file"] as? String == model && header["data_file"] as? String == data)
        let read = try #require(header["model"] as? [String: Any])
        #expect(read["layers"] as? Int == 2 && read["hidden"] as? Int == 8 && read["steps"] as? Int == 12, "\(read)")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count == 4 * 2 * 12, "4 iterations × 2 layers × T = 12")
        #expect(rows.contains { $0.hasPrefix("4,2,12,") })
        let frame = try String(contentsOf: svg, encoding: .utf8)
        #expect(frame.contains(">Your</text>") && frame.contains(">model:</text>") && !frame.contains("chance"))
    }

    /// The header's `changed` names what --set changed on a model run as on a preset's
    /// (it was always empty: the model's scenario forgot the settings before --set).
    @Test func theHeaderNamesWhatSetChangedOnAModelRun() throws {
        let model = Self.stock("fc-2layers/model.safetensors"), data = Self.stock("fc-2layers/data.safetensors")
        func changed(_ extra: [String]) throws -> [String]? {
            let r = try Binary.run(["train", "--model", model, "--data", data, "--headless", "--iterations", "1", "--jsonl"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let header = try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n")[0].utf8)) as? [String: Any]
            return header?["changed"] as? [String]
        }
        #expect(try changed(["--set", "train.optimizer=adam", "--set", "train.lr=0.5"]) == ["train.optimizer", "train.lr"])
        #expect(try changed([]) == [])
    }

    /// `run --model … --vs key=value`: a key the model or its data fix is refused for run B as
    /// for --set, in one line, before the terminal is touched.
    @Test func versusRefusesWhatTheModelFixes() throws {
        let model = Self.stock("fc-2layers/model.safetensors"), data = Self.stock("fc-2layers/data.safetensors")
        for (vs, says) in [("network.hidden=16", "--vs network.hidden=16 does not apply with --model"),
                           ("task.steps=30", "--vs task.steps=30 does not apply with --model"),
                           ("train.clip=-1", "--vs train.clip=-1"), ("nosuch.key=1", "--vs nosuch.key=1")] {
            let r = try Binary.run(["run", "--model", model, "--data", data, "--vs", vs])
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status == 2 && lines.count == 1 && lines[0].contains(says), "\(vs): \(r.stderr)")
        }
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
