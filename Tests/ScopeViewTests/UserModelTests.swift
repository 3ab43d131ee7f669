import Foundation
@testable import ModelIO
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
        #expect(plain.ui.status?.text.contains("--model") == true)
        var s = Self.state(try Self.user(savePath: "/tmp/out.safetensors"))
        #expect(update(&s, .key(.char("w"))) == [.saveWeights])
        #expect(s.ui.status?.text.contains("/tmp/out.safetensors") == true)
        // The session's answer lands on the status line.
        var answer = SessionUpdate(generation: s.a.generation)
        answer.notice = "saved the weights of iteration 3 to /tmp/out.safetensors"
        _ = update(&s, .report(answer))
        #expect(s.ui.status?.text == "saved the weights of iteration 3 to /tmp/out.safetensors")
    }

    @Test func theKeyBarShowsSaveOnlyWithAModel() {
        #expect(Keymap.bar(for: .normal, hasModel: true).contains { $0.action == .saveWeights })
        #expect(!Keymap.bar(for: .normal, hasModel: true).contains { $0.action == .cycleCell }, "the cell is the model's")
        #expect(!Keymap.bar(for: .normal).contains { $0.action == .saveWeights })
        #expect(Keymap.bindings.contains { $0.action == .saveWeights && $0.keys == [.char("w")] && $0.help.contains("--model") })
    }

    @Test func irnnReplacesTheModelsRecurrentWeightsAndSaysSo() throws {
        let user = try Self.user(savePath: "/tmp/x.safetensors")
        var s = Self.state(user)
        let commands = update(&s, .key(.char("i")))
        guard case .run(.reinitialise(let settings), .a) = commands.first else { Issue.record("no reinitialise: \(commands)"); return }
        #expect(settings.userModel === user && settings.initKind == .identity && settings.activation == .relu)
        #expect(s.ui.status?.text.contains("your model's W_hh") == true)
        let net = user.network(settings)
        let L = net.layout
        #expect(Array(net.parameters[L.weightHH(0)..<(L.weightHH(0) + 36)]) == (0..<36).map { $0 % 7 == 0 ? 1 : 0 })
        #expect(net.parameters[L.weightIH(0)..<L.weightHH(0)] == user.model.network.parameters[L.weightIH(0)..<L.weightHH(0)])
        // Off again: the weights as loaded, with the model's own nonlinearity.
        let back = update(&s, .key(.char("i")))
        guard case .run(.reinitialise(let off), .a) = back.first else { Issue.record("no reinitialise"); return }
        #expect(user.network(off).parameters == user.model.network.parameters && off.activation == .tanh)
    }

    @Test func aSessionTrainsTheModelInMinibatchesAndSavesItAsRead() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-live-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let user = try Self.user(savePath: out.path)
        let session = LiveSession(settings: Self.state(user, batch: 2).a.settings)
        session.start()
        defer { session.stop() }
        let c = LiveSessionTests.Collector(session)
        #expect(c.poll { $0.iterations.count >= 3 && $0.lastReport != nil })
        #expect(c.updates.allSatisfy { $0.chanceLoss == nil }, "no chance line for the user's data")
        #expect(c.lastReport?.hiddenGradNorms.first?.count == 9)
        session.send(.saveWeights)
        #expect(c.poll { $0.updates.contains { $0.notice?.hasPrefix("saved iteration") == true } })
        let saved = try SafeTensorsFile(contentsOf: out)
        #expect(Set(saved.tensors.keys) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", "fc.bias"])
        #expect(saved["rnn.weight_hh_l0"]?.shape == [6, 6] && saved["fc.weight"]?.dtype == .f32)
    }

    /// `w` on a run that diverged saves nothing and says why: its weights are frozen
    /// where the gradient became Inf/NaN.
    @Test func wRefusesADivergedRun() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-diverged-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        var settings = Self.state(try Self.user(savePath: out.path)).a.settings
        settings.optimizer = .sgd
        settings.learningRate = 1e6
        let session = LiveSession(settings: settings)
        session.start()
        defer { session.stop() }
        let c = LiveSessionTests.Collector(session)
        #expect(c.poll { $0.updates.contains { $0.diverged == true } })
        session.send(.saveWeights)
        #expect(c.poll { $0.updates.contains { $0.notice?.hasPrefix("not saved: the run diverged at iteration ") == true } })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Issue 20: with --drop-unrun-tensors (a LayerNorm left out), w refuses to
    /// write weights that would load into the model as trained with it.
    @Test func wRefusesAModelRunWithoutSomeOfItsTensors() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-dropped-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let plain = try Self.user(savePath: out.path)
        var file = SafeTensorsFile(tensors: [:])
        for (i, e) in plain.model.layout.entries.enumerated() {
            file.tensors[plain.model.fileNames[i]] = SafeTensor(floats: Array(plain.model.network.parameters[e.range]), shape: e.dims)
        }
        file.tensors["norm.weight"] = SafeTensor(floats: [Float](repeating: 1, count: 6), shape: [6])
        #expect(throws: ModelFileError.self) { try ModelFile.read(file) }
        let stock = try ModelFile.read(file, options: ModelReadOptions(dropUnrun: true))
        #expect(stock.dropped.keys.sorted() == ["norm.weight"] && stock.saveRefusal != nil)
        let user = UserModel(model: stock, data: plain.data, modelPath: "m.safetensors", savePath: out.path)
        let session = LiveSession(settings: Self.state(user).a.settings)
        session.start()
        defer { session.stop() }
        let c = LiveSessionTests.Collector(session)
        session.send(.saveWeights)
        #expect(c.poll { $0.updates.contains { $0.notice?.hasPrefix("not saved: the run left out 'norm.weight'") == true } })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// `run --model M --data D --vs key=value`: both runs start from the model's weights and
    /// draw the same minibatches of its data (2 of its 5 sequences, at random), in lockstep.
    @Test func versusOnAUserModelStartsBothFromItsWeightsAndBatches() throws {
        let user = try Self.user(savePath: "/tmp/unused.safetensors")
        let settings = Self.state(user, batch: 2).a.settings
        var clipped = settings
        clipped.clip = 1e-3
        let gate = Lockstep()
        let a = LiveSession(settings: settings, lockstep: (gate, 0))
        let b = LiveSession(settings: clipped, lockstep: (gate, 1))
        let same = LiveSession(settings: settings)
        a.start()
        b.start()
        same.start()
        defer {
            a.stop()
            b.stop()
            same.stop()
        }
        let ca = LiveSessionTests.Collector(a), cb = LiveSessionTests.Collector(b), cs = LiveSessionTests.Collector(same)
        #expect(ca.poll { ca in
            if let u = cb.session.poll() { cb.updates.append(u) }
            if let u = cs.session.poll() { cs.updates.append(u) }
            return ca.iterations.count >= 8 && cb.iterations.count >= 8 && cs.iterations.count >= 8
        })
        // A alone and A in the lockstep are the same run: the same minibatches in the same order.
        #expect(ca.iterations.prefix(8).map(\.loss) == cs.iterations.prefix(8).map(\.loss))
        // B: the same weights and first minibatch (clipping changes only the update), then it parts.
        #expect(ca.iterations.first?.loss == cb.iterations.first?.loss)
        #expect(ca.iterations[7].loss != cb.iterations[7].loss)
        #expect(cb.updates.allSatisfy { $0.error == nil && $0.chanceLoss == nil })
    }

    /// `v` on a model opened with --model: B goes on from A's trainer (weights, optimiser,
    /// the stream of minibatches of the user's data) exactly.
    @Test func aForkOfAUserModelContinuesExactly() throws {
        let settings = Self.state(try Self.user(savePath: "/tmp/unused.safetensors"), batch: 2).a.settings
        let a = LiveSession(settings: settings, running: false)
        a.start()
        defer { a.stop() }
        let ca = LiveSessionTests.Collector(a)
        a.send(.stepOnce)
        a.send(.stepOnce)
        #expect(ca.poll { $0.iterations.count == 3 })
        let b = LiveSessionTests.fork(a, settings: settings)
        defer { b.stop() }
        let cb = LiveSessionTests.Collector(b)
        for _ in 0..<3 {
            a.send(.stepOnce)
            b.send(.stepOnce)
        }
        #expect(ca.poll { $0.iterations.last?.iteration == 6 })
        #expect(cb.poll { $0.iterations.last?.iteration == 6 })
        #expect(cb.iterations.map(\.iteration) == [4, 5, 6], "no first iteration of its own")
        #expect(ca.iterations.suffix(3).map(\.loss) == cb.iterations.map(\.loss))
    }

    /// In the split, w saves the focused run; B's answer is marked as B's.
    @Test func wInTheSplitSavesTheFocusedRun() throws {
        var s = Self.state(try Self.user(savePath: "/tmp/out.safetensors"))
        let r = Fixture.report(norms: Fixture.decaying(steps: 9))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r)))
        #expect(update(&s, .key(.char("v"))) == [.openSplit(s.a.settings)])
        #expect(update(&s, .key(.char("w"))) == [.saveWeights])
        #expect(s.ui.status?.text == "A: saving to /tmp/out.safetensors…")
        var answer = SessionUpdate(generation: s.a.generation)
        answer.notice = "saved the weights of iteration 3 to /tmp/out.safetensors"
        _ = update(&s, .report(answer))
        #expect(s.ui.status?.text == "A: saved the weights of iteration 3 to /tmp/out.safetensors")
        _ = update(&s, .key(.tab))
        #expect(update(&s, .key(.char("w"))) == [.sideB(.saveWeights)])
        #expect(s.ui.status?.text == "B: saving to /tmp/out.safetensors…")
        answer = SessionUpdate(generation: 0)
        answer.notice = "saved the weights of iteration 5 to /tmp/out.safetensors"
        _ = update(&s, .reportB(answer))
        #expect(s.ui.status?.text == "B: saved the weights of iteration 5 to /tmp/out.safetensors")
    }

    /// With a model, w Save is in the bar and the bar still fits 100 columns, alone and split;
    /// s Scen gives way (help still lists it).
    @Test func theKeyBarWithAModelFitsAt100Columns() throws {
        var s = Self.state(try Self.user(savePath: "/tmp/out.safetensors"))
        _ = update(&s, .resize(width: 100, height: 30))
        let r = Fixture.report(norms: Fixture.decaying(steps: 9))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r)))
        var split = s
        _ = update(&split, .resize(width: 120, height: 40))
        _ = update(&split, .key(.char("v")))
        for (state, row, isSplit) in [(s, 29, false), (split, 39, true)] {
            let bar = Fixture.render(state).line(row)
            let entries = Keymap.bar(for: .normal, hasModel: true, split: isSplit)
            #expect(entries.contains { $0.action == .saveWeights } && !entries.contains { $0.action == .openPicker })
            for b in entries {
                #expect(bar.contains(b.keyLabel + (b.barLabel ?? "")) || bar.contains(b.keyLabel + " " + (b.barLabel ?? "")),
                        "\(b.keyLabel) \(b.barLabel ?? "")")
            }
        }
        #expect(Keymap.bindings.contains { $0.action == .openPicker && $0.keys == [.char("s")] })
    }

    /// e names a model's figures after its file, not the placeholder scenario name.
    @Test func figuresOfAModelAreNamedAfterItsFile() throws {
        let user = try Self.user(savePath: "/tmp/out.safetensors")
        var s = Self.state(user)
        #expect(s.a.figureName == "m")
        let r = Fixture.report(iteration: 12, norms: Fixture.decaying(steps: 9))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r)))
        #expect(update(&s, .key(.char("e"))) == [.exportFrame(baseName: "rnnscope-m-it12")])
        let plain = AppState(scenario: Scenario(name: "vanishing", title: "x"))
        #expect(plain.a.figureName == "vanishing")
    }
}
