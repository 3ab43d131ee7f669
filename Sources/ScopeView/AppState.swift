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
        self.init(reading: r)
    }

    /// What `r` carries, NaN included: a stream's record that measured W_hh gone Inf/NaN.
    public init(reading r: IterationReport) {
        self.init(spectralRadius: r.spectralRadius, largestSingularValue: r.largestSingularValue, iteration: r.iteration,
                  gateMeans: r.pathGateMeans.map { $0.reduce(0, +) / Double(max(1, $0.count)) },
                  gateSaturation: r.pathGateSaturation, gateProducts: r.pathProducts.map { $0.first ?? .nan })
    }
}

/// Everything the screen shows, as a value: `update` changes it, `render` draws it.
/// The runs on screen (one, or A and B in the split), each with what it measured,
/// and one UI state beside them: what is shown and how, whichever run it is of.
public struct AppState: Sendable {
    /// Run A, and in the split run B: never empty, at most two.
    public internal(set) var runs: [RunState]
    public var ui: UIState

    public init(scenario: Scenario, presets: [Scenario] = [], width: Int = 80, height: Int = 24) {
        self.init(run: RunState(scenario: scenario), presets: presets, width: width, height: height)
    }

    public init(run: RunState, presets: [Scenario] = [], width: Int = 80, height: Int = 24) {
        runs = [run]
        ui = UIState(presets: presets, width: width, height: height)
    }

    /// The split view: run B beside run A.
    public var isSplit: Bool { runs.count == 2 }

    /// The index in `ui.presets` of the scenario on screen: its slide, else the first of its name.
    var presetIndex: Int? {
        if let s = ui.slide, ui.presets.indices.contains(s), ui.presets[s].name == a.scenario.name { return s }
        return ui.presets.firstIndex { $0.name == a.scenario.name }
    }

    /// The run on one side (A outside the split).
    public subscript(side: Side) -> RunState {
        get { runs[index(side)] }
        set { runs[index(side)] = newValue }
    }

    /// Run A, the only run outside the split.
    public var a: RunState {
        get { runs[0] }
        set { runs[0] = newValue }
    }

    /// Run B of the split, nil when there is one run.
    public var b: RunState? { isSplit ? runs[1] : nil }

    /// The side the run keys act on: the UI's focus in the split, else A.
    public var focus: Side { isSplit ? ui.focus : .a }

    /// Where a side's run is in `runs`.
    func index(_ side: Side) -> Int { side == .b && isSplit ? 1 : 0 }

    /// Opens the split with run B beside A, the focus on A.
    public mutating func split(with b: RunState) {
        runs = [runs[0], b]
        ui.focus = .a
    }

    /// Closes the split, keeping the run on one side as the only one.
    mutating func unsplit(keeping side: Side) {
        runs = [self[side]]
        ui.focus = .a
    }

    /// Forgets everything a side's run measured: a new run is starting there. The status
    /// line's verdict goes with run A's (the split's latest of either run stays for B's).
    mutating func restart(_ side: Side) {
        runs[index(side)].reset()
        if side == .a { ui.moment = nil }
        ui.layer = min(ui.layer, self[side].settings.layers - 1)
    }
}

public enum Side: Sendable, Equatable { case a, b }

/// What is shown and how: one for the screen, whichever run it shows.
public struct UIState: Sendable {
    /// The scenarios the picker offers (a lecture's, in its order).
    public var presets: [Scenario]
    /// One line for each preset file that does not read (left out of `presets`).
    public var unreadablePresets: [String] = []
    public var mode = Mode.normal
    public var status: StatusMessage?
    /// The latest moment line of either run, which the status line shows.
    public var moment: String?
    public var width: Int
    public var height: Int
    /// The split's side the toggles act on (Tab moves it); A outside the split.
    public var focus = Side.a
    /// Set while one run of a split too small to show both is drawn alone: what the title bar says.
    var alone: String?
    /// `rnnscope lecture`: `presets` are the lecture's, in its order, and PgDn/PgUp walk them.
    public var lecture = false
    /// Which of `presets` is on screen, once one was opened from them (a lecture opens on its
    /// first): an order may name a preset twice, so its name does not say which slide this is.
    public var slide: Int?
    /// The chart draws the lecture's predicted lines over the bars (`o`, `TheoryOverlay`), on both sides of the split.
    public var theory = false
    /// Which layer's gradients the chart and heatmap show (0 = bottom).
    public var layer = 0
    public var now = 0.0
    /// Mixed into the seeds `R` draws, so each session gets its own (the runtime sets it
    /// from the clock; 0 in tests, where the seeds are then the same every time).
    public var sessionSalt: UInt64 = 0

    /// How long a status message stays, in seconds.
    public static let statusLifetime = 5.0

    public init(presets: [Scenario] = [], width: Int, height: Int) {
        self.presets = presets
        self.width = width
        self.height = height
    }
}
