import Foundation

/// The half of a run source that the view reads, shared by `LiveSession` and
/// `StreamSession`: what the source's thread has published since the last poll
/// (compact summaries of every iteration, the latest state), and the thread's end.
/// Each keeps its own inbox of commands under the same `condition`.
public class RunThread: @unchecked Sendable {
    let condition = NSCondition()
    var stopRequested = false
    private var finished = false
    private var summaries: [IterationSummary] = []
    private var published = SessionUpdate(generation: 0)
    private var hasNews = false

    /// Summaries kept when nobody polls (e.g. the terminal is suspended).
    static let maximumPending = 4096
    /// Full reports go out at about the view's frame rate, not for every iteration.
    static let publishInterval = 1.0 / 30

    /// What happened since the last poll, or nil if nothing did. Never blocks on an iteration.
    public func poll() -> SessionUpdate? {
        condition.lock()
        defer { condition.unlock() }
        guard hasNews || !summaries.isEmpty else { return nil }
        var u = published
        u.iterations = summaries
        summaries.removeAll(keepingCapacity: true)
        hasNews = false
        // The one-off parts are delivered once; the rest is state and repeats.
        published.report = nil
        published.reportOptions = nil
        published.sample = nil
        published.notice = nil
        published.selfPause = nil
        published.streamHeader = nil
        published.restarted = false
        return u
    }

    /// Asks the thread to finish after what it is doing, and waits at most `timeout` seconds.
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

    /// Called from the source's thread. `newRun` drops summaries of the previous run nobody has collected yet.
    func publish(newRun: Bool = false, _ change: (inout SessionUpdate) -> Void, summary: IterationSummary? = nil) {
        condition.lock()
        defer { condition.unlock() }
        if newRun { summaries.removeAll() }
        change(&published)
        if let summary {
            summaries.append(summary)
            if summaries.count > Self.maximumPending { summaries.removeFirst(summaries.count - Self.maximumPending) }
        }
        hasNews = true
    }

    /// Called from the source's thread as it ends.
    func markFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
