import RNNSim

/// The pace keys: space pauses and resumes, n runs one iteration, < and > set the pace,
/// for the run on `side`.
func performPace(_ run: inout RunState, _ ui: inout UIState, _ action: Action, on side: Side) -> [AppCommand] {
    switch action {
    case .togglePause:
        leaveStepThrough(&ui)
        run.running.toggle()
        run.selfPause = nil
        if let h = run.stream {
            say(&ui, streamPauseText(run, h))
            return [.run(run.running ? .resume : .pause, side)]
        }
        say(&ui, run.diverged ? "the run diverged and no longer changes: r restarts it (c first turns clipping on)"
            : run.running ? "running" : "paused (n: one iteration, b: step through its backward pass)")
        return [.run(run.running ? .resume : .pause, side)]

    case .slower, .faster:
        let speed = run.settings.speed
        let next = action == .faster ? Pace.faster(speed) : Pace.slower(speed, measured: run.runningRate)
        guard next != speed else {
            say(&ui, action == .faster ? "already as fast as it can (pace max)"
                                        : "already the slowest pace, \(Pace.text(speed, unit: Pace.unit(run)))")
            return []
        }
        run.settings.speed = next
        say(&ui, "pace \(Pace.text(next, unit: Pace.unit(run)))" + (next.isInfinite ? ": as fast as it can" : ""))
        return [.run(.setSpeed(next), side)]

    case .stepOnce:
        run.selfPause = nil
        var commands: [AppCommand] = []
        if run.running {
            run.running = false
            commands.append(.run(.pause, side))
        }
        if let h = run.stream {
            say(&ui, h.control != nil ? "your loop runs one iteration, recorded (paused)" : "the next record (paused)")
        } else {
            say(&ui, "one iteration (paused)")
        }
        if case .stepThrough = ui.mode {
            // A new iteration, measured for stepping: its backward pass starts again at t = T.
            ui.mode = .stepThrough(cursor: max(0, run.steps - 1))
            return commands + [.run(.stepOnce, side), .run(.measureJacobians, side)]
        }
        return commands + [.run(.stepOnce, side)]

    default:
        return []
    }
}
