import RNNSim
import Scenarios

/// Where a run's numbers come from. The view sends commands and polls for what
/// happened, whatever the source: a simulation it trains (`LiveSession`) or a
/// stream it follows (`StreamSession`: `rnnscope watch`). A source that cannot do
/// what a command asks says so in its update's `notice`.
public protocol RunSource: AnyObject, Sendable {
    func start()
    func send(_ command: RunCommand)
    /// A command that starts a new run (`RunCommand.startsRun`), judged by `watcher`:
    /// the claims of the settings it runs on (a stream has none, and starts no run).
    func send(_ command: RunCommand, judgedBy watcher: MomentWatcher?)
    func poll() -> SessionUpdate?
    @discardableResult func stop(timeout: Double) -> Bool
    /// Joins (or leaves, with nil) a split view's lockstep.
    func join(_ lockstep: (gate: Lockstep, side: Int)?)
}

extension LiveSession: RunSource {}
