import ModelIO
/// The keys that change what is shown or written, not the run: theory lines (o),
/// the layer (L), help, the split (v, Tab) and the frame (e).
func performView(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .toggleTheory:
        state.ui.theory.toggle()
        guard state.ui.theory else {
            say(&state.ui, "theory lines off")
            return []
        }
        let cell = state.a.settings.cell
        // A reverse direction's backward pass runs from t = 1 towards T.
        let from = state.a.isReverseRow(state.ui.layer) ? "theory from t = 1 on (reverse direction)" : "theory from t = T back"
        switch cell {
        case .rnn: say(&state.ui, "\(from): • ρ(W_hh)^ℓ, as a linear network; ─ (γ·σ_max)^ℓ, the bound it never exceeds")
        case .residual: say(&state.ui, "\(from): ─ (1 ± γ·σ_max)^ℓ, the bounds J = I + diag(act')·W_hh puts on the gradient")
        case .lstm, .gru: say(&state.ui, "\(from): • \(cell == .lstm ? "f̄" : "z̄")^ℓ, the mean gate on the memory path to the power of the steps")
        }
        return []

    case .nextLayer:
        let layers = state.a.settings.layers
        state.ui.layer = (state.ui.layer + 1) % max(1, layers)
        // The chart's title and the panel name the layer; the status line keeps the verdict.
        if layers < 2 { say(&state.ui, "one layer: L shows the next of a stacked network") }
        return []

    case .toggleSplit:
        guard state.a.error == nil, state.a.report != nil else {
            say(&state.ui, "no run to split yet")
            return []
        }
        leaveStepThrough(&state.ui)
        // B's run is a new session: its reports count generations from 0.
        var b = state.a
        b.generation = 0
        state.split(with: b)
        say(&state.ui, "split: B continues from A's weights in lockstep; toggles act on the focused side (Tab moves it)")
        return [.openSplit(state.a.settings)]

    case .switchFocus:
        say(&state.ui, "Tab moves the focus in the split view (v opens it)")
        return []

    case .exportFrame:
        return [.exportFrame(baseName: FrameExport.baseName(scenario: state.a.figureName, iteration: state.a.latestIteration))]

    case .help:
        state.ui.mode = .help(scroll: 0)
        return []

    case .pickerCancel, .closeHelp:
        state.ui.mode = .normal
        return []

    case .scrollUp, .scrollDown, .pageUp, .pageDown:
        guard case .help(let scroll) = state.ui.mode else { return [] }
        let page = max(1, state.ui.height - 6)
        let delta = [.scrollUp: -1, .scrollDown: 1, .pageUp: -page, .pageDown: page][action] ?? 0
        state.ui.mode = .help(scroll: clampHelpScroll(scroll + delta, state))
        return []

    default:
        return []
    }
}

/// w: writes the weights of the run on `side` back to the model file it was opened from.
func saveWeights(_ run: RunState, _ ui: inout UIState, on side: Side) -> [AppCommand] {
    guard let user = run.settings.ownModel else {
        say(&ui, "nothing to save: w saves a model opened with --model")
        return []
    }
    say(&ui, "saving to \(user.savePath)…")
    return [.run(.saveWeights, side)]
}
