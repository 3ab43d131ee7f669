import Foundation
import RNNSim
import Scenarios

/// The one place the view's state changes (Elm's update): an event in, the new
/// state and the commands for the runtime out. Pure: no clock, no I/O.
public func update(_ state: inout AppState, _ event: AppEvent) -> [AppCommand] {
    switch event {
    case .key(let key):
        guard let action = Keymap.action(for: key, in: state.mode) else { return [] }
        if let refusal = streamRefusal(state, action) {
            say(&state, refusal)
            return []
        }
        if state.comparison != nil { return performSplit(&state, action) }
        return perform(&state, action)
    case .reportB(let u):
        guard let b = state.comparison?.b, u.generation == b.generation else { return [] }
        state.comparison?.b.absorbing(u)
        // There is one status line: B's notices (its weights saved) show there, marked as B's,
        // and its moments (named by its variant) as A's do: the latest of either run's.
        if let n = u.notice { say(&state, "B: " + n) }
        if let m = u.moment { state.moment = m }
        // Run B stopped itself (its claim's moment): A stops beside it, at the same iteration.
        if u.selfPause != nil, state.running {
            state.running = false
            state.selfPause = u.selfPause
            state.status = nil  // the line says why it stopped, as when A stops itself
            return [.pauseAt(state.comparison?.b.latestIteration ?? state.latestIteration)]
        }
        return []
    case .resize(let w, let h):
        state.width = max(0, w)
        state.height = max(0, h)
        if case .help(let scroll) = state.mode { state.mode = .help(scroll: clampHelpScroll(scroll, state)) }
        return []
    case .report(let u):
        let wasRunning = state.running
        absorb(&state, u)
        // Run A stopped itself (at its moment): B finishes the same iteration and pauses there.
        if wasRunning && !state.running, state.comparison?.b.running == true {
            state.comparison?.b.running = false
            return [.sideB(.pauseAt(state.latestIteration))]
        }
        return []
    case .tick(let now):
        state.now = now
        if let s = state.status, now - s.since > AppState.statusLifetime { state.status = nil }
        return []
    case .exported(let base, let error):
        say(&state, error.map { "could not write the frame: \($0)" } ?? "wrote \(base).svg and \(base).txt")
        return []
    }
}

// MARK: Keys

/// A key's action outside the split, handed to the handler of its feature.
func perform(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .quit:
        return [.quit]
    case .togglePause, .stepOnce, .slower, .faster:
        return performPace(&state, action)
    case .enterStepThrough, .stepBack, .stepForward, .stepToFirst, .stepToLast, .leaveStepThrough:
        return performStepThrough(&state, action)
    case .toggleClip, .raiseClip, .lowerClip, .toggleTruncation, .shorterTruncation, .longerTruncation:
        return performToggles(&state, action)
    case .toggleIdentityInit, .cycleCell, .raiseForgetBias, .lowerForgetBias, .restart, .restartNewSeed:
        return performNetwork(&state, action)
    case .nextSlide, .previousSlide, .openPicker, .pickerUp, .pickerDown, .pickerOpen:
        return performScenarios(&state, action)
    case .toggleTheory, .nextLayer, .saveWeights, .toggleSplit, .switchFocus, .exportFrame,
         .help, .closeHelp, .pickerCancel, .scrollUp, .scrollDown, .pageUp, .pageDown:
        return performView(&state, action)
    }
}

func say(_ state: inout AppState, _ text: String) {
    state.status = StatusMessage(text: text, since: state.now)
}

func leaveStepThrough(_ state: inout AppState) {
    if case .stepThrough = state.mode { state.mode = .normal }
}

/// Switches to another scenario: its own settings, nothing carried over. A comparison
/// scenario opens as its split, run A its first variant and B its second, as `run` opens it.
func open(_ state: inout AppState, _ chosen: Scenario) {
    var scenario = chosen
    if let pair = chosen.compare { scenario.settings = pair.a.settings }
    state.comparison = chosen.compare.map {
        Comparison(b: AppState(scenario: chosen.withSettings($0.b.settings), width: state.width, height: state.height))
    }
    state.scenario = scenario
    state.settings = scenario.settings
    state.identityInit = AppState.isIRNN(scenario.settings)
    state.clipping = .clipping(scenario.settings)
    state.truncation = .truncation(scenario.settings)
    state.mode = .normal
    state.layer = 0
    // It runs to its moment, as `run` opens it, whatever the run before it was doing.
    state.running = true
    state.resetRun()
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
func shownSteps(_ state: AppState) -> Int {
    if let r = state.report, !r.hiddenGradNorms.isEmpty {
        return r.hiddenGradNorms[min(state.layer, r.hiddenGradNorms.count - 1)].count
    }
    return state.steps
}

func clampHelpScroll(_ scroll: Int, _ state: AppState) -> Int {
    let visible = HelpOverlay.visibleRows(height: state.height)
    // The ASCII text wraps to at least as many lines as the Unicode one: the bound fits both.
    let total = HelpOverlay.lines(state, width: HelpOverlay.textWidth(width: state.width), ascii: true).count
    return min(max(0, scroll), max(0, total - visible))
}

// MARK: Reports

func absorb(_ state: inout AppState, _ u: SessionUpdate) {
    // A stream replaced while followed is a new run, which the source numbered.
    if u.restarted && u.generation == state.generation + 1 {
        state.resetRun()
        state.streamProgress = nil
    }
    // A run the view has already replaced (restart, IRNN, another scenario) may still
    // deliver its last numbers: they belong to no run on screen.
    guard u.generation == state.generation else { return }
    // A stream's loop clips at what its records say: taken before they are counted.
    if state.stream != nil, let first = u.iterations.first { adoptClipping(&state, first.clipThreshold) }
    for s in u.iterations {
        state.history.append(s)
        state.losses.append(s.loss)
        state.latestIteration = s.iteration
        state.latestLoss = s.loss
        if let h = s.heldOutLoss, h.isFinite { state.heldOut.append((s.iteration, h)) }
        if s.clipThreshold > 0 && s.clipThreshold == state.clip {
            state.clipCounted += 1
            if s.clipped { state.clipFired += 1 }
        }
    }
    // The latest measurement, even when a cheap report replaced its own before this poll.
    if let s = u.spectrum { state.spectrum = s }
    if let r = u.report {
        // Cheap iterations carry NaN here: keep the last measured spectrum.
        if let s = SpectrumReading(measured: r) { state.spectrum = s }
        state.report = r
        state.reportOptions = u.reportOptions
        if state.stream != nil, let o = u.reportOptions { adoptClipping(&state, o.clipNorm) }
        if r.iteration > state.latestIteration {
            state.latestIteration = r.iteration
            state.latestLoss = r.loss
        }
        if case .stepThrough(let cursor) = state.mode {
            state.mode = .stepThrough(cursor: min(cursor, max(0, shownSteps(state) - 1)))
        }
    }
    state.iterationsPerSecond = u.iterationsPerSecond
    if u.iterationsPerSecond > 0 { state.runningRate = u.iterationsPerSecond }
    if let p = u.selfPause {
        // The run stopped itself: the view says why for as long as it stays paused.
        state.running = false
        state.selfPause = p
        state.status = nil
    }
    state.claimsJudged = u.claimsJudged
    if let s = u.sample { state.sample = s }
    if let m = u.moment {
        state.moment = m
        state.ownMoment = m
        // The verdict is what the row is for: it replaces a passing message (a slide's "3 of 16").
        state.status = nil
    }
    if let c = u.chanceLoss { state.chanceLoss = c }
    if let b = u.baselines { state.baselines = b }
    if let n = u.notice { say(&state, state.comparison == nil ? n : "A: " + n) }
    if let h = u.streamHeader { describe(&state, stream: h) }
    if let p = u.streamProgress { state.streamProgress = p }
    state.diverged = u.diverged
    state.error = u.error
}
