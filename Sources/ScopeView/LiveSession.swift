import Foundation
import RNNSim
import Scenarios

/// A training run on its own thread. The UI thread sends commands and polls for
/// what happened; neither ever waits for the other beyond a short lock, so keys
/// stay responsive however long an iteration (or building a big network) takes.
///
/// While running, most iterations are cheap (`spectrum: false, jacobians: false`);
/// about ten a second measure ρ and σ_max. The per-step Jacobian norms (as costly
/// as a backward pass) are measured when step-through asks for them. Every
/// iteration leaves a compact summary for the heatmap and the loss history.
public final class LiveSession: @unchecked Sendable {
    /// A command as the simulation thread applies it, between iterations.
    public enum Command: Sendable, Equatable {
        case pause, resume, stepOnce
        case setClip(Double?)
        case setTruncate(Int?)
        case reinitialise(Settings)
        case restart(seed: UInt64)
        case measureJacobians
    }

    // Shared between the threads; guarded by `condition`.
    private let condition = NSCondition()
    private var inbox: [(Command, WatcherBox?)] = []
    private var outbox: [IterationSummary] = []
    private var published: SessionUpdate
    private var hasNews = false
    private var stopRequested = false
    private var finished = false

    /// How often ρ(W_hh) and σ_max(W_hh) are measured while running (at most).
    public static let measurementInterval = 0.1
    /// Summaries kept when nobody polls (e.g. the terminal is suspended).
    static let maximumPending = 4096

    private let initialSettings: Settings
    private let initialWatcher: WatcherBox

    public init(settings: Settings, watcher: MomentWatcher? = nil, running: Bool = true) {
        initialSettings = settings
        initialWatcher = WatcherBox(watcher)
        published = SessionUpdate(generation: 0)
        if !running { inbox.append((.pause, nil)) }
    }

    /// Starts the simulation thread. The trainer is built there, not here.
    public func start() {
        let thread = Thread { [self] in
            var simulation = Simulation(session: self, settings: initialSettings, watcher: initialWatcher.watcher)
            simulation.run()
        }
        thread.name = "rnnscope-simulation"
        thread.stackSize = 8 << 20
        thread.start()
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

    /// What happened since the last poll, or nil if nothing did. Never blocks on an iteration.
    public func poll() -> SessionUpdate? {
        condition.lock()
        defer { condition.unlock() }
        guard hasNews || !outbox.isEmpty else { return nil }
        var u = published
        u.iterations = outbox
        outbox.removeAll(keepingCapacity: true)
        hasNews = false
        // The report and sample are delivered once; the rest is state and repeats.
        published.report = nil
        published.reportOptions = nil
        published.sample = nil
        return u
    }

    /// Asks the thread to finish after the current iteration, and waits at most `timeout` seconds.
    /// Returns whether it finished (an iteration of a huge network may take longer).
    @discardableResult
    public func stop(timeout: Double = 0.5) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        stopRequested = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !finished {
            if !condition.wait(until: deadline) { break }
        }
        return finished
    }

    // MARK: Called from the simulation thread

    /// Takes the queued commands, waiting while there is nothing to do.
    fileprivate func takeCommands(idle: Bool) -> (commands: [(Command, WatcherBox?)], stop: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while idle && inbox.isEmpty && !stopRequested { condition.wait() }
        let commands = inbox
        inbox.removeAll()
        return (commands, stopRequested)
    }

    /// `newRun` drops summaries of the previous run nobody has collected yet.
    fileprivate func publish(newRun: Bool = false, _ change: (inout SessionUpdate) -> Void, summary: IterationSummary? = nil) {
        condition.lock()
        defer { condition.unlock() }
        if newRun { outbox.removeAll() }
        change(&published)
        if let summary {
            outbox.append(summary)
            if outbox.count > Self.maximumPending { outbox.removeFirst(outbox.count - Self.maximumPending) }
        }
        hasNews = true
    }

    fileprivate func markFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
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
    var lastMeasured = -Double.infinity
    var lastMeasuredCost = 0.0
    var lastPublished = -Double.infinity
    var lastSample = -Double.infinity
    var sampleRandom = SeededRandom(seed: 0x5EED)
    var rate = RateMeter()

    /// Reports are published at about the UI's frame rate, not for every iteration.
    static let publishInterval = 1.0 / 30

    init(session: LiveSession, settings: Settings, watcher: MomentWatcher?) {
        self.session = session
        self.settings = settings
        self.watcher = watcher
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
            let (commands, stop) = session.takeCommands(idle: !hasWork)
            if stop { return }
            // Several restarts queued (r held down) build one network, the last.
            var rebuild = false
            for (command, box) in commands { rebuild = apply(command, box) || rebuild }
            if rebuild { build() }
            if remeasure, let trainer { publishRemeasured(trainer) }
            // Going idle (paused): the iteration the header counts is the one the chart shows.
            if !hasWork, let (report, options) = unpublished {
                unpublished = nil
                session.publish { u in
                    u.report = report
                    u.reportOptions = options
                }
            }
            if hasWork, let trainer { iterate(trainer) }
        }
    }

    /// Steps and measurements asked of the old run do not carry over to the new one.
    mutating func newRun() {
        generation += 1
        pendingSteps = 0
        needsJacobians = false
        remeasure = false
        unpublished = nil
    }

    mutating func build() {
        trainer = nil
        session.publish(newRun: true) { [generation] u in
            u = SessionUpdate(generation: generation)
        }
        do {
            let t = try Trainer(settings: settings)
            trainer = t
            let chance = t.task.chanceLoss
            session.publish { u in u.chanceLoss = chance }
        } catch {
            let message = (error as? SettingsError)?.description ?? "\(error)"
            session.publish { u in u.error = message }
        }
        showFirstIteration = true
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
            session.publish { u in u.iterationsPerSecond = 0 }
        case .resume:
            running = true
        case .stepOnce:
            pendingSteps += 1
        case .setClip(let c):
            settings.clip = c ?? 0
            trainer?.options.clipNorm = c ?? 0
        case .setTruncate(let k):
            settings.truncate = k ?? 0
            trainer?.options.truncate = k ?? 0
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
        }
        return false
    }

    mutating func iterate(_ trainer: Trainer) {
        let start = Self.clock()
        // ρ and σ_max about ten times a second, but never more than about a quarter of
        // the time (they cost O(H³): a big network would crawl). The per-step Jacobian
        // norms cost about a whole backward pass, so only step-through asks for them.
        let jacobians = needsJacobians
        let spectrum = jacobians || showFirstIteration || pendingSteps > 0
            || start - lastMeasured >= max(LiveSession.measurementInterval, 4 * lastMeasuredCost)
        let options = trainer.options
        let report = trainer.step(spectrum: spectrum, jacobians: jacobians)
        let end = Self.clock()
        if spectrum {
            lastMeasured = end
            lastMeasuredCost = end - start
        }
        lastHadJacobians = jacobians
        // A new run's first iteration is its own: an `n` pressed meanwhile still steps once more.
        if pendingSteps > 0 && !showFirstIteration { pendingSteps -= 1 }
        needsJacobians = false
        showFirstIteration = false
        rate.record(at: end)

        let moment = watcher?.observe(report)
        var sample: String? = nil
        if let lm = trainer.task as? CharLanguageModel, end - lastSample >= 1 || !running {
            sample = lm.sample(from: trainer.network, length: 400, temperature: settings.temperature, prime: "",
                               rng: &sampleRandom)
            lastSample = end
        }
        // Reports at frame rate, and always the measured ones and the last before the
        // thread goes idle (paused, or a run that diverged), which stays on screen.
        let publishReport = spectrum || !hasWork || end - lastPublished >= Self.publishInterval
        if publishReport { lastPublished = end }
        unpublished = publishReport ? nil : (report, options)
        let summary = IterationSummary(report: report, clipThreshold: options.clipNorm)
        let perSecond = running ? rate.perSecond(at: end) : 0
        let diverged = trainer.diverged
        session.publish({ u in
            if publishReport {
                u.report = report
                u.reportOptions = options
            }
            u.iterationsPerSecond = perSecond
            u.diverged = diverged
            if let moment { u.moment = moment }
            if let sample { u.sample = sample }
        }, summary: summary)
    }

    mutating func publishRemeasured(_ trainer: Trainer) {
        remeasure = false
        guard let (report, options) = trainer.remeasureLastIteration() else { return }
        lastHadJacobians = true
        unpublished = nil
        session.publish { u in
            u.report = report
            u.reportOptions = options
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

/// Iterations per second over the last second or so.
struct RateMeter {
    private var times: [Double] = []

    mutating func record(at t: Double) {
        times.append(t)
        if times.count > 4096 || (times.count > 2 && t - times[0] > 2) {
            times.removeFirst(times.firstIndex { t - $0 <= 1 } ?? 0)
        }
    }

    func perSecond(at t: Double) -> Double {
        guard let first = times.first(where: { t - $0 <= 1 }), let i = times.firstIndex(of: first) else { return 0 }
        let n = times.count - i
        let span = t - first
        return n > 1 && span > 0 ? Double(n - 1) / span : 0
    }
}
