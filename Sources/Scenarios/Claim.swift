import RNNSim

/// One `[[expect]]` entry: a statement about the scenario that `rnnscope check`
/// measures headlessly and prints as one PASS/FAIL line. A claim holds one
/// measurement, or several (`sides = [...]`, e.g. IRNN and tanh) printed on the
/// same line; it passes when every one does.
public struct Claim: Sendable {
    /// The line of the claim's `[[expect]]` header in its file (0 if built in code).
    public var line: Int
    public var measures: [Measure]

    public init(line: Int = 0, measures: [Measure]) {
        self.line = line
        self.measures = measures
    }
}

/// What a claim measures. Every metric yields one figure, compared with `below`
/// and/or `above` (see Scenarios/README.md for the vocabulary).
public enum Metric: String, CaseIterable, Sendable {
    /// ‖∂L/∂h_step‖ / ‖∂L/∂h_reference‖ at one iteration (default: iteration 1, h_1 over h_T).
    case gradRatio = "grad_ratio"
    /// The bare product dh ← dh·Wᵀ over T steps for `draws` random H×H matrices
    /// W = scale·randn: ‖dh_1‖ / ‖dh_T‖ for each draw. No network, no training.
    case productGrowth = "product_growth"
    /// The least-squares slope of log‖∂L/∂h_t‖ per step back in time, over
    /// `fit_steps`, against log ρ(W_hh) measured on the same weights.
    case slopeVsLogRho = "slope_vs_log_rho"
    /// Training hits Inf/NaN at or before iteration `iterations`.
    case nonfiniteWithin = "nonfinite_within"
    /// Training runs `iterations` iterations without any Inf/NaN.
    case finiteFor = "finite_for"
    /// The loss after `iterations` (mean of the last `window`) over the loss at
    /// the start (mean of the first `window`); `below` defaults to 1.
    case lossBelowStart = "loss_below_start"
    /// The loss after `iterations`: the mean of the last `window` iterations.
    case finalLoss = "final_loss"
    /// The first iteration at which the mean loss of the last `window` iterations
    /// is below `below`; passes if that happens within `iterations`. Training
    /// stops there, so a quick learner costs little.
    case lossReaches = "loss_reaches"
    /// exp(final loss) / exp(start loss), as `loss_below_start` but for perplexity.
    case perplexityRatio = "perplexity_ratio"
    /// ‖Σ_t ∂L/∂W_hh|_(t) − ∂L/∂W_hh‖ / ‖∂L/∂W_hh‖ at one iteration: each step's
    /// term of the repeated weight's gradient, summed separately, against BPTT's.
    case weightGradSum = "weight_grad_sum"
    /// The share of Σ_t ‖∂L/∂W_hh|_(t)‖ carried by the last `last_steps` steps.
    case weightGradShare = "weight_grad_share"
    /// char-lm with `task.heldout`: exp(cross-entropy) on the held-out text after `iterations`.
    case heldOutPerplexity = "heldout_perplexity"
    /// char-lm with `task.heldout`: the held-out perplexity of an add-one n-gram
    /// of `order` counted on the training text. No network.
    case nGramPerplexity = "ngram_perplexity"
    /// A gated cell's direct path at one iteration: Π_{u=step}^{T} of its gate
    /// (LSTM f, GRU z) for each unit and batch row, then the MEAN of those
    /// products. A mean of products sits above the product of the mean gate (and
    /// above σ(b_f)^T at an LSTM's initialisation): the units with larger f
    /// dominate it.
    case gatePath = "gate_path"

    /// Whether the metric needs a network run at all (the bare product and the n-grams do not).
    var needsRun: Bool { self != .productGrowth && self != .nGramPerplexity }

    /// Whether the metric trains (the others measure iteration `iteration` or no network at all).
    var trains: Bool {
        switch self {
        case .gradRatio, .productGrowth, .slopeVsLogRho, .weightGradSum, .weightGradShare, .nGramPerplexity, .gatePath: false
        default: true
        }
    }
}

/// One measurement of a claim: a metric, the settings it runs with, its
/// parameters and thresholds.
public struct Measure: Sendable {
    public var metric: Metric
    /// The variant measured (nil: the file's own settings).
    public var variant: String?
    /// The swept setting and its value, for a sweep claim.
    public var sweep: (key: String, value: Double)?
    /// The settings the measurement runs with: the file's, the variant's overrides, the sweep value.
    public var settings: Settings

    public var below: Double?
    public var above: Double?
    /// `grad_ratio`: the figure must lie outside this range (e.g. "not kept near 1").
    public var outside: ClosedRange<Double>?
    /// The iteration measured by `grad_ratio` and `slope_vs_log_rho` (1 = before any update).
    public var iteration = 1
    /// The training budget of the training metrics.
    public var iterations = 0
    /// Iterations averaged into one loss figure.
    public var window = 10
    /// `grad_ratio`: numerator and denominator steps, 1-based (nil reference = T).
    public var step = 1
    public var reference: Int?
    /// 1-based layer whose ‖∂L/∂h_t‖ is measured.
    public var layer = 1
    /// `slope_vs_log_rho`: the steps t (1-based, inclusive) the line is fitted over.
    public var fitSteps: ClosedRange<Int> = 1...1
    /// `slope_vs_log_rho`: allowed relative error |slope − log ρ| / |log ρ| ...
    public var tolerance = 0.05
    /// ... and the absolute error allowed where log ρ is about 0 (|log ρ| < 1e-3).
    public var absoluteTolerance = 0.05 * 0.10536051565782628
    /// Losses are divided by the task's chance loss (`relative_to = "chance"`).
    public var relativeToChance = false
    /// `product_growth`: random matrices drawn, and their scale.
    public var draws = 2
    public var scale = 1.0
    /// `weight_grad_share`: how many of the last steps are counted.
    public var lastSteps = 1
    /// `ngram_perplexity`: n.
    public var order = 2

    public init(metric: Metric, settings: Settings) {
        self.metric = metric
        self.settings = settings
    }

    /// Who is measured, for the PASS line: the variant, the sweep value, or "".
    public var label: String {
        var parts: [String] = []
        if let variant { parts.append(variant) }
        if let sweep { parts.append("\(Self.sweepName(sweep.key)) = \(Format.plain(sweep.value))") }
        return parts.joined(separator: ", ")
    }

    static func sweepName(_ key: String) -> String {
        switch key {
        case "init.rho": "ρ"
        case "init.alpha": "α"
        case "train.truncate": "K"
        case "task.lag": "L"
        case "task.steps": "T"
        case "network.hidden": "H"
        default: key
        }
    }

    /// Iterations of training the measurement needs at most.
    var budget: Int {
        switch metric {
        case .productGrowth, .nGramPerplexity: 0
        case .gradRatio, .slopeVsLogRho, .weightGradSum, .weightGradShare, .gatePath: iteration
        default: iterations
        }
    }
}

extension Measure: Equatable {
    public static func == (a: Measure, b: Measure) -> Bool {
        a.metric == b.metric && a.variant == b.variant && a.sweep?.key == b.sweep?.key && a.sweep?.value == b.sweep?.value
            && a.settings == b.settings && a.below == b.below && a.above == b.above && a.outside == b.outside && a.iteration == b.iteration
            && a.iterations == b.iterations && a.window == b.window && a.step == b.step && a.reference == b.reference
            && a.layer == b.layer && a.fitSteps == b.fitSteps && a.tolerance == b.tolerance
            && a.absoluteTolerance == b.absoluteTolerance && a.relativeToChance == b.relativeToChance
            && a.draws == b.draws && a.scale == b.scale && a.lastSteps == b.lastSteps && a.order == b.order
    }
}
