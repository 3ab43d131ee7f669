/// One forward pass and BPTT on a given model and batch, in double precision:
/// what `rnnscope grads` prints and writes.
public struct GradientReport: Sendable {
    public var loss: Double
    public var gradNorm: Double
    public var clipScale: Double
    public var nonfinite: Bool
    /// ∂L/∂θ after clipping, in the model's parameter layout.
    public var gradients: [Double]
    public var layout: ParameterLayout
    public var hiddenGradNorms: [[Double]]
    public var jacobianNorms: [[Double]]
    /// ‖∂L/∂c_t‖ per layer and step for an LSTM; empty for the other cells.
    public var cellGradNorms: [[Double]]

    /// Runs in Double, as PyTorch's float64 autograd does, so the figures match it
    /// to ~1e-12 rather than ~1e-6; Float weights and data convert exactly.
    public static func compute<F: RNNFloat>(model: RNN<F>, batch: Batch<F>, options: BPTTOptions) -> GradientReport {
        let net = model.converted(to: Double.self)
        let data = batch.converted(to: Double.self)
        let bptt = BPTT<Double>(shape: net.shape, steps: data.steps, batchSize: data.size)
        var g = [Double](repeating: 0, count: net.layout.count)
        var opts = options
        opts.recordJacobians = true
        let s = bptt.run(net, data, opts, gradients: &g)
        return GradientReport(loss: s.loss, gradNorm: s.gradNorm, clipScale: s.clipScale, nonfinite: s.nonfinite,
                              gradients: g, layout: net.layout,
                              hiddenGradNorms: bptt.hiddenGradNorms, jacobianNorms: bptt.jacobianNorms,
                              cellGradNorms: bptt.cellGradNorms)
    }
}
