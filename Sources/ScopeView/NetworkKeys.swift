import RNNSim
import Scenarios

/// The keys that start a new network: IRNN (i), the cell (g), the forget bias ({ and }),
/// a restart (r) and a new seed (R).
func performNetwork(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .toggleIdentityInit:
        // Le et al.'s IRNN is a vanilla RNN's: an LSTM or GRU has no activation to make ReLU.
        if !state.identityInit && state.settings.cell != .rnn {
            say(&state, state.settings.userModel.map { "IRNN (W_hh = α·I with ReLU) is for the vanilla RNN; your model is an \($0.model.shape.cell.moduleName)" }
                ?? "IRNN (W_hh = α·I with ReLU) is for the vanilla RNN: g switches the cell to rnn")
            return []
        }
        state.identityInit.toggle()
        let own = state.settings.userModel != nil
        if state.identityInit {
            state.settings.initKind = .identity
            state.settings.activation = .relu
            say(&state, own
                ? "IRNN on: your model's W_hh re-initialised to \(Format.setting(state.settings.alpha))·I with ReLU (the other weights as loaded)"
                : "IRNN on: W_hh = \(Format.setting(state.settings.alpha))·I with ReLU, network re-initialised")
        } else {
            (state.settings.initKind, state.settings.activation) = state.initialisationWithoutIRNN
            say(&state, own
                ? "IRNN off: your model's weights as loaded, with \(state.settings.activation.rawValue)"
                : "IRNN off: \(state.settings.initKind.rawValue) init with \(state.settings.activation.rawValue), network re-initialised")
        }
        leaveStepThrough(&state)
        state.resetRun()
        return [.reinitialise(state.settings)]

    case .cycleCell:
        if let user = state.settings.userModel {
            say(&state, "the cell is your model's: \(user.model.shape.cell.moduleName) as read from \(user.modelPath)")
            return []
        }
        let all = CellKind.allCases
        state.settings.cell = all[(all.firstIndex(of: state.settings.cell)! + 1) % all.count]
        // IRNN does not carry over to a gated cell (see toggleIdentityInit).
        let leftIRNN = state.identityInit && state.settings.cell != .rnn
        if leftIRNN {
            state.identityInit = false
            (state.settings.initKind, state.settings.activation) = state.initialisationWithoutIRNN
        }
        say(&state, "cell \(state.settings.cell.rawValue)" + (state.settings.cell == .rnn ? " (vanilla, \(state.settings.activation.rawValue))" : " (\(state.settings.cell.moduleName)'s equations)")
            + ": network re-initialised" + (leftIRNN ? " (IRNN off: it is for the vanilla RNN)" : ""))
        leaveStepThrough(&state)
        state.resetRun()
        return [.reinitialise(state.settings)]

    case .raiseForgetBias, .lowerForgetBias:
        guard state.settings.cell == .lstm else {
            say(&state, "b_f is the LSTM's forget gate bias: g switches the cell to lstm")
            return []
        }
        guard state.settings.userModel == nil else {
            say(&state, "b_f is your model's own (its bias_ih forget slice): { and } set it for networks rnnscope initialises")
            return []
        }
        let step = action == .raiseForgetBias ? 0.5 : -0.5
        state.settings.forgetBias = min(10, max(-10, state.settings.forgetBias + step))
        // At initialisation f ≈ σ(b_f), so the memory path keeps about σ(b_f)^T over T steps.
        let kept = GatePath.forgetProduct(bias: state.settings.forgetBias, steps: state.steps)
        say(&state, "forget bias b_f = \(Format.setting(state.settings.forgetBias)): σ(b_f)^T = \(Format.scientific(kept)) at init; network re-initialised")
        leaveStepThrough(&state)
        state.resetRun()
        return [.reinitialise(state.settings)]

    case .restart:
        leaveStepThrough(&state)
        state.resetRun()
        say(&state, "restarted with seed \(state.settings.seed)")
        return [.restart(seed: state.settings.seed)]

    case .restartNewSeed:
        leaveStepThrough(&state)
        state.settings.seed = nextSeed(after: state.settings.seed, salt: state.sessionSalt)
        state.resetRun()
        say(&state, "restarted with a new seed: \(state.settings.seed)")
        return [.restart(seed: state.settings.seed)]

    default:
        return []
    }
}
