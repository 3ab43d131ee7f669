import Testing
@testable import RNNSim

/// The Float engine (tuned kernels, W_hh packed once per pass, subnormals
/// flushed) against the Double engine (the plain loops the finite-difference
/// tests check), at batch sizes and widths where every fast path is taken.
@Suite struct FloatEngineTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        var hidden: Int, batch: Int, layers: Int, truncate: Int, activation: Activation
        var testDescription: String { "H=\(hidden) B=\(batch) layers=\(layers) K=\(truncate) \(activation.rawValue)" }
    }

    @Test(arguments: [
        Shape(hidden: 40, batch: 32, layers: 2, truncate: 0, activation: .tanh),
        Shape(hidden: 64, batch: 5, layers: 1, truncate: 7, activation: .relu),
        Shape(hidden: 33, batch: 1, layers: 1, truncate: 0, activation: .sigmoid),
        Shape(hidden: 96, batch: 48, layers: 1, truncate: 0, activation: .tanh),
    ])
    func floatMatchesDouble(shape: Shape) {
        let T = 50, I = 3
        let net = RNNShape(inputs: I, hidden: shape.hidden, layers: shape.layers, outputs: 2)
        let double: RNN<Double> = Initialisation(kind: .spectral, rho: 0.9).make(net, activation: shape.activation, seed: 3)
        var float = RNN<Float>(shape: net, activation: shape.activation)
        float.parameters = double.parameters.map { Float($0) }
        var rng = SeededRandom(seed: 4)
        let x = (0..<(T * shape.batch * I)).map { _ in rng.normal() }
        let y = (0..<(T * shape.batch * 2)).map { _ in rng.normal() }
        let batch = Batch<Double>(steps: T, size: shape.batch, inputWidth: I, inputs: x, targets: .real(y))
        let options = BPTTOptions(loss: .mseAll, truncate: shape.truncate)

        let d = BPTT<Double>(shape: net, steps: T, batchSize: shape.batch, window: 9)
        var gd = [Double](repeating: 0, count: double.layout.count)
        let sd = d.run(double, batch, options, gradients: &gd)
        let f = BPTT<Float>(shape: net, steps: T, batchSize: shape.batch, window: 9)
        var gf = [Float](repeating: 0, count: float.layout.count)
        let sf = f.run(float, batch.converted(), options, gradients: &gf)

        #expect(abs(sf.loss - sd.loss) <= 1e-5 * abs(sd.loss))
        #expect(abs(sf.gradNorm - sd.gradNorm) <= 1e-4 * sd.gradNorm)
        let scale = gd.map(abs).max()!
        #expect(scale > 0)
        let worst = zip(gf, gd).map { abs(Double($0) - $1) }.max()!
        #expect(worst <= 1e-4 * scale, "largest gradient difference \(worst), largest gradient \(scale)")
        for k in 0..<shape.layers {
            for (a, b) in zip(f.hiddenGradNorms[k], d.hiddenGradNorms[k]) {
                #expect(abs(a - b) <= 1e-4 * b + 1e-12, "layer \(k): ‖∂L/∂h‖ \(a) vs \(b)")
            }
        }
    }
}

/// The recurrence split by batch rows over threads (each block of rows runs
/// every step on its own) gives the bits of the unsplit pass: gradients, loss
/// and every recorded norm, for each cell, with windows, truncation and layers.
@Suite struct RowBlockTests {
    /// A two-layer network of `cell` with 3 inputs and 2 outputs, and a batch of Gaussian inputs and targets.
    static func problem(_ cell: CellKind, hidden: Int, steps T: Int, batch B: Int, seed: UInt64) -> (RNNShape, RNN<Float>, Batch<Float>) {
        let I = 3
        let shape = RNNShape(inputs: I, hidden: hidden, layers: 2, outputs: 2, cell: cell)
        let net: RNN<Float> = Initialisation(kind: .spectral, rho: 1.1, forgetBias: 0.5).make(shape, activation: .tanh, seed: seed)
        var rng = SeededRandom(seed: seed + 1)
        let batch = Batch<Float>(steps: T, size: B, inputWidth: I, inputs: (0..<(T * B * I)).map { _ in Float(rng.normal()) },
                                 targets: .real((0..<(T * B * 2)).map { _ in Float(rng.normal()) }))
        return (shape, net, batch)
    }

    @Test(arguments: CellKind.allCases)
    func rowBlocksChangeNoBit(cell: CellKind) {
        let T = 23, B = 11
        let (shape, net, batch) = Self.problem(cell, hidden: 37, steps: T, batch: B, seed: 5)
        for truncate in [0, 6] {
            let options = BPTTOptions(loss: .mseAll, truncate: truncate)
            func run(_ blocks: Int) -> (BPTTSummary, [Float], BPTT<Float>) {
                let bptt = BPTT<Float>(shape: shape, steps: T, batchSize: B, window: 5, rowBlocks: blocks)
                #expect(bptt.rowBlocks == blocks)
                var g = [Float](repeating: 0, count: net.layout.count)
                return (bptt.run(net, batch, options, gradients: &g), g, bptt)
            }
            let (s1, g1, b1) = run(1)
            #expect(g1.contains { $0 != 0 })
            for blocks in [2, 3] {
                let (s, g, b) = run(blocks)
                #expect(s.loss == s1.loss && s.gradNorm == s1.gradNorm, "\(blocks) blocks, K = \(truncate)")
                let differing = zip(g, g1).filter { $0 != $1 }.count
                #expect(differing == 0, "\(blocks) blocks, K = \(truncate): \(differing) of \(g.count) gradients differ")
                #expect(b.hiddenGradNorms == b1.hiddenGradNorms && b.cellGradNorms == b1.cellGradNorms)
                let states = zip(b.hiddenStates(layer: 1), b1.hiddenStates(layer: 1)).filter { $0 != $1 }.count
                #expect(states == 0, "\(blocks) blocks: \(states) hidden states differ")
            }
        }
    }

    /// Batch 1 (and small batches whose recurrence runs on one thread): each window's ∂W_hh
    /// product runs on a helper during the next window, which writes its ∂L/∂a into a second
    /// buffer. The same bits as every product in turn on the caller's thread: gradients, loss,
    /// norms, each step's own ∂W_hh term, for each cell, with truncation and two layers.
    @Test(arguments: CellKind.allCases, [1, 3])
    func deferredProductsChangeNoBit(cell: CellKind, batch B: Int) throws {
        let T = 41
        let (shape, net, batch) = Self.problem(cell, hidden: 19, steps: T, batch: B, seed: 8)
        for truncate in [0, 7] {
            let options = BPTTOptions(loss: .mseAll, truncate: truncate, recordStepGradients: true)
            func run(_ deferring: Bool) -> (BPTTSummary, [Float], BPTT<Float>) {
                let bptt = BPTT<Float>(shape: shape, steps: T, batchSize: B, window: 6, deferring: deferring)
                #expect((bptt.deferred != nil) == (deferring && KernelThreads.count > 1))
                var g = [Float](repeating: 0, count: net.layout.count)
                return (bptt.run(net, batch, options, gradients: &g), g, bptt)
            }
            let (s0, g0, b0) = run(false), (s1, g1, b1) = run(true)
            #expect(g0.contains { $0 != 0 })
            #expect(s1.loss == s0.loss && s1.gradNorm == s0.gradNorm)
            let differing = zip(g1, g0).filter { $0 != $1 }.count
            #expect(differing == 0, "\(cell) B \(B) K \(truncate): \(differing) of \(g0.count) gradients differ")
            #expect(b1.hiddenGradNorms == b0.hiddenGradNorms && b1.cellGradNorms == b0.cellGradNorms)
            let terms0 = try #require(b0.stepGradients), terms1 = try #require(b1.stepGradients)
            #expect(terms1.norms == terms0.norms)
        }
    }

    /// Rows are split only for Float (the helpers flush subnormals, as Float
    /// passes do), and only when each block has enough rows for the tiled product.
    @Test func whenRowsAreSplit() {
        let lstm = RNNShape(inputs: 8, hidden: 256, outputs: 8, cell: .lstm)
        #expect(BPTT<Double>(shape: lstm, steps: 4, batchSize: 32).rowBlocks == 1)
        #expect(BPTT<Float>(shape: lstm, steps: 4, batchSize: 1).rowBlocks == 1)
        #expect(BPTT<Float>(shape: lstm, steps: 4, batchSize: 32).rowBlocks == min(KernelThreads.count, 32 / BPTT<Float>.minimumRows))
        // W_hh of 1 MB and more (Elman) or 2 MB (gated): each product split by columns instead
        #expect(BPTT<Float>.rowBlocks(batch: 64, hidden: 512, gates: 1) == 1)
        #expect(BPTT<Float>.rowBlocks(batch: 64, hidden: 512, gates: 4) == 1)
        #expect(BPTT<Float>.rowBlocks(batch: 64, hidden: 256, gates: 1) == min(KernelThreads.count, 16))
    }
}
