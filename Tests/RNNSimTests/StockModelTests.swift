import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// Real PyTorch modules saved as users save them (Fixtures/stock, made by
/// make_fixtures.py): read under their own names, run, and checked against
/// PyTorch autograd — loss, every gradient by the module's parameter name,
/// every ‖∂L/∂h_t‖ — to 1e-4 relative error.
@Suite struct StockModelTests {
    static let cases = ["fc-2layers", "nobias-relu", "batch-first", "h0-truncate", "embedding-lm", "dataparallel",
                        "lstm-fc-2layers", "gru-nobias", "lstm-embedding-batch-first", "gru-2layers-h0"]

    static func dir(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/stock/\(name)")
    }

    struct Case {
        let model: StockModel
        let data: DataSet<Float>
        let options: BPTTOptions
        let expected: [String: Any]
        let expectedTensors: SafeTensorsFile
    }

    /// Reads a case as the command line does, with the flags its script recorded.
    static func load(_ name: String) throws -> Case {
        let d = dir(name)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: d.appendingPathComponent("expected.json"))) as! [String: Any]
        let args = json["args"] as! [String: Any]
        let flags = args["flags"] as! [String]
        let nonlinearity = flags.firstIndex(of: "--nonlinearity").map { Activation(rawValue: flags[$0 + 1])! }
        let cell = flags.firstIndex(of: "--cell").map { CellKind(rawValue: flags[$0 + 1])! }
        let model = try ModelFile.read(contentsOf: d.appendingPathComponent("model.safetensors"),
                                       options: ModelReadOptions(nonlinearity: nonlinearity, cell: cell))
        let loss = LossKind(rawValue: args["loss"] as! String)!
        let data = try DataFile.read(contentsOf: d.appendingPathComponent("data.safetensors"), for: model.layout, loss: loss,
                                     batchFirst: flags.contains("--batch-first"))
        let options = BPTTOptions(loss: loss, truncate: args["truncate"] as! Int, clipNorm: (args["clip"] as! NSNumber).doubleValue)
        return Case(model: model, data: data, options: options, expected: json,
                    expectedTensors: try SafeTensorsFile(contentsOf: d.appendingPathComponent("expected.safetensors")))
    }

    @Test(arguments: cases)
    func matchesPyTorchAutogradUnderTheModelsOwnNames(name: String) throws {
        let c = try Self.load(name)
        let r = GradientReport.compute(model: c.model.network, batch: c.data.batch, options: c.options)
        let close = PyTorchReferenceTests.expectClose
        close([r.loss], [(c.expected["loss"] as! NSNumber).doubleValue], "loss", 1e-4)
        close([r.gradNorm], [(c.expected["grad_norm"] as! NSNumber).doubleValue], "grad_norm", 1e-4)
        close([r.clipScale], [(c.expected["clip_scale"] as! NSNumber).doubleValue], "clip_scale", 1e-4)
        // Every parameter PyTorch has, and no other, under its own name.
        let written = c.model.gradientsFile(r.gradients, hiddenGradNorms: r.hiddenGradNorms, cellGradNorms: r.cellGradNorms)
        #expect(Set(written.tensors.keys) == Set(c.expectedTensors.tensors.keys))
        for (name, expected) in c.expectedTensors.tensors {
            let ours = try #require(written[name], "no gradient named \(name)")
            #expect(ours.shape == expected.shape, "\(name)")
            close(try ours.doubles(), try expected.doubles(), name, 1e-4)
        }
    }

    /// The Float engine the live view trains with agrees as well.
    @Test(arguments: cases)
    func singlePrecisionAgrees(name: String) throws {
        let c = try Self.load(name)
        let bptt = BPTT<Float>(shape: c.model.shape, steps: c.data.batch.steps, batchSize: c.data.batch.size)
        var g = [Float](repeating: 0, count: c.model.layout.count)
        let s = bptt.run(c.model.network, c.data.batch, c.options, gradients: &g)
        PyTorchReferenceTests.expectClose([s.loss], [(c.expected["loss"] as! NSNumber).doubleValue], "loss", tol: 1e-4)
        for (i, e) in c.model.layout.entries.enumerated() {
            let expected = try #require(c.expectedTensors[c.model.fileNames[i]])
            PyTorchReferenceTests.expectClose(g[e.range].map { Double($0) }, try expected.doubles(), e.name, tol: 1e-3)
        }
    }

    @Test func groupsAreFoundFromNamesAndShapes() throws {
        let fc = try Self.load("fc-2layers").model
        #expect(fc.rnnPrefix == "rnn." && fc.headPrefix == "fc." && fc.embeddingPrefix == nil && fc.shape == RNNShape(inputs: 3, hidden: 8, layers: 2, outputs: 4))
        #expect(fc.nonlinearitySource == .pytorchDefault && fc.network.activation == .tanh)
        let nobias = try Self.load("nobias-relu").model
        #expect(!nobias.layout.bias && nobias.layout.entries.allSatisfy { !$0.name.hasPrefix("bias") })
        #expect(nobias.network.activation == .relu && nobias.nonlinearitySource == .flag)
        let lm = try Self.load("embedding-lm").model
        #expect(lm.embeddingPrefix == "embedding." && lm.headPrefix == "decoder." && lm.layout.vocabulary == 7)
        let dp = try Self.load("dataparallel").model
        #expect(dp.rnnPrefix == "module.rnn." && dp.headPrefix == "module.head." && dp.dtypes.allSatisfy { $0 == .f64 })
        let h0 = try Self.load("h0-truncate")
        #expect(h0.model.rnnPrefix == "encoder." && h0.data.batch.initialHidden?.count == 2)
    }

    /// Without h0 in the data the numbers change: it is used, not ignored.
    @Test func initialStateIsUsed() throws {
        let c = try Self.load("h0-truncate")
        var zero = c.data.batch
        zero.initialHidden = nil
        let with = GradientReport.compute(model: c.model.network, batch: c.data.batch, options: c.options)
        let without = GradientReport.compute(model: c.model.network, batch: zero, options: c.options)
        #expect(abs(with.loss - without.loss) > 1e-3 * with.loss)
    }

    @Test func theCellIsReadFromTheShapes() throws {
        let lstm = try Self.load("lstm-fc-2layers")
        #expect(lstm.model.shape == RNNShape(inputs: 3, hidden: 8, layers: 2, outputs: 4, cell: .lstm) && lstm.model.rnnPrefix == "lstm.")
        #expect(lstm.model.summary.hasPrefix("nn.LSTM 'lstm', 2 layers") && !lstm.model.summary.contains("tanh"))
        #expect(lstm.data.batch.initialHidden?.count == 2 && lstm.data.batch.initialMemory?.count == 2)
        #expect(lstm.data.summary.contains("h0 given") && lstm.data.summary.contains("c0 given"))
        let gru = try Self.load("gru-nobias")
        #expect(gru.model.shape.cell == .gru && !gru.model.layout.bias && gru.model.rnnPrefix == "encoder." && gru.model.summary.hasPrefix("nn.GRU 'encoder'"))
        #expect(gru.model.nonlinearitySource == .gatedCell)
    }

    /// c0 as nn.LSTM(x, (h0, c0)) takes it: without it the numbers change.
    @Test func theLSTMsInitialCellStateIsUsed() throws {
        let c = try Self.load("lstm-fc-2layers")
        var zero = c.data.batch
        zero.initialMemory = nil
        // Scored at every step, where c0 has not yet been forgotten.
        var options = c.options
        options.loss = .mseAll
        let with = GradientReport.compute(model: c.model.network, batch: c.data.batch, options: options)
        let without = GradientReport.compute(model: c.model.network, batch: zero, options: options)
        #expect(abs(with.loss - without.loss) > 1e-3 * with.loss)
    }

    static func refusal(_ file: SafeTensorsFile, _ options: ModelReadOptions = ModelReadOptions()) -> String? {
        do { _ = try ModelFile.read(file, options: options); return nil } catch { return "\(error)" }
    }

    @Test func projectionsBidirectionalModelsAndAContradictingCellAreRefused() throws {
        let refused = Self.dir("refused")
        let proj = try SafeTensorsFile(contentsOf: refused.appendingPathComponent("lstm-proj.safetensors"))
        let projMessage = try #require(Self.refusal(proj))
        #expect(projMessage.contains("'lstm.weight_hr_l0'") && projMessage.contains("proj_size") && !projMessage.contains("\n"), "\(projMessage)")
        let bi = try SafeTensorsFile(contentsOf: refused.appendingPathComponent("gru-bidirectional.safetensors"))
        let biMessage = try #require(Self.refusal(bi))
        #expect(biMessage.contains("_reverse'") && biMessage.contains("bidirectional") && !biMessage.contains("\n"), "\(biMessage)")
        let gru = try SafeTensorsFile(contentsOf: Self.dir("gru-nobias").appendingPathComponent("model.safetensors"))
        #expect(Self.refusal(gru, ModelReadOptions(cell: .gru)) == nil)
        for other in [CellKind.rnn, .lstm] {
            let m = try #require(Self.refusal(gru, ModelReadOptions(cell: other)))
            #expect(m.contains("--cell \(other.rawValue) contradicts") && m.contains("nn.GRU"), "\(m)")
        }
        let nonlinearity = try #require(Self.refusal(gru, ModelReadOptions(nonlinearity: .relu)))
        #expect(nonlinearity.contains("--nonlinearity relu") && nonlinearity.contains("nn.GRU"))
        // c0 belongs to an nn.LSTM only.
        let model = try ModelFile.read(gru)
        var data = try SafeTensorsFile(contentsOf: Self.dir("gru-nobias").appendingPathComponent("data.safetensors"))
        data.tensors["c0"] = SafeTensor(floats: [Float](repeating: 0, count: 24), shape: [1, 3, 8])
        #expect(throws: ModelFileError.self) { try DataFile.read(data, for: model.layout, loss: nil) }
    }

    /// Weights saved as weight_norm's, spectral_norm's or parametrize's factors
    /// (refused/reparam-*, made by make_reparametrized_fixtures.py) are named as such,
    /// with the call that saves them plain, with or without --drop-unrun-tensors.
    /// They read as a missing tensor, or as a head that is not there.
    @Test(arguments: [("reparam-weight-norm-hh", "rnn.weight_hh_l0_g", "rnn.weight_hh_l0", "model.rnn, \"weight_hh_l0\""),
                      ("reparam-parametrize-ih-l1", "rnn.parametrizations.weight_ih_l1.original0", "rnn.weight_ih_l1", "model.rnn, \"weight_ih_l1\""),
                      ("reparam-spectral-norm-hh", "rnn.parametrizations.weight_hh_l0.0._u", "rnn.weight_hh_l0", "model.rnn, \"weight_hh_l0\""),
                      ("reparam-head", "fc.parametrizations.weight.original0", "fc.weight", "model.fc, \"weight\"")])
    func reparametrizedWeightsAreNamedWithTheCallThatSavesThemPlain(file: String, tensor: String, weight: String, call: String) throws {
        let model = try SafeTensorsFile(contentsOf: Self.dir("refused").appendingPathComponent("\(file).safetensors"))
        for drop in [false, true] {
            let m = try #require(Self.refusal(model, ModelReadOptions(dropUnrun: drop)))
            #expect(m.hasPrefix("tensor '\(tensor)': '\(weight)' is saved reparametrized") && m.contains("remove_parametrizations(\(call))")
                    && !m.contains("\n"), "\(m)")
        }
        // weight_norm's two factors make a pair; a lone tensor named so is no weight's factor.
        var lone = try SafeTensorsFile(contentsOf: Self.dir("three-layers").appendingPathComponent("rnn.safetensors"))
        lone.tensors["gate_g"] = lone.tensors["rnn.bias_hh_l0"]
        #expect(Self.refusal(lone)?.contains("reparametrized") == false)
    }

    /// A head of the right name and the wrong shape is named with its shape: the
    /// refusal said only that the file had no nn.Linear head.
    @Test func aHeadOfTheWrongShapeIsNamed() throws {
        let file = try SafeTensorsFile(contentsOf: Self.dir("three-layers").appendingPathComponent("rnn.safetensors"))
        let cases: [(String, [Int], String)] = [("fc.bias", [3], "'fc.weight' [2, 4] with 'fc.bias' [3] does not fit"),
                                               ("fc.weight", [2, 5], "'fc.weight' [2, 5] with 'fc.bias' [2] does not fit"),
                                               ("fc.weight", [2, 4, 1], "'fc.weight' [2, 4, 1] with 'fc.bias' [2] does not fit")]
        for (name, shape, says) in cases {
            var damaged = file
            damaged.tensors[name] = SafeTensor(floats: [Float](repeating: 0, count: shape.reduce(1, *)), shape: shape)
            let m = try #require(Self.refusal(damaged))
            #expect(m.hasPrefix("no nn.Linear head in the file: rnnscope needs one weight [O, 4]") && m.hasSuffix(says) && !m.contains("\n"), "\(m)")
        }
        // An embedding of another width than the RNN takes is said to be one, with the width that fits;
        // it read only as a tensor rnnscope cannot run, "a LayerNorm, a second Linear".
        var embedding = file
        embedding.tensors["emb.weight"] = SafeTensor(floats: [Float](repeating: 0, count: 28), shape: [7, 4])
        let m = try #require(Self.refusal(embedding))
        #expect(m.hasPrefix("'emb.weight' [7, 4]: ") && m.contains("an nn.Embedding in front of the nn.RNN would be [V, 3]") && !m.contains("\n"), "\(m)")
    }

    /// One sequence saved unbatched, [T, I] real values as nn.RNN takes it, is told how
    /// to batch it; it was told that token ids need an nn.Embedding.
    @Test func anUnbatchedSequenceIsToldHowToBatchIt() throws {
        let c = try Self.load("fc-2layers")
        var data = try SafeTensorsFile(contentsOf: Self.dir("fc-2layers").appendingPathComponent("data.safetensors"))
        data.tensors["inputs"] = SafeTensor(floats: [Float](repeating: 0, count: 36), shape: [12, 3])
        func refusal(batchFirst: Bool) -> String {
            do { _ = try DataFile.read(data, for: c.model.layout, loss: nil, batchFirst: batchFirst); return "read" } catch { return "\(error)" }
        }
        #expect(refusal(batchFirst: false).hasSuffix("(one unbatched sequence [T, I] is [T, 1, I] here: x.unsqueeze(1), its targets too)"), "\(refusal(batchFirst: false))")
        #expect(refusal(batchFirst: true).hasSuffix("(one unbatched sequence [T, I] is [1, T, I] here: x.unsqueeze(0), its targets too)"), "\(refusal(batchFirst: true))")
        data.tensors["inputs"] = SafeTensor(int64s: [Int64](repeating: 0, count: 36), shape: [12, 3])
        #expect(refusal(batchFirst: false).hasSuffix("(token ids need an nn.Embedding in the model)"), "\(refusal(batchFirst: false))")
    }

    /// A layer with some but not all of its tensors is an incomplete layer, whichever
    /// tensor it lacks, in the first, a middle or the last of 3 layers of each cell
    /// (three-layers/, made by make_three_layer_fixtures.py): the tensor is named as
    /// missing. Its other tensors were taken for extra modules, and --drop-unrun-tensors
    /// then ran a model of fewer layers.
    @Test(arguments: ["rnn", "lstm", "gru", "gru-nobias"])
    func aLayerLackingATensorIsNamedAsMissing(name: String) throws {
        let file = try SafeTensorsFile(contentsOf: Self.dir("three-layers").appendingPathComponent("\(name).safetensors"))
        #expect(try ModelFile.read(file).shape.layers == 3)
        let parts = name.hasSuffix("nobias") ? ["weight_ih", "weight_hh"] : ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        for k in 0..<3 {
            for part in parts {
                let missing = "rnn.\(part)_l\(k)"
                var damaged = file
                #expect(damaged.tensors.removeValue(forKey: missing) != nil, "\(name) has \(missing)")
                for drop in [false, true] {
                    let m = try #require(Self.refusal(damaged, ModelReadOptions(dropUnrun: drop)), "\(name) without \(missing) was read")
                    #expect(m.hasPrefix("missing tensor '\(missing)'") && !m.contains("\n"), "\(name): \(m)")
                }
            }
        }
        // A layer beyond the fourth is counted from whichever of its tensors is there.
        var deep = file
        deep.tensors["rnn.weight_ih_l4"] = file.tensors["rnn.weight_ih_l1"]
        #expect(Self.refusal(deep)?.hasPrefix("5 layers ('rnn.weight_ih_l4'): rnnscope shows 1 to 4") == true, "\(Self.refusal(deep) ?? "read")")
        // Only PyTorch's spelling of a layer's number is one: the rest are other tensors.
        var odd = file
        odd.tensors["rnn.weight_ih_l01"] = file.tensors["rnn.weight_ih_l1"]
        #expect(Self.refusal(odd)?.contains("'rnn.weight_ih_l01'") == true && Self.refusal(odd, ModelReadOptions(dropUnrun: true)) == nil)
    }

    /// `__metadata__` nonlinearity is nn.RNN's: tanh or relu. sigmoid and linear
    /// (rnnscope's own activations, which no nn.RNN has) were read and run.
    @Test func theMetadataNonlinearityIsAnNNRNNs() throws {
        var file = try SafeTensorsFile(contentsOf: Self.dir("three-layers").appendingPathComponent("rnn.safetensors"))
        for ok in ["tanh", "relu"] {
            file.metadata["nonlinearity"] = ok
            #expect(try ModelFile.read(file).network.activation.rawValue == ok)
        }
        for bad in ["sigmoid", "linear", "Tanh", "gelu", ""] {
            file.metadata["nonlinearity"] = bad
            let m = try #require(Self.refusal(file), "nonlinearity \(bad) was read")
            #expect(m == "__metadata__ nonlinearity '\(bad)' is not one of tanh, relu (as nn.RNN takes it)", "\(m)")
        }
    }

    @Test func savedWeightsHaveTheNamesShapesDTypesAndMetadataRead() throws {
        for name in Self.cases {
            let d = Self.dir(name)
            let original = try SafeTensorsFile(contentsOf: d.appendingPathComponent("model.safetensors"))
            let c = try Self.load(name)
            let saved = c.model.weightsFile(c.model.network)
            // An nn.RNN's nonlinearity is added to the metadata; nn.LSTM and nn.GRU have none to record.
            let added = c.model.shape.cell == .rnn ? ["nonlinearity": c.model.network.activation.rawValue] : [:]
            #expect(saved.metadata == original.metadata.merging(added) { $1 })
            #expect(Set(saved.tensors.keys) == Set(original.tensors.keys), "\(name)")
            for (n, t) in original.tensors {
                #expect(saved[n]?.shape == t.shape && saved[n]?.dtype == t.dtype, "\(name): \(n)")
                #expect(saved[n]?.data == t.data, "\(name): \(n) round-trips bit for bit")
            }
        }
    }

    @Test func halfPrecisionWeightsAreWrittenBackInTheirDType() throws {
        let values: [Double] = [0, 1, -2.5, 1e-3, 3.140625, 65504, -1e-7]
        for dtype in [SafeTensor.DType.f16, .bf16, .f32, .f64] {
            let t = SafeTensor(values: values, dtype: dtype, shape: [values.count])
            let back = try t.doubles()
            let again = SafeTensor(values: back, dtype: dtype, shape: [values.count])
            #expect(t.dtype == dtype && again.data == t.data, "\(dtype) rounding is stable")
            for (a, b) in zip(back, values) { #expect(abs(a - b) <= 0.01 * abs(b) + 1e-7, "\(dtype): \(a) vs \(b)") }
        }
        #expect(bfloat16Bits(1.00390625) == 0x3F80)  // a tie rounds to even
        #expect(bfloat16Bits(1.01171875) == 0x3F82)
    }
}

/// Minibatches of the user's data: `train.batch` distinct sequences of it, or all of it.
@Suite struct DataFileTaskTests {
    static func data(size: Int) -> Batch<Float> {
        let (T, I) = (3, 2)
        // inputs[t][b][i] = 100·b + 10·t + i, so every value says where it came from
        var inputs: [Float] = []
        for t in 0..<T { for b in 0..<size { for i in 0..<I { inputs.append(Float(100 * b + 10 * t + i)) } } }
        let targets = (0..<T).flatMap { t in (0..<size).map { Int32(b: $0, t: t) } }
        return Batch(steps: T, size: size, inputWidth: I, inputs: inputs, targets: .classes(targets),
                     initialHidden: [(0..<size).flatMap { b in [Float(b), Float(b)] }])
    }

    @Test func aMinibatchIsDistinctWholeSequences() {
        let task = DataFileTask(data: Self.data(size: 7), loss: .xentAll)
        var rng = SeededRandom(seed: 1)
        for _ in 0..<20 {
            let b = task.batch(size: 3, rng: &rng)
            #expect(b.size == 3 && b.steps == 3)
            let picked = (0..<3).map { Int(b.inputs[$0 * 2]) / 100 }
            #expect(Set(picked).count == 3 && picked.allSatisfy { (0..<7).contains($0) })
            for t in 0..<3 {
                for (j, seq) in picked.enumerated() {
                    #expect(b.inputs[(t * 3 + j) * 2 + 1] == Float(100 * seq + 10 * t + 1))
                    if case .classes(let c) = b.targets { #expect(c[t * 3 + j] == Int32(b: seq, t: t)) }
                }
            }
            #expect(b.initialHidden?[0] == picked.flatMap { [Float($0), Float($0)] })
        }
    }

    @Test func allOfItWhenItHoldsNoMore() {
        let task = DataFileTask(data: Self.data(size: 4), loss: .xentAll)
        var rng = SeededRandom(seed: 1)
        #expect(task.batch(size: 16, rng: &rng).inputs == Self.data(size: 4).inputs)
        #expect(task.chanceLoss.isNaN)
    }
}

private extension Int32 {
    init(b: Int, t: Int) { self = Int32(b * 10 + t) }
}
