import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The PyTorch autograd cases in Fixtures/: loss, every parameter gradient and
/// every hidden-gradient norm must agree to 1e-4 relative error.
@Suite struct PyTorchReferenceTests {
    static let cases = ["tanh-mse-last", "tanh-mse-all-rho1.4-clip1", "relu-xent-all-truncate6-2layers"]

    struct Case {
        let model: RNN<Float>
        let batch: Batch<Float>
        let options: BPTTOptions
        let expected: [String: Any]
        let expectedTensors: SafeTensorsFile
    }

    static func load(_ name: String) throws -> Case {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let model = try ModelFile.read(contentsOf: dir.appendingPathComponent("model.safetensors")).network
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
        let args = json["args"] as! [String: Any]
        let loss = LossKind(rawValue: args["loss"] as! String)!
        let batch = try DataFile.read(SafeTensorsFile(contentsOf: dir.appendingPathComponent("data.safetensors")), for: model.layout, loss: loss).batch
        let options = BPTTOptions(loss: loss, truncate: args["truncate"] as! Int, clipNorm: (args["clip"] as! NSNumber).doubleValue)
        let tensors = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors"))
        return Case(model: model, batch: batch, options: options, expected: json, expectedTensors: tensors)
    }

    /// |a − b| ≤ tol·|b|, with a floor at tol·1e-3 of the tensor's largest entry
    /// so that entries that are zero up to rounding compare sensibly.
    static func expectClose(_ a: [Double], _ b: [Double], _ what: String, tol: Double = 1e-4) {
        #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)")
        let scale = b.map(abs).max() ?? 0
        for (i, (x, y)) in zip(a, b).enumerated() {
            let bound = tol * max(abs(y), 1e-3 * scale)
            #expect(abs(x - y) <= bound, "\(what)[\(i)] = \(x), expected \(y)")
        }
    }

    @Test(arguments: cases)
    func doublePrecisionMatchesPyTorch(name: String) throws {
        let c = try Self.load(name)
        let r = GradientReport.compute(model: c.model, batch: c.batch, options: c.options)
        Self.expectClose([r.loss], [(c.expected["loss"] as! NSNumber).doubleValue], "loss")
        Self.expectClose([r.gradNorm], [(c.expected["grad_norm"] as! NSNumber).doubleValue], "grad_norm")
        Self.expectClose([r.clipScale], [(c.expected["clip_scale"] as! NSNumber).doubleValue], "clip_scale")
        for e in r.layout.entries {
            let expected = try #require(c.expectedTensors[e.name], "expected.safetensors lacks \(e.name)")
            Self.expectClose(Array(r.gradients[e.range]), try expected.doubles(), e.name)
        }
        for k in 0..<c.model.shape.layers {
            let expected = (c.expected["hidden_grad_norms_l\(k)"] as! [NSNumber]).map(\.doubleValue)
            Self.expectClose(r.hiddenGradNorms[k], expected, "hidden_grad_norms_l\(k)")
        }
    }

    /// The Float engine (the tuned kernels the UI and training use) agrees too.
    @Test(arguments: cases)
    func singlePrecisionMatchesPyTorch(name: String) throws {
        let c = try Self.load(name)
        let bptt = BPTT<Float>(shape: c.model.shape, steps: c.batch.steps, batchSize: c.batch.size)
        var g = [Float](repeating: 0, count: c.model.layout.count)
        let s = bptt.run(c.model, c.batch, c.options, gradients: &g)
        Self.expectClose([s.loss], [(c.expected["loss"] as! NSNumber).doubleValue], "loss")
        Self.expectClose([s.gradNorm], [(c.expected["grad_norm"] as! NSNumber).doubleValue], "grad_norm")
        for e in c.model.layout.entries {
            let expected = try #require(c.expectedTensors[e.name])
            Self.expectClose(g[e.range].map { Double($0) }, try expected.doubles(), e.name, tol: 1e-3)
        }
        for k in 0..<c.model.shape.layers {
            let expected = try #require(c.expectedTensors["hidden_grad_norms_l\(k)"])
            Self.expectClose(bptt.hiddenGradNorms[k], try expected.doubles(), "hidden_grad_norms_l\(k)", tol: 1e-4)
        }
    }
}
