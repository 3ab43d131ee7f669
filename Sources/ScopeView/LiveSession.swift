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
/// What the thread does is `Simulation`'s, its state a `SimulationState`.
public final class LiveSession: RunThread, @unchecked Sendable {
    // Shared between the threads; guarded by `condition`.
    private var inbox: [(RunCommand, WatcherBox?)] = []
    /// Counts the wake-ups from a split's other run (`Lockstep`), so that one that
    /// comes between looking at the lockstep and waiting is not lost.
    private var wakeups = 0
    /// The thread is waiting for a command or a wake-up, with nothing else to do.
    private var waitingIdle = false
    /// The ticket it waits with: a wake-up since is one it has not seen yet.
    private var idleTicket = 0

    /// How often ρ(W_hh) and σ_max(W_hh) are measured while running (at most).
    public static let measurementInterval = 0.1

    private let initialSettings: Settings
    private let initialWatcher: WatcherBox
    private let running: Bool
    private let stopAt: Int?

    /// In the split view both runs' sessions share one `Lockstep`; `side` is 0 for A, 1 for B.
    private var joined: (gate: Lockstep, side: Int)?
    var lockstep: (gate: Lockstep, side: Int)? {
        condition.lock()
        defer { condition.unlock() }
        return joined
    }
    /// Run B of a fork starts from the trainer handed over here instead of a new one.
    private let handoff: TrainerHandoff?

    /// `stopAt`: every run pauses itself once it reaches this iteration (`train --iterations N`).
    public init(settings: Settings, watcher: MomentWatcher? = nil, running: Bool = true, stopAt: Int? = nil,
                lockstep: (gate: Lockstep, side: Int)? = nil, startingFrom handoff: TrainerHandoff? = nil) {
        self.handoff = handoff
        initialSettings = settings
        initialWatcher = WatcherBox(watcher)
        self.running = running
        self.stopAt = stopAt
        super.init()
        join(lockstep)
    }

    /// Starts the simulation thread. The trainer is built there, not here.
    public func start() {
        let thread = Thread { [self] in
            var simulation = Simulation(session: self, settings: initialSettings, watcher: initialWatcher.watcher,
                                        running: running, handoff: handoff, stopAt: stopAt)
            simulation.run()
        }
        thread.name = "rnnscope-simulation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Joins (or, with nil, leaves) a split view's lockstep.
    public func join(_ lockstep: (gate: Lockstep, side: Int)?) {
        lockstep?.gate.attach(lockstep!.side) { [weak self] in self?.wake() }
        condition.lock()
        joined = lockstep
        wakeups += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a command; it applies before the next iteration.
    public func send(_ command: RunCommand) {
        enqueue(command, nil)
    }

    /// Queues a command that starts a new run, judged by `watcher` (the claims of its settings).
    public func send(_ command: RunCommand, judgedBy watcher: MomentWatcher?) {
        enqueue(command, WatcherBox(watcher))
    }

    private func enqueue(_ command: RunCommand, _ box: WatcherBox?) {
        condition.lock()
        inbox.append((command, box))
        condition.broadcast()
        condition.unlock()
    }

    /// The other run of the split moved: look again whether this one may go on.
    func wake() {
        condition.lock()
        wakeups += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the thread stands still: waiting for a command or for the other run of
    /// a split, with none queued (nothing changes without a command then). For tests:
    /// what a run shows once it stands still decides them, not how long they waited.
    func waitUntilIdle(timeout: Double = 60) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while idleStampLocked == nil {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// While the thread stands still, a number that changes whenever it is woken; nil
    /// while it is not standing still. The same stamp twice: it stood still all along.
    var idleStamp: Int? {
        condition.lock()
        defer { condition.unlock() }
        return idleStampLocked
    }

    private var idleStampLocked: Int? { waitingIdle && inbox.isEmpty && wakeups == idleTicket ? wakeups : nil }

    // MARK: Called from the simulation thread

    enum Wait {
        /// Take what is queued and go on.
        case none
        /// Until a command comes, or this `Simulation.clock()` time (the paced next iteration).
        case until(Double)
        /// Until a command comes, or the other run moves after `ticket` was taken.
        case woken(ticket: Int)
    }

    var wakeTicket: Int {
        condition.lock()
        defer { condition.unlock() }
        return wakeups
    }

    /// Takes the queued commands, waiting first as `wait` says if there are none.
    func takeCommands(_ wait: Wait) -> (commands: [(RunCommand, WatcherBox?)], stop: Bool) {
        condition.lock()
        defer { condition.unlock() }
        switch wait {
        case .none: break
        case .until(let time):
            while inbox.isEmpty && !stopRequested {
                let left = time - Simulation.clock()
                if left <= 0 || !condition.wait(until: Date(timeIntervalSinceNow: left)) { break }
            }
        case .woken(let ticket):
            while inbox.isEmpty && !stopRequested && wakeups == ticket {
                waitingIdle = true
                idleTicket = ticket
                condition.broadcast()
                condition.wait()
            }
            waitingIdle = false
        }
        let commands = inbox
        inbox.removeAll()
        return (commands, stopRequested)
    }
}

/// A `MomentWatcher` is not Sendable: it is handed to the simulation thread in this
/// box and used only there from then on.
final class WatcherBox: @unchecked Sendable {
    let watcher: MomentWatcher?
    init(_ w: MomentWatcher?) { watcher = w }
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
