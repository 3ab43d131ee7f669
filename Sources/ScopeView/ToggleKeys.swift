/// Clipping (c, + and −) and truncation (t, [ and ]) of the run on `side`: one `Toggle`
/// each, the value in force held in the run's settings.
func performToggles(_ run: inout RunState, _ ui: inout UIState, _ action: Action, on side: Side) -> [AppCommand] {
    switch action {
    case .toggleClip:
        run.clipping.switched(&run.settings.clip)
        // Until the run ends: the records made before c turns it on again still say 0.
        if run.stream?.control != nil && run.clip == 0 { run.clipOffByView = true }
        say(&ui, run.clip > 0 ? "clipping on: threshold \(Format.setting(run.clip))" : "clipping off")
        return clipChanged(&run, side)

    case .raiseClip, .lowerClip:
        let factor = action == .raiseClip ? 2.0 : 0.5
        run.clipping.tune(to: min(max(run.clipping.memory * factor, 1e-6), 1e9), &run.settings.clip)
        guard run.clip > 0 else {
            say(&ui, "clipping is off; c turns it on at threshold \(Format.setting(run.clipping.memory))")
            return []
        }
        say(&ui, "clipping threshold \(Format.setting(run.clip))")
        return clipChanged(&run, side)

    case .toggleTruncation:
        run.truncation.switched(&run.settings.truncate)
        say(&ui, run.truncate > 0 ? "truncation on: K = \(run.truncate), no gradient crosses a cut" : "truncation off: full BPTT")
        return [.run(.setTruncate(run.truncate > 0 ? run.truncate : nil), side)]

    case .shorterTruncation, .longerTruncation:
        let next = TruncationLadder.step(from: run.truncation.memory, shorter: action == .shorterTruncation,
                                         scenario: run.scenario, steps: run.steps)
        run.truncation.tune(to: next, &run.settings.truncate)
        guard run.truncate > 0 else {
            say(&ui, "truncation is off; t turns it on with K = \(run.truncation.memory)")
            return []
        }
        say(&ui, "truncation K = \(run.truncate)")
        return [.run(.setTruncate(run.truncate), side)]

    default:
        return []
    }
}

/// A new threshold counts how often clipping fires afresh.
private func clipChanged(_ run: inout RunState, _ side: Side) -> [AppCommand] {
    run.clipFired = 0
    run.clipCounted = 0
    run.clipRequests += 1
    return [.run(.setClip(run.clip > 0 ? run.clip : nil, request: run.clipRequests), side)]
}
