import ModelIO
import RNNSim
import RunStream
import Scenarios

/// One run on screen: what it trains (or which stream it reads), the toggles in
/// force, and everything measured since it started. The split holds two.
public struct RunState: Sendable {
    public var scenario: Scenario
    /// The settings of this run: the scenario's, with IRNN, seed and the live
    /// clipping and truncation applied (so a restart keeps them).
    public var settings: Settings
    /// Clipping (c, + and −): its threshold in force is `settings.clip`.
    public var clipping: Toggle<Double>
    /// Truncation (t, [ and ]): its K in force is `settings.truncate`.
    public var truncation: Toggle<Int>
    /// IRNN (identity W_hh, ReLU) in force; starts on for a scenario that is an IRNN itself.
    public var identityInit: Bool
    public var running = true
    /// Counts the runs started (see SessionUpdate.generation).
    public var generation = 0

    public var report: IterationReport?
    public var reportOptions: BPTTOptions?
    public var spectrum: SpectrumReading?
    /// Binned ‖∂L/∂h_t‖ rows of recent iterations, for the heatmap.
    public var history = Ring<IterationSummary>(capacity: RunState.historyRows)
    public var losses = LossHistory()
    public var latestIteration = 0
    public var latestLoss: Double?
    /// A char-LM's held-out loss, where measured (every `Trainer.heldOutInterval` iterations).
    public var heldOut: [(iteration: Int, loss: Double)] = []
    public var clipFired = 0
    /// Iterations run with clipping on since it was last switched or retuned.
    public var clipCounted = 0
    public var iterationsPerSecond = 0.0
    /// The rate last measured while running, for `<` from max (paused, the measured rate is 0).
    public var runningRate = 0.0
    /// Why the run paused itself (a claim's moment, --iterations), while it stays paused.
    public var selfPause: SelfPause?
    /// The simulation's word that every iteration of this run ran on the claims' settings.
    public var claimsJudged = true
    public var chanceLoss: Double?
    /// The char-LM's n-gram baselines on the held-out text, drawn on the loss chart.
    public var baselines: [ReferenceLevel] = []
    public var diverged = false
    public var error: String?
    /// This run's own moment line: in the split, each side's verdict stays on its side.
    public var moment: String?
    /// The iteration `moment` was judged at.
    public var momentIteration = 0
    public var sample: String?

    /// The header of the stream this run is read from (`rnnscope watch`); nil for a
    /// run rnnscope trains. What the view can do to the run depends on it.
    public var stream: StreamHeader?
    public var streamProgress: StreamProgress?
    /// The latest record's calls of the watched module with gradients (its norms are the last call's).
    public var streamCalls = 1
    /// Records of a stream that carried no loss, and whether the latest carried ‖∇θ‖:
    /// not measured is said as such, not as NaN.
    public var lossesNotRecorded = 0
    public var streamGradNormMeasured = true
    public var streamClipMeasured = true
    /// c turned a steered loop's clipping off in this run (its records then say 0, as a loop's
    /// that clips with torch's own clip_grad_norm_ do): the panel says the view did it.
    public var clipOffByView = false
    /// The clipping changes the keys have sent (`RunCommand.setClip`'s `request`). A steered
    /// stream's records written before its loop read the latest still carry the old threshold:
    /// they do not undo the keys (`IterationSummary.clipRequestRead`). Kept across a stream's
    /// new run: its session takes the earlier ones as read when the new header comes.
    public var clipRequests = 0

    public static let historyRows = 512

    public init(scenario: Scenario) {
        self.scenario = scenario
        settings = scenario.settings
        clipping = .clipping(scenario.settings)
        truncation = .truncation(scenario.settings)
        identityInit = Self.isIRNN(scenario.settings)
    }

    static func isIRNN(_ s: Settings) -> Bool { s.initKind == .identity && s.activation == .relu }

    /// What `i` switches IRNN off to: the scenario's own initialisation and activation,
    /// or, for a scenario that is an IRNN itself, the usual tanh with Glorot (xavier) init.
    var initialisationWithoutIRNN: (InitKind, Activation) {
        let own = scenario.settings
        return Self.isIRNN(own) ? (.xavier, .tanh) : (own.initKind, own.activation)
    }

    /// What the chart calls row k of the norms: "layer 2", or a stream's "layer 1 reverse".
    public func rowName(_ k: Int) -> String {
        if let rows = stream?.rows, rows.indices.contains(k) { return rows[k] }
        return "layer \(k + 1)"
    }

    /// Whether row k is a bidirectional stream's reverse direction, which runs from t = T
    /// down to 1: its backward pass carries the gradient from t = 1 towards T.
    public func isReverseRow(_ k: Int) -> Bool { rowName(k).hasSuffix(" reverse") }

    /// Global-norm clipping threshold in force; 0 = off.
    public var clip: Double { settings.clip }
    /// Truncation length K in force; 0 = full BPTT.
    public var truncate: Int { settings.truncate }

    /// Sequence length T of the current run.
    public var steps: Int { settings.steps }

    /// The loss the current run is trained with.
    public var lossKind: LossKind? { reportOptions?.loss ?? settings.loss }

    public var isCharLM: Bool { settings.task == .charLM }

    /// What figures (`e`) are named after: the scenario, or for a model opened with
    /// --model the model's file (`runs/lm.safetensors` → `lm`).
    public var figureName: String {
        guard let path = settings.ownModel?.modelPath else { return scenario.name }
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let stem = file.hasSuffix(".safetensors") ? String(file.dropLast(".safetensors".count)) : file
        return stem.isEmpty ? scenario.name : stem
    }

    /// Forgets everything measured: a new run is starting (`AppState.restart`).
    mutating func reset() {
        report = nil
        reportOptions = nil
        spectrum = nil
        history.removeAll()
        losses = LossHistory()
        latestIteration = 0
        latestLoss = nil
        lossesNotRecorded = 0
        streamGradNormMeasured = true
        streamClipMeasured = true
        heldOut = []
        clipFired = 0
        clipCounted = 0
        clipOffByView = false
        iterationsPerSecond = 0
        selfPause = nil
        claimsJudged = true
        diverged = false
        error = nil
        moment = nil
        sample = nil
        chanceLoss = nil
        baselines = []
        generation += 1
    }
}
