import RNNSim

/// The pace keys: space pauses and resumes, n runs one iteration, < and > set the pace.
func performPace(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .togglePause:
        if case .stepThrough = state.mode { state.mode = .normal }
        state.running.toggle()
        state.selfPause = nil
        if let h = state.stream {
            say(&state, streamPauseText(state, h))
            return [state.running ? .resume : .pause]
        }
        say(&state, state.diverged ? "the run diverged and no longer changes: r restarts it (c first turns clipping on)"
            : state.running ? "running" : "paused (n: one iteration, b: step through its backward pass)")
        return [state.running ? .resume : .pause]

    case .slower, .faster:
        let speed = state.settings.speed
        let next = action == .faster ? Pace.faster(speed) : Pace.slower(speed, measured: state.runningRate)
        guard next != speed else {
            say(&state, action == .faster ? "already as fast as it can (pace max)"
                                           : "already the slowest pace, \(Pace.text(speed))")
            return []
        }
        state.settings.speed = next
        say(&state, "pace \(Pace.text(next))" + (next.isInfinite ? ": as fast as it can" : ""))
        return [.setSpeed(next)]

    case .stepOnce:
        state.selfPause = nil
        var commands: [AppCommand] = []
        if state.running {
            state.running = false
            commands.append(.pause)
        }
        say(&state, "one iteration (paused)")
        if case .stepThrough = state.mode {
            // A new iteration, measured for stepping: its backward pass starts again at t = T.
            state.mode = .stepThrough(cursor: max(0, state.steps - 1))
            return commands + [.stepOnce, .measureJacobians]
        }
        return commands + [.stepOnce]

    default:
        return []
    }
}
