import RNNSim
import Scenarios

/// Where a run's numbers come from. The view sends commands and polls for what
/// happened, whatever the source: a simulation it trains (`LiveSession`) or a
/// stream it follows (`StreamSession`: `rnnscope watch`). A source that cannot do
/// what a command asks says so in its update's `notice`.
public protocol RunSource: AnyObject, Sendable {
    func start()
    func send(_ command: LiveSession.Command)
    /// A new run on these settings (a simulation; a stream ignores it).
    func reinitialise(_ settings: Settings, watcher: MomentWatcher?)
    func poll() -> SessionUpdate?
    @discardableResult func stop(timeout: Double) -> Bool
    /// Joins (or leaves, with nil) a split view's lockstep.
    func join(_ lockstep: (gate: Lockstep, side: Int)?)
}

extension LiveSession: RunSource {}
