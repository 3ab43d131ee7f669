/// The keys that change what is shown or written, not the run: theory lines (o),
/// the layer (L), help, the split (v, Tab), saving the weights (w) and the frame (e).
func performView(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .toggleTheory:
        state.theory.toggle()
        guard state.theory else {
            say(&state, "theory lines off")
            return []
        }
        say(&state, state.settings.cell == .rnn
            ? "theory from t = T back: • ρ(W_hh)^ℓ, as a linear network; ─ (γ·σ_max)^ℓ, the bound it never exceeds"
            : "theory from t = T back: • \(state.settings.cell == .lstm ? "f̄" : "z̄")^ℓ, the mean gate on the memory path to the power of the steps")
        return []

    case .nextLayer:
        state.layer = (state.layer + 1) % max(1, state.settings.layers)
        // The chart's title and the panel name the layer; the status line keeps the verdict.
        if state.settings.layers < 2 { say(&state, "one layer: L shows the next of a stacked network") }
        return []

    case .saveWeights:
        guard let user = state.settings.userModel else {
            say(&state, "nothing to save: w saves a model opened with --model")
            return []
        }
        say(&state, "saving to \(user.savePath)…")
        return [.saveWeights]

    case .toggleSplit:
        guard state.error == nil, state.report != nil else {
            say(&state, "no run to split yet")
            return []
        }
        leaveStepThrough(&state)
        // B's run is a new session: its reports count generations from 0.
        var b = state
        b.generation = 0
        state.comparison = Comparison(b: b)
        say(&state, "split: B continues from A's weights in lockstep; Tab moves the focus, toggles act on the focused side")
        return [.openSplit(state.settings)]

    case .switchFocus:
        say(&state, "Tab moves the focus in the split view (v opens it)")
        return []

    case .exportFrame:
        return [.exportFrame(baseName: FrameExport.baseName(scenario: state.figureName, iteration: state.latestIteration))]

    case .help:
        state.mode = .help(scroll: 0)
        return []

    case .pickerCancel, .closeHelp:
        state.mode = .normal
        return []

    case .scrollUp, .scrollDown, .pageUp, .pageDown:
        guard case .help(let scroll) = state.mode else { return [] }
        let page = max(1, state.height - 6)
        let delta = [.scrollUp: -1, .scrollDown: 1, .pageUp: -page, .pageDown: page][action] ?? 0
        state.mode = .help(scroll: clampHelpScroll(scroll + delta, state))
        return []

    default:
        return []
    }
}
