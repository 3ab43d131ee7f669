import RNNSim
import Scenarios

/// The view fed by a run outside the live view (`train --headless --svg`): every
/// iteration goes through `update` as the live session's reports do, so the last
/// frame is the one the live view would show, paused at the end of the run.
public struct OfflineView {
    public private(set) var state: AppState

    /// `task`: its chance loss and (a char-LM with a held-out split) n-gram levels, as live.
    public init(scenario: Scenario, width: Int, height: Int, task: any SequenceTask) {
        state = AppState(scenario: scenario, width: width, height: height)
        state.a.running = false
        // The user's data has no chance baseline to quote (NaN): no line for it, as live.
        let chance = task.chanceLoss
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, chanceLoss: chance.isFinite ? chance : nil,
                                                 baselines: ReferenceLevel.nGramBaselines(of: task))))
    }

    /// Text the char-LM network writes now, for the sampled-text panel.
    public mutating func show(sample: String) {
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, sample: sample)))
    }

    /// One iteration's report, with the options it ran with and the moment it caused, if any.
    public mutating func absorb(_ report: IterationReport, options: BPTTOptions, moment: String? = nil) {
        let summary = IterationSummary(report: report, clipThreshold: options.clipNorm)
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, iterations: [summary], report: report,
                                                 reportOptions: options, moment: moment,
                                                 chanceLoss: state.a.chanceLoss, diverged: report.nonfinite || state.a.diverged)))
    }

    public func frame(glyphs: Glyphs = .unicode, colors: ColorTier = .x256) -> ScreenBuffer {
        render(state, glyphs: glyphs, colors: colors)
    }
}
