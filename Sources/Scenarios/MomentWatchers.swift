import Foundation
import RNNSim

extension Scenario {
    /// Watches a live run of this scenario's own settings and says in one line when
    /// a claim's moment arrives: the gradient ratio at its iteration, the first
    /// Inf/NaN, the loss crossing its threshold, the loss or perplexity at the end of
    /// its budget. Only the measurements on the file's own settings that a live run
    /// records are watched; nil if there is nothing to watch.
    public func momentWatcher() -> MomentWatcher? {
        let measures = watchedMeasures.filter(\.isJudgedLive)
        return measures.isEmpty ? nil : MomentWatchers(measures, scenario: self)
    }
}

/// A scenario's claims on the live run. The watcher decides only *when* a claim
/// is judged: as soon as its verdict is settled on the run so far (where `check`
/// would stop training for it). The verdict is `Evaluate`'s, on a `Trace` of the
/// live run, so its figure is the number `check` gives for the same seed.
/// Lines that arrive together are one line: the run stops at that iteration, and
/// each verdict is on screen while it is paused there.
final class MomentWatchers: MomentWatcher {
    let scenario: Scenario
    /// The watched measurements, as `check` would plan one run of them.
    let plan: RunPlan
    private(set) var trace = Trace()
    /// Each measurement's outcome once judged, in `plan.measures` order.
    private(set) var verdicts: [Outcome?]
    /// The trace follows the run from its first iteration; a run joined later is not judged.
    private var aligned = true
    private let chance: Double
    private let lossKind: LossKind

    init(_ measures: [Measure], scenario: Scenario) {
        self.scenario = scenario
        plan = RunPlan(settings: scenario.settings, label: "", measures: measures)
        verdicts = Array(repeating: nil, count: measures.count)
        // The task only where a figure needs its chance loss or its default loss.
        let needsTask = measures.contains { $0.relativeToChance || ($0.metric == .lossBelowStart && scenario.settings.loss == nil) }
        let task = needsTask ? try? Trainer.makeTask(scenario.settings) : nil
        chance = task?.chanceLoss ?? .nan
        lossKind = scenario.settings.loss ?? task?.defaultLoss ?? .mseLast
        startAfresh()
    }

    private func startAfresh() {
        trace = Trace()
        trace.chance = chance
        trace.lossKind = lossKind
        verdicts = Array(repeating: nil, count: plan.measures.count)
        aligned = true
    }

    func judges(_ settings: Settings) -> Bool { scenario.claimsApply(to: settings) }
    func measuresHeldOut(at iteration: Int) -> Bool { plan.heldOutAt.contains(iteration) }
    func measuresSpectrum(at iteration: Int) -> Bool { plan.spectrumAt.contains(iteration) }

    func observe(_ report: IterationReport) -> String? {
        // A new run (the restart key, a new network) starts at iteration 1.
        if report.iteration == 1 {
            startAfresh()
        } else if report.iteration != trace.count + 1 {
            aligned = false
        }
        // Once every claim is judged, nothing more is kept.
        guard aligned, verdicts.contains(where: { $0 == nil }) else { return nil }
        trace.record(report, for: plan)
        var lines: [String] = []
        for (k, m) in plan.measures.enumerated() where verdicts[k] == nil && m.isSettled(by: trace) {
            let outcome = Evaluate.measure(m, trace)
            verdicts[k] = outcome
            lines.append("\(outcome.passed ? "✓" : "✗") \(m.label.isEmpty ? "" : "\(m.label): ")\(outcome.moment)")
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
