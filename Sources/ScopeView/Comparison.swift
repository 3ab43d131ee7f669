import RNNSim

/// The split view: run B beside run A, both in `AppState.runs`, and one UI state
/// for the screen. Keys that change a run act on the focused side, the pace on both.
public enum Comparison {
    /// The settings that differ, each side's own values: (["train.clip = 0"], ["train.clip = 1"]).
    public static func differences(_ a: Settings, _ b: Settings) -> (a: [String], b: [String]) {
        var da: [String] = [], db: [String] = []
        for k in Settings.keys where k.value(in: a) != k.value(in: b) {
            func shown(_ s: Settings) -> String {
                let v = k.value(in: s)
                if v.isEmpty { return "none" }
                // Clipping and truncation at 0 are off, not a threshold or a window of 0.
                return Self.zeroIsOff.contains(k.name) && Double(v) == 0 ? "off" : v
            }
            da.append("\(k.name) = \(shown(a))")
            db.append("\(k.name) = \(shown(b))")
        }
        return (da, db)
    }

    static let zeroIsOff: Set<String> = ["train.clip", "train.clip_value", "train.truncate"]
}

extension Side {
    /// How the split names the side: "A" or "B".
    var name: String { self == .a ? "A" : "B" }
    var other: Side { self == .a ? .b : .a }
}

/// Keys in the split view: the pace and stepping on both runs (they stay in lockstep),
/// the toggles on the focused one; a new network on either side restarts both from one seed.
func performSplit(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    guard state.isSplit else { return perform(&state, action) }
    let focus = state.focus, i = state.index(focus)
    switch action {
    case .switchFocus:
        state.ui.focus = focus.other
        say(&state.ui, "focus on \(focus.other.name): the toggles act on it")
        return []

    case .toggleSplit:
        // The run kept stays running or paused as both were; its verdict (or none) is the
        // status line's: the closed side's goes with it.
        let running = state.a.running
        state.unsplit(keeping: focus)
        state.a.running = running
        state.ui.moment = state.a.moment
        state.ui.mode = .normal
        say(&state.ui, "split closed: run \(focus.name) goes on")
        return [.closeSplit(keepB: focus == .b)]

    case .togglePause:
        // One state for both: a run that paused itself (at its moment) takes the other along.
        let forA = performPace(&state.runs[0], &state.ui, action, on: .a)
        state[.b].running = state.a.running
        if !state.a.running { say(&state.ui, "paused (n: one iteration of both runs; v closes the split for b's step-through)") }
        return forA + [.sideB(state.a.running ? .resume : .pause)]

    case .stepOnce, .slower, .faster:
        // B first, so that the status line says what the key did to A.
        let forB = performPace(&state.runs[1], &state.ui, action, on: .b)
        let forA = performPace(&state.runs[0], &state.ui, action, on: .a)
        return forA + forB

    case _ where action.actsOnFocus:
        let commands = action == .saveWeights ? saveWeights(state[focus], &state.ui, on: focus)
                                              : performToggles(&state.runs[i], &state.ui, action, on: focus)
        if let s = state.ui.status { say(&state.ui, "\(focus.name): " + s.text) }
        return commands

    case .toggleIdentityInit, .cycleCell, .raiseForgetBias, .lowerForgetBias, .restart, .restartNewSeed:
        // The focused side is re-initialised; lockstep needs both runs at the same
        // iteration from the same seed, so the other starts again with it.
        let changed = performNetwork(&state, action, on: focus)
        let said = state.ui.status?.text ?? ""
        guard !changed.isEmpty else {  // refused: nothing restarts
            say(&state.ui, "\(focus.name): " + said)
            return []
        }
        state[focus.other].settings.seed = state[focus].settings.seed
        state.restart(focus.other)
        let restarted: [AppCommand] = [.run(.restart(seed: state[focus.other].settings.seed), focus.other)]
        say(&state.ui, "\(focus.name): \(said); both start again")
        return focus == .a ? changed + restarted : restarted + changed

    case .enterStepThrough, .openPicker, .nextLayer:
        say(&state.ui, "v closes the split first (keeping the focused run)")
        return []

    default:
        // The theory lines are the UI's: both charts, read against the same kind of line.
        return perform(&state, action)
    }
}

extension Action {
    /// In a split, the toggles and saving act on the focused run alone; the rest on both.
    var actsOnFocus: Bool {
        switch self {
        case .toggleClip, .raiseClip, .lowerClip, .toggleTruncation, .shorterTruncation, .longerTruncation, .saveWeights: true
        default: false
        }
    }
}
