import ModelIO
import RNNSim

/// Everything a key can do.
public enum Action: Hashable, Sendable, CaseIterable {
    case togglePause, slower, faster, stepOnce, enterStepThrough, toggleClip, raiseClip, lowerClip
    case toggleTruncation, shorterTruncation, longerTruncation, toggleIdentityInit
    case cycleCell, raiseForgetBias, lowerForgetBias
    case restart, restartNewSeed, openPicker, nextLayer, saveWeights, exportFrame, toggleSplit, switchFocus, help, quit
    case toggleTheory, nextSlide, previousSlide
    case stepBack, stepForward, stepToFirst, stepToLast, leaveStepThrough
    case pickerUp, pickerDown, pickerOpen, pickerCancel
    case scrollUp, scrollDown, pageUp, pageDown, closeHelp
}

/// Where a binding applies. Step-through falls back to the main view's bindings.
public enum KeyContext: String, Sendable, CaseIterable {
    case everywhere = "Everywhere"
    case main = "Main view"
    case stepThrough = "BPTT step-through (b)"
    case picker = "Scenario picker (s)"
    case help = "This help"
}

/// One row of the keymap: it drives dispatch, the key bar and the help overlay.
public struct Binding: Sendable {
    public let keys: [Key]
    /// How the keys are written in the key bar ("+-", "[]").
    public let keyLabel: String
    public let action: Action
    /// The short word in the key bar, nil when the binding stays out of it.
    public let barLabel: String?
    /// One line for the help overlay.
    public let help: String
    public let context: KeyContext
}

public enum Keymap {
    public static let bindings: [Binding] = [
        Binding(keys: [.char("q"), .function(10)], keyLabel: "q", action: .quit, barLabel: "Quit",
                help: "quit, leaving the terminal as it was (Ctrl-C too)", context: .everywhere),

        Binding(keys: [.space], keyLabel: "Spc", action: .togglePause, barLabel: "Pause",
                help: "pause / resume training", context: .main),
        Binding(keys: [.char("<")], keyLabel: "<>", action: .slower, barLabel: "Pace",
                help: "halve the pace (iterations per second; also while paused)", context: .main),
        Binding(keys: [.char(">")], keyLabel: ">", action: .faster, barLabel: nil,
                help: "double the pace; past \(Settings.speedText(Settings.speedRange.upperBound)) it/s, max: as fast as it can", context: .main),
        Binding(keys: [.char("n")], keyLabel: "n", action: .stepOnce, barLabel: "Step",
                help: "one training iteration (pauses first if running)", context: .main),
        Binding(keys: [.char("b")], keyLabel: "b", action: .enterStepThrough, barLabel: "BPTT",
                help: "step through the backward pass of this iteration, one timestep per key (pauses)", context: .main),
        Binding(keys: [.char("c")], keyLabel: "c", action: .toggleClip, barLabel: "Clip",
                help: "gradient-norm clipping on/off (Pascanu et al. 2013; threshold 1.0 if none was set)", context: .main),
        Binding(keys: [.char("+"), .char("=")], keyLabel: "+-", action: .raiseClip, barLabel: nil,
                help: "double the clipping threshold", context: .main),
        Binding(keys: [.char("-"), .char("_"), .char("−")], keyLabel: "-", action: .lowerClip, barLabel: nil,
                help: "halve the clipping threshold", context: .main),
        Binding(keys: [.char("t")], keyLabel: "t", action: .toggleTruncation, barLabel: "Trunc",
                help: "truncated BPTT on/off (K = T/4 if none was set)", context: .main),
        Binding(keys: [.char("[")], keyLabel: "[]", action: .shorterTruncation, barLabel: "K",
                help: "shorter truncation length K: half, or the next K the scenario uses (at least 1)", context: .main),
        Binding(keys: [.char("]")], keyLabel: "]", action: .longerTruncation, barLabel: nil,
                help: "longer truncation length K: double, or the next K the scenario uses (at most T)", context: .main),
        Binding(keys: [.char("i")], keyLabel: "i", action: .toggleIdentityInit, barLabel: "IRNN",
                help: "IRNN on/off: W_hh = α·I with ReLU (Le et al. 2015); off is the scenario's own init (tanh with xavier if that was IRNN); re-initialises", context: .main),
        Binding(keys: [.char("g")], keyLabel: "g", action: .cycleCell, barLabel: "Cell",
                help: "the next cell: rnn (vanilla) → lstm → gru (nn.LSTM / nn.GRU equations) → residual (h_t = h_{t−1} + act(…)) → rnn; re-initialises", context: .main),
        Binding(keys: [.char("}")], keyLabel: "{}", action: .raiseForgetBias, barLabel: "b_f",
                help: "LSTM: raise the forget gate bias b_f (init.forget_bias) by 0.5; re-initialises", context: .main),
        Binding(keys: [.char("{")], keyLabel: "{", action: .lowerForgetBias, barLabel: nil,
                help: "LSTM: lower the forget gate bias b_f by 0.5; re-initialises", context: .main),
        Binding(keys: [.char("r")], keyLabel: "r", action: .restart, barLabel: "Reset",
                help: "restart training with the same seed", context: .main),
        Binding(keys: [.char("R")], keyLabel: "R", action: .restartNewSeed, barLabel: nil,
                help: "restart training with a new seed", context: .main),
        Binding(keys: [.char("s")], keyLabel: "s", action: .openPicker, barLabel: "Scen",
                help: "choose another scenario", context: .main),
        Binding(keys: [.char("w")], keyLabel: "w", action: .saveWeights, barLabel: "Save",
                help: "save your model's current weights (run --model): to --save, else MODEL.trained.safetensors; same names, shapes and dtypes", context: .main),
        Binding(keys: [.char("v")], keyLabel: "v", action: .toggleSplit, barLabel: "Split",
                help: "split: fork this run into A | B from its current weights, in lockstep (toggles then act on the focused side); again: close, keeping the focused run", context: .main),
        Binding(keys: [.tab], keyLabel: "Tab", action: .switchFocus, barLabel: nil,
                help: "split view: move the focus between A and B", context: .main),
        Binding(keys: [.char("e")], keyLabel: "e", action: .exportFrame, barLabel: "SVG",
                help: "write this frame as rnnscope-<scenario>-it<N>.svg (and .txt) in the current directory; with --model, named after the model file", context: .main),
        Binding(keys: [.char("o")], keyLabel: "o", action: .toggleTheory, barLabel: nil,
                help: "theory over the measurement: from t = T back, ρ(W_hh)^ℓ and the bound (γ·σ_max)^ℓ (a gated cell: its mean gate f̄^ℓ or z̄^ℓ; the residual cell: its bounds (1 ± γ·σ_max)^ℓ)", context: .main),
        Binding(keys: [.pageDown], keyLabel: "PgDn", action: .nextSlide, barLabel: nil,
                help: "rnnscope lecture: the next preset of the lecture, opening at its moment (a clicker's key)", context: .main),
        Binding(keys: [.pageUp], keyLabel: "PgUp", action: .previousSlide, barLabel: nil,
                help: "rnnscope lecture: the previous preset", context: .main),
        Binding(keys: [.char("L")], keyLabel: "L", action: .nextLayer, barLabel: "Layer",
                help: "show the next layer (stacked networks)", context: .main),
        Binding(keys: [.char("?"), .function(1)], keyLabel: "?", action: .help, barLabel: "Help",
                help: "this help: every key and everything on screen", context: .main),

        Binding(keys: [.left, .char("h")], keyLabel: "←h", action: .stepBack, barLabel: "Back",
                help: "one timestep further back in time (t − 1)", context: .stepThrough),
        Binding(keys: [.right, .char("l")], keyLabel: "→l", action: .stepForward, barLabel: "Fwd",
                help: "one timestep forward again (t + 1)", context: .stepThrough),
        Binding(keys: [.home], keyLabel: "Home", action: .stepToFirst, barLabel: nil,
                help: "jump to t = 1 (the whole backward pass)", context: .stepThrough),
        Binding(keys: [.end], keyLabel: "End", action: .stepToLast, barLabel: nil,
                help: "jump back to t = T (the start of the backward pass)", context: .stepThrough),
        Binding(keys: [.char("b"), .escape], keyLabel: "b", action: .leaveStepThrough, barLabel: "Leave",
                help: "leave step-through", context: .stepThrough),

        Binding(keys: [.up, .char("k")], keyLabel: "↑k", action: .pickerUp, barLabel: "Up",
                help: "previous scenario", context: .picker),
        Binding(keys: [.down, .char("j")], keyLabel: "↓j", action: .pickerDown, barLabel: "Down",
                help: "next scenario", context: .picker),
        Binding(keys: [.enter], keyLabel: "Enter", action: .pickerOpen, barLabel: "Open",
                help: "open the selected scenario (a new run)", context: .picker),
        Binding(keys: [.escape], keyLabel: "Esc", action: .pickerCancel, barLabel: "Cancel",
                help: "close the picker, keep the current run", context: .picker),

        Binding(keys: [.up, .char("k")], keyLabel: "↑k", action: .scrollUp, barLabel: "Up",
                help: "scroll up", context: .help),
        Binding(keys: [.down, .char("j")], keyLabel: "↓j", action: .scrollDown, barLabel: "Down",
                help: "scroll down", context: .help),
        Binding(keys: [.pageUp], keyLabel: "PgUp", action: .pageUp, barLabel: nil,
                help: "scroll up a page", context: .help),
        Binding(keys: [.pageDown, .space], keyLabel: "PgDn", action: .pageDown, barLabel: nil,
                help: "scroll down a page", context: .help),
        Binding(keys: [.escape, .char("?"), .function(1)], keyLabel: "Esc", action: .closeHelp, barLabel: "Close",
                help: "close the help", context: .help),
    ]

    /// The contexts a mode looks in, most specific first.
    static func contexts(for mode: Mode) -> [KeyContext] {
        switch mode {
        case .normal: [.main, .everywhere]
        case .stepThrough: [.stepThrough, .main, .everywhere]
        case .picker: [.picker, .everywhere]
        case .help: [.help, .everywhere]
        }
    }

    public static func action(for key: Key, in mode: Mode) -> Action? {
        for context in contexts(for: mode) {
            if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.action }
        }
        return nil
    }

    /// The key bar's entries for a mode, in table order, `q` last (htop keeps Quit at the end).
    /// `hasModel`: the run trains a model opened with --model, which `w` saves; `s Scen`
    /// (leaving the model for a preset) gives way to it, so that the bar still fits 100 columns.
    /// `lstm`: the cell is an LSTM: `{}` (its forget bias) takes the place of `i IRNN` (the
    /// vanilla cell's fix), so that the bar still fits 100 columns.
    /// `split`: the split view, which refuses step-through, the picker and the layer key
    /// (`v` closes it first) and so does not offer them.
    /// `gated`: a cell other than the vanilla one (LSTM, GRU, residual), which IRNN is not for; a model of one's own keeps its cell.
    public static func bar(for mode: Mode, hasModel: Bool = false, lstm: Bool = false, gated: Bool = false, split: Bool = false) -> [Binding] {
        let own: [KeyContext]
        switch mode {
        case .normal: own = [.main]
        case .stepThrough: own = [.stepThrough]
        case .picker: own = [.picker]
        case .help: own = [.help]
        }
        var entries = bindings.filter { own.contains($0.context) && $0.barLabel != nil && $0.action != (hasModel ? .openPicker : .saveWeights)
            && $0.action != (lstm ? .toggleIdentityInit : .raiseForgetBias) }
        if case .stepThrough = mode {
            // The toggles still work while stepping; keep the main ones visible.
            entries += bindings.filter { [.stepOnce, .toggleClip, .toggleTruncation, .help].contains($0.action) }
        }
        entries += bindings.filter { $0.context == .everywhere }
        if split { entries.removeAll { [.enterStepThrough, .openPicker, .nextLayer].contains($0.action) } }
        if gated || lstm { entries.removeAll { $0.action == .toggleIdentityInit } }
        // A model of one's own keeps its cell and its weights: g and { } (which re-initialise) refuse it.
        if hasModel { entries.removeAll { $0.action == .cycleCell || $0.action == .raiseForgetBias } }
        return entries
    }

    /// The key bar for this state: what it can act on (a stream offers only what reaches it).
    static func bar(for state: AppState) -> [Binding] {
        bar(for: state.ui.mode, hasModel: state.a.settings.ownModel != nil, lstm: state.a.settings.cell == .lstm,
            gated: state.a.settings.cell != .rnn, split: state.isSplit).filter { streamRefusal(state.a, $0.action) == nil }
    }
}
