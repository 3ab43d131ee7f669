import Foundation
import RNNSim
import Testing
@testable import Scenarios

/// The `gate_path` claim: the mean over units of each unit's gate product from
/// step t to T, at one iteration.
@Suite struct GatePathClaimTests {
    static func scenario(cell: String = "lstm", forgetBias: Double = 0, claim: String) throws -> Scenario {
        try ScenarioLibrary.parse("""
        title = "g"
        seed = 4
        [network]
        hidden = 8
        cell = "\(cell)"
        [init]
        forget_bias = \(forgetBias)
        [task]
        kind = "adding"
        steps = 20
        [[expect]]
        metric = "gate_path"
        \(claim)
        """, path: "g.toml")
    }

    /// The figure is the product the engine records for that iteration (a fresh
    /// trainer on the same seed sees the same weights and batch).
    @Test func measuresTheRecordedProduct() throws {
        let s = try Self.scenario(claim: "below = 1")
        let m = s.claims[0].measures[0]
        let trace = Trace.record(RunPlan(settings: m.settings, label: "g", measures: [m]))
        let r = try #require(trace.reports[1])
        let recorded = try Trainer(settings: s.settings).step()
        #expect(r.pathProducts == recorded.pathProducts)
        let outcome = Evaluate.measure(m, trace)
        #expect(outcome.text.hasPrefix("mean over units of Π_{u=1}^{20} f_u = \(Format.figure(recorded.pathProducts[0][0]))"))
        #expect(outcome.text.contains("σ(b_f)^20 = \(Format.figure(pow(0.5, 20)))"))
        #expect(outcome.passed)
    }

    /// Over one step (t = T) the product is the gate itself: its mean is the mean gate.
    @Test func oneStepIsTheMeanGate() throws {
        let s = try Self.scenario(claim: "step = 20\nabove = 0")
        let m = s.claims[0].measures[0]
        let r = try #require(Trace.record(RunPlan(settings: m.settings, label: "g", measures: [m])).reports[1])
        #expect(abs(r.pathProducts[0][19] - r.pathGateMeans[0][19]) <= 1e-12)
    }

    /// A saturated forget gate (b_f = 10, f ≈ σ(10) in every unit) keeps σ(b_f)^T,
    /// and the claim's bounds decide.
    @Test func saturatedGateKeepsSigmaToTheT() throws {
        let expected = GatePath.forgetProduct(bias: 10, steps: 20)
        let pass = ScenarioCheck.run(try Self.scenario(forgetBias: 10, claim: "above = 0.998\nbelow = 1"))
        #expect(pass.count == 1 && pass[0].passed, "\(pass)")
        let fail = ScenarioCheck.run(try Self.scenario(forgetBias: 10, claim: "below = 0.99"))
        #expect(!fail[0].passed && fail[0].line.contains("not < 0.99"), "\(fail)")
        #expect(abs(expected - 0.999092) < 1e-6)
        // b_f = 0: each unit's f is about 1/2, so the mean product is nowhere near 1.
        let low = ScenarioCheck.run(try Self.scenario(claim: "below = 1e-3"))
        #expect(low[0].passed, "\(low)")
    }

    @Test func needsAGatedCellAndAThreshold() throws {
        #expect(throws: ScenarioError.self) { try Self.scenario(cell: "rnn", claim: "below = 1") }
        #expect(throws: ScenarioError.self) { try Self.scenario(claim: "") }
        #expect(throws: ScenarioError.self) { try Self.scenario(claim: "step = 21\nbelow = 1") }
        do {
            _ = try Self.scenario(cell: "rnn", claim: "below = 1")
        } catch let e as ScenarioError {
            #expect("\(e)".contains("gate_path needs a gated cell"))
        }
        // The GRU's path gate is z.
        let gru = ScenarioCheck.run(try Self.scenario(cell: "gru", claim: "below = 1"))
        #expect(gru[0].line.contains("Π_{u=1}^{20} z_u") && !gru[0].line.contains("σ(b_f)"), "\(gru)")
    }
}
