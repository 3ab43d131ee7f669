import Foundation
import RealModule
import Testing
@testable import RNNSim
import Spectral

@Suite struct GatedInitialisationTests {
    /// Every gate block gets the kind's own W_hh (orthogonal here: each block's
    /// singular values are all ρ), biases start at 0 but for the LSTM's b_f.
    @Test(arguments: [CellKind.lstm, .gru])
    func eachGateBlockIsInitialisedAsTheKindSays(cell: CellKind) {
        let shape = RNNShape(inputs: 3, hidden: 6, layers: 2, outputs: 2, cell: cell)
        let net: RNN<Double> = Initialisation(kind: .orthogonal, rho: 0.7, forgetBias: 1.5).make(shape, activation: .tanh, seed: 4)
        let L = net.layout, H = 6, G = cell.gates
        for k in 0..<2 {
            for gate in 0..<G {
                let o = L.weightHH(k) + gate * H * H
                let block = Array(net.parameters[o..<(o + H * H)])
                #expect(abs(Spectral.largestSingularValue(block, rows: H, cols: H) - 0.7) < 1e-9)
            }
            let bih = Array(net.parameters[L.biasIH(k)..<(L.biasIH(k) + G * H)])
            let bhh = Array(net.parameters[L.biasHH(k)..<(L.biasHH(k) + G * H)])
            #expect(bhh.allSatisfy { $0 == 0 })
            for (r, b) in bih.enumerated() {
                #expect(b == (cell == .lstm && r / H == 1 ? 1.5 : 0), "bias_ih_l\(k)[\(r)]")
            }
        }
    }

    /// With the weights near zero, every forget gate is σ(b_f), and the cell path
    /// the engine records from step 1 to T is σ(b_f)^T: 7.9e-31 at b_f = 0,
    /// 2.5e-14 at 1, 3.1e-6 at 2 over 100 steps.
    @Test(arguments: [(0.0, 7.9e-31), (1.0, 2.5e-14), (2.0, 3.1e-6)])
    func cellPathAtInitialisationIsSigmaOfTheForgetBiasToTheT(forgetBias: Double, figure: Double) {
        let T = 100
        let shape = RNNShape(inputs: 2, hidden: 4, layers: 1, outputs: 1, cell: .lstm)
        let net: RNN<Float> = Initialisation(kind: .spectral, rho: 0, inputStd: 1e-9, forgetBias: forgetBias)
            .make(shape, activation: .tanh, seed: 1)
        var rng = SeededRandom(seed: 2)
        let batch = Batch<Float>(steps: T, size: 3, inputWidth: 2, inputs: (0..<(T * 3 * 2)).map { _ in Float(rng.normal()) },
                                 targets: .real([0, 0, 0]))
        let bptt = BPTT<Float>(shape: shape, steps: T, batchSize: 3)
        var g = [Float](repeating: 0, count: net.layout.count)
        _ = bptt.run(net, batch, BPTTOptions(loss: .mseLast, recordJacobians: true), gradients: &g)
        let sigma = 1 / (1 + Double.exp(-forgetBias))
        let expected = Double.pow(sigma, Double(T))
        #expect(abs(bptt.pathProducts[0][0] - expected) <= 1e-4 * expected, "\(bptt.pathProducts[0][0]) vs σ(b_f)^T = \(expected)")
        #expect(abs(expected - figure) <= 0.05 * figure)
        #expect(abs(bptt.pathGateMeans[0][T / 2] - sigma) <= 1e-6)
        #expect(bptt.pathProducts[0][T - 1] <= 1 && bptt.pathProducts[0][T - 1] == bptt.pathGateMeans[0][T - 1])
    }
}

/// Sampling text steps the network one character at a time through the same
/// cell code: its hidden states must be the ones a BPTT forward pass computes.
@Suite struct GatedSamplingTests {
    @Test(arguments: CellKind.allCases)
    func stepperFollowsTheForwardPass(cell: CellKind) {
        let V = 5, T = 9
        let shape = RNNShape(inputs: V, hidden: 20, layers: 2, outputs: V, cell: cell)
        let net: RNN<Float> = Initialisation(kind: .orthogonal, rho: 1.2, forgetBias: 0.5).make(shape, activation: .tanh, seed: 3)
        let ids = (0..<T).map { ($0 * 3 + 1) % V }
        var x = [Float](repeating: 0, count: T * V)
        for (t, c) in ids.enumerated() { x[t * V + c] = 1 }
        let bptt = BPTT<Float>(shape: shape, steps: T, batchSize: 1)
        var g = [Float](repeating: 0, count: net.layout.count)
        _ = bptt.run(net, Batch(steps: T, size: 1, inputWidth: V, inputs: x, targets: .classes(ids.map { Int32($0) })),
                     BPTTOptions(loss: .xentAll), gradients: &g)
        var stepper = CharLanguageModel.Stepper(model: net)
        for (t, c) in ids.enumerated() {
            _ = stepper.step(input: c)
            for k in 0..<2 {
                let expected = bptt.hiddenStates(layer: k)[(t * 20)..<((t + 1) * 20)]
                for (a, b) in zip(stepper.hidden[k], expected) { #expect(abs(a - b) <= 1e-5, "layer \(k) step \(t)") }
            }
        }
    }
}
