import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// `nn.Embedding(padding_idx=0)` and `nn.CrossEntropyLoss(ignore_index=-100)`
/// against PyTorch autograd (Fixtures/stock/padding-ignore, made by
/// make_padding_fixture.py): padded sequences, some padded at the start so that
/// the padding's embedding reaches scored steps. Before issue 20 the −100
/// targets were refused, and the padding row got a gradient (PyTorch: 0).
@Suite struct PaddingIgnoreTests {
    static let dir = StockModelTests.dir("padding-ignore")

    static func load() throws -> (StockModel, DataSet<Float>, [String: Any], SafeTensorsFile) {
        let model = try ModelFile.read(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let data = try DataFile.read(contentsOf: dir.appendingPathComponent("data.safetensors"), for: model.layout, loss: .xentAll)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
        return (model, data, json, try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors")))
    }

    @Test func matchesPyTorchWithPaddingAndIgnoredTargets() throws {
        let (model, data, json, expected) = try Self.load()
        var options = BPTTOptions(loss: .xentAll)
        options.paddingIndex = 0
        let r = GradientReport.compute(model: model.network, batch: data.batch, options: options)
        let close = PyTorchReferenceTests.expectClose
        close([r.loss], [(json["loss"] as! NSNumber).doubleValue], "loss", 1e-4)
        close([r.gradNorm], [(json["grad_norm"] as! NSNumber).doubleValue], "grad_norm", 1e-4)
        let written = model.gradientsFile(r.gradients, hiddenGradNorms: r.hiddenGradNorms)
        for (name, tensor) in expected.tensors {
            let ours = try #require(written[name], "no gradient named \(name)")
            close(try ours.doubles(), try tensor.doubles(), name, 1e-4)
        }
        let e = model.layout.embedding, I = model.shape.inputs
        #expect(r.gradients[e..<(e + I)].allSatisfy { $0 == 0 }, "the padding row gets no gradient")
    }

    /// Without --padding-idx the row moves (the 0.0134); the loss is the same.
    @Test func withoutPaddingIndexThePaddingRowHasAGradient() throws {
        let (model, data, json, _) = try Self.load()
        let r = GradientReport.compute(model: model.network, batch: data.batch, options: BPTTOptions(loss: .xentAll))
        let e = model.layout.embedding, I = model.shape.inputs
        #expect(r.gradients[e..<(e + I)].contains { abs($0) > 1e-4 })
        #expect(abs(r.loss - (json["loss"] as! NSNumber).doubleValue) < 1e-9)
    }

    /// Targets that are neither a class nor the ignore index are refused; so is a
    /// batch whose every target is ignored (PyTorch's mean would be NaN).
    @Test func theReaderTakesTheIgnoreIndexAndNothingElse() throws {
        let (model, _, json, _) = try Self.load()
        #expect(json["scored_targets"] as? Int == 30)
        var file = try SafeTensorsFile(contentsOf: Self.dir.appendingPathComponent("data.safetensors"))
        #expect(throws: ModelFileError.self, "-100 is not a class when the ignore index is 3") {
            try DataFile.read(file, for: model.layout, loss: .xentAll, ignoreIndex: 3)
        }
        file.tensors["targets"] = SafeTensor(int64s: [Int64](repeating: -100, count: 40), shape: [10, 4])
        #expect(throws: ModelFileError.self) { try DataFile.read(file, for: model.layout, loss: .xentAll) }
    }
}
