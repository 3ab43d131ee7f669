import Dispatch
import Foundation
import RNNSim

/// One PASS/FAIL line of `rnnscope check`.
public struct ClaimResult: Sendable {
    public var scenario: String
    public var passed: Bool
    /// "PASS vanishing: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 3.2e-9 < 1e-6"
    public var line: String
    /// Wall-clock seconds the claim's runs took (shared runs count for each claim using them).
    public var seconds: Double

    public init(scenario: String, passed: Bool, line: String, seconds: Double = 0) {
        self.scenario = scenario
        self.passed = passed
        self.line = line
        self.seconds = seconds
    }
}

/// Runs a scenario's claims headlessly. Measurements that need the same settings
/// share one training run; distinct runs go to the cores in parallel. Everything
/// is seeded, so the figures are the same on every run and every machine.
public enum ScenarioCheck {
    public static func run(_ scenario: Scenario, seeds: Int = 1, progress: ((String) -> Void)? = nil) -> [ClaimResult] {
        runAll([scenario], seeds: seeds, progress: progress)[0]
    }

    /// The claims of several scenarios, with all their runs scheduled on the
    /// cores together (longest first), so that a long run of one scenario
    /// overlaps the short runs of the others. Results are per scenario, in order;
    /// the lines are the same as `run` gives one scenario at a time.
    ///
    /// With `seeds` = N > 1 every claim is measured on N seeds, the file's own
    /// and the N − 1 after it (`SeedSweep`), and passes when it holds on at
    /// least 90% of them.
    public static func runAll(_ scenarios: [Scenario], seeds: Int = 1, fromSeed: UInt64? = nil,
                              progress: ((String) -> Void)? = nil) -> [[ClaimResult]] {
        // Each scenario's sweep starts at its own seed, or at the one asked for.
        let sweeps = scenarios.map { s in SeedSweep(count: seeds, start: fromSeed.map { $0 &- s.settings.seed } ?? 0) }
        let copies = scenarios.indices.flatMap { i in sweeps[i].offsets.map { scenarios[i].reseeded(by: $0) } }
        let verdicts = measureAll(copies, progress: progress)
        return scenarios.indices.map { i in
            let scenario = scenarios[i]
            let name = scenario.name
            if scenario.claims.isEmpty {
                return [ClaimResult(scenario: name, passed: true, line: "PASS \(name): (no claims)")]
            }
            let sweep = sweeps[i]
            let perSeed = Array(verdicts[(i * sweep.count)..<((i + 1) * sweep.count)])
            return scenario.claims.indices.map { c in
                sweep.result(name: name, firstSeed: scenario.settings.seed &+ sweep.start, perSeed.map { $0[c] })
            }
        }
    }

    /// Every claim of every scenario, measured once on its own settings.
    static func measureAll(_ scenarios: [Scenario], progress: ((String) -> Void)?) -> [[Verdict]] {
        let report = ProgressSink(progress)
        // One run per distinct settings among the training / network measurements.
        var plans: [RunPlan] = []
        for scenario in scenarios {
            for m in scenario.claims.flatMap(\.measures) where m.metric.needsRun {
                if let i = plans.firstIndex(where: { $0.settings == m.settings }) {
                    plans[i].measures.append(m)
                } else {
                    plans.append(RunPlan(settings: m.settings, label: "\(scenario.name): \(m.label)", measures: [m]))
                }
            }
        }
        let traces = Traces(count: plans.count)
        // Longest first, so that two long runs overlap rather than queue.
        let fixed = plans
        let order = fixed.indices.sorted { fixed[$0].cost > fixed[$1].cost }
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let plan = fixed[order[k]]
            report.say(plan.describe)
            traces.set(order[k], Trace.record(plan) { i, loss in
                report.say("\(plan.label.hasSuffix(": ") ? String(plan.label.dropLast(2)) : plan.label): iteration \(i) of \(plan.budget), loss \(Format.figure(loss))")
            })
        }
        return scenarios.map { scenario in
            scenario.claims.map { claim in
                var parts: [String] = []
                var passed = true
                var seconds = 0.0
                for m in claim.measures {
                    let outcome: Outcome
                    if !m.metric.needsRun {
                        outcome = Evaluate.withoutRun(m)
                    } else {
                        let i = plans.firstIndex { $0.settings == m.settings }!
                        let trace = traces.get(i)
                        seconds += trace.seconds
                        outcome = Evaluate.measure(m, trace)
                    }
                    passed = passed && outcome.passed
                    parts.append(m.label.isEmpty ? outcome.text : "\(m.label): \(outcome.text)")
                }
                return Verdict(passed: passed, text: parts.joined(separator: "; "), seconds: seconds)
            }
        }
    }

    /// "3 passed, 0 failed" style summary plus the lines, for callers that want text.
    public static func format(_ results: [ClaimResult]) -> String {
        let passed = results.filter(\.passed).count
        return (results.map(\.line) + ["\(passed) passed, \(results.count - passed) failed"]).joined(separator: "\n")
    }
}

/// Serialises progress messages from the worker threads.
final class ProgressSink: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: ((String) -> Void)?
    init(_ sink: ((String) -> Void)?) { self.sink = sink }
    func say(_ s: String) {
        guard let sink else { return }
        lock.lock(); defer { lock.unlock() }
        sink(s)
    }
}

final class Traces: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Trace?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ t: Trace) { lock.lock(); items[i] = t; lock.unlock() }
    func get(_ i: Int) -> Trace { lock.lock(); defer { lock.unlock() }; return items[i]! }
}

/// The measurements that share one set of settings, and how long to train for them.
struct RunPlan: Sendable {
    var settings: Settings
    var label: String
    var measures: [Measure]

    /// Iterations to train at most.
    var budget: Int { measures.map(\.budget).max() ?? 0 }
    /// Iterations after which the spectrum (ρ of W_hh) must be measured.
    /// (A gated cell's gate statistics are recorded with it.)
    var spectrumAt: Set<Int> { Set(measures.filter { $0.metric == .slopeVsLogRho || $0.metric == .gatePath }.map(\.iteration)) }
    /// Iterations whose full report (‖∂L/∂h_t‖) is kept.
    var reportsAt: Set<Int> { Set(measures.filter { !$0.metric.trains && $0.metric.needsRun }.map(\.iteration)) }
    /// Iterations after which the held-out perplexity is measured.
    var heldOutAt: Set<Int> { Set(measures.filter { $0.metric == .heldOutPerplexity }.map(\.iterations)) }
    /// Iterations whose steps' terms of ∂L/∂W_hh are recorded.
    var stepGradientsAt: Set<Int> { Set(measures.filter { $0.metric == .weightGradSum || $0.metric == .weightGradShare }.map(\.iteration)) }
    /// A rough cost, to start the long runs first.
    var cost: Double { Double(budget) * Double(settings.steps * settings.batch * settings.hidden * max(settings.hidden, 16)) }

    var describe: String {
        let who = label.hasSuffix(": ") ? label : "\(label), "
        return "\(who)\(budget) iteration\(budget == 1 ? "" : "s") of \(settings.task.rawValue), T = \(settings.steps), H = \(settings.hidden), \(settings.activation.rawValue)"
    }

    /// Whether every measurement is settled after `trace` reached its current iteration.
    func settled(_ trace: Trace) -> Bool {
        if trace.firstNonfinite != nil { return true }
        let i = trace.losses.count
        return measures.allSatisfy { m in
            switch m.metric {
            case .gradRatio, .slopeVsLogRho, .weightGradSum, .weightGradShare, .gatePath: return i >= m.iteration
            case .productGrowth, .nGramPerplexity: return true
            case .lossReaches:
                return i >= m.iterations || trace.reached(m) != nil
            default: return i >= m.iterations
            }
        }
    }
}

/// What one training run recorded.
final class Trace: @unchecked Sendable {
    var losses: [Double] = []
    var firstNonfinite: Int?
    var reports: [Int: IterationReport] = [:]
    /// Held-out cross-entropy after the iterations asked for.
    var heldOutLoss: [Int: Double] = [:]
    var chance = Double.nan
    var lossKind = LossKind.mseLast
    var seconds = 0.0
    /// Trainer construction failed (e.g. an unreadable corpus).
    var failure: String?
    /// Compensated prefix sums of the losses, for exact window means in O(1):
    /// a plain running sum that passed through a 1e15 start keeps nothing of
    /// the later losses of ~1 below its last digit.
    private var sums: [CompensatedSum] = [CompensatedSum()]

    func append(_ loss: Double) {
        losses.append(loss)
        sums.append(sums.last! + loss)
    }

    /// Mean loss over iterations (a, b], 0 ≤ a < b ≤ count.
    func mean(_ a: Int, _ b: Int) -> Double { sums[b].minus(sums[a]) / Double(b - a) }

    /// The first iteration where the window mean is below a `loss_reaches` threshold.
    func reached(_ m: Measure) -> Int? {
        guard let below = m.below else { return nil }
        let scale = m.relativeToChance ? chance : 1
        let n = min(losses.count, m.iterations)
        guard n >= m.window else { return nil }
        // Only the newest window needs checking while training; a full scan otherwise.
        for i in m.window...n where mean(i - m.window, i) / scale < below { return i }
        return nil
    }

    /// Trains for the plan; `progress` hears about every quarter of a long run.
    static func record(_ plan: RunPlan, progress: ((Int, Double) -> Void)? = nil) -> Trace {
        let trace = Trace()
        let start = DispatchTime.now().uptimeNanoseconds
        defer { trace.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let trainer: Trainer
        do { trainer = try Trainer(settings: plan.settings) } catch {
            trace.failure = "\(error)"
            return trace
        }
        trace.chance = trainer.task.chanceLoss
        trace.lossKind = trainer.loss
        let spectrumAt = plan.spectrumAt, reportsAt = plan.reportsAt, stepGradientsAt = plan.stepGradientsAt
        let reaches = plan.measures.filter { $0.metric == .lossReaches }
        let budget = plan.budget, heldOutAt = plan.heldOutAt
        while trace.losses.count < budget {
            let i = trace.losses.count + 1
            let r = trainer.step(spectrum: spectrumAt.contains(i), jacobians: false, stepGradients: stepGradientsAt.contains(i))
            trace.append(r.loss)
            if reportsAt.contains(i) { trace.reports[i] = r }
            if heldOutAt.contains(i), let lm = trainer.task as? CharLanguageModel {
                trace.heldOutLoss[i] = lm.heldOutLoss(of: trainer.network)
            }
            if budget >= 1000, i % (budget / 4) == 0, i < budget { progress?(i, r.loss) }
            if r.nonfinite && trace.firstNonfinite == nil { trace.firstNonfinite = i }
            // Cheap early exits: divergence, or every measure settled.
            if trace.firstNonfinite != nil { break }
            let cheapCheck = reaches.isEmpty || reaches.allSatisfy { i >= $0.iterations || trace.newestBelow($0) }
            if cheapCheck && plan.settled(trace) { break }
        }
        return trace
    }

    /// Whether the newest window is below the measure's threshold (or was already).
    func newestBelow(_ m: Measure) -> Bool {
        guard let below = m.below, losses.count >= m.window else { return false }
        let scale = m.relativeToChance ? chance : 1
        return mean(losses.count - m.window, losses.count) / scale < below
    }
}

/// A measurement's verdict and its figure in words.
struct Outcome {
    var passed: Bool
    var text: String
}

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
        case .heldOutPerplexity:
            if let dead = diverged(m, t) { return dead }
            let value = Foundation.exp(t.heldOutLoss[m.iterations] ?? .nan)
            let (ok, relation) = compare(value, below: m.below, above: m.above)
            return Outcome(passed: ok, text: "held-out perplexity after \(m.iterations) iterations = \(Format.figure(value, beside: m.below, m.above))\(relation)")
        case .nonfiniteWithin:
            if let k = t.firstNonfinite, k <= m.iterations {
                return Outcome(passed: true, text: "first Inf/NaN at iteration \(k) ≤ \(m.iterations)")
            }
            return Outcome(passed: false, text: "no Inf/NaN within \(m.iterations) iterations (loss at the end \(Format.figure(t.losses.last ?? .nan)))")
        case .finiteFor:
            if let k = t.firstNonfinite {
                return Outcome(passed: false, text: "Inf/NaN at iteration \(k), before \(m.iterations)")
            }
            return Outcome(passed: true, text: "no Inf/NaN in \(m.iterations) iterations")
        case .lossBelowStart, .perplexityRatio:
            guard let dead = diverged(m, t) else { return ratio(m, t) }
            return dead
        case .finalLoss:
            if let dead = diverged(m, t) { return dead }
            let n = t.losses.count
            let value = t.mean(n - m.window, n) / (m.relativeToChance ? t.chance : 1)
            let (ok, relation) = compare(value, below: m.below, above: m.above)
            return Outcome(passed: ok, text: "\(lossName(m, t)) after \(m.iterations) iterations = \(Format.figure(value, beside: m.below, m.above))\(relation)")
        case .lossReaches:
            let name = lossName(m, t)
            if let k = t.reached(m) {
                let value = t.mean(k - m.window, k) / (m.relativeToChance ? t.chance : 1)
                return Outcome(passed: true, text: "\(name) \(Format.figure(value, beside: m.below)) < \(Format.plain(m.below!)) at iteration \(k) (within \(m.iterations))")
            }
            if let k = t.firstNonfinite { return Outcome(passed: false, text: "Inf/NaN at iteration \(k) before \(name) < \(Format.plain(m.below!))") }
            let n = t.losses.count
            var lowest = Double.infinity
            if n >= m.window { for i in m.window...n { lowest = min(lowest, t.mean(i - m.window, i)) } }
            lowest /= (m.relativeToChance ? t.chance : 1)
            return Outcome(passed: false, text: "\(name) not < \(Format.plain(m.below!)) within \(m.iterations) iterations (lowest \(Format.figure(lowest)))")
        }
    }

    static func diverged(_ m: Measure, _ t: Trace) -> Outcome? {
        guard let k = t.firstNonfinite else { return nil }
        return Outcome(passed: false, text: "Inf/NaN at iteration \(k) of \(m.iterations): training stopped")
    }

    static func lossName(_ m: Measure, _ t: Trace) -> String {
        let base = t.lossKind.isCrossEntropy ? "cross-entropy" : "MSE"
        let name = m.window > 1 ? "\(base) (mean of \(m.window))" : base
        return m.relativeToChance ? "\(name)/chance" : name
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

    static func norms(_ m: Measure, _ t: Trace) -> [Double]? {
        guard let r = t.reports[m.iteration], m.layer - 1 < r.hiddenGradNorms.count else { return nil }
        return r.hiddenGradNorms[m.layer - 1]
    }

    static func gradRatio(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps, ref = m.reference ?? T
        let at = m.iteration == 1 ? "" : " at iteration \(m.iteration)"
        let layer = m.settings.layers > 1 ? " of layer \(m.layer)" : ""
        let name = "‖∂L/∂h_\(m.step)‖/‖∂L/∂h_\(ref)‖\(layer)\(at)"
        guard let norms = norms(m, t) else {
            if let k = t.firstNonfinite { return Outcome(passed: false, text: "\(name): Inf/NaN at iteration \(k) first") }
            return Outcome(passed: false, text: "\(name): not measured")
        }
        let value = norms[m.step - 1] / norms[ref - 1]
        let (ok, relation) = judge(value, m)
        return Outcome(passed: ok, text: "\(name) = \(Format.figure(value, beside: m.below, m.above))\(relation)")
    }

    /// The mean over units and batch rows of each one's gate product Π_{u=step}^{T},
    /// beside what one gate at σ(b_f) for every step would give (LSTM only).
    static func gatePath(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps, n = T - m.step + 1
        let lstm = m.settings.cell == .lstm
        let at = m.iteration == 1 ? "" : " at iteration \(m.iteration)"
        let layer = m.settings.layers > 1 ? " of layer \(m.layer)" : ""
        let name = "mean over units of Π_{u=\(m.step)}^{\(T)} \(lstm ? "f_u" : "z_u")\(layer)\(at)"
        guard let r = t.reports[m.iteration], m.layer - 1 < r.pathProducts.count else {
            if let k = t.firstNonfinite { return Outcome(passed: false, text: "\(name): Inf/NaN at iteration \(k) first") }
            return Outcome(passed: false, text: "\(name): not measured")
        }
        let value = r.pathProducts[m.layer - 1][m.step - 1]
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        let reference = lstm ? " (σ(b_f)^\(n) = \(Format.figure(GatePath.forgetProduct(bias: m.settings.forgetBias, steps: n))))" : ""
        return Outcome(passed: ok, text: "\(name) = \(Format.figure(value, beside: m.below, m.above))\(reference)\(relation)")
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
        return Outcome(passed: ok, text: "held-out perplexity of the add-one \(name) = \(Format.figure(value, beside: m.below, m.above))\(relation)")
    }

    /// The repeated weight's gradient as a sum over time: the steps' terms summed
    /// against BPTT's gradient, or the share of the last steps.
    static func weightGrad(_ m: Measure, _ t: Trace) -> Outcome {
        let T = m.settings.steps
        let at = m.iteration == 1 ? "" : " at iteration \(m.iteration)"
        let layer = m.settings.layers > 1 ? " of layer \(m.layer)" : ""
        let name = m.metric == .weightGradSum
            ? "‖Σ_t ∂L/∂W_hh|_(t) − ∂L/∂W_hh‖/‖∂L/∂W_hh‖\(layer)\(at)"
            : "share of Σ_t ‖∂L/∂W_hh|_(t)‖\(layer) in the last \(m.lastSteps) of \(T) steps\(at)"
        guard let steps = t.reports[m.iteration]?.stepGradients else {
            if let k = t.firstNonfinite { return Outcome(passed: false, text: "\(name): Inf/NaN at iteration \(k) first") }
            return Outcome(passed: false, text: "\(name): not measured")
        }
        let value = m.metric == .weightGradSum ? steps.sumError(layer: m.layer - 1) : steps.shareOfLast(m.lastSteps, layer: m.layer - 1)
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        return Outcome(passed: ok, text: "\(name) = \(Format.figure(value, beside: m.below, m.above))\(relation)")
    }

    /// log‖∂L/∂h_t‖ against k = T − t (steps back), least squares over `fit_steps`.
    static func slope(_ m: Measure, _ t: Trace) -> Outcome {
        guard let norms = norms(m, t), let r = t.reports[m.iteration] else {
            return Outcome(passed: false, text: "slope: not measured")
        }
        let rho = r.spectralRadius[m.layer - 1]
        let fit = fitSlope(norms, steps: m.fitSteps)
        let logRho = Foundation.log(rho)
        let window = "t = \(m.fitSteps.lowerBound)…\(m.fitSteps.upperBound)"
        let head = "slope of log‖∂L/∂h_t‖ per step back (\(window)) = \(Format.signed(fit)) vs log ρ(W_hh) = \(Format.signed(logRho))"
        guard fit.isFinite, logRho.isFinite else { return Outcome(passed: false, text: head + ": not finite") }
        let diff = abs(fit - logRho)
        if abs(logRho) < 1e-3 {
            let ok = diff < m.absoluteTolerance
            return Outcome(passed: ok, text: head + " (|difference| \(Format.figure(diff)) \(ok ? "<" : "≥") \(Format.figure(m.absoluteTolerance)), absolute since log ρ ≈ 0)")
        }
        let rel = diff / abs(logRho)
        let ok = rel < m.tolerance
        return Outcome(passed: ok, text: head + " (\(Format.figure(100 * rel, digits: 2))% off, \(ok ? "within" : "not within") \(Format.plain(100 * m.tolerance))%)")
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

    static func ratio(_ m: Measure, _ t: Trace) -> Outcome {
        let n = t.losses.count, w = m.window
        let start = t.mean(0, w), end = t.mean(n - w, n)
        let perplexity = m.metric == .perplexityRatio
        let a = perplexity ? Foundation.exp(start) : start, b = perplexity ? Foundation.exp(end) : end
        let value = b / a
        let (ok, relation) = compare(value, below: m.below, above: m.above)
        let what = perplexity ? "perplexity" : (t.lossKind.isCrossEntropy ? "cross-entropy" : "MSE")
        let means = w > 1 ? " (means of \(w))" : ""
        return Outcome(passed: ok, text: "\(what)\(means) \(Format.figure(a)) → \(Format.figure(b)) in \(m.iterations) iterations, ratio \(Format.figure(value, beside: m.below, m.above))\(relation)")
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
        return Outcome(passed: oks, text: "‖dh_1‖/‖dh_\(T)‖ of dh ← dh·Wᵀ, W = \(w), \(growth.count) draw\(growth.count == 1 ? "" : "s"): \(figures)\(relation)")
    }
}

/// The bare product, shared by the check and the tests.
public enum ProductGrowth {
    /// ‖dh_1‖ / ‖dh_T‖ for each draw. The same seed draws the same matrices at every scale.
    public static func measure(hidden H: Int, steps T: Int, draws: Int, scale: Double, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var out: [Double] = []
        for _ in 0..<draws {
            let w = (0..<(H * H)).map { _ in rng.normal() * scale }
            var dh = (0..<H).map { _ in rng.normal() }
            let first = norm(dh)
            for _ in 1..<T {
                // (dh·Wᵀ)_j = Σ_i dh_i W_ji
                var next = [Double](repeating: 0, count: H)
                for j in 0..<H {
                    var s = 0.0
                    for i in 0..<H { s += dh[i] * w[j * H + i] }
                    next[j] = s
                }
                dh = next
            }
            out.append(norm(dh) / first)
        }
        return out
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

/// What the LSTM's memory path keeps at initialisation if every forget gate sat
/// at σ(b_f): shared by the check and the view's status line.
public enum GatePath {
    /// σ(b_f)^steps.
    public static func forgetProduct(bias: Double, steps: Int) -> Double {
        Foundation.pow(1 / (1 + Foundation.exp(-bias)), Double(steps))
    }
}
