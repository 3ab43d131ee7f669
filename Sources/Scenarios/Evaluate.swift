import Foundation
import RNNSim

/// A claim's verdict on one measurement: whether it holds, the number judged, and
/// the verdict in words twice over from that one number, as `check` prints it and
/// as the live view says it at the moment it comes.
struct Outcome {
    var passed: Bool
    /// `check`'s words: "‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 3.2e-9 < 1e-6".
    var text: String
    /// The live view's: where the run is, then the figure ("iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 3.2e-9 < 1e-6").
    var moment: String
    /// The number judged; nil where nothing could be measured.
    var figure: Double?

    init(passed: Bool, text: String, moment: String? = nil, figure: Double? = nil) {
        self.passed = passed
        self.text = text
        self.moment = moment ?? text
        self.figure = figure
    }
}

extension Measure {
    /// Whether the measurement's verdict can no longer change once `trace` reached its
    /// last iteration: `check` stops training there, the live view judges there.
    func isSettled(by trace: Trace) -> Bool {
        if trace.firstNonfinite != nil { return true }
        let i = trace.count
        switch metric {
        case .gradRatio, .slopeVsLogRho, .weightGradSum, .weightGradShare, .gatePath: return i >= iteration
        case .productGrowth, .nGramPerplexity: return true
        case .lossReaches: return i >= iterations || trace.reached(self) != nil
        default: return i >= iterations
        }
    }

    /// Whether a live run can judge it (the bare product and the n-grams need no run;
    /// the live run does not record each step's term of ∂L/∂W_hh).
    var isJudgedLive: Bool {
        switch metric {
        case .productGrowth, .nGramPerplexity, .weightGradSum, .weightGradShare: false
        default: true
        }
    }
}

/// The one evaluator of claims: `check` calls it on the trace of a headless run,
/// the live view on the trace of the run on screen.
enum Evaluate {
    static func measure(_ m: Measure, _ t: Trace) -> Outcome {
        if let failure = t.failure { return Outcome(passed: false, text: "could not start: \(failure)") }
        switch m.metric {
        case .gradRatio: return gradRatio(m, t)
        case .slopeVsLogRho: return slope(m, t)
        case .productGrowth: return productGrowth(m)
        case .weightGradSum, .weightGradShare: return weightGrad(m, t)
        case .gatePath: return gatePath(m, t)
        case .nGramPerplexity: return nGram(m)
        case .heldOutPerplexity: return diverged(m, t) ?? heldOut(m, t)
        case .nonfiniteWithin, .finiteFor: return nonfinite(m, t)
        case .lossBelowStart, .perplexityRatio: return diverged(m, t) ?? ratio(m, t)
        case .finalLoss: return diverged(m, t) ?? finalLoss(m, t)
        case .lossReaches: return lossReaches(m, t)
        }
    }

    static func diverged(_ m: Measure, _ t: Trace) -> Outcome? {
        guard let k = t.firstNonfinite else { return nil }
        return Outcome(passed: false, text: "Inf/NaN at iteration \(k) of \(m.iterations): training stopped",
                       moment: "iteration \(k): Inf/NaN before iteration \(m.iterations): training stopped")
    }

    static func lossName(_ m: Measure, _ t: Trace) -> String {
        let base = t.lossKind.isCrossEntropy ? "cross-entropy" : "MSE"
        let name = m.window > 1 ? "\(base) (mean of \(m.window))" : base
        return m.relativeToChance ? "\(name)/chance" : name
    }

    /// The live view's shorter name for the same window mean: "loss (mean of 10)", "loss/chance".
    static func liveLossName(_ m: Measure) -> String {
        (m.relativeToChance ? "loss/chance" : "loss") + (m.window > 1 ? " (mean of \(m.window))" : "")
    }

    /// `compare` with the measure's bounds, and its `outside` range if it has one.
    static func judge(_ x: Double, _ m: Measure) -> (Bool, String) {
        var (ok, relation) = compare(x, below: m.below, above: m.above)
        if let range = m.outside {
            let away = !range.contains(x) && !x.isNaN
            ok = ok && away
            relation += "\(away ? "" : ", not") outside \(Format.plain(range.lowerBound))…\(Format.plain(range.upperBound))"
        }
        return (ok, relation)
    }

    /// " < 1e-6", " > 0.15", " within 0.95…1.05"; on failure " — not < 1e-6".
    static func compare(_ x: Double, below: Double?, above: Double?) -> (Bool, String) {
        let okBelow = below.map { x < $0 } ?? true
        let okAbove = above.map { x > $0 } ?? true
        let ok = okBelow && okAbove && !x.isNaN
        switch (above, below) {
        case let (a?, b?):
            return (ok, ok ? ", within \(Format.plain(a))…\(Format.plain(b))" : ", not within \(Format.plain(a))…\(Format.plain(b))")
        case let (nil, b?):
            return (ok, ok ? " < \(Format.plain(b))" : ", not < \(Format.plain(b))")
        case let (a?, nil):
            return (ok, ok ? " > \(Format.plain(a))" : ", not > \(Format.plain(a))")
        case (nil, nil):
            return (ok, "")
        }
    }

    /// A figure judged against the measure's bounds: `name = figure relation`, in
    /// `check`'s words and, after `at`, in the live view's.
    static func judged(_ value: Double, _ m: Measure, name: String, liveName: String? = nil, at: String,
                       extra: String = "", outside: Bool = false) -> Outcome {
        let (ok, relation) = outside ? judge(value, m) : compare(value, below: m.below, above: m.above)
        let figure = Format.figure(value, beside: m.below, m.above)
        return Outcome(passed: ok, text: "\(name) = \(figure)\(extra)\(relation)",
                       moment: "\(at): \(liveName ?? name) = \(figure)\(relation)", figure: value)
    }

    /// Nothing to judge at a measure's iteration: the run diverged before it, or the report is missing.
    static func notMeasured(_ name: String, _ t: Trace) -> Outcome {
        if let k = t.firstNonfinite { return Outcome(passed: false, text: "\(name): Inf/NaN at iteration \(k) first") }
        return Outcome(passed: false, text: "\(name): not measured")
    }

    static func norms(_ m: Measure, _ t: Trace) -> [Double]? {
        guard let r = t.reports[m.iteration], m.layer - 1 < r.hiddenGradNorms.count else { return nil }
        return r.hiddenGradNorms[m.layer - 1]
    }

    static func at(_ m: Measure) -> String { m.iteration == 1 ? "" : " at iteration \(m.iteration)" }
    static func ofLayer(_ m: Measure) -> String { m.settings.layers > 1 ? " of layer \(m.layer)" : "" }

    static func gradRatio(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps, ref = m.reference ?? T
        let bare = "‖∂L/∂h_\(m.step)‖/‖∂L/∂h_\(ref)‖\(ofLayer(m))"
        guard let norms = norms(m, t), m.step <= norms.count, ref <= norms.count else { return notMeasured(bare + at(m), t) }
        return judged(norms[m.step - 1] / norms[ref - 1], m, name: bare + at(m), liveName: bare,
                      at: "iteration \(m.iteration)", outside: true)
    }

    /// The mean over units and batch rows of each one's gate product Π_{u=step}^{T},
    /// beside what one gate at σ(b_f) for every step would give (LSTM only).
    static func gatePath(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps, n = T - m.step + 1
        let lstm = m.settings.cell == .lstm
        let bare = "mean over units of Π_{u=\(m.step)}^{\(T)} \(lstm ? "f_u" : "z_u")\(ofLayer(m))"
        guard let r = t.reports[m.iteration], m.layer - 1 < r.pathProducts.count, m.step <= r.pathProducts[m.layer - 1].count else {
            return notMeasured(bare + at(m), t)
        }
        let reference = lstm ? " (σ(b_f)^\(n) = \(Format.figure(GatePath.forgetProduct(bias: m.settings.forgetBias, steps: n))))" : ""
        return judged(r.pathProducts[m.layer - 1][m.step - 1], m, name: bare + at(m), liveName: bare,
                      at: "iteration \(m.iteration)", extra: reference)
    }

    static func heldOut(_ m: Measure, _ t: Trace) -> Outcome {
        let value = Foundation.exp(t.heldOutLoss[m.iterations] ?? .nan)
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        let figure = Format.figure(value, beside: m.below, m.above)
        return Outcome(passed: ok, text: "held-out perplexity after \(m.iterations) iterations = \(figure)\(relation)",
                       moment: "after \(m.iterations) iterations: held-out perplexity = \(figure)\(relation)", figure: value)
    }

    /// `nonfinite_within` and `finite_for`: the first Inf/NaN (its iteration is the figure), or
    /// none in the budget (the figure is the iterations run).
    static func nonfinite(_ m: Measure, _ t: Trace) -> Outcome {
        let n = m.iterations, expected = m.metric == .nonfiniteWithin
        let overflow = "first Inf/NaN — the gradient overflowed float32; the weights are frozen from here"
        if let k = t.firstNonfinite, k <= n {
            return Outcome(passed: expected, text: expected ? "first Inf/NaN at iteration \(k) ≤ \(n)" : "Inf/NaN at iteration \(k), before \(n)",
                           moment: "iteration \(k): \(overflow)", figure: Double(k))
        }
        if expected {
            return Outcome(passed: false, text: "no Inf/NaN within \(n) iterations (loss at the end \(Format.figure(t.losses.last ?? .nan)))",
                           moment: "no Inf/NaN within \(n) iterations (is clipping on?)", figure: Double(t.count))
        }
        return Outcome(passed: true, text: "no Inf/NaN in \(n) iterations", moment: "\(n) iterations without Inf/NaN",
                       figure: Double(t.count))
    }

    /// `final_loss`: the window mean at its iteration.
    static func finalLoss(_ m: Measure, _ t: Trace) -> Outcome {
        let n = min(t.count, m.iterations)
        let value = t.mean(n - m.window, n) / (m.relativeToChance ? t.chance : 1)
        return judged(value, m, name: "\(lossName(m, t)) after \(m.iterations) iterations", liveName: liveLossName(m),
                      at: "after \(m.iterations) iterations")
    }

    /// `loss_reaches`: the first iteration whose window mean is below the threshold.
    static func lossReaches(_ m: Measure, _ t: Trace) -> Outcome {
        let name = lossName(m, t), bound = Format.plain(m.below!)
        let scale = m.relativeToChance ? t.chance : 1
        if let k = t.reached(m) {
            let value = t.mean(k - m.window, k) / scale
            let figure = Format.figure(value, beside: m.below)
            return Outcome(passed: true, text: "\(name) \(figure) < \(bound) at iteration \(k) (within \(m.iterations))",
                           moment: "iteration \(k): \(liveLossName(m)) = \(figure) < \(bound)", figure: value)
        }
        if let k = t.firstNonfinite { return Outcome(passed: false, text: "Inf/NaN at iteration \(k) before \(name) < \(bound)") }
        let n = min(t.count, m.iterations)
        var lowest = Double.infinity
        if n >= m.window { for i in m.window...n { lowest = min(lowest, t.mean(i - m.window, i)) } }
        lowest /= scale
        return Outcome(passed: false, text: "\(name) not < \(bound) within \(m.iterations) iterations (lowest \(Format.figure(lowest)))",
                       moment: "after \(m.iterations) iterations: \(liveLossName(m)) not < \(bound) (lowest \(Format.figure(lowest)))",
                       figure: lowest)
    }

    /// The measurements that need no training run.
    static func withoutRun(_ m: Measure) -> Outcome {
        m.metric == .nGramPerplexity ? nGram(m) : productGrowth(m)
    }

    /// The held-out perplexity of an add-one n-gram counted on the training text.
    static func nGram(_ m: Measure) -> Outcome {
        let name = ["unigram", "bigram", "trigram"][m.order - 1]
        guard let lm = (try? Trainer.makeTask(m.settings)) as? CharLanguageModel else {
            return Outcome(passed: false, text: "\(name) perplexity: the text could not be read")
        }
        let value = Foundation.exp(lm.nGramHeldOutLoss(order: m.order))
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        return Outcome(passed: ok, text: "held-out perplexity of the add-one \(name) = \(Format.figure(value, beside: m.below, m.above))\(relation)",
                       figure: value)
    }

    /// The repeated weight's gradient as a sum over time: the steps' terms summed
    /// against BPTT's gradient, or the share of the last steps.
    static func weightGrad(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps
        let name = m.metric == .weightGradSum
            ? "‖Σ_t ∂L/∂W_hh|_(t) − ∂L/∂W_hh‖/‖∂L/∂W_hh‖\(ofLayer(m))\(at(m))"
            : "share of Σ_t ‖∂L/∂W_hh|_(t)‖\(ofLayer(m)) in the last \(m.lastSteps) of \(T) steps\(at(m))"
        guard let steps = t.reports[m.iteration]?.stepGradients else { return notMeasured(name, t) }
        let value = m.metric == .weightGradSum ? steps.sumError(layer: m.layer - 1) : steps.shareOfLast(m.lastSteps, layer: m.layer - 1)
        return judged(value, m, name: name, at: "iteration \(m.iteration)")
    }

    /// log‖∂L/∂h_t‖ against k = T − t (steps back), least squares over `fit_steps`.
    static func slope(_ m: Measure, _ t: Trace) -> Outcome {
        guard let norms = norms(m, t), let r = t.reports[m.iteration], m.layer - 1 < r.spectralRadius.count else {
            return notMeasured("slope", t)
        }
        let fit = fitSlope(norms, steps: m.fitSteps)
        let logRho = Foundation.log(r.spectralRadius[m.layer - 1])
        let window = "t = \(m.fitSteps.lowerBound)…\(m.fitSteps.upperBound)"
        let head = "slope of log‖∂L/∂h_t‖ per step back (\(window)) = \(Format.signed(fit)) vs log ρ(W_hh) = \(Format.signed(logRho))"
        let moment = "iteration \(m.iteration): slope of log‖∂L/∂h_t‖ per step back = \(Format.signed(fit)) vs log ρ = \(Format.signed(logRho))"
        guard fit.isFinite, logRho.isFinite else { return Outcome(passed: false, text: head + ": not finite", moment: moment, figure: fit) }
        let diff = abs(fit - logRho)
        if abs(logRho) < 1e-3 {
            let ok = diff < m.absoluteTolerance
            return Outcome(passed: ok, text: head + " (|difference| \(Format.figure(diff)) \(ok ? "<" : "≥") \(Format.figure(m.absoluteTolerance)), absolute since log ρ ≈ 0)",
                           moment: moment, figure: fit)
        }
        let rel = diff / abs(logRho)
        let ok = rel < m.tolerance
        return Outcome(passed: ok, text: head + " (\(Format.figure(100 * rel, digits: 2))% off, \(ok ? "within" : "not within") \(Format.plain(100 * m.tolerance))%)",
                       moment: moment, figure: fit)
    }

    /// Slope of log norm[t] against the number of steps back, T − t: a line c + k·s.
    static func fitSlope(_ norms: [Double], steps: ClosedRange<Int>) -> Double {
        let T = norms.count
        var xs: [Double] = [], ys: [Double] = []
        for t in steps where t >= 1 && t <= T {
            xs.append(Double(T - t))
            ys.append(Foundation.log(norms[t - 1]))
        }
        let n = Double(xs.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
        }
        return sxy / sxx
    }

    /// `loss_below_start` and `perplexity_ratio`: the window mean at its iteration over the one at the start.
    static func ratio(_ m: Measure, _ t: Trace) -> Outcome {
        let n = min(t.count, m.iterations), w = m.window
        let start = t.mean(0, w), end = t.mean(n - w, n)
        let perplexity = m.metric == .perplexityRatio
        let a = perplexity ? Foundation.exp(start) : start, b = perplexity ? Foundation.exp(end) : end
        let value = b / a
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        let what = perplexity ? "perplexity" : (t.lossKind.isCrossEntropy ? "cross-entropy" : "MSE")
        let means = w > 1 ? " (means of \(w))" : ""
        let change = "\(Format.figure(a)) → \(Format.figure(b))"
        let figure = Format.figure(value, beside: m.below, m.above)
        return Outcome(passed: ok, text: "\(what)\(means) \(change) in \(m.iterations) iterations, ratio \(figure)\(relation)",
                       moment: "after \(m.iterations) iterations: \(what)\(means) \(change), ratio \(figure)\(relation)", figure: value)
    }

    /// The bare Jacobian product of the lecture slide: dh ← dh·Wᵀ, T − 1 times,
    /// W = scale·randn(H, H) drawn from the scenario's seed, dh_T = randn(H).
    static func productGrowth(_ m: Measure) -> Outcome {
        let growth = ProductGrowth.measure(hidden: m.settings.hidden, steps: m.settings.steps, draws: m.draws,
                                           scale: m.scale, seed: m.settings.seed)
        let T = m.settings.steps, H = m.settings.hidden
        var oks = true
        var relation = ""
        for g in growth {
            let (ok, r) = compare(g, below: m.below, above: m.above)
            oks = oks && ok
            if !ok || relation.isEmpty { relation = r }
        }
        if growth.count > 1 { relation = relation.replacingOccurrences(of: " < ", with: " all < ").replacingOccurrences(of: " > ", with: " all > ") }
        let w = m.scale == 1 ? "randn(\(H),\(H))" : "\(Format.plain(m.scale))·randn(\(H),\(H))"
        let figures = growth.map { Format.figure($0) }.joined(separator: ", ")
        return Outcome(passed: oks, text: "‖dh_1‖/‖dh_\(T)‖ of dh ← dh·Wᵀ, W = \(w), \(growth.count) draw\(growth.count == 1 ? "" : "s"): \(figures)\(relation)",
                       figure: growth.first)
    }
}
