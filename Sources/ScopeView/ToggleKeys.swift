/// Clipping (c, + and −) and truncation (t, [ and ]): one `Toggle` each, the value
/// in force held in the run's settings.
func performToggles(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .toggleClip:
        state.clipping.switched(&state.settings.clip)
        say(&state, state.clip > 0 ? "clipping on: threshold \(Format.setting(state.clip))" : "clipping off")
        return clipChanged(&state)

    case .raiseClip, .lowerClip:
        let factor = action == .raiseClip ? 2.0 : 0.5
        state.clipping.tune(to: min(max(state.clipping.memory * factor, 1e-6), 1e9), &state.settings.clip)
        guard state.clip > 0 else {
            say(&state, "clipping is off; c turns it on at threshold \(Format.setting(state.clipping.memory))")
            return []
        }
        say(&state, "clipping threshold \(Format.setting(state.clip))")
        return clipChanged(&state)

    case .toggleTruncation:
        state.truncation.switched(&state.settings.truncate)
        say(&state, state.truncate > 0 ? "truncation on: K = \(state.truncate), no gradient crosses a cut" : "truncation off: full BPTT")
        return [.setTruncate(state.truncate > 0 ? state.truncate : nil)]

    case .shorterTruncation, .longerTruncation:
        let next = TruncationLadder.step(from: state.truncation.memory, shorter: action == .shorterTruncation,
                                         scenario: state.scenario, steps: state.steps)
        state.truncation.tune(to: next, &state.settings.truncate)
        guard state.truncate > 0 else {
            say(&state, "truncation is off; t turns it on with K = \(state.truncation.memory)")
            return []
        }
        say(&state, "truncation K = \(state.truncate)")
        return [.setTruncate(state.truncate)]

    default:
        return []
    }
}

/// A new threshold counts how often clipping fires afresh.
private func clipChanged(_ state: inout AppState) -> [AppCommand] {
    state.clipFired = 0
    state.clipCounted = 0
    return [.setClip(state.clip > 0 ? state.clip : nil)]
}
