import Spectral
import RNNSim
import RunStream
import Scenarios

/// What the screen is showing besides the main view.
public enum Mode: Equatable, Sendable {
    case normal
    /// Stepping through the backward pass: `cursor` is the 0-based timestep s (t = s + 1)
    /// the gradient has reached; steps after it have been visited, steps before it not yet.
    case stepThrough(cursor: Int)
    case help(scroll: Int)
    case picker(selection: Int)
}

public struct StatusMessage: Equatable, Sendable {
    public var text: String
    /// When it was set (AppState.now), so that it can expire.
    public var since: Double
}

/// ρ(W_hh) and σ_max(W_hh) per layer, from the last iteration that measured them,
/// and with them a gated cell's direct-path gate (LSTM f, GRU z) per layer: its
/// mean over steps, units and batch, the fraction saturated, and the mean Π over all T steps.
public struct SpectrumReading: Equatable, Sendable {
    public var spectralRadius: [Double]
    public var largestSingularValue: [Double]
    public var iteration: Int
    public var gateMeans: [Double] = []
    public var gateSaturation: [Double] = []
    public var gateProducts: [Double] = []
}

extension SpectrumReading {
    /// What `r` measured; nil for a cheap iteration, which carries NaN in their place.
    public init?(measured r: IterationReport) {
        guard r.spectralRadius.contains(where: { !$0.isNaN }) || r.largestSingularValue.contains(where: { !$0.isNaN }) else { return nil }
        self.init(spectralRadius: r.spectralRadius, largestSingularValue: r.largestSingularValue, iteration: r.iteration,
                  gateMeans: r.pathGateMeans.map { $0.reduce(0, +) / Double(max(1, $0.count)) },
                  gateSaturation: r.pathGateSaturation, gateProducts: r.pathProducts.map { $0.first ?? .nan })
    }
}

/// Everything the screen shows, as a value: `update` changes it, `render` draws it.
public struct AppState: Sendable {
    public var scenario: Scenario
    public var presets: [Scenario]
    /// One line for each preset file that does not read (left out of `presets`).
    public var unreadablePresets: [String] = []
    /// The settings of the current run: the scenario's, with IRNN, seed and the
    /// live clipping and truncation applied (so a restart keeps them).
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
    public var history = Ring<IterationSummary>(capacity: AppState.historyRows)
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
    /// The latest moment line of either run (the split's status line shows it).
    public var moment: String?
    /// This run's own moment line: in the split, each side's verdict stays on its side.
    public var ownMoment: String?
    public var sample: String?

    /// The header of the stream this run is read from (`rnnscope watch`); nil for a
    /// run rnnscope trains. What the view can do to the run depends on it.
    public var stream: StreamHeader?
    public var streamProgress: StreamProgress?

    /// The split view: run B beside this run (A), nil when there is one run.
    public var comparison: Comparison?

    public var mode = Mode.normal
    public var status: StatusMessage?
    public var width: Int
    public var height: Int
    /// `rnnscope lecture`: `presets` are the lecture's, in its order, and PgDn/PgUp walk them.
    public var lecture = false
    /// The chart draws the lecture's predicted lines over the bars (`o`, `TheoryOverlay`).
    public var theory = false
    /// Which layer's gradients the chart and heatmap show (0 = bottom).
    public var layer = 0
    public var now = 0.0
    /// Mixed into the seeds `R` draws, so each session gets its own (the runtime sets it
    /// from the clock; 0 in tests, where the seeds are then the same every time).
    public var sessionSalt: UInt64 = 0

    public static let historyRows = 512
    /// How long a status message stays, in seconds.
    public static let statusLifetime = 5.0

    public init(scenario: Scenario, presets: [Scenario] = [], width: Int = 80, height: Int = 24) {
        self.scenario = scenario
        self.presets = presets
        self.settings = scenario.settings
        self.width = width
        self.height = height
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
        guard let path = settings.userModel?.modelPath else { return scenario.name }
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let stem = file.hasSuffix(".safetensors") ? String(file.dropLast(".safetensors".count)) : file
        return stem.isEmpty ? scenario.name : stem
    }

    /// Forgets everything measured: a new run is starting.
    mutating func resetRun() {
        report = nil
        reportOptions = nil
        spectrum = nil
        history.removeAll()
        losses = LossHistory()
        latestIteration = 0
        latestLoss = nil
        heldOut = []
        clipFired = 0
        clipCounted = 0
        iterationsPerSecond = 0
        selfPause = nil
        claimsJudged = true
        diverged = false
        error = nil
        moment = nil
        ownMoment = nil
        sample = nil
        chanceLoss = nil
        baselines = []
        layer = min(layer, settings.layers - 1)
        generation += 1
    }
}
