/// The BPTT step-through (b): the cursor walks the backward pass of the iteration on
/// screen, run A's (the split refuses it).
func performStepThrough(_ run: inout RunState, _ ui: inout UIState, _ action: Action) -> [AppCommand] {
    switch action {
    case .enterStepThrough:
        guard let report = run.report, !report.hiddenGradNorms.isEmpty else {
            say(&ui, "no iteration to step through yet")
            return []
        }
        let steps = report.hiddenGradNorms[min(ui.layer, report.hiddenGradNorms.count - 1)].count
        // A reverse direction's backward pass starts at t = 1 and goes on towards T.
        let reverse = run.isReverseRow(ui.layer)
        ui.mode = .stepThrough(cursor: reverse ? 0 : max(0, steps - 1))
        var commands: [AppCommand] = []
        if run.running {
            run.running = false
            commands.append(.pause)
        }
        say(&ui, reverse ? reverseStepThroughHint : stepThroughHint)
        return commands + [.measureJacobians]

    case .stepBack, .stepForward, .stepToFirst, .stepToLast:
        guard case .stepThrough(let cursor) = ui.mode else { return [] }
        let last = max(0, shownSteps(run, layer: ui.layer) - 1)
        let next: Int
        switch action {
        case .stepBack: next = cursor - 1
        case .stepForward: next = cursor + 1
        case .stepToFirst: next = 0
        default: next = last
        }
        ui.mode = .stepThrough(cursor: min(max(next, 0), last))
        return []

    case .leaveStepThrough:
        ui.mode = .normal
        // The hint of how to leave is over once left.
        if ui.status?.text == stepThroughHint || ui.status?.text == reverseStepThroughHint { ui.status = nil }
        return []

    default:
        return []
    }
}

let stepThroughHint = "BPTT step-through from t = T: ← h back in time, → l forward, b or Esc leaves"
let reverseStepThroughHint = "BPTT step-through of a reverse direction from t = 1: → l back in its time, ← h forward, b or Esc leaves"
