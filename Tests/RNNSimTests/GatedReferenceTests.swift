import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The gated-* cases in Fixtures/, made by real torch.nn.LSTM and torch.nn.GRU
/// modules (Fixtures/make_gated_fixtures.py): loss, every parameter gradient,
/// every ‖∂L/∂h_t‖ and (LSTM) ‖∂L/∂c_t‖ must agree to 1e-4 relative error,
/// in Double and in the Float engine.
@Suite struct GatedReferenceTests {
    static let cases = [
        "gated-lstm-mse-last", "gated-lstm-xent-all-2layers-truncate4-clip", "gated-lstm-nobias-mse-all-h0c0",
        "gated-lstm-2layers-xent-last-h0c0-truncate3",
        "gated-gru-mse-last", "gated-gru-xent-all-2layers-truncate4-clip", "gated-gru-nobias-mse-all-h0",
        "gated-gru-2layers-nobias-mse-all-h0-truncate3",
    ]

    struct Case {
        let model: RNN<Float>
        let batch: Batch<Float>
        let options: BPTTOptions
        let expected: [String: Any]
        let expectedTensors: SafeTensorsFile
    }

    /// The fixture's state dict, in the engine's layout (the names are PyTorch's;
    /// a module built with bias=False has no bias tensors, which are then zero).
    static func load(_ name: String) throws -> Case {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let file = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let cell = try #require(CellKind(rawValue: file.metadata["cell"] ?? ""))
        let wih = try #require(file.tensors["weight_ih_l0"]), out = try #require(file.tensors["readout.weight"])
        var layers = 0
        while file.tensors["weight_hh_l\(layers)"] != nil { layers += 1 }
        let H = wih.shape[0] / cell.gates
        let shape = RNNShape(inputs: wih.shape[1], hidden: H, layers: layers, outputs: out.shape[0], cell: cell)
        // bias=False: no bias_ih/hh_l{k} in the file, none in the layout.
        let layout = ParameterLayout(shape, bias: file.tensors["bias_ih_l0"] != nil)
        // The residual cell's fixtures name their act (nn.RNN's nonlinearity); the gated cells have none.
        let activation = try #require(Activation(rawValue: file.metadata["nonlinearity"] ?? "tanh"))
        var model = RNN<Float>(activation: activation, layout: layout, parameters: [Float](repeating: 0, count: layout.count))
        for e in model.layout.entries {
            let t = try #require(file.tensors[e.name], "model.safetensors lacks \(e.name)")
            #expect(t.shape == e.dims, "\(e.name): \(t.shape) vs \(e.dims)")
            model.parameters.replaceSubrange(e.range, with: try t.floats())
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
        let args = json["args"] as! [String: Any]
        let loss = LossKind(rawValue: args["loss"] as! String)!
        let data = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("data.safetensors"))
        let (T, B) = (data.tensors["inputs"]!.shape[0], data.tensors["inputs"]!.shape[1])
        let targets: Batch<Float>.Targets = loss.isCrossEntropy
            ? .classes(try data.tensors["targets"]!.integers().map { Int32($0) })
            : .real(try data.tensors["targets"]!.floats())
        var batch = Batch<Float>(steps: T, size: B, inputWidth: shape.inputs, inputs: try data.tensors["inputs"]!.floats(), targets: targets)
        // h0 / c0: [layers, B, H]
        func perLayer(_ t: SafeTensor) throws -> [[Float]] {
            let v = try t.floats()
            return (0..<layers).map { Array(v[($0 * B * H)..<(($0 + 1) * B * H)]) }
        }
        batch.initialHidden = try data.tensors["h0"].map(perLayer)
        batch.initialMemory = try data.tensors["c0"].map(perLayer)
        let options = BPTTOptions(loss: loss, truncate: args["truncate"] as! Int, clipNorm: (args["clip"] as! NSNumber).doubleValue)
        let tensors = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors"))
        return Case(model: model, batch: batch, options: options, expected: json, expectedTensors: tensors)
    }

    static func check(_ c: Case, loss: Double, gradNorm: Double, clipScale: Double, gradients: [Double],
                      hidden: [[Double]], memory: [[Double]], tol: Double) throws {
        let close = PyTorchReferenceTests.expectClose
        close([loss], [(c.expected["loss"] as! NSNumber).doubleValue], "loss", 1e-4)
        close([gradNorm], [(c.expected["grad_norm"] as! NSNumber).doubleValue], "grad_norm", 1e-4)
        close([clipScale], [(c.expected["clip_scale"] as! NSNumber).doubleValue], "clip_scale", 1e-4)
        for e in c.model.layout.entries {
            let expected = try #require(c.expectedTensors[e.name], "expected.safetensors lacks \(e.name)")
            close(Array(gradients[e.range]), try expected.doubles(), e.name, tol)
        }
        for k in 0..<c.model.shape.layers {
            let h = try #require(c.expectedTensors["hidden_grad_norms_l\(k)"])
            close(hidden[k], try h.doubles(), "hidden_grad_norms_l\(k)", 1e-4)
            if c.model.cell == .lstm {
                let m = try #require(c.expectedTensors["cell_grad_norms_l\(k)"])
                close(memory[k], try m.doubles(), "cell_grad_norms_l\(k)", 1e-4)
            }
        }
    }

    @Test(arguments: cases)
    func doublePrecisionMatchesPyTorch(name: String) throws {
        let c = try Self.load(name)
        let net = c.model.converted(to: Double.self), data = c.batch.converted(to: Double.self)
        let bptt = BPTT<Double>(shape: net.shape, steps: data.steps, batchSize: data.size, window: 4)
        var g = [Double](repeating: 0, count: net.layout.count)
        let s = bptt.run(net, data, c.options, gradients: &g)
        try Self.check(c, loss: s.loss, gradNorm: s.gradNorm, clipScale: s.clipScale, gradients: g,
                       hidden: bptt.hiddenGradNorms, memory: bptt.cellGradNorms, tol: 1e-4)
    }

    /// The Float engine (the tuned kernels the UI and training use) agrees too.
    @Test(arguments: cases)
    func singlePrecisionMatchesPyTorch(name: String) throws {
        let c = try Self.load(name)
        let bptt = BPTT<Float>(shape: c.model.shape, steps: c.batch.steps, batchSize: c.batch.size)
        var g = [Float](repeating: 0, count: c.model.layout.count)
        let s = bptt.run(c.model, c.batch, c.options, gradients: &g)
        try Self.check(c, loss: s.loss, gradNorm: s.gradNorm, clipScale: s.clipScale, gradients: g.map { Double($0) },
                       hidden: bptt.hiddenGradNorms, memory: bptt.cellGradNorms, tol: 1e-3)
    }
}
