import ModelIO
import RNNSim
import Scenarios

/// The keys that start a new network on `side`: IRNN (i), the cell (g), the forget bias
/// ({ and }), a restart (r) and a new seed (R). A key that acts starts a new run there.
func performNetwork(_ state: inout AppState, _ action: Action, on side: Side) -> [AppCommand] {
    let i = state.index(side)
    let commands = changeNetwork(&state.runs[i], &state.ui, action, on: side)
    if !commands.isEmpty { state.restart(side) }
    return commands
}

/// The new network's settings, and the command that starts it; nothing when the key is refused.
private func changeNetwork(_ run: inout RunState, _ ui: inout UIState, _ action: Action, on side: Side) -> [AppCommand] {
    switch action {
    case .toggleIdentityInit:
        // Le et al.'s IRNN is a vanilla RNN's: an LSTM or GRU has no activation to make ReLU.
        if !run.identityInit && run.settings.cell != .rnn {
            say(&ui, run.settings.ownModel.map { "IRNN (W_hh = α·I with ReLU) is for the vanilla RNN; your model is an \($0.model.shape.cell.moduleName)" }
                ?? "IRNN (W_hh = α·I with ReLU) is for the vanilla RNN: g switches the cell to rnn")
            return []
        }
        run.identityInit.toggle()
        let own = run.settings.ownModel != nil
        if run.identityInit {
            run.settings.initKind = .identity
            run.settings.activation = .relu
            say(&ui, own
                ? "IRNN on: your model's W_hh re-initialised to \(Format.setting(run.settings.alpha))·I with ReLU (the other weights as loaded)"
                : "IRNN on: W_hh = \(Format.setting(run.settings.alpha))·I with ReLU, network re-initialised")
        } else {
            (run.settings.initKind, run.settings.activation) = run.initialisationWithoutIRNN
            say(&ui, own
                ? "IRNN off: your model's weights as loaded, with \(run.settings.activation.rawValue)"
                : "IRNN off: \(run.settings.initKind.rawValue) init with \(run.settings.activation.rawValue), network re-initialised")
        }
        leaveStepThrough(&ui)
        return [.run(.reinitialise(run.settings), side)]

    case .cycleCell:
        if let user = run.settings.ownModel {
            say(&ui, "the cell is your model's: \(user.model.shape.cell.moduleName) as read from \(user.modelPath)")
            return []
        }
        let all = CellKind.allCases
        run.settings.cell = all[(all.firstIndex(of: run.settings.cell)! + 1) % all.count]
        // IRNN does not carry over to a gated cell (see toggleIdentityInit).
        let leftIRNN = run.identityInit && run.settings.cell != .rnn
        if leftIRNN {
            run.identityInit = false
            (run.settings.initKind, run.settings.activation) = run.initialisationWithoutIRNN
        }
        say(&ui, "cell \(run.settings.cell.rawValue)" + cellDescription(run.settings)
            + ": network re-initialised" + (leftIRNN ? " (IRNN off: it is for the vanilla RNN)" : ""))
        leaveStepThrough(&ui)
        return [.run(.reinitialise(run.settings), side)]

    case .raiseForgetBias, .lowerForgetBias:
        guard run.settings.cell == .lstm else {
            say(&ui, "b_f is the LSTM's forget gate bias: g switches the cell to lstm")
            return []
        }
        guard run.settings.ownModel == nil else {
            say(&ui, "b_f is your model's own (its bias_ih forget slice): { and } set it for networks rnnscope initialises")
            return []
        }
        let step = action == .raiseForgetBias ? 0.5 : -0.5
        run.settings.forgetBias = min(10, max(-10, run.settings.forgetBias + step))
        // At initialisation f ≈ σ(b_f), so the memory path keeps about σ(b_f)^T over T steps.
        let kept = GatePath.forgetProduct(bias: run.settings.forgetBias, steps: run.steps)
        say(&ui, "forget bias b_f = \(Format.setting(run.settings.forgetBias)): σ(b_f)^T = \(Format.scientific(kept)) at init; network re-initialised")
        leaveStepThrough(&ui)
        return [.run(.reinitialise(run.settings), side)]

    case .restart:
        leaveStepThrough(&ui)
        say(&ui, "restarted with seed \(run.settings.seed)")
        return [.run(.restart(seed: run.settings.seed), side)]

    case .restartNewSeed:
        leaveStepThrough(&ui)
        run.settings.seed = nextSeed(after: run.settings.seed, salt: ui.sessionSalt)
        say(&ui, "restarted with a new seed: \(run.settings.seed)")
        return [.run(.restart(seed: run.settings.seed), side)]

    default:
        return []
    }
}

/// How `g` names the cell it switched to.
private func cellDescription(_ s: Settings) -> String {
    switch s.cell {
    case .rnn: " (vanilla, \(s.activation.rawValue))"
    case .residual: " (h_t = h_{t−1} + \(s.activation.rawValue)(…))"
    case .lstm, .gru: " (\(s.cell.moduleName)'s equations)"
    }
}
