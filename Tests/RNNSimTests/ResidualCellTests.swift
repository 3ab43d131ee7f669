import Foundation
import Testing
@testable import RNNSim

/// The residual cell h_t = h_{t−1} + act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
/// against autograd: the residual-* cases in Fixtures/ come from a hand-written
/// torch loop (Fixtures/make_residual_fixtures.py; no torch.nn module computes
/// this cell). Loss, every parameter gradient and every ‖∂L/∂h_t‖ agree to 1e-4
/// relative error in Double and in the Float engine. The finite differences of
/// the cell are in GatedFiniteDifferenceTests (its modes include it).
@Suite struct ResidualCellTests {
    static let cases = ["residual-tanh-mse-last", "residual-tanh-xent-all-2layers-truncate4-clip", "residual-relu-nobias-mse-all-h0"]

    @Test(arguments: cases)
    func doublePrecisionMatchesAutograd(name: String) throws {
        let c = try GatedReferenceTests.load(name)
        #expect(c.model.cell == .residual)
        let net = c.model.converted(to: Double.self), data = c.batch.converted(to: Double.self)
        let bptt = BPTT<Double>(shape: net.shape, steps: data.steps, batchSize: data.size, window: 4)
        var g = [Double](repeating: 0, count: net.layout.count)
        let s = bptt.run(net, data, c.options, gradients: &g)
        try GatedReferenceTests.check(c, loss: s.loss, gradNorm: s.gradNorm, clipScale: s.clipScale, gradients: g,
                                      hidden: bptt.hiddenGradNorms, memory: [], tol: 1e-4)
    }

    @Test(arguments: cases)
    func singlePrecisionMatchesAutograd(name: String) throws {
        let c = try GatedReferenceTests.load(name)
        let bptt = BPTT<Float>(shape: c.model.shape, steps: c.batch.steps, batchSize: c.batch.size)
        var g = [Float](repeating: 0, count: c.model.layout.count)
        let s = bptt.run(c.model, c.batch, c.options, gradients: &g)
        try GatedReferenceTests.check(c, loss: s.loss, gradNorm: s.gradNorm, clipScale: s.clipScale, gradients: g.map { Double($0) },
                                      hidden: bptt.hiddenGradNorms, memory: [], tol: 1e-3)
    }

    /// The identity path is what keeps the gradient: the same weights as an Elman
    /// cell lose it over T steps, as the residual cell does not (the lecture's claim,
    /// on one small case: tanh, W_hh of spectral radius 0.5, T = 40).
    @Test func theIdentityPathKeepsWhatTheElmanCellLoses() {
        var ratios: [CellKind: Double] = [:]
        for cell in [CellKind.rnn, .residual] {
            let shape = RNNShape(inputs: 2, hidden: 16, outputs: 1, cell: cell)
            let net: RNN<Double> = Initialisation(kind: .spectral, rho: 0.5).make(shape, activation: .tanh, seed: 3)
            var rng = SeededRandom(seed: 4)
            let batch = AddingProblem(steps: 40).batch(size: 4, rng: &rng).converted(to: Double.self)
            let bptt = BPTT<Double>(shape: shape, steps: 40, batchSize: 4)
            var g = [Double](repeating: 0, count: net.layout.count)
            _ = bptt.run(net, batch, BPTTOptions(loss: .mseLast), gradients: &g)
            ratios[cell] = bptt.hiddenGradNorms[0][0] / bptt.hiddenGradNorms[0][39]
        }
        #expect(ratios[.rnn]! < 1e-8, "Elman: \(ratios[.rnn]!)")
        // each step keeps at least 1 − γ·σ_max of it; σ_max of a ρ = 0.5 Gaussian W_hh is about 1
        #expect(ratios[.residual]! > 1e-2 && ratios[.residual]! < 1e3, "residual: \(ratios[.residual]!)")
    }
}
