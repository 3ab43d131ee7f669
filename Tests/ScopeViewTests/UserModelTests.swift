import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// The live view on a model opened with --model: its keys, and the save key end to end.
@Suite(.serialized) struct UserModelTests {
    /// A stock state dict (`rnn.` + `fc.`, bias=False) and 5 sequences of data for it.
    static func user(savePath: String) throws -> UserModel {
        var rng = SeededRandom(seed: 3)
        func t(_ shape: [Int]) -> SafeTensor { SafeTensor(floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal() * 0.3) }, shape: shape) }
        let model = SafeTensorsFile(tensors: ["rnn.weight_ih_l0": t([6, 2]), "rnn.weight_hh_l0": t([6, 6]), "fc.weight": t([3, 6]), "fc.bias": t([3])])
        let (T, B) = (9, 5)
        let data = SafeTensorsFile(tensors: ["inputs": t([T, B, 2]), "targets": t([T, B, 3])])
        let stock = try ModelFile.read(model)
        return UserModel(model: stock, data: try DataFile.read(data, for: stock.layout, loss: nil), modelPath: "m.safetensors", savePath: savePath)
    }

    static func state(_ user: UserModel, batch: Int = 2) -> AppState {
        var base = Settings()
        base.batch = batch
        let settings = user.settings(from: base)
        return AppState(scenario: Scenario(name: "model", title: "Your model", settings: settings))
    }

    @Test func wSavesOnlyAUserModelAndSaysWhere() throws {
        var plain = AppState(scenario: Scenario(name: "x", title: "x"))
        #expect(update(&plain, .key(.char("w"))).isEmpty)
        #expect(plain.status?.text.contains("--model") == true)
        var s = Self.state(try Self.user(savePath: "/tmp/out.safetensors"))
        #expect(update(&s, .key(.char("w"))) == [.saveWeights])
        #expect(s.status?.text.contains("/tmp/out.safetensors") == true)
        // The session's answer lands on the status line.
        var answer = SessionUpdate(generation: s.generation)
        answer.notice = "saved the weights of iteration 3 to /tmp/out.safetensors"
        _ = update(&s, .report(answer))
        #expect(s.status?.text == "saved the weights of iteration 3 to /tmp/out.safetensors")
    }

    @Test func theKeyBarShowsSaveOnlyWithAModel() {
        #expect(Keymap.bar(for: .normal, hasModel: true).contains { $0.action == .saveWeights })
        #expect(!Keymap.bar(for: .normal).contains { $0.action == .saveWeights })
        #expect(Keymap.bindings.contains { $0.action == .saveWeights && $0.keys == [.char("w")] && $0.help.contains("--model") })
    }

    @Test func irnnReplacesTheModelsRecurrentWeightsAndSaysSo() throws {
        let user = try Self.user(savePath: "/tmp/x.safetensors")
        var s = Self.state(user)
        let commands = update(&s, .key(.char("i")))
        guard case .reinitialise(let settings) = commands.first else { Issue.record("no reinitialise: \(commands)"); return }
        #expect(settings.userModel === user && settings.initKind == .identity && settings.activation == .relu)
        #expect(s.status?.text.contains("your model's W_hh") == true)
        let net = user.network(settings)
        let L = net.layout
        #expect(Array(net.parameters[L.weightHH(0)..<(L.weightHH(0) + 36)]) == (0..<36).map { $0 % 7 == 0 ? 1 : 0 })
        #expect(net.parameters[L.weightIH(0)..<L.weightHH(0)] == user.model.network.parameters[L.weightIH(0)..<L.weightHH(0)])
        // Off again: the weights as loaded, with the model's own nonlinearity.
        let back = update(&s, .key(.char("i")))
        guard case .reinitialise(let off) = back.first else { Issue.record("no reinitialise"); return }
        #expect(user.network(off).parameters == user.model.network.parameters && off.activation == .tanh)
    }

    @Test func aSessionTrainsTheModelInMinibatchesAndSavesItAsRead() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-live-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let user = try Self.user(savePath: out.path)
        let session = LiveSession(settings: Self.state(user, batch: 2).settings)
        session.start()
        defer { session.stop() }
        let c = LiveSessionTests.Collector(session)
        #expect(c.poll { $0.iterations.count >= 3 && $0.lastReport != nil })
        #expect(c.updates.allSatisfy { $0.chanceLoss == nil }, "no chance line for the user's data")
        #expect(c.lastReport?.hiddenGradNorms.first?.count == 9)
        session.send(.saveWeights)
        #expect(c.poll { $0.updates.contains { $0.notice?.hasPrefix("saved the weights") == true } })
        let saved = try SafeTensorsFile(contentsOf: out)
        #expect(Set(saved.tensors.keys) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", "fc.bias"])
        #expect(saved["rnn.weight_hh_l0"]?.shape == [6, 6] && saved["fc.weight"]?.dtype == .f32)
    }
}
