import ModelIO
import RNNSim

/// What a run is asked to do, the same for every source (`RunSource.send`): the
/// view says it (`AppCommand.run`), the runtime forwards it once, to the run on
/// its side, and the source applies it between two iterations.
public enum RunCommand: Sendable, Equatable {
    case pause, resume, stepOnce
    /// Pause once iteration n is finished (at once if it is): the split view's
    /// other run stopped itself there, and this one stops beside it.
    case pauseAt(Int)
    /// Iterations per second; `.infinity` runs as fast as it can.
    case setSpeed(Double)
    /// Global-norm clipping threshold; nil turns clipping off. `request` numbers the view's
    /// changes of it (`RunState.clipRequests`), which a steered stream's loop says it has read.
    case setClip(Double?, request: Int = 0)
    /// Truncation length K; nil is full BPTT.
    case setTruncate(Int?)
    /// A new run on these settings.
    case reinitialise(Settings)
    /// A new run on these settings that runs (to its moment) whatever the run before was
    /// doing: another scenario opened. One command, not `resume` then `reinitialise`: the
    /// thread could take the resume alone, and an old run whose next iteration is its own
    /// moment (exploding's Inf/NaN) stopped there and left the new one paused.
    case open(Settings)
    /// A new run on the same settings from this seed.
    case restart(seed: UInt64)
    /// Make sure the shown iteration has its per-step Jacobian norms (for step-through).
    case measureJacobians
    /// Writes the current weights of a model opened with --model where it was told to (`UserModel.savePath`).
    case saveWeights
    /// Hand a copy of the trainer, as it is now, to the split view's run B.
    case fork(TrainerHandoff)

    /// Whether it starts a new run, which is judged on the claims of the settings it runs on.
    public var startsRun: Bool {
        switch self {
        case .reinitialise, .open, .restart: true
        default: false
        }
    }
}
