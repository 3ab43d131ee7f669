import Foundation
import RNNSim

extension Scenario {
    /// Watches a live run of this scenario's own settings and says in one line when
    /// a claim's moment arrives: the gradient ratio at its iteration, the first
    /// Inf/NaN, the loss crossing its threshold, the perplexity halving. Only the
    /// measurements on the file's own settings are watched (`watchedMeasures`);
    /// nil if there is nothing to watch.
    public func momentWatcher() -> MomentWatcher? {
        var watchers: [Watcher] = []
        for m in watchedMeasures {
            switch m.metric {
            case .gradRatio: watchers.append(GradRatioWatcher(m))
            case .slopeVsLogRho: watchers.append(SlopeWatcher(m))
            case .nonfiniteWithin: watchers.append(NonfiniteWatcher(m, expectNonfinite: true))
            case .finiteFor: watchers.append(NonfiniteWatcher(m, expectNonfinite: false))
            case .finalLoss, .lossReaches: watchers.append(LossWatcher(m))
            case .lossBelowStart, .perplexityRatio: watchers.append(StartRatioWatcher(m))
            case .productGrowth: break  // no live run: the bare product is measured by `check`
            case .heldOutPerplexity: watchers.append(HeldOutWatcher(m))
            case .weightGradSum, .weightGradShare, .nGramPerplexity:
                break  // measured by `check` only: the live run does not record each step's term; n-grams need no run
            case .gatePath: watchers.append(GatePathWatcher(m))
            }
        }
        return watchers.isEmpty ? nil : MomentWatchers(watchers, scenario: self)
    }
}

/// One claim's watcher. `reset` is called when a new run starts (the iteration
/// count went back), so a watcher survives the UI's restart key.
class Watcher {
    let measure: Measure
    var last = 0
    init(_ m: Measure) { measure = m }
    func reset() {}
    func see(_ r: IterationReport) -> String? { nil }

    var prefix: String { measure.label.isEmpty ? "" : "\(measure.label): " }

    static func mark(_ ok: Bool) -> String { ok ? "✓" : "✗" }
}

/// All of a scenario's watchers. Lines that arrive together are one line: the run
/// stops at that iteration, and each verdict is on screen while it is paused there.
final class MomentWatchers: MomentWatcher {
    let watchers: [Watcher]
    let scenario: Scenario
    private var last = 0

    init(_ watchers: [Watcher], scenario: Scenario) {
        self.watchers = watchers
        self.scenario = scenario
    }

    func judges(_ settings: Settings) -> Bool { scenario.claimsApply(to: settings) }

    func measuresHeldOut(at iteration: Int) -> Bool {
        watchers.contains { $0 is HeldOutWatcher && $0.measure.iterations == iteration }
    }

    func observe(_ report: IterationReport) -> String? {
        if report.iteration <= last {
            for w in watchers { w.reset(); w.last = 0 }
        }
        last = report.iteration
        var lines: [String] = []
        for w in watchers {
            if report.iteration <= w.last { w.reset() }
            w.last = report.iteration
            if let line = w.see(report) { lines.append(line) }
        }
        guard !lines.isEmpty else { return nil }
        // One row for all: each verdict after the first drops what it repeats of the one before,
        // and a bound they all share is said once, at the end ("…, each < 1e-5").
        let bound = Self.sharedBound(lines)
        let bare = bound.map { b in lines.map { String($0.dropLast(b.count)) } } ?? lines
        let row = zip(bare.dropFirst(), bare).reduce(bare[0]) { $0 + "  " + Self.shortened($1.0, after: $1.1) }
        return bound.map { row + ", each" + $0 } ?? row
    }

    /// " < 1e-5" when every one of several verdicts ends with that same bound.
    static func sharedBound(_ lines: [String]) -> String? {
        guard lines.count > 1 else { return nil }
        let words = lines[0].split(separator: " ")
        guard words.count >= 2, ["<", ">", "≤", "≥"].contains(words[words.count - 2]) else { return nil }
        let bound = " " + words.suffix(2).joined(separator: " ")
        return lines.allSatisfy { $0.hasSuffix(bound) } ? bound : nil
    }

    /// "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 2 = …" after the same of layer 3 is
    /// "✓ layer 2 = …"; "✓ clipped: after 1000 …" after "✓ clipped: 1000 …" is "✓ after 1000 …".
    /// The words both share are dropped, all of them when they end a heading ("iteration
    /// 1:", "clipped:"), else all but the last (it names what differs: "layer").
    static func shortened(_ line: String, after previous: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        let before = previous.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count > 2, before.count > 2 else { return line }
        var shared = 0  // after the mark (✓ or ✗)
        while shared + 1 < min(words.count, before.count) && words[shared + 1] == before[shared + 1] { shared += 1 }
        let drop = shared > 0 && words[shared].hasSuffix(":") ? shared : max(shared - 1, 0)
        guard drop > 0 else { return line }
        return ([words[0]] + words[(1 + drop)...]).joined(separator: " ")
    }
}

/// A window mean of the loss, skipping non-finite values. The sum is taken afresh,
/// compensated as `check` takes it: a running sum that had a loss of 5.8e13 added
/// and taken away again kept an error of about 0.006 (clipping-rescue showed 0.0253
/// live against check's 0.0226 for the same run).
struct LossWindow {
    let size: Int
    private var values: [Double] = []
    init(size: Int) { self.size = max(size, 1) }
    mutating func add(_ x: Double) {
        guard x.isFinite else { return }
        values.append(x)
        if values.count > size { values.removeFirst() }
    }
    var full: Bool { values.count >= size }
    var mean: Double { values.isEmpty ? .nan : values.reduce(CompensatedSum(), +).value / Double(values.count) }
    mutating func clear() { values = [] }
}

final class GradRatioWatcher: Watcher {
    override func see(_ r: IterationReport) -> String? {
        let m = measure
        guard r.iteration == m.iteration, m.layer - 1 < r.hiddenGradNorms.count else { return nil }
        let norms = r.hiddenGradNorms[m.layer - 1]
        let ref = min(m.reference ?? norms.count, norms.count)
        guard m.step <= norms.count, ref >= 1 else { return nil }
        let value = norms[m.step - 1] / norms[ref - 1]
        let (ok, relation) = Evaluate.judge(value, m)
        let layer = r.hiddenGradNorms.count > 1 ? " of layer \(m.layer)" : ""
        return "\(Self.mark(ok)) \(prefix)iteration \(r.iteration): ‖∂L/∂h_\(m.step)‖/‖∂L/∂h_\(ref)‖\(layer) = \(Format.figure(value, beside: m.below, m.above))\(relation)"
    }
}

final class SlopeWatcher: Watcher {
    override func see(_ r: IterationReport) -> String? {
        let m = measure
        guard r.iteration == m.iteration, m.layer - 1 < r.hiddenGradNorms.count else { return nil }
        let norms = r.hiddenGradNorms[m.layer - 1]
        guard m.fitSteps.upperBound <= norms.count else { return nil }
        let slope = Evaluate.fitSlope(norms, steps: m.fitSteps)
        let rho = m.layer - 1 < r.spectralRadius.count ? r.spectralRadius[m.layer - 1] : .nan
        let head = "\(prefix)iteration \(r.iteration): slope of log‖∂L/∂h_t‖ per step back = \(Format.signed(slope))"
        guard rho.isFinite, rho > 0 else { return "\(head) (ρ not measured)" }
        let logRho = Foundation.log(rho)
        let diff = abs(slope - logRho)
        let ok = abs(logRho) < 1e-3 ? diff < m.absoluteTolerance : diff / abs(logRho) < m.tolerance
        return "\(Self.mark(ok)) \(head) vs log ρ = \(Format.signed(logRho))"
    }
}

/// `gate_path`: the mean over units of each one's product of its direct-path gates
/// (LSTM f, GRU z) from `step` to T, at its iteration, as `check` measures it.
final class GatePathWatcher: Watcher {
    override func see(_ r: IterationReport) -> String? {
        let m = measure
        guard r.iteration == m.iteration, m.layer - 1 < r.pathProducts.count else { return nil }
        let products = r.pathProducts[m.layer - 1]
        guard m.step <= products.count else { return nil }
        let value = products[m.step - 1]
        let (ok, relation) = Evaluate.compare(value, below: m.below, above: m.above)
        let gate = m.settings.cell == .lstm ? "f_u" : "z_u"
        return "\(Self.mark(ok)) \(prefix)iteration \(r.iteration): mean over units of Π_{u=\(m.step)}^{\(products.count)} \(gate) = "
            + "\(Format.figure(value, beside: m.below, m.above))\(relation)"
    }
}

/// `heldout_perplexity`: exp of the held-out loss measured after its iteration, as
/// `check` measures it (the live view asks for it there: `measuresHeldOut`).
final class HeldOutWatcher: Watcher {
    override func see(_ r: IterationReport) -> String? {
        let m = measure
        guard r.iteration == m.iterations, let loss = r.heldOutLoss else { return nil }
        let value = Foundation.exp(loss)
        let (ok, relation) = Evaluate.compare(value, below: m.below, above: m.above)
        return "\(Self.mark(ok)) \(prefix)after \(r.iteration) iterations: held-out perplexity = "
            + "\(Format.figure(value, beside: m.below, m.above))\(relation)"
    }
}

final class NonfiniteWatcher: Watcher {
    let expectNonfinite: Bool
    private var done = false
    init(_ m: Measure, expectNonfinite: Bool) {
        self.expectNonfinite = expectNonfinite
        super.init(m)
    }
    override func reset() { done = false }
    override func see(_ r: IterationReport) -> String? {
        guard !done else { return nil }
        let n = measure.iterations
        if r.nonfinite {
            done = true
            let ok = expectNonfinite && r.iteration <= n
            return "\(Self.mark(ok)) \(prefix)iteration \(r.iteration): first Inf/NaN — the gradient overflowed float32; the weights are frozen from here"
        }
        if r.iteration >= n {
            done = true
            return expectNonfinite
                ? "\(Self.mark(false)) \(prefix)no Inf/NaN within \(n) iterations (is clipping on?)"
                : "\(Self.mark(true)) \(prefix)\(n) iterations without Inf/NaN"
        }
        return nil
    }
}

/// `final_loss` and `loss_reaches`: the window mean crossing `below`, or being
/// judged against `above` (and `below`) when the budget is spent.
final class LossWatcher: Watcher {
    private var window: LossWindow
    private var crossed = false
    private var judged = false
    private var chance = Double.nan

    override init(_ m: Measure) {
        window = LossWindow(size: m.window)
        if m.relativeToChance, let task = try? Trainer.makeTask(m.settings) { chance = task.chanceLoss }
        super.init(m)
    }
    override func reset() { window.clear(); crossed = false; judged = false }

    override func see(_ r: IterationReport) -> String? {
        let m = measure
        window.add(r.loss)
        let scale = m.relativeToChance ? chance : 1
        let value = window.mean / scale
        let what = m.relativeToChance ? "loss/chance" : "loss"
        let means = m.window > 1 ? " (mean of \(m.window))" : ""
        // loss_reaches: crossing below is the moment. final_loss is judged where `check`
        // judges it, at its iteration, whatever the loss did before.
        if !crossed, m.metric == .lossReaches, let below = m.below, window.full, value < below {
            crossed = true
            let ok = r.iteration <= m.iterations
            return "\(Self.mark(ok)) \(prefix)iteration \(r.iteration): \(what)\(means) = \(Format.figure(value, beside: below)) < \(Format.plain(below))"
        }
        if !judged, r.iteration == m.iterations {
            judged = true
            if crossed { return nil }
            let (ok, relation) = Evaluate.compare(value, below: m.below, above: m.above)
            return "\(Self.mark(ok)) \(prefix)after \(r.iteration) iterations: \(what)\(means) = \(Format.figure(value, beside: m.below, m.above))\(relation)"
        }
        return nil
    }
}

/// `loss_below_start` and `perplexity_ratio`: the window mean falling below
/// `below` × its value at the start.
final class StartRatioWatcher: Watcher {
    private var window: LossWindow
    private var start: Double?
    private var crossed = false

    override init(_ m: Measure) {
        window = LossWindow(size: m.window)
        super.init(m)
    }
    override func reset() { window.clear(); start = nil; crossed = false }

    override func see(_ r: IterationReport) -> String? {
        let m = measure
        window.add(r.loss)
        guard window.full else { return nil }
        let perplexity = m.metric == .perplexityRatio
        let value = perplexity ? Foundation.exp(window.mean) : window.mean
        guard let start else {
            self.start = value
            return nil
        }
        let bound = m.below ?? 1
        guard !crossed, value < bound * start else { return nil }
        crossed = true
        let what = (perplexity ? "perplexity" : "loss") + (m.window > 1 ? " (means of \(m.window))" : "")
        let target = bound == 1 ? "its start \(Format.figure(start))" : "\(Format.plain(bound)) × its start \(Format.figure(start))"
        return "\(Self.mark(r.iteration <= m.iterations)) \(prefix)iteration \(r.iteration): \(what) \(Format.figure(value, beside: bound * start)) < \(target)"
    }
}
