import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Work the pool runs: `parts` pieces, piece t being `run(context, t, parts)`;
/// the context (a product, a block of rows) lives on the caller's stack meanwhile.
struct PoolJob {
    package let parts: Int
    package let context: UnsafeRawPointer
    package let run: @convention(c) (UnsafeRawPointer, Int, Int) -> Void
    /// Multiply-adds in all (Int.max where unknown): whether the job pays for waking a helper.
    package var work = Int.max
}

/// The helper threads a large product is split over, started once and kept.
///
/// A product of `parts` pieces is published in one atomic word, the ticket
/// (job number, parts, next unclaimed piece); the caller and the helpers claim
/// pieces from it until none is left. So a split allocates nothing, costs a
/// wake-up at most, and a helper that is slow to wake (a loaded machine) only
/// means the caller does more of the pieces itself. Which thread computes a
/// piece never changes its bits.
///
/// Between jobs a helper spins for a while (the per-timestep products of one
/// pass come every few tens of microseconds; see `helperJobs` for how long)
/// and then sleeps.
final class WorkerPool: @unchecked Sendable {
    package static let shared = WorkerPool(helpers: KernelThreads.count - 1)

    /// job << 16 | parts << 8 | next unclaimed piece.
    private let ticket = Atomic<Int>(0)
    /// Pieces of the current job finished.
    private let finished = Atomic<Int>(0)
    /// Helpers asleep, or about to be, on `wake`.
    private let sleepers = Atomic<Int>(0)
    /// One job at a time; a caller that finds the pool busy (another thread's
    /// product) does all its pieces itself.
    private let busy = Atomic<Bool>(false)
    /// The current job, on its caller's stack. Written only while `busy`,
    /// before the ticket that publishes it.
    private var current: UnsafePointer<PoolJob>?
    private var job = 0
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// The longest a helper keeps checking for the next job before it sleeps.
    /// Waking a sleeping thread costs about as much as a per-step product, so
    /// during a pass of large products helpers stay awake, and sleep once
    /// training pauses.
    private static let spinNanoseconds = 1_000_000
    /// Waking a sleeping helper costs the caller about 7 µs (a futex wake in
    /// a virtual machine), and the helper is slower still to start: a job alone
    /// (the ∂W_hh product of a batch-1 iteration, 1.6 M multiply-adds at H 128,
    /// every 120 µs) ran 5% slower for it. So a sleeping helper is woken for a
    /// job of at least `wakeWork` multiply-adds, or one that follows the last
    /// within `recentNanoseconds` (the per-step products of a pass, a few µs
    /// apart; a helper sleeps only after 31 µs without work); other jobs are
    /// shared by the threads already awake, the caller at least.
    private static let wakeWork = 1 << 23
    private static let recentNanoseconds: UInt64 = 20_000
    /// When the last job ended (caller's clock).
    private var lastEnd: UInt64 = 0

    private init(helpers: Int) {
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        for _ in 0..<max(0, helpers) {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().helperLoop()
                return nil
            }, context)
            if status == 0 { pthread_detach(thread) }
        }
    }

    /// Runs every piece of `work`, on this thread and the helpers, and returns
    /// when all have finished. The caller is already in flush mode when the
    /// work asks for it.
    package func run(_ work: UnsafePointer<PoolJob>) {
        let parts = work.pointee.parts
        precondition(parts > 0 && parts < 256)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for t in 0..<parts { work.pointee.run(work.pointee.context, t, parts) }
            return
        }
        // A sleeping helper is woken only for work that pays for it (see `wakeWork`).
        publish(work, wake: work.pointee.work >= Self.wakeWork || Self.monotonicNanoseconds() &- lastEnd < Self.recentNanoseconds)
        finish(parts)
    }

    /// Publishes `work` for the helpers and returns at once, without taking part:
    /// the caller goes on with other work and then calls `finishStarted()`, on the
    /// same thread, before it touches what the job writes. `work` and its context
    /// must live until then. Meanwhile the caller's own products find the pool busy
    /// and run on its thread. False (nothing started) when the pool is busy or has
    /// no helper: the caller then runs the work itself.
    package func start(_ work: UnsafePointer<PoolJob>) -> Bool {
        let parts = work.pointee.parts
        precondition(parts > 0 && parts < 256)
        guard KernelThreads.count > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        // The caller does not take part until it finishes: a sleeping helper is always woken.
        publish(work, wake: true)
        return true
    }

    /// Waits for the job `start` published: runs any piece no helper has taken yet,
    /// then waits for the others.
    package func finishStarted() {
        guard let work = current else { return }
        finish(work.pointee.parts)
    }

    /// Makes `work` the current job (the pool is the caller's: `busy`), its pieces
    /// claimable, and wakes sleeping helpers if asked (asked only when one sleeps).
    private func publish(_ work: UnsafePointer<PoolJob>, wake wakeSleepers: @autoclosure () -> Bool) {
        current = work
        job &+= 1
        finished.store(0, ordering: .relaxed)
        ticket.store(job << 16 | work.pointee.parts << 8, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 && wakeSleepers() {
            pthread_mutex_lock(lock)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
        }
    }

    /// Runs the current job's unclaimed pieces, waits for the rest, and frees the pool.
    private func finish(_ parts: Int) {
        claimPieces()
        var waited = 0
        while finished.load(ordering: .acquiring) < parts {
            waited &+= 1
            if waited > 1 << 12 { sched_yield() }
        }
        lastEnd = Self.monotonicNanoseconds()
        current = nil
        busy.store(false, ordering: .releasing)
    }

    /// Claims and runs pieces of the current job until none is left; returns how many it ran.
    @discardableResult
    private func claimPieces() -> Int {
        var ran = 0
        while true {
            let t = ticket.load(ordering: .acquiring)
            let parts = (t >> 8) & 0xFF, next = t & 0xFF
            if next >= parts { return ran }
            guard ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            // The job cannot end before this piece does, so `current` is its job.
            let work = current.unsafelyUnwrapped.pointee
            work.run(work.context, next, work.parts)
            finished.add(1, ordering: .releasing)
            ran &+= 1
        }
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// A helper's life: subnormals flushed throughout (every split product
    /// asks for that), waiting for a job, claiming its pieces, waiting again.
    private func helperLoop() {
        Denormals.flushed { helperJobs() }
    }

    private func helperJobs() {
        var seen = 0
        // How long to spin before sleeping: halved each time no job came in
        // time, doubled each time one did, so that products far apart (a paused
        // or slow caller) do not keep a core busy for nothing; and at most four
        // times the helper's last share of work, so that it does not spin a
        // whole core for products too small to gain much from it.
        var budget = Self.spinNanoseconds
        var lastWork = Self.spinNanoseconds
        while true {
            let limit = min(budget, max(4 &* lastWork, Self.spinNanoseconds / 32))
            var spins = 0
            var since: UInt64 = 0
            while ticket.load(ordering: .acquiring) >> 16 == seen {
                spins &+= 1
                if spins & 255 != 0 { continue }
                // Runs any other thread waiting for this core (a second
                // simulation, the UI) instead of spinning against it.
                sched_yield()
                let now = Self.monotonicNanoseconds()
                if since == 0 { since = now }
                if now &- since < limit { continue }
                budget = max(budget / 2, Self.spinNanoseconds / 16)
                pthread_mutex_lock(lock)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while ticket.load(ordering: .sequentiallyConsistent) >> 16 == seen { pthread_cond_wait(wake, lock) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(lock)
            }
            let start = Self.monotonicNanoseconds()
            if since != 0 && start &- since < limit {
                budget = min(budget * 2, Self.spinNanoseconds)
            }
            seen = ticket.load(ordering: .acquiring) >> 16
            if claimPieces() > 0 { lastWork = Int(Self.monotonicNanoseconds() &- start) }
        }
    }
}
