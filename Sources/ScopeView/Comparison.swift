import RNNSim

public enum Side: Sendable, Equatable { case a, b }

/// The split view: run B beside the main run (A). B's whole view state is kept
/// here; keys that change a run act on the focused side, the pace on both.
public struct Comparison: Sendable {
    /// Side B (one element: a struct cannot hold its own type directly).
    private var storage: [AppState]
    public var focus = Side.a

    public init(b: AppState) {
        var b = b
        b.comparison = nil
        storage = [b]
    }

    public var b: AppState {
        get { storage[0] }
        set { storage[0] = newValue }
    }

    /// The settings that differ, each side's own values: (["train.clip = 0"], ["train.clip = 1"]).
    public static func differences(_ a: Settings, _ b: Settings) -> (a: [String], b: [String]) {
        var da: [String] = [], db: [String] = []
        for k in Settings.keys where k.value(in: a) != k.value(in: b) {
            func shown(_ s: Settings) -> String { k.value(in: s).isEmpty ? "none" : k.value(in: s) }
            da.append("\(k.name) = \(shown(a))")
            db.append("\(k.name) = \(shown(b))")
        }
        return (da, db)
    }
}

extension AppState {
    mutating func absorbing(_ u: SessionUpdate) { absorb(&self, u) }

    /// The state of a split side, and the name it goes by.
    public func side(_ s: Side) -> AppState { s == .a ? self : (comparison?.b ?? self) }
}

/// Keys in the split view: the pace and stepping on both runs (they stay in lockstep),
/// the toggles on the focused one; a new network on either side restarts both from one seed.
func performSplit(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    guard var cmp = state.comparison else { return perform(&state, action) }
    let name = cmp.focus == .a ? "A" : "B"
    switch action {
    case .switchFocus:
        cmp.focus = cmp.focus == .a ? .b : .a
        state.comparison = cmp
        say(&state, "focus on \(cmp.focus == .a ? "A" : "B"): the toggles act on it")
        return []

    case .toggleSplit:
        let keepB = cmp.focus == .b
        if keepB {
            var kept = cmp.b
            kept.presets = state.presets
            kept.width = state.width
            kept.height = state.height
            kept.now = state.now
            kept.running = state.running
            state = kept
        }
        state.comparison = nil
        state.mode = .normal
        say(&state, "split closed: run \(name) goes on")
        return [.closeSplit(keepB: keepB)]

    case .togglePause:
        // One state for both: a run that paused itself (at its moment) takes the other along.
        let forA = perform(&state, action)
        var b = cmp.b
        b.running = state.running
        state.comparison?.b = b
        if !state.running { say(&state, "paused (n: one iteration of both runs; v closes the split for b's step-through)") }
        return forA + [.sideB(state.running ? .resume : .pause)]

    case .stepOnce, .slower, .faster:
        var b = cmp.b
        let forB = perform(&b, action)
        let forA = perform(&state, action)
        state.comparison?.b = b
        return forA + forB.map(\.onSideB)

    case .toggleClip, .raiseClip, .lowerClip, .toggleTruncation, .shorterTruncation, .longerTruncation, .saveWeights:
        if cmp.focus == .a {
            let commands = perform(&state, action)
            if let s = state.status { say(&state, "A: " + s.text) }
            return commands
        }
        var b = cmp.b
        let commands = perform(&b, action)
        state.comparison?.b = b
        if let s = b.status { say(&state, "B: " + s.text) }
        return commands.map(\.onSideB)

    case .toggleIdentityInit, .cycleCell, .raiseForgetBias, .lowerForgetBias, .restart, .restartNewSeed:
        // The focused side is re-initialised; lockstep needs both runs at the same
        // iteration from the same seed, so the other starts again with it.
        var focused = cmp.focus == .a ? state : cmp.b
        var other = cmp.focus == .a ? cmp.b : state
        let changed = perform(&focused, action)
        guard !changed.isEmpty else {  // refused: nothing restarts
            if let s = focused.status { say(&state, "\(name): " + s.text) }
            return []
        }
        other.settings.seed = focused.settings.seed
        other.resetRun()
        let restarted: [AppCommand] = [.restart(seed: other.settings.seed)]
        let (forA, forB) = cmp.focus == .a ? (changed, restarted) : (restarted, changed)
        var b = cmp.focus == .a ? other : focused
        var a = cmp.focus == .a ? focused : other
        a.comparison = cmp
        b.comparison = nil
        a.comparison?.b = b
        let message = focused.status.map { "\(name): \($0.text); both runs start again" }
        state = a
        if let message { say(&state, message) }
        return forA + forB.map(\.onSideB)

    case .enterStepThrough, .openPicker, .nextLayer:
        say(&state, "v closes the split first (keeping the focused run)")
        return []

    case .toggleTheory:
        // Both charts, so that the two sides are read against the same kind of line.
        let commands = perform(&state, action)
        state.comparison?.b.theory = state.theory
        return commands

    default:
        return perform(&state, action)
    }
}
