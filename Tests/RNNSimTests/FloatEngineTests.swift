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
