import Foundation
import ModelIO
import RNNSim
import Scenarios

/// The simulation thread of a `LiveSession`: only this thread touches the trainer.
/// What it does next is its `SimulationState`'s to say (phase and requests); the
/// rest here is when ρ, samples and reports go out.
///
/// While running, most iterations are cheap (`spectrum: false, jacobians: false`);
/// about ten a second measure ρ and σ_max. The per-step Jacobian norms (as costly
/// as a backward pass) are measured when step-through asks for them. Every
/// iteration leaves a compact summary for the heatmap and the loss history.
struct Simulation {
    let session: LiveSession
    var settings: Settings
    var watcher: MomentWatcher?
    var trainer: Trainer?
    var state: SimulationState
    var generation = 0
    let stopAt: Int?
    /// Where a forked run B takes its first trainer from (nil: it builds its own).
    var handoff: TrainerHandoff?
    /// The latest report, while the view has not been sent it (reports go out at frame rate).
    var unpublished: (IterationReport, BPTTOptions)?
    /// The last iteration measured ρ and σ_max (else going idle measures it again).
    var lastHadSpectrum = true
    var timing = Timing()
    var sampleRandom = SeededRandom(seed: 0x5EED)
    /// Every iteration of this run so far ran on settings the watcher's claims are for.
    var judged = true
    /// Whether the current settings are ones the claims are for (worked out when they change).
    var settingsJudged = true

    /// When things last happened, for the pace and for what is measured how often.
    struct Timing {
        var lastStart = -Double.infinity
        var lastMeasured = -Double.infinity
        var lastMeasuredCost = 0.0
        var lastPublished = -Double.infinity
        var lastSample = -Double.infinity
        var rate = RateMeter()
    }

    init(session: LiveSession, settings: Settings, watcher: MomentWatcher?, running: Bool, handoff: TrainerHandoff?, stopAt: Int?) {
        self.session = session
        self.settings = settings
        self.watcher = watcher
        self.handoff = handoff
        self.stopAt = stopAt
        state = SimulationState(running: running)
    }

    /// Whether there is an iteration to run now, or the thread should wait for a command.
    var hasWork: Bool { trainer != nil && state.iterates }

    /// When the next iteration may start, at the pace asked for; nil for at once.
    var nextStart: Double? {
        guard state.paced, !settings.speed.isInfinite else { return nil }
        return timing.lastStart + 1 / settings.speed
    }

    /// In the split view: the other run has not reached where this one may start its next iteration.
    var heldByPartner: Bool {
        guard let (gate, side) = session.lockstep, let trainer, !state.requests.firstIteration else { return false }
        return !gate.mayStart(side, iteration: trainer.iteration + 1)
    }

    mutating func run() {
        defer { session.markFinished() }
        build()
        while true {
            // Going idle (paused, or stopped at a moment or --iterations): ρ and σ_max on
            // screen are the shown iteration's, not one from up to a tenth of a second before.
            if !hasWork, !lastHadSpectrum, let trainer, !trainer.diverged, trainer.iteration > 0 { publishRemeasured(trainer) }
            // The ticket is taken before looking at the lockstep: a move of the other run after it wakes this one.
            let ticket = session.wakeTicket
            let wait: LiveSession.Wait = !hasWork || heldByPartner ? .woken(ticket: ticket) : nextStart.map { .until($0) } ?? .none
            let (commands, stop) = session.takeCommands(wait)
            if stop { return }
            // Several restarts queued (r held down) build one network, the last.
            var rebuild = false
            for (command, box) in commands { rebuild = apply(command, box) || rebuild }
            if rebuild { build() }
            if !commands.isEmpty { settingsJudged = watcher?.judges(settings) ?? true }
            if state.requests.remeasure, let trainer { publishRemeasured(trainer) }
            // Going idle (paused): the iteration the header counts is the one the chart shows.
            if !hasWork, let (report, options) = unpublished {
                unpublished = nil
                session.publish { u in
                    u.report = report
                    u.reportOptions = options
                }
            }
            guard hasWork, let trainer else {
                // Standing still: the other run of a split stops beside it (unless this one diverged of itself).
                if let (gate, side) = session.lockstep, let t = self.trainer {
                    gate.finished(side, iteration: t.iteration, stuck: state.diverged, holding: state.holding)
                }
                continue
            }
            // Woken by a command before the pace allows the next iteration: wait on.
            if let due = nextStart, Self.clock() < due { continue }
            if let (gate, side) = session.lockstep, !state.requests.firstIteration,
               !gate.tryStart(side, iteration: trainer.iteration + 1) { continue }
            iterate(trainer)
            if let (gate, side) = session.lockstep {
                gate.finished(side, iteration: trainer.iteration, stuck: state.diverged, holding: state.holding)
            }
        }
    }

    mutating func build() {
        trainer = nil
        unpublished = nil
        session.publish(newRun: true) { [generation] u in
            u = SessionUpdate(generation: generation)
        }
        do {
            // A fork goes on from A's trainer: no new network, no first iteration of its own.
            let forked = handoff?.take()
            let t = try forked ?? Trainer(settings: settings)
            handoff = nil
            trainer = t
            // A fork of a diverged run is diverged too: its weights give the Inf/NaN again.
            if t.diverged { session.publish { u in u.diverged = true } }
            // The user's data has no chance baseline to quote (NaN): no line for it.
            let chance = t.task.chanceLoss
            if chance.isFinite { session.publish { u in u.chanceLoss = chance } }
            // Counted once, when the run starts: the text does not change while it trains.
            let baselines = ReferenceLevel.nGramBaselines(of: t.task)
            if !baselines.isEmpty { session.publish { u in u.baselines = baselines } }
        } catch {
            let message = (error as? SettingsError)?.description ?? "\(error)"
            session.publish { u in u.error = message }
        }
        state.built(at: trainer?.iteration ?? 0, diverged: trainer?.diverged ?? false)
        if let (gate, side) = session.lockstep { gate.finished(side, iteration: trainer?.iteration ?? 0) }
        settingsJudged = watcher?.judges(settings) ?? true
        judged = settingsJudged
        timing = Timing()
    }

    /// Applies one command; returns whether the network must be built anew.
    mutating func apply(_ command: RunCommand, _ box: WatcherBox?) -> Bool {
        switch command {
        case .pause:
            // In a split both stop at one iteration: the one the other run may already be in.
            if let (gate, side) = session.lockstep, trainer != nil, !state.diverged {
                state.pause(after: gate.pausePoint(side, at: state.iteration))
            } else {
                state.pause()
            }
            session.publish { u in u.iterationsPerSecond = 0 }
        case .pauseAt(let n):
            state.pause(after: n)
            if state.phase != .running { session.publish { u in u.iterationsPerSecond = 0 } }
        case .resume:
            state.resume()
            timing.rate = RateMeter()
            if let (gate, side) = session.lockstep { gate.release(side) }
        case .stepOnce:
            state.stepOnce()
            if let (gate, side) = session.lockstep { gate.release(side) }
        case .setSpeed(let speed):
            settings.speed = speed
        case .setClip(let c, _):
            settings.clip = c ?? 0
            trainer?.options.clipNorm = c ?? 0
        case .setTruncate(let k):
            settings.truncate = k ?? 0
            trainer?.options.truncate = k ?? 0
        case .fork(let handoff):
            handoff.put(try? trainer?.fork())
        case .measureJacobians:
            state.measureJacobians()
        case .reinitialise(let s):
            settings = s
            if let box { watcher = box.watcher }
            generation += 1
            state.newRun()
            return true
        case .open(let s):
            _ = apply(.resume, nil)
            return apply(.reinitialise(s), box)
        case .restart(let seed):
            settings.seed = seed
            if let box { watcher = box.watcher }
            generation += 1
            state.newRun()
            return true
        case .saveWeights:
            let notice = saveWeights()
            session.publish { u in u.notice = notice }
        }
        return false
    }

    /// Writes the network as the user's model file had it: the same names, shapes and dtypes.
    func saveWeights() -> String {
        guard let user = settings.ownModel else { return "nothing to save: w saves a model opened with --model" }
        guard let trainer else { return "nothing to save yet" }
        if let refusal = user.model.saveRefusal { return "not saved: " + refusal }
        if let n = trainer.divergedAt { return "not saved: " + Trainer.divergedRefusal(at: n) + " (r restarts)" }
        let file = user.model.weightsFile(trainer.network)
        do { try file.write(to: URL(fileURLWithPath: user.savePath)) } catch { return "not saved: \(error)" }
        var text = "saved iteration \(trainer.iteration)'s weights to \(user.savePath)"
        // What the file scores on that iteration's batch (the chart's last point is the loss before the update).
        if let after = trainer.lossAfterLastUpdate() { text += String(format: " (loss %.4g on its batch after the update)", after) }
        if trainer.network.activation != user.model.weights.activation {
            text += " (trained as \(trainer.network.activation.rawValue): nonlinearity=\"\(trainer.network.activation.rawValue)\")"
        }
        return text
    }

    mutating func iterate(_ trainer: Trainer) {
        let start = Self.clock()
        timing.lastStart = start
        if !settingsJudged { judged = false }
        // ρ and σ_max about ten times a second, but never more than about a quarter of
        // the time (they cost O(H³): a big network would crawl), and where a claim needs
        // them. The per-step Jacobian norms cost about a whole backward pass, so only
        // step-through asks for them.
        let jacobians = state.requests.jacobians
        let stepping = if case .stepping = state.phase { true } else { false }
        let spectrum = jacobians || state.requests.firstIteration || stepping
            || watcher?.measuresSpectrum(at: trainer.iteration + 1) == true
            || start - timing.lastMeasured >= max(LiveSession.measurementInterval, 4 * timing.lastMeasuredCost)
        let options = trainer.options
        // Step-through shows each step's term of ∂L/∂W_hh beside the Jacobians: measured only then.
        var report = trainer.step(spectrum: spectrum, jacobians: jacobians, stepGradients: jacobians)
        // A char-LM's held-out loss every `heldOutInterval` iterations and where a claim judges it.
        if report.iteration % Trainer.heldOutInterval == 0 || watcher?.measuresHeldOut(at: report.iteration) == true {
            report.heldOutLoss = trainer.heldOutLoss()
        }
        let end = Self.clock()
        if spectrum {
            timing.lastMeasured = end
            timing.lastMeasuredCost = end - start
        }
        lastHadSpectrum = spectrum
        timing.rate.record(at: end)

        // A claim is judged only on the run it was written for: off those settings its
        // line would be about something else, so it is not shown and does not pause.
        let seen = watcher?.observe(report)
        let moment = judged ? seen : nil
        // The run stops at its moment (or at --iterations), for the lecturer to talk.
        let pause = state.finished(iteration: report.iteration, jacobians: jacobians, moment: moment != nil,
                                   stopAt: stopAt, diverged: trainer.diverged)
        let running = state.phase == .running
        publish(report, options, trainer: trainer, at: end, spectrum: spectrum, moment: moment, pause: pause, running: running)
    }

    /// Sends the view what the iteration did: its summary always; the full report at
    /// frame rate, and always the measured ones and the last before the thread goes idle.
    mutating func publish(_ report: IterationReport, _ options: BPTTOptions, trainer: Trainer, at end: Double,
                          spectrum: Bool, moment: String?, pause: SelfPause?, running: Bool) {
        var sample: String? = nil
        if let lm = trainer.task as? CharLanguageModel, settings.ownModel == nil, end - timing.lastSample >= 1 || !running {
            sample = lm.sample(from: trainer.network, length: 400, temperature: settings.temperature, prime: "",
                               rng: &sampleRandom)
            timing.lastSample = end
        }
        // At a pace slower than the frame rate every iteration is a frame.
        let publishReport = spectrum || !hasWork || end - timing.lastPublished >= RunThread.publishInterval
            || settings.speed <= 1 / RunThread.publishInterval
        if publishReport { timing.lastPublished = end }
        unpublished = publishReport ? nil : (report, options)
        let summary = IterationSummary(report: report, clipThreshold: options.clipNorm)
        let perSecond = running ? timing.rate.perSecond(at: end) : 0
        let diverged = trainer.diverged
        let judged = self.judged
        let measured = spectrum ? SpectrumReading(measured: report) : nil
        session.publish({ u in
            u.carry(report, options, whole: publishReport, spectrum: measured, perSecond: perSecond, diverged: diverged)
            if let moment { u.moment = moment }
            if let pause { u.selfPause = pause }
            u.claimsJudged = judged
            if let sample { u.sample = sample }
        }, summary: summary)
    }

    mutating func publishRemeasured(_ trainer: Trainer) {
        state.remeasured()
        lastHadSpectrum = true
        guard let (report, options) = trainer.remeasureLastIteration() else { return }
        unpublished = nil
        let measured = SpectrumReading(measured: report)
        session.publish { u in
            u.report = report
            u.reportOptions = options
            u.spectrum = measured
        }
    }

    static func clock() -> Double { ProcessInfo.processInfo.systemUptime }
}

/// Iterations per second over the last second, or over the last two intervals
/// when fewer fall in it (a slow pace).
struct RateMeter {
    private var times: [Double] = []

    mutating func record(at t: Double) {
        times.append(t)
        if times.count > 4096 {
            times.removeFirst(2048)
        } else if t - times[0] > 20 {
            times.removeFirst(firstIndex(within: 10, of: t))
        }
    }

    /// The first recorded time no more than `seconds` before `t` (times are sorted).
    private func firstIndex(within seconds: Double, of t: Double) -> Int {
        var lo = 0, hi = times.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if t - times[mid] <= seconds { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    func perSecond(at t: Double) -> Double {
        guard times.count > 1 else { return 0 }
        let first = max(0, min(firstIndex(within: 1, of: t), times.count - 3))
        let n = times.count - first
        let span = t - times[first]
        return n > 1 && span > 0 ? Double(n - 1) / span : 0
    }
}
