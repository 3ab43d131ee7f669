import Dispatch
import RNNSim

/// What one training run recorded for its claims: every loss, the first Inf/NaN,
/// the full reports and held-out losses at the iterations the claims measure.
/// `check` fills one headlessly (`record`); the live view fills one as the run
/// goes (`MomentWatchers`). Both judge it with `Evaluate`, so a claim's figure is
/// the same number in either.
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

    /// The iterations recorded so far (the trace starts at iteration 1).
    var count: Int { losses.count }

    func append(_ loss: Double) {
        losses.append(loss)
        sums.append(sums.last! + loss)
    }

    /// Records the next iteration: its loss, whether it is the first Inf/NaN, and
    /// its report and held-out loss where the plan's claims measure them.
    func record(_ r: IterationReport, for plan: RunPlan) {
        append(r.loss)
        if r.nonfinite && firstNonfinite == nil { firstNonfinite = r.iteration }
        if plan.reportsAt.contains(r.iteration) { reports[r.iteration] = r }
        if plan.heldOutAt.contains(r.iteration) { heldOutLoss[r.iteration] = r.heldOutLoss ?? .nan }
    }

    /// Mean loss over iterations (a, b], 0 ≤ a < b ≤ count.
    func mean(_ a: Int, _ b: Int) -> Double { sums[b].minus(sums[a]) / Double(b - a) }

    /// The first iteration where the window mean is below a `loss_reaches` threshold.
    func reached(_ m: Measure) -> Int? {
        guard let below = m.below else { return nil }
        let scale = m.relativeToChance ? chance : 1
        let n = min(losses.count, m.iterations)
        guard n >= m.window else { return nil }
        for i in m.window...n where mean(i - m.window, i) / scale < below { return i }
        return nil
    }

    /// Whether the newest window is below the measure's threshold.
    func newestBelow(_ m: Measure) -> Bool {
        guard let below = m.below, losses.count >= m.window else { return false }
        let scale = m.relativeToChance ? chance : 1
        return mean(losses.count - m.window, losses.count) / scale < below
    }

    /// Trains for the plan (`check`); `progress` hears about every quarter of a long run.
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
        let reaches = plan.measures.filter { $0.metric == .lossReaches }
        let budget = plan.budget
        while trace.count < budget {
            let i = trace.count + 1
            var r = trainer.step(spectrum: plan.spectrumAt.contains(i), jacobians: false,
                                 stepGradients: plan.stepGradientsAt.contains(i))
            if plan.heldOutAt.contains(i) { r.heldOutLoss = trainer.heldOutLoss() }
            trace.record(r, for: plan)
            if budget >= 1000, i % (budget / 4) == 0, i < budget { progress?(i, r.loss) }
            // Cheap early exits: divergence, or every measure settled.
            if trace.firstNonfinite != nil { break }
            let cheapCheck = reaches.isEmpty || reaches.allSatisfy { i >= $0.iterations || trace.newestBelow($0) }
            if cheapCheck && plan.settled(trace) { break }
        }
        return trace
    }
}
