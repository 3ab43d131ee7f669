import RNNSim
import RunStream

/// A key as the view understands it; the terminal layer translates curses codes.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, escape, tab, backspace
    case function(Int)

    public static let space = Key.char(" ")

    /// How the key is written in the key bar and in help.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backspace: "Backspace"
        case .function(let n): "F\(n)"
        }
    }
}

/// What the simulation thread published since the last poll.
public struct SessionUpdate: Sendable {
    /// Which (re)initialisation this belongs to: counts the runs the session started.
    /// Updates from a run the view has already replaced are ignored.
    public var generation: Int
    /// One entry per iteration completed since the last poll, oldest first.
    public var iterations: [IterationSummary]
    /// The latest full report, if a new one was published.
    public var report: IterationReport?
    /// The options the reported iteration ran with (where truncation cut, clipping threshold).
    public var reportOptions: BPTTOptions?
    public var iterationsPerSecond: Double
    /// Text sampled from the char-LM network, when the task is one.
    public var sample: String?
    /// The latest ρ, σ_max and gate reading, kept when a later, unmeasured report
    /// replaced the one that measured them before the view polled.
    public var spectrum: SpectrumReading?
    /// The scenario's moment line, once its watcher has spoken.
    public var moment: String?
    /// The loss of the best input-blind guess, for the header.
    public var chanceLoss: Double?
    /// Reference losses for the loss chart (the char-LM's n-gram baselines); once per run.
    public var baselines: [ReferenceLevel]?
    /// The simulation paused itself (at a claim's moment, or the iteration asked for); once.
    public var selfPause: SelfPause?
    /// Every iteration of this run ran on the settings the scenario's claims are for.
    public var claimsJudged: Bool
    /// The trainer produced Inf/NaN and stopped updating.
    public var diverged: Bool
    /// The trainer could not be built (invalid settings); shown instead of a chart.
    public var error: String?
    /// A one-off message for the status line (e.g. where the weights were saved).
    public var notice: String?
    /// A stream's header, once read (`rnnscope watch`): what network the records are about.
    public var streamHeader: StreamHeader?
    /// How far a stream has been read.
    public var streamProgress: StreamProgress?
    /// A stream's latest record: how many calls of the module with gradients its norms are the last of.
    public var streamCalls: Int?
    /// A stream's latest record carried `grad_norm` (false: not measured, e.g. a frozen module).
    public var streamGradNormMeasured: Bool?
    /// A stream's latest record carried `clip_max_norm` (false: the threshold is not known).
    public var streamClipMeasured: Bool?
    /// The stream was replaced: this is a new run (its generation is the view's next).
    public var restarted = false

    public init(generation: Int, iterations: [IterationSummary] = [], report: IterationReport? = nil,
                reportOptions: BPTTOptions? = nil, iterationsPerSecond: Double = 0, sample: String? = nil,
                moment: String? = nil, selfPause: SelfPause? = nil, claimsJudged: Bool = true,
                chanceLoss: Double? = nil, baselines: [ReferenceLevel]? = nil, diverged: Bool = false, error: String? = nil) {
        self.generation = generation
        self.iterations = iterations
        self.report = report
        self.reportOptions = reportOptions
        self.iterationsPerSecond = iterationsPerSecond
        self.sample = sample
        self.moment = moment
        self.selfPause = selfPause
        self.claimsJudged = claimsJudged
        self.chanceLoss = chanceLoss
        self.baselines = baselines
        self.diverged = diverged
        self.error = error
    }
}

extension SessionUpdate {
    /// One iteration's numbers, from a simulation or a stream alike: the whole report only
    /// when it goes out (about the frame rate), the rest always.
    mutating func carry(_ report: IterationReport, _ options: BPTTOptions, whole: Bool, spectrum: SpectrumReading?,
                        perSecond: Double, diverged: Bool) {
        if whole {
            self.report = report
            reportOptions = options
        }
        if let spectrum { self.spectrum = spectrum }
        iterationsPerSecond = perSecond
        self.diverged = diverged
    }
}

/// Why the simulation paused itself.
public enum SelfPause: Sendable, Equatable {
    /// A claim's moment came at this iteration (the line is the update's `moment`).
    case moment(iteration: Int)
    /// The run reached the iteration it was asked to stop at (`train --iterations N`).
    case iterationLimit(Int)

    var isIterationLimit: Bool { if case .iterationLimit = self { true } else { false } }
}

/// The compact record kept of every iteration, for the heatmap and the loss sparkline.
public struct IterationSummary: Sendable, Equatable {
    public var iteration: Int
    public var loss: Double
    public var gradNorm: Double
    public var clipped: Bool
    /// The clipping threshold in force (0 = off), so the view can count how often it fired.
    public var clipThreshold: Double
    public var nonfinite: Bool
    /// False for a stream's record without a loss (`scope.step()` given none): its `loss`
    /// is NaN and is not one.
    public var lossMeasured = true
    /// ‖∂L/∂h_t‖ per layer, binned to at most `IterationSummary.maximumBins` columns
    /// (the largest value of each bin; Inf/NaN kept). Doubles: a float64 stream's norms
    /// go below and above Float's range.
    public var normBins: [[Double]]
    /// The smallest and largest positive finite value of each layer's row (0 if none),
    /// worked out once here so the view's scale need not scan every row every frame.
    public private(set) var smallest: [Double]
    public private(set) var largest: [Double]
    /// A char-LM's held-out loss after this iteration, where it was measured.
    public var heldOutLoss: Double?
    /// A steered stream: the latest of the view's clipping requests (`RunState.clipRequests`)
    /// the loop had read when it ran this iteration; nil when the writer does not say.
    public var clipRequestRead: Int?

    public static let maximumBins = 512

    public init(iteration: Int, loss: Double, gradNorm: Double, clipped: Bool, clipThreshold: Double,
                nonfinite: Bool, normBins: [[Double]]) {
        self.iteration = iteration
        self.loss = loss
        self.gradNorm = gradNorm
        self.clipped = clipped
        self.clipThreshold = clipThreshold
        self.nonfinite = nonfinite
        self.normBins = normBins
        smallest = []
        largest = []
        for row in normBins {
            var lo = Double.infinity, hi = 0.0
            for v in row where v > 0 && v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
            smallest.append(hi > 0 ? lo : 0)
            largest.append(hi)
        }
    }

    public init(report r: IterationReport, clipThreshold: Double) {
        self.init(iteration: r.iteration, loss: r.loss, gradNorm: r.gradNorm, clipped: r.clipped,
                  clipThreshold: clipThreshold, nonfinite: r.nonfinite,
                  normBins: r.hiddenGradNorms.map { Self.bin($0, into: Self.maximumBins) })
        heldOutLoss = r.heldOutLoss
    }

    /// Bins a per-timestep row: identity when it fits, else the largest of each bin,
    /// with a non-finite value winning (so an explosion is never averaged away).
    public static func bin(_ row: [Double], into maximum: Int) -> [Double] {
        if row.count <= maximum { return row }
        var out = [Double](repeating: 0, count: maximum)
        for b in 0..<maximum {
            let lo = b * row.count / maximum, hi = (b + 1) * row.count / maximum
            var m = 0.0
            for i in lo..<max(hi, lo + 1) {
                let v = row[i]
                if !v.isFinite { m = v; break }
                if v > m { m = v }
            }
            out[b] = m
        }
        return out
    }
}

/// Everything that can happen to the view.
public enum AppEvent: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// New numbers from the simulation thread.
    case report(SessionUpdate)
    /// Time passes (seconds on a monotonic clock): status messages expire.
    case tick(now: Double)
    /// The runtime wrote the frame `exportFrame` asked for (`error` nil), or could not.
    case exported(baseName: String, error: String?)
    /// New numbers from run B of the split view.
    case reportB(SessionUpdate)
}

/// What the view asks the runtime to do. A run's commands (`RunCommand`) are
/// forwarded once, to the run on their side; toggles apply from the next
/// iteration, and `reinitialise`, `restart` and `openScenario` start a new run.
public enum AppCommand: Equatable, Sendable {
    /// For the run on one side (A when there is one run).
    case run(RunCommand, Side)
    case openScenario(String)
    /// Write the frame on screen as `<baseName>.svg` and `.txt` in the current directory,
    /// then answer with `.exported`.
    case exportFrame(baseName: String)
    /// Fork the run into A | B from its current weights; B then runs with these settings.
    case openSplit(Settings)
    /// Close the split, keeping run B (true) or A.
    case closeSplit(keepB: Bool)
    case quit
    /// End the program on bad input the view cannot show (a stream whose header is unusable):
    /// the terminal restored, this one line on stderr, status 2.
    case fail(String)
}

extension AppCommand {
    /// The commands for run A (the only run outside the split), by their run command's name.
    static let pause = AppCommand.run(.pause, .a)
    static let resume = AppCommand.run(.resume, .a)
    static let stepOnce = AppCommand.run(.stepOnce, .a)
    static let measureJacobians = AppCommand.run(.measureJacobians, .a)
    static let saveWeights = AppCommand.run(.saveWeights, .a)
    static func pauseAt(_ n: Int) -> AppCommand { .run(.pauseAt(n), .a) }
    static func setSpeed(_ s: Double) -> AppCommand { .run(.setSpeed(s), .a) }
    static func setClip(_ c: Double?, request: Int = 0) -> AppCommand { .run(.setClip(c, request: request), .a) }
    static func setTruncate(_ k: Int?) -> AppCommand { .run(.setTruncate(k), .a) }
    static func reinitialise(_ s: Settings) -> AppCommand { .run(.reinitialise(s), .a) }
    static func restart(seed: UInt64) -> AppCommand { .run(.restart(seed: seed), .a) }
    /// For run B of the split view.
    static func sideB(_ c: RunCommand) -> AppCommand { .run(c, .b) }
}
