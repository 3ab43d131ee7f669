/// The BPTT step-through (b): the cursor walks the backward pass of the iteration on screen.
func performStepThrough(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .enterStepThrough:
        guard let report = state.report, !report.hiddenGradNorms.isEmpty else {
            say(&state, "no iteration to step through yet")
            return []
        }
        let steps = report.hiddenGradNorms[min(state.layer, report.hiddenGradNorms.count - 1)].count
        state.mode = .stepThrough(cursor: max(0, steps - 1))
        var commands: [AppCommand] = []
        if state.running {
            state.running = false
            commands.append(.pause)
        }
        say(&state, "BPTT step-through from t = T: ← h back in time, → l forward, b or Esc leaves")
        return commands + [.measureJacobians]

    case .stepBack, .stepForward, .stepToFirst, .stepToLast:
        guard case .stepThrough(let cursor) = state.mode else { return [] }
        let last = max(0, shownSteps(state) - 1)
        let next: Int
        switch action {
        case .stepBack: next = cursor - 1
        case .stepForward: next = cursor + 1
        case .stepToFirst: next = 0
        default: next = last
        }
        state.mode = .stepThrough(cursor: min(max(next, 0), last))
        return []

    case .leaveStepThrough:
        state.mode = .normal
        return []

    default:
        return []
    }
}
