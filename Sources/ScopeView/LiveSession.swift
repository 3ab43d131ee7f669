import Foundation
import RNNSim
import Scenarios

/// A training run on its own thread. The UI thread sends commands and polls for
/// what happened; neither ever waits for the other beyond a short lock, so keys
/// stay responsive however long an iteration (or building a big network) takes.
///
/// It runs at the pace `settings.speed` asks (iterations per second), sleeping
/// between iterations rather than spinning, and pauses itself where the watcher
/// says a claim's moment has come, or at `stopAt`, so that the moment stays on screen.
///
/// While running, most iterations are cheap (`spectrum: false, jacobians: false`);
/// about ten a second measure ρ and σ_max. The per-step Jacobian norms (as costly
/// as a backward pass) are measured when step-through asks for them. Every
/// iteration leaves a compact summary for the heatmap and the loss history.
public final class LiveSession: RunThread, @unchecked Sendable {
    /// A command as the simulation thread applies it, between iterations.
    public enum Command: Sendable, Equatable {
        case pause, resume, stepOnce
        /// Pause once iteration n is finished (at once if it is): the split view's
        /// other run stopped itself there, and this one stops beside it.
        case pauseAt(Int)
        /// Iterations per second; `.infinity` runs as fast as it can.
        case setSpeed(Double)
        case setClip(Double?)
        case setTruncate(Int?)
        case reinitialise(Settings)
        case restart(seed: UInt64)
        case measureJacobians
        /// Writes the current weights of a model opened with --model where it was told to (`UserModel.savePath`).
        case saveWeights
        /// Hand a copy of the trainer, as it is now, to the split view's run B.
        case fork(TrainerHandoff)
    }

    // Shared between the threads; guarded by `condition`.
    private var inbox: [(Command, WatcherBox?)] = []

    /// How often ρ(W_hh) and σ_max(W_hh) are measured while running (at most).
    public static let measurementInterval = 0.1

    private let initialSettings: Settings
    private let initialWatcher: WatcherBox
    private let stopAt: Int?

    /// `stopAt`: every run pauses itself once it reaches this iteration (`train --iterations N`).
    /// In the split view both runs' sessions share one `Lockstep`; `side` is 0 for A, 1 for B.
    private var joined: (gate: Lockstep, side: Int)?
    var lockstep: (gate: Lockstep, side: Int)? {
        condition.lock()
        defer { condition.unlock() }
        return joined
    }
    /// Run B of a fork starts from the trainer handed over here instead of a new one.
    private let handoff: TrainerHandoff?

    public init(settings: Settings, watcher: MomentWatcher? = nil, running: Bool = true, stopAt: Int? = nil,
                lockstep: (gate: Lockstep, side: Int)? = nil, startingFrom handoff: TrainerHandoff? = nil) {
        joined = lockstep
        self.handoff = handoff
        initialSettings = settings
        initialWatcher = WatcherBox(watcher)
        self.stopAt = stopAt
        super.init()
        if !running { inbox.append((.pause, nil)) }
    }

    /// Starts the simulation thread. The trainer is built there, not here.
    public func start() {
        let thread = Thread { [self] in
            var simulation = Simulation(session: self, settings: initialSettings, watcher: initialWatcher.watcher,
                                        handoff: handoff,
                                        stopAt: stopAt)
            simulation.run()
        }
        thread.name = "rnnscope-simulation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Joins (or, with nil, leaves) a split view's lockstep.
    public func join(_ lockstep: (gate: Lockstep, side: Int)?) {
        condition.lock()
        joined = lockstep
        condition.signal()
        condition.unlock()
    }

    /// Queues a command; it applies before the next iteration.
    public func send(_ command: Command) {
        condition.lock()
        inbox.append((command, nil))
        condition.signal()
        condition.unlock()
    }

    /// A new run with a new watcher (another scenario).
    public func reinitialise(_ settings: Settings, watcher: MomentWatcher?) {
        condition.lock()
        inbox.append((.reinitialise(settings), WatcherBox(watcher)))
        condition.signal()
        condition.unlock()
    }

    // MARK: Called from the simulation thread

    /// Takes the queued commands, waiting while there is nothing to do, or until
    /// `until` (a `Simulation.clock()` time: the paced next iteration) if there is.
    fileprivate func takeCommands(idle: Bool, until: Double? = nil) -> (commands: [(Command, WatcherBox?)], stop: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while idle && inbox.isEmpty && !stopRequested { condition.wait() }
        if !idle, let until {
            while inbox.isEmpty && !stopRequested {
                let left = until - Simulation.clock()
                if left <= 0 || !condition.wait(until: Date(timeIntervalSinceNow: left)) { break }
            }
        }
        let commands = inbox
        inbox.removeAll()
        return (commands, stopRequested)
    }
}

/// The simulation thread's own state: only this thread touches the trainer.
private struct Simulation {
    let session: LiveSession
    var settings: Settings
    var watcher: MomentWatcher?
    var trainer: Trainer?
    var generation = 0
    var running = true
    var pendingSteps = 0
    /// The next iteration records the per-step Jacobian norms (step-through needs them).
    var needsJacobians = false
    /// Step-through asked for the Jacobian norms of the iteration already run: it is run
    /// again from its own weights and batch, not replaced by a new one.
    var remeasure = false
    var lastHadJacobians = false
    /// The latest report, while the view has not been sent it (reports go out at frame rate).
    var unpublished: (IterationReport, BPTTOptions)?
    /// After a (re)start one iteration runs even when paused, so the new network shows at once.
    var showFirstIteration = true
    /// The last iteration measured ρ and σ_max (else going idle measures it again).
    var lastHadSpectrum = true
    /// Pause once this iteration is finished (`Command.pauseAt`).
    var pauseAfter: Int?
    /// The last iteration paused the run by itself (its moment, or --iterations).
    var pausedItself = false
    var lastMeasured = -Double.infinity
    var lastMeasuredCost = 0.0
    var lastPublished = -Double.infinity
    var lastSample = -Double.infinity
    var sampleRandom = SeededRandom(seed: 0x5EED)
    var rate = RateMeter()
    let stopAt: Int?
    /// When the last iteration started, for the pace.
    var lastStart = -Double.infinity
    /// Waiting for the other run of the split view: look again at this time.
    var lockstepWait: Double?
    /// Every iteration of this run so far ran on settings the watcher's claims are for.
    var judged = true
    /// Whether the current settings are ones the claims are for (worked out when they change).
    var settingsJudged = true

    /// Where a forked run B takes its first trainer from (nil: it builds its own).
    var handoff: TrainerHandoff?

    init(session: LiveSession, settings: Settings, watcher: MomentWatcher?, handoff: TrainerHandoff?, stopAt: Int?) {
        self.handoff = handoff
        self.session = session
        self.settings = settings
        self.watcher = watcher
        self.stopAt = stopAt
    }

    /// When the next iteration may start, at the pace asked for; nil for at once
    /// (a first iteration, a step or a measurement asked for by a key is never kept waiting).
    var nextStart: Double? {
        guard running, !settings.speed.isInfinite, !showFirstIteration, pendingSteps == 0, !needsJacobians else { return nil }
        return lastStart + 1 / settings.speed
    }

    /// Whether there is an iteration to run now, or the thread should wait for a command.
    var hasWork: Bool {
        guard let trainer else { return false }
        if showFirstIteration || pendingSteps > 0 || needsJacobians { return true }
        // A diverged run no longer changes: running it on would only burn the CPU.
        return running && !trainer.diverged
    }

    mutating func run() {
        defer { session.markFinished() }
        build()
        while true {
            // Going idle (paused, or stopped at a moment or --iterations): ρ and σ_max on
            // screen are the shown iteration's, not one from up to a tenth of a second before.
            if !hasWork, !lastHadSpectrum, let trainer, !trainer.diverged, trainer.iteration > 0 { publishRemeasured(trainer) }
            let (commands, stop) = session.takeCommands(idle: !hasWork, until: lockstepWait ?? nextStart)
            if stop { return }
            // Several restarts queued (r held down) build one network, the last.
            var rebuild = false
            for (command, box) in commands { rebuild = apply(command, box) || rebuild }
            if rebuild { build() }
            if !commands.isEmpty { settingsJudged = watcher?.judges(settings) ?? true }
            if remeasure, let trainer { publishRemeasured(trainer) }
            // Going idle (paused): the iteration the header counts is the one the chart shows.
            if !hasWork, let (report, options) = unpublished {
                unpublished = nil
                session.publish { u in
                    u.report = report
                    u.reportOptions = options
                }
            }
            guard hasWork, let trainer else {
                // Paused, the other run waits here too (lockstep); diverged, it goes on alone.
                if let (gate, side) = session.lockstep, let t = self.trainer, t.diverged {
                    gate.finished(side, iteration: t.iteration, stuck: true, holding: pausedItself && !running)
                }
                continue
            }
            // Woken by a command before the pace allows the next iteration: wait on.
            if let due = nextStart, Self.clock() < due { continue }
            // The split view: wait (briefly, then look again) for the other run to catch up.
            if let (gate, side) = session.lockstep, !showFirstIteration,
               !gate.mayStart(side, iteration: trainer.iteration + 1) {
                lockstepWait = Self.clock() + 0.002
                continue
            }
            lockstepWait = nil
            if let (gate, side) = session.lockstep { gate.starting(side, iteration: trainer.iteration + 1) }
            iterate(trainer)
            if let (gate, side) = session.lockstep {
                gate.finished(side, iteration: trainer.iteration, stuck: trainer.diverged, holding: pausedItself)
            }
        }
    }

    /// Steps and measurements asked of the old run do not carry over to the new one.
    mutating func newRun() {
        generation += 1
        pendingSteps = 0
        needsJacobians = false
        remeasure = false
        unpublished = nil
        pauseAfter = nil
        pausedItself = false
    }

    mutating func build() {
        trainer = nil
        session.publish(newRun: true) { [generation] u in
            u = SessionUpdate(generation: generation)
        }
        do {
            // A fork goes on from A's trainer: no new network, no first iteration of its own.
            let forked = handoff?.take()
            let t = try forked ?? Trainer(settings: settings)
            handoff = nil
            trainer = t
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
        showFirstIteration = trainer.map { $0.iteration == 0 } ?? true
        if let (gate, side) = session.lockstep { gate.finished(side, iteration: trainer?.iteration ?? 0) }
        settingsJudged = watcher?.judges(settings) ?? true
        judged = settingsJudged
        lastHadJacobians = false
        lastMeasured = -Double.infinity
        lastPublished = -Double.infinity
        lastSample = -Double.infinity
        rate = RateMeter()
    }

    /// Applies one command; returns whether the network must be built anew.
    mutating func apply(_ command: LiveSession.Command, _ box: WatcherBox?) -> Bool {
        switch command {
        case .pause:
            running = false
            pauseAfter = nil
            session.publish { u in u.iterationsPerSecond = 0 }
        case .pauseAt(let n):
            if (trainer?.iteration ?? 0) >= n {
                running = false
                session.publish { u in u.iterationsPerSecond = 0 }
            } else {
                pauseAfter = n
            }
        case .resume:
            running = true
            pauseAfter = nil
            rate = RateMeter()
            if let (gate, side) = session.lockstep { gate.release(side) }
        case .stepOnce:
            pendingSteps += 1
            if let (gate, side) = session.lockstep { gate.release(side) }
        case .setSpeed(let speed):
            settings.speed = speed
        case .setClip(let c):
            settings.clip = c ?? 0
            trainer?.options.clipNorm = c ?? 0
        case .setTruncate(let k):
            settings.truncate = k ?? 0
            trainer?.options.truncate = k ?? 0
        case .fork(let handoff):
            handoff.put(try? trainer?.fork())
        case .measureJacobians:
            // A step still queued replaces the iteration on screen: that one gets measured.
            // Otherwise the iteration on screen (the trainer's last) is measured again.
            if pendingSteps > 0 || showFirstIteration {
                needsJacobians = true
            } else if !lastHadJacobians {
                remeasure = true
            }
        case .reinitialise(let s):
            settings = s
            if let box { watcher = box.watcher }
            newRun()
            return true
        case .restart(let seed):
            settings.seed = seed
            newRun()
            return true
        case .saveWeights:
            let notice = saveWeights()
            session.publish { u in u.notice = notice }
        }
        return false
    }

    /// Writes the network as the user's model file had it: the same names, shapes and dtypes.
    func saveWeights() -> String {
        guard let user = settings.userModel else { return "nothing to save: w saves a model opened with --model" }
        guard let trainer else { return "nothing to save yet" }
        if let refusal = user.model.saveRefusal { return "not saved: " + refusal }
        if let n = trainer.divergedAt { return "not saved: " + Trainer.divergedRefusal(at: n) + " (r restarts)" }
        let file = user.model.weightsFile(trainer.network)
        do { try file.write(to: URL(fileURLWithPath: user.savePath)) } catch { return "not saved: \(error)" }
        var text = "saved the weights of iteration \(trainer.iteration) to \(user.savePath)"
        // What the file scores on that iteration's batch (the chart's last point is the loss before the update).
        if let after = trainer.lossAfterLastUpdate() { text += String(format: " (loss %.4g on its batch after the update)", after) }
        if trainer.network.activation != user.model.network.activation {
            text += " (trained as \(trainer.network.activation.rawValue): nonlinearity=\"\(trainer.network.activation.rawValue)\")"
        }
        return text
    }

    mutating func iterate(_ trainer: Trainer) {
        let start = Self.clock()
        lastStart = start
        if !settingsJudged { judged = false }
        // ρ and σ_max about ten times a second, but never more than about a quarter of
        // the time (they cost O(H³): a big network would crawl). The per-step Jacobian
        // norms cost about a whole backward pass, so only step-through asks for them.
        let jacobians = needsJacobians
        let spectrum = jacobians || showFirstIteration || pendingSteps > 0
            || start - lastMeasured >= max(LiveSession.measurementInterval, 4 * lastMeasuredCost)
        let options = trainer.options
        // Step-through shows each step's term of ∂L/∂W_hh beside the Jacobians: measured only then.
        var report = trainer.step(spectrum: spectrum, jacobians: jacobians, stepGradients: jacobians)
        // A char-LM's held-out loss every `heldOutInterval` iterations and where a claim judges it.
        if report.iteration % Trainer.heldOutInterval == 0 || watcher?.measuresHeldOut(at: report.iteration) == true {
            report.heldOutLoss = trainer.heldOutLoss()
        }
        let end = Self.clock()
        if spectrum {
            lastMeasured = end
            lastMeasuredCost = end - start
        }
        lastHadJacobians = jacobians
        lastHadSpectrum = spectrum
        // A new run's first iteration is its own: an `n` pressed meanwhile still steps once more.
        if pendingSteps > 0 && !showFirstIteration { pendingSteps -= 1 }
        needsJacobians = false
        showFirstIteration = false
        rate.record(at: end)

        // A claim is judged only on the run it was written for: off those settings its
        // line would be about something else, so it is not shown and does not pause.
        let seen = watcher?.observe(report)
        let moment = judged ? seen : nil
        // The run stops at its moment (or at --iterations), for the lecturer to talk.
        var pause: SelfPause? = nil
        if running, moment != nil {
            pause = .moment(iteration: report.iteration)
        } else if running, let stopAt, report.iteration == stopAt {
            pause = .iterationLimit(stopAt)
        }
        if pause != nil { running = false }
        pausedItself = pause != nil
        if let p = pauseAfter, report.iteration >= p {
            running = false
            pauseAfter = nil
        }
        var sample: String? = nil
        if let lm = trainer.task as? CharLanguageModel, settings.userModel == nil, end - lastSample >= 1 || !running {
            sample = lm.sample(from: trainer.network, length: 400, temperature: settings.temperature, prime: "",
                               rng: &sampleRandom)
            lastSample = end
        }
        // Reports at frame rate, and always the measured ones and the last before the
        // thread goes idle (paused, or a run that diverged), which stays on screen.
        // At a pace slower than the frame rate every iteration is a frame.
        let publishReport = spectrum || !hasWork || end - lastPublished >= RunThread.publishInterval
            || settings.speed <= 1 / RunThread.publishInterval
        if publishReport { lastPublished = end }
        unpublished = publishReport ? nil : (report, options)
        let summary = IterationSummary(report: report, clipThreshold: options.clipNorm)
        let perSecond = running ? rate.perSecond(at: end) : 0
        let diverged = trainer.diverged
        let judged = self.judged
        let measured = spectrum ? SpectrumReading(measured: report) : nil
        session.publish({ u in
            if publishReport {
                u.report = report
                u.reportOptions = options
            }
            if let measured { u.spectrum = measured }
            u.iterationsPerSecond = perSecond
            u.diverged = diverged
            if let moment { u.moment = moment }
            if let pause { u.selfPause = pause }
            u.claimsJudged = judged
            if let sample { u.sample = sample }
        }, summary: summary)
    }

    mutating func publishRemeasured(_ trainer: Trainer) {
        remeasure = false
        guard let (report, options) = trainer.remeasureLastIteration() else { return }
        lastHadJacobians = true
        lastHadSpectrum = true
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

/// A `MomentWatcher` is not Sendable: it is handed to the simulation thread in this
/// box and used only there from then on.
private final class WatcherBox: @unchecked Sendable {
    let watcher: MomentWatcher?
    init(_ w: MomentWatcher?) { watcher = w }
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

/// A trainer passed from run A's thread to run B's when the split view forks:
/// B waits for it (A hands it over between two iterations).
public final class TrainerHandoff: @unchecked Sendable, Equatable {
    public static func == (a: TrainerHandoff, b: TrainerHandoff) -> Bool { a === b }

    private let condition = NSCondition()
    private var trainer: Trainer?
    private var handed = false

    public init() {}

    func put(_ t: Trainer?) {
        condition.lock()
        trainer = t
        handed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The trainer, once A has handed it over (nil if it could not be copied, or after 10 s).
    func take() -> Trainer? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: 10)
        while !handed {
            if !condition.wait(until: deadline) { break }
        }
        let t = trainer
        trainer = nil
        return t
    }
}
