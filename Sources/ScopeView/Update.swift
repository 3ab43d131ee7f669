import Foundation
import RNNSim
import Scenarios

/// The one place the view's state changes (Elm's update): an event in, the new
/// state and the commands for the runtime out. Pure: no clock, no I/O.
public func update(_ state: inout AppState, _ event: AppEvent) -> [AppCommand] {
    switch event {
    case .key(let key):
        guard let action = Keymap.action(for: key, in: state.ui.mode) else {
            // A key that does nothing says so (Esc, with nothing open to close, stays quiet).
            if state.ui.mode == .normal, key != .escape { say(&state.ui, "\(key.label) does nothing here: ? lists every key") }
            return []
        }
        // The toggles act on the focused run of a split (its stream may have ended while A's goes on).
        if let refusal = streamRefusal(action.actsOnFocus ? state[state.focus] : state.a, action) {
            say(&state.ui, refusal)
            return []
        }
        return state.isSplit ? performSplit(&state, action) : perform(&state, action)
    case .reportB(let u):
        guard state.isSplit else { return [] }
        absorb(&state, u, from: .b)
        if let why = unusableStream(state[.b]) { return [.fail(why)] }
        guard u.generation == state[.b].generation else { return [] }
        // Run B stopped itself (its claim's moment): A stops beside it, at the same iteration.
        if u.selfPause != nil, state.a.running {
            state.a.running = false
            state.a.selfPause = u.selfPause
            state.ui.status = nil  // the line says why it stopped, as when A stops itself
            return [.pauseAt(state[.b].latestIteration)]
        }
        return []
    case .resize(let w, let h):
        // The help rewraps at the new width: it keeps its place in the text, not its line number
        // (the end of it at 120 columns showed the middle of the network panel's at 80).
        var help: (scroll: Int, lines: Int, atEnd: Bool)?
        if case .help(let scroll) = state.ui.mode { help = (scroll, helpLineCount(state), scroll == clampHelpScroll(.max, state)) }
        state.ui.width = max(0, w)
        state.ui.height = max(0, h)
        if let (scroll, before, atEnd) = help {
            let after = helpLineCount(state)
            let kept = atEnd ? .max : before > 0 ? Int((Double(scroll) * Double(after) / Double(before)).rounded()) : scroll
            state.ui.mode = .help(scroll: clampHelpScroll(kept, state))
        }
        return []
    case .report(let u):
        let wasRunning = state.a.running
        absorb(&state, u, from: .a)
        if let why = unusableStream(state.a) { return [.fail(why)] }
        // Run A stopped itself (at its moment): B finishes the same iteration and pauses there.
        if wasRunning && !state.a.running, state.b?.running == true {
            state[.b].running = false
            return [.sideB(.pauseAt(state.a.latestIteration))]
        }
        return []
    case .tick(let now):
        state.ui.now = now
        if let s = state.ui.status, now - s.since > UIState.statusLifetime { state.ui.status = nil }
        return []
    case .exported(let base, let error):
        say(&state.ui, error.map { "could not write the frame: \($0)" } ?? "wrote \(base).svg and \(base).txt")
        return []
    }
}

// MARK: Keys

/// A key's action outside the split, handed to the handler of its feature; the
/// handlers of a run's keys act on run A.
func perform(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .quit:
        return [.quit]
    case .togglePause, .stepOnce, .slower, .faster:
        return performPace(&state.runs[0], &state.ui, action, on: .a)
    case .enterStepThrough, .stepBack, .stepForward, .stepToFirst, .stepToLast, .leaveStepThrough:
        return performStepThrough(&state.runs[0], &state.ui, action)
    case .toggleClip, .raiseClip, .lowerClip, .toggleTruncation, .shorterTruncation, .longerTruncation:
        return performToggles(&state.runs[0], &state.ui, action, on: .a)
    case .toggleIdentityInit, .cycleCell, .raiseForgetBias, .lowerForgetBias, .restart, .restartNewSeed:
        return performNetwork(&state, action, on: .a)
    case .nextSlide, .previousSlide, .openPicker, .pickerUp, .pickerDown, .pickerOpen:
        return performScenarios(&state, action)
    case .saveWeights:
        return saveWeights(state.a, &state.ui, on: .a)
    case .toggleTheory, .nextLayer, .toggleSplit, .switchFocus, .exportFrame,
         .help, .closeHelp, .pickerCancel, .scrollUp, .scrollDown, .pageUp, .pageDown:
        return performView(&state, action)
    }
}

func say(_ ui: inout UIState, _ text: String) {
    ui.status = StatusMessage(text: text, since: ui.now)
}

func leaveStepThrough(_ ui: inout UIState) {
    if case .stepThrough = ui.mode { ui.mode = .normal }
}

/// Switches to another scenario: its own settings, nothing carried over. A comparison
/// scenario opens as its split, run A its first variant and B its second, as `run` opens it.
func open(_ state: inout AppState, _ chosen: Scenario) {
    var scenario = chosen
    if let pair = chosen.compare { scenario.settings = pair.a.settings }
    state.unsplit(keeping: .a)
    state.a.scenario = scenario
    state.a.settings = scenario.settings
    state.a.identityInit = RunState.isIRNN(scenario.settings)
    state.a.clipping = .clipping(scenario.settings)
    state.a.truncation = .truncation(scenario.settings)
    // It runs to its moment, as `run` opens it, whatever the run before it was doing.
    state.a.running = true
    state.ui.mode = .normal
    state.ui.layer = 0
    state.restart(.a)
    if let pair = chosen.compare { state.split(with: RunState(scenario: chosen.withSettings(pair.b.settings))) }
}

/// The next seed for `R`: derived from the current one (SplitMix64), so that
/// `update` stays a pure function, and kept short enough to read out in a lecture.
func nextSeed(after seed: UInt64, salt: UInt64 = 0) -> UInt64 {
    var z = (seed ^ salt) &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    let next = z % 999_999 + 1
    return next == seed ? next % 999_999 + 1 : next
}

/// T of the iteration on screen (the report's, else the settings').
func shownSteps(_ run: RunState, layer: Int) -> Int {
    if let r = run.report, !r.hiddenGradNorms.isEmpty {
        return r.hiddenGradNorms[min(layer, r.hiddenGradNorms.count - 1)].count
    }
    return run.steps
}

func clampHelpScroll(_ scroll: Int, _ state: AppState) -> Int {
    let visible = HelpOverlay.visibleRows(height: state.ui.height)
    return min(max(0, scroll), max(0, helpLineCount(state) - visible))
}

/// The help's lines at the screen's width. The ASCII text wraps to at least as many lines
/// as the Unicode one: the bound fits both.
func helpLineCount(_ state: AppState) -> Int {
    HelpOverlay.lines(state.a, width: HelpOverlay.textWidth(width: state.ui.width), ascii: true).count
}

// MARK: Reports

/// A run's report taken in: into that side's run, and what the screen says of it.
func absorb(_ state: inout AppState, _ u: SessionUpdate, from side: Side) {
    // A stream replaced while followed is a new run, which the source numbered.
    if u.restarted && u.generation == state[side].generation + 1 {
        state.restart(side)
        state[side].streamProgress = nil
    }
    // A run the view has already replaced (restart, IRNN, another scenario) may still
    // deliver its last numbers: they belong to no run on screen.
    guard u.generation == state[side].generation else { return }
    let i = state.index(side)
    let before = state.runs[i].moment, pausedBefore = state.runs[i].selfPause
    absorb(u, into: &state.runs[i])
    // B's step-through and status line are A's screen's: B's report leaves them as they are.
    if side == .a {
        if case .stepThrough(let cursor) = state.ui.mode, u.report != nil {
            state.ui.mode = .stepThrough(cursor: min(cursor, max(0, shownSteps(state.a, layer: state.ui.layer) - 1)))
        }
        // The run stopped itself: the view says why for as long as it stays paused; and the
        // verdict is what the row is for: it replaces a passing message (a slide's "3 of 16").
        // Only a new stop or verdict: every report repeats the latest, and a key's answer after
        // it (c's "clipping on", PgDn's "the lecture's last preset") would last one report.
        if (u.selfPause != nil && u.selfPause != pausedBefore) || (u.moment != nil && u.moment != before) {
            state.ui.status = nil
        }
    }
    // There is one status line: a notice (weights saved) is marked with its side in the split,
    // and the moment shown is the latest of either run's; two judged at one iteration (a
    // comparison judged at its first) show the focused side's, whichever report came first.
    // A run's moment is state: every report repeats its latest (RunThread.poll), so only a
    // new one takes the line, and a repeat leaves it to the other run's new verdict.
    if let m = u.moment, m != before {
        let other = side == .a ? Side.b : .a
        let tie = state.isSplit && state[other].moment != nil && state[other].momentIteration == state[side].momentIteration
        if !tie || side == state.ui.focus { state.ui.moment = m }
    }
    if let n = u.notice { say(&state.ui, state.isSplit ? (side == .a ? "A: " : "B: ") + n : n) }
    if let h = u.streamHeader { state.ui.layer = min(state.ui.layer, h.rowCount - 1) }
}

/// The numbers of one report, into the run they are of.
func absorb(_ u: SessionUpdate, into run: inout RunState) {
    for s in u.iterations {
        // A stream's loop clips at what each record says: taken before it is counted (a burst
        // of records may change it, and the keys act on the latest), unless the loop had not yet
        // read the keys' latest change: the view's own is then the one in force.
        if run.stream != nil, (s.clipRequestRead ?? run.clipRequests) >= run.clipRequests { adoptClipping(&run, s.clipThreshold) }
        run.history.append(s)
        if s.lossMeasured { run.losses.append(s.loss) } else { run.lossesNotRecorded += 1 }
        run.latestIteration = s.iteration
        run.latestLoss = s.lossMeasured ? s.loss : nil
        if let h = s.heldOutLoss, h.isFinite { run.heldOut.append((s.iteration, h)) }
        if s.clipThreshold > 0 && s.clipThreshold == run.clip {
            run.clipCounted += 1
            if s.clipped { run.clipFired += 1 }
        }
    }
    // The latest measurement, even when a cheap report replaced its own before this poll.
    if let s = u.spectrum { run.spectrum = s }
    if let r = u.report {
        // Cheap iterations carry NaN here: keep the last measured spectrum.
        if let s = SpectrumReading(measured: r) { run.spectrum = s }
        run.report = r
        run.reportOptions = u.reportOptions
        if r.iteration > run.latestIteration {
            run.latestIteration = r.iteration
            run.latestLoss = r.loss
        }
    }
    run.iterationsPerSecond = u.iterationsPerSecond
    if u.iterationsPerSecond > 0 { run.runningRate = u.iterationsPerSecond }
    if let p = u.selfPause {
        run.running = false
        run.selfPause = p
    }
    run.claimsJudged = u.claimsJudged
    if let s = u.sample { run.sample = s }
    if let m = u.moment, m != run.moment {
        run.moment = m
        run.momentIteration = run.latestIteration
    }
    if let c = u.chanceLoss { run.chanceLoss = c }
    if let b = u.baselines { run.baselines = b }
    if let h = u.streamHeader { describe(&run, stream: h) }
    if let p = u.streamProgress { run.streamProgress = p }
    if let n = u.streamCalls { run.streamCalls = n }
    if let m = u.streamGradNormMeasured { run.streamGradNormMeasured = m }
    if let m = u.streamClipMeasured { run.streamClipMeasured = m }
    run.diverged = u.diverged
    run.error = u.error
}
