import Foundation

/// Two runs advancing together (the split view): a side may start iteration n only
/// once the other has finished n − 1, so both show the same iteration number at the
/// same pace. A side that cannot go on (diverged, or gone) never holds the other back.
public final class Lockstep: @unchecked Sendable {
    private let lock = NSLock()
    private var started = [0, 0], done = [0, 0]
    private var stuck = [false, false]
    /// A side that stopped itself (at a claim's moment) after this iteration holds the
    /// other there too, until it goes on (`finished` again, or `release`).
    private var held: [Int?] = [nil, nil]

    public init() {}

    /// Whether `side` (0 = A, 1 = B) may start its iteration `n`. A leads: it starts n once B
    /// has finished n − 1; B follows: it starts n once A has started n. So B is never ahead,
    /// and a run A paused (at its moment, or by a key) holds B at the same iteration.
    public func mayStart(_ side: Int, iteration n: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let other = 1 - side
        // A side that stopped itself holds the other even if it cannot go on (diverged at its moment).
        if let h = held[other], n > h { return false }
        if stuck[other] { return true }
        return side == 0 ? done[other] >= n - 1 : started[other] >= n
    }

    public func starting(_ side: Int, iteration n: Int) {
        lock.lock()
        started[side] = n
        lock.unlock()
    }

    /// `side` has finished iteration `n` (or is at `n` after a restart or fork);
    /// `stuck`: it will not go on by itself (diverged); `holding`: it stopped itself
    /// there, and the other side may not pass `n` either until it goes on.
    public func finished(_ side: Int, iteration n: Int, stuck isStuck: Bool = false, holding: Bool = false) {
        lock.lock()
        started[side] = n
        done[side] = n
        stuck[side] = isStuck
        held[side] = holding ? n : nil
        lock.unlock()
    }

    /// `side` goes on (resumed, or stepping): it no longer holds the other.
    public func release(_ side: Int) {
        lock.lock()
        held[side] = nil
        lock.unlock()
    }
}
