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

func perform(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .quit:
        return [.quit]

    case .togglePause:
        if case .stepThrough = state.mode { state.mode = .normal }
        state.running.toggle()
        state.selfPause = nil
        if let h = state.stream {
            say(&state, streamPauseText(state, h))
            return [state.running ? .resume : .pause]
        }
        say(&state, state.diverged ? "the run diverged and no longer changes: r restarts it (c first turns clipping on)"
            : state.running ? "running" : "paused (n: one iteration, b: step through its backward pass)")
        return [state.running ? .resume : .pause]

    case .slower, .faster:
        let speed = state.settings.speed
        let next = action == .faster ? Pace.faster(speed) : Pace.slower(speed, measured: state.runningRate)
        guard next != speed else {
            say(&state, action == .faster ? "already as fast as it can (pace max)"
                                           : "already the slowest pace, \(Pace.text(speed))")
            return []
        }
        state.settings.speed = next
        say(&state, "pace \(Pace.text(next))" + (next.isInfinite ? ": as fast as it can" : ""))
        return [.setSpeed(next)]

    case .stepOnce:
        state.selfPause = nil
        var commands: [AppCommand] = []
        if state.running {
            state.running = false
            commands.append(.pause)
        }
        say(&state, "one iteration (paused)")
        if case .stepThrough = state.mode {
            // A new iteration, measured for stepping: its backward pass starts again at t = T.
            state.mode = .stepThrough(cursor: max(0, state.steps - 1))
            return commands + [.stepOnce, .measureJacobians]
        }
        return commands + [.stepOnce]

    case .enterStepThrough:
        guard let report = state.report, !report.hiddenGradNorms.isEmpty else {
            say(&state, "no iteration to step through yet")
            return []
        }
        let steps = report.hiddenGradNorms[min(state.layer, report.hiddenGradNorms.count - 1)].count
        state.mode = .stepThrough(cursor: max(0, steps - 1))
        var commands: [AppCommand] = []
        if state.running {
            state.running = false
            commands.append(.pause)
        }
        say(&state, "BPTT step-through from t = T: ← h back in time, → l forward, b or Esc leaves")
        return commands + [.measureJacobians]

    case .toggleClip:
        if state.clip > 0 {
            state.clip = 0
            say(&state, "clipping off")
        } else {
            state.clip = state.clipMemory
            say(&state, "clipping on: threshold \(Format.setting(state.clip))")
        }
        return clipChanged(&state)

    case .raiseClip, .lowerClip:
        let factor = action == .raiseClip ? 2.0 : 0.5
        state.clipMemory = min(max(state.clipMemory * factor, 1e-6), 1e9)
        if state.clip > 0 {
            state.clip = state.clipMemory
            say(&state, "clipping threshold \(Format.setting(state.clip))")
            return clipChanged(&state)
        }
        say(&state, "clipping is off; c turns it on at threshold \(Format.setting(state.clipMemory))")
        return []

    case .toggleTruncation:
        if state.truncate > 0 {
            state.truncate = 0
            say(&state, "truncation off: full BPTT")
        } else {
            state.truncate = state.truncateMemory
            say(&state, "truncation on: K = \(state.truncate), no gradient crosses a cut")
        }
        return truncateChanged(&state)

    case .shorterTruncation, .longerTruncation:
        state.truncateMemory = TruncationLadder.step(from: state.truncateMemory, shorter: action == .shorterTruncation,
                                                     scenario: state.scenario, steps: state.steps)
        if state.truncate > 0 {
            state.truncate = state.truncateMemory
            say(&state, "truncation K = \(state.truncate)")
            return truncateChanged(&state)
        }
        say(&state, "truncation is off; t turns it on with K = \(state.truncateMemory)")
        return []

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

    case .nextSlide, .previousSlide:
        guard state.lecture, !state.presets.isEmpty else {
            say(&state, "PgDn and PgUp walk a lecture's presets: rnnscope lecture")
            return []
        }
        let here = state.presets.firstIndex { $0.name == state.scenario.name } ?? -1
        let next = action == .nextSlide ? here + 1 : here - 1
        guard state.presets.indices.contains(next) else {
            say(&state, next < 0 ? "this is the lecture's first preset" : "this is the lecture's last preset: PgUp goes back")
            return []
        }
        let chosen = state.presets[next]
        leaveStepThrough(&state)
        open(&state, chosen)
        say(&state, "\(next + 1) of \(state.presets.count): \(chosen.name) (PgDn next, PgUp previous)")
        return [.openScenario(chosen.name)]

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

    case .openPicker:
        // A preset file that does not read is left out of the list, and said so, not hidden.
        let skipped = state.unreadablePresets.first.map { "skipped \(state.unreadablePresets.count) scenario file(s) that do not read: \($0)" }
        guard !state.presets.isEmpty else {
            say(&state, skipped ?? "no other scenarios to choose from")
            return []
        }
        let current = state.presets.firstIndex { $0.name == state.scenario.name } ?? 0
        state.mode = .picker(selection: current)
        if let skipped { say(&state, skipped) }
        return []

    case .help:
        state.mode = .help(scroll: 0)
        return []

    case .stepBack, .stepForward, .stepToFirst, .stepToLast:
        guard case .stepThrough(let cursor) = state.mode else { return [] }
        let last = max(0, shownSteps(state) - 1)
        let next: Int
        switch action {
        case .stepBack: next = cursor - 1
        case .stepForward: next = cursor + 1
        case .stepToFirst: next = 0
        default: next = last
        }
        state.mode = .stepThrough(cursor: min(max(next, 0), last))
        return []

    case .leaveStepThrough:
        state.mode = .normal
        return []

    case .pickerUp, .pickerDown:
        guard case .picker(let sel) = state.mode, !state.presets.isEmpty else { return [] }
        let n = state.presets.count
        state.mode = .picker(selection: (sel + (action == .pickerUp ? n - 1 : 1)) % n)
        return []

    case .pickerOpen:
        guard case .picker(let sel) = state.mode, state.presets.indices.contains(sel) else { return [] }
        let chosen = state.presets[sel]
        open(&state, chosen)
        say(&state, "opened \(chosen.name): \(chosen.title)")
        return [.openScenario(chosen.name)]

    case .pickerCancel, .closeHelp:
        state.mode = .normal
        return []

    case .scrollUp, .scrollDown, .pageUp, .pageDown:
        guard case .help(let scroll) = state.mode else { return [] }
        let page = max(1, state.height - 6)
        let delta = [.scrollUp: -1, .scrollDown: 1, .pageUp: -page, .pageDown: page][action] ?? 0
        state.mode = .help(scroll: clampHelpScroll(scroll + delta, state))
        return []
    }
}

func say(_ state: inout AppState, _ text: String) {
    state.status = StatusMessage(text: text, since: state.now)
}

private func leaveStepThrough(_ state: inout AppState) {
    if case .stepThrough = state.mode { state.mode = .normal }
}

private func clipChanged(_ state: inout AppState) -> [AppCommand] {
    state.settings.clip = state.clip
    state.clipFired = 0
    state.clipCounted = 0
    return [.setClip(state.clip > 0 ? state.clip : nil)]
}

private func truncateChanged(_ state: inout AppState) -> [AppCommand] {
    state.settings.truncate = state.truncate
    return [.setTruncate(state.truncate > 0 ? state.truncate : nil)]
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
    state.clip = scenario.settings.clip
    state.clipMemory = scenario.settings.clip > 0 ? scenario.settings.clip : 1.0
    state.truncate = scenario.settings.truncate
    state.truncateMemory = scenario.settings.truncate > 0 ? scenario.settings.truncate : max(1, scenario.settings.steps / 4)
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

private func clampHelpScroll(_ scroll: Int, _ state: AppState) -> Int {
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
