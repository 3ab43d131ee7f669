import RNNSim
import RunStream
import Scenarios

/// A run read from a stream (`rnnscope watch`): what its header makes of the
/// state, and which keys can act on it. The view draws it as any run; keys that
/// would change training act only through the writer's control file, if it has one.

/// The state of a watch before its header arrives: the view opens at once and waits.
public func watchState(name: String, speed: Double, width: Int, height: Int) -> AppState {
    AppState(run: watchedRun(name: name, speed: speed), width: width, height: height)
}

/// A stream's run before its header arrives.
public func watchedRun(name: String, speed: Double) -> RunState {
    var settings = Settings()
    settings.speed = speed
    settings.clip = 0
    settings.truncate = 0
    var run = RunState(scenario: Scenario(name: name, title: "waiting for the stream's header", settings: settings))
    run.stream = StreamHeader.placeholder
    return run
}

/// The header arrived: the network it describes is the run's.
func describe(_ run: inout RunState, stream h: StreamHeader) {
    run.stream = h
    var s = run.settings
    s.cell = h.cell
    s.activation = h.activation
    s.layers = h.rowCount
    s.hidden = h.projSize > 0 ? h.projSize : h.hidden
    if let t = h.steps { s.steps = t }
    if let seed = h.seed { s.seed = seed }
    run.settings = s
    run.scenario.settings = s
    run.scenario.title = h.title
    run.scenario.notes = streamNotes(h)
    run.identityInit = false
}

/// The clipping a stream's records say the loop applied is the run's own: `c`, `+` and `-`
/// start from it, and the title marks nothing as changed.
func adoptClipping(_ run: inout RunState, _ threshold: Double) {
    guard threshold != run.clip else { return }
    if threshold > 0 { run.clipping.memory = threshold }
    run.settings.clip = threshold
    run.scenario.settings.clip = threshold
    run.clipFired = 0
    run.clipCounted = 0
}

/// Why a stream cannot be shown at all, or nil: its header could not be used (a stream's
/// only error), so the view has nothing to draw and the program ends on this line.
func unusableStream(_ run: RunState) -> String? {
    run.stream != nil ? run.error : nil
}

/// What space says on a stream: whether the writer's loop stops too, or only the view.
func streamPauseText(_ run: RunState, _ h: StreamHeader) -> String {
    if h.control != nil {
        return run.running ? "running: your loop goes on" : "paused: your loop waits at its next scope.step() (n: one iteration)"
    }
    if run.running { return "showing the records again" }
    return h.source == "pytorch" ? "paused the view; your loop runs on (rnnscope.watch(..., control=True) lets space pause it)"
                                 : "paused the view; the run that writes the stream goes on"
}

/// Why this key cannot act on a stream, or nil when it can.
func streamRefusal(_ run: RunState, _ action: Action) -> String? {
    guard let h = run.stream else { return nil }
    let steered = h.control != nil
    // Ended, everything written is shown and nothing reads the control file any more.
    let ended = run.streamProgress?.ended == true
    let endedText = steered ? "your loop has ended: space, n, c, + and - no longer reach it"
                            : "the stream has ended: nothing more will come"
    switch action {
    case .togglePause, .stepOnce:
        return ended ? endedText : nil
    case .toggleClip, .raiseClip, .lowerClip:
        if steered { return ended ? endedText : nil }
        return h.source == "pytorch" ? "clipping is your loop's: rnnscope.watch(..., control=True) lets c, + and - set it"
                                     : "clipping is the writer's own: a stream from rnnscope train can only be shown"
    case .toggleTruncation, .shorterTruncation, .longerTruncation:
        return "truncation is the writer's own: a stream can only be shown"
    case .toggleIdentityInit, .cycleCell, .raiseForgetBias, .lowerForgetBias, .restart, .restartNewSeed:
        return "a stream is shown as it was written: the network cannot be changed or restarted from here"
    case .saveWeights:
        return "the weights are your loop's: save them there"
    case .toggleSplit:
        return "two streams side by side: rnnscope watch A.jsonl --vs B.jsonl"
    case .openPicker:
        return "a stream has no scenarios to switch to"
    default:
        return nil
    }
}

extension StreamHeader {
    /// Before the header is read: a stream, not yet steerable.
    static let placeholder: StreamHeader = {
        let line = Array(#"{"rnnscope":"","source":"","title":"waiting for the stream's header","cell":"rnn","layers":1,"hidden":1}"#.utf8)
        guard case .success(let h) = StreamHeader.parse(line) else { preconditionFailure("the placeholder header parses") }
        return h
    }()
}

/// The notes panel (and help) for a stream: what wrote it, and every figure that is not exact.
func streamNotes(_ h: StreamHeader) -> String {
    var text = h.source == "pytorch"
        ? "Recorded from your own PyTorch loop by rnnscope.watch: the \(h.cell.moduleName)'s ‖∂L/∂h_t‖ of every layer and step, every \(h.every == 1 ? "iteration" : "\(h.every) iterations")."
        : "Recorded by rnnscope train --jsonl, every iteration."
    if h.worldSize > 1 { text += " The norms are rank \(h.rank)'s batch, of \(h.worldSize) ranks." }
    if h.exact {
        text += "\n\nEvery figure is exact for the recorded batch, and for the module's last call with gradients in each iteration: where it ran more than once (a siamese loss, accumulated micro-batches) the panel says \"last of N calls\"."
    } else {
        text += "\n\nNot exact:\n" + h.inexact.map { "- " + $0 }.joined(separator: "\n")
    }
    if h.source == "pytorch" {
        text += "\n\nClipping is seen only through scope.clip_grad_norm_; a loop that clips with torch.nn.utils.clip_grad_norm_ itself shows \"none via scope\", and clipping c turned off in a loop that lets the view steer it \"off (c)\"."
    }
    if h.control == nil && h.source == "pytorch" {
        text += "\n\nThe keys act on the view only; rnnscope.watch(..., control=True) lets space, n and c reach the loop."
    }
    return text
}
