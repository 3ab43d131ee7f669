import Spectral
/// What one training iteration measured.
public struct IterationReport: Sendable, Equatable {
    /// Iterations completed, counting this one (1-based).
    public var iteration: Int
    public var loss: Double
    /// Global gradient norm before clipping.
    public var gradNorm: Double
    public var clipScale: Double
    /// Whether norm clipping scaled the gradient this iteration.
    public var clipped: Bool
    public var valueClipped: Bool
    /// Inf or NaN appeared: the parameters were not updated, and the run stops updating.
    public var nonfinite: Bool
    /// ρ(W_hh) and σ_max(W_hh) of each layer, before the update. NaN when not measured.
    public var spectralRadius: [Double]
    public var largestSingularValue: [Double]
    /// ‖∂L/∂h_t‖ per layer, each of length T.
    public var hiddenGradNorms: [[Double]]
    /// ‖diag(act'(a_t)) W_hh‖₂ per layer, each of length T (NaN when not measured).
    public var jacobianNorms: [[Double]]
    /// ‖∂L/∂c_t‖ per layer for an LSTM, each of length T; empty for the other cells.
    public var cellGradNorms: [[Double]] = []
    /// The gate on a gated cell's direct path (LSTM f, GRU z): its mean per step,
    /// the mean of Π_{u=t}^{T} of it per step, and the fraction saturated (< 0.05
    /// or > 0.95) per layer. Empty for the Elman cell, NaN when not measured.
    public var pathGateMeans: [[Double]] = []
    public var pathProducts: [[Double]] = []
    public var pathGateSaturation: [Double] = []
    /// Each step's term of ∂L/∂W_hh (nil unless asked for).
    public var stepGradients: StepGradients? = nil
    /// A char-LM's mean cross-entropy (nats) on its held-out text after this
    /// iteration's update (`Trainer.heldOutLoss`); nil where not measured.
    public var heldOutLoss: Double? = nil

}

extension IterationReport {
    /// For a report read back (a run stream), outside this module.
    public init(iteration: Int, loss: Double, gradNorm: Double, clipScale: Double, clipped: Bool, valueClipped: Bool,
                nonfinite: Bool, spectralRadius: [Double], largestSingularValue: [Double], hiddenGradNorms: [[Double]],
                jacobianNorms: [[Double]], cellGradNorms: [[Double]] = []) {
        self.iteration = iteration
        self.loss = loss
        self.gradNorm = gradNorm
        self.clipScale = clipScale
        self.clipped = clipped
        self.valueClipped = valueClipped
        self.nonfinite = nonfinite
        self.spectralRadius = spectralRadius
        self.largestSingularValue = largestSingularValue
        self.hiddenGradNorms = hiddenGradNorms
        self.jacobianNorms = jacobianNorms
        self.cellGradNorms = cellGradNorms
    }
}
