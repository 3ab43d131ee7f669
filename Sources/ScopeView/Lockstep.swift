import Foundation

/// Two runs advancing together (the split view): both show the same iteration
/// number at the same pace, and stop at one iteration together. A side that is
/// not allowed to go on waits on its own thread's condition; every change here
/// that may let the other side go on wakes it (`attach`), so nobody polls.
///
/// A leads: it starts n once B has finished n − 1. B follows: it starts n once A
/// has started n. So B is never ahead, and A at most one iteration. A side that
/// stands still (paused, or stopped at a claim's moment) holds the other at its
/// iteration; a side that cannot go on (diverged) never holds the other back,
/// unless it stopped itself there.
public final class Lockstep: @unchecked Sendable {
    private let lock = NSLock()
    private var started = [0, 0], done = [0, 0]
    private var stuck = [false, false]
    /// The iteration a side stands at (or will stop at: `pausePoint`); the other may not pass it.
    private var held: [Int?] = [nil, nil]
    private var wakers: [(@Sendable () -> Void)?] = [nil, nil]

    public init() {}

    /// `side`'s thread is woken with `wake` whenever the other side moves.
    func attach(_ side: Int, wake: @escaping @Sendable () -> Void) {
        lock.lock()
        wakers[side] = wake
        lock.unlock()
    }

    /// Whether `side` (0 = A, 1 = B) may start its iteration `n`.
    public func mayStart(_ side: Int, iteration n: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return allows(side, n)
    }

    private func allows(_ side: Int, _ n: Int) -> Bool {
        let other = 1 - side
        if let h = held[other], n > h { return false }
        if stuck[other] { return true }
        return side == 0 ? done[other] >= n - 1 : started[other] >= n
    }

    /// Starts iteration `n` of `side` if it may (the check and the start are one step,
    /// so that a pause point set meanwhile by the other side is never passed).
    public func tryStart(_ side: Int, iteration n: Int) -> Bool {
        change(side) {
            guard allows(side, n) else { return false }
            started[side] = n
            return true
        }
    }

    /// `side` has finished iteration `n` (or is at `n` after a restart or fork);
    /// `stuck`: it will not go on by itself (diverged); `holding`: it stands still
    /// there, and the other side may not pass `n` until it goes on.
    public func finished(_ side: Int, iteration n: Int, stuck isStuck: Bool = false, holding: Bool = false) {
        change(side) {
            started[side] = n
            done[side] = n
            stuck[side] = isStuck
            held[side] = holding ? n : nil
        }
    }

    /// `side` was asked to pause at its iteration `n`: where it stops so that both
    /// stop at one iteration, the one the other side may already have started. Until
    /// it goes on, the other side may not pass it.
    public func pausePoint(_ side: Int, at n: Int) -> Int {
        change(side) {
            let point = max(n, started[1 - side])
            held[side] = point
            return point
        }
    }

    /// `side` goes on (resumed, or stepping): it no longer holds the other.
    public func release(_ side: Int) {
        change(side) { held[side] = nil }
    }

    /// Applies a change of `side` under the lock, then wakes the other side if
    /// anything changed (outside the lock: its thread takes its own lock to wake).
    private func change<R>(_ side: Int, _ body: () -> R) -> R {
        lock.lock()
        let before = (started, done, stuck, held)
        let result = body()
        let moved = before.0 != started || before.1 != done || before.2 != stuck || before.3 != held
        let wake = moved ? wakers[1 - side] : nil
        lock.unlock()
        wake?()
        return result
    }
}
