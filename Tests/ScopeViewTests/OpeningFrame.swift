import Foundation
import RNNSim
import Scenarios
@testable import ScopeView

/// A preset's opening frame, as `rnnscope train NAME --iterations 1` shows it in a
/// terminal of `width`×`height`: the view opened as `rnnscope run NAME` opens it
/// (a comparison preset as its split, both runs in lockstep), each run pausing
/// itself at its claim's moment or else at iteration 1. Every figure on it is then
/// the seeded run's: nothing measured against the clock is shown (the measured
/// rate of a paused run is 0; ρ and σ_max are measured again for the iteration
/// shown), so the frame is the same on every run of the test.
///
/// The runtime here is InteractiveApp's `EventLoop` without curses: the runs'
/// reports go through `update`, and the commands `update` returns go to the run
/// on their side.
enum OpeningFrame {
    static let stopAt = 1

    static func render(_ preset: Scenario, presets: [Scenario], width: Int = 100, height: Int = 32) throws -> [String] {
        var a = preset, b: Scenario? = nil
        if let pair = preset.compare {
            // As `run` opens a comparison: run A on its first variant, run B on its second.
            a.settings = pair.a.settings
            b = preset.withSettings(pair.b.settings)
        }
        var state = AppState(scenario: a, presets: presets, width: width, height: height)
        let gate = Lockstep()
        let runA = LiveSession(settings: a.settings, watcher: a.momentWatcher(), stopAt: stopAt,
                               lockstep: b == nil ? nil : (gate, 0))
        var runB: LiveSession?
        if let b {
            runB = LiveSession(settings: b.settings, watcher: b.momentWatcher(), stopAt: stopAt, lockstep: (gate, 1))
            state.split(with: RunState(scenario: b))
        }
        runA.start()
        runB?.start()
        defer {
            runA.stop(timeout: 10)
            runB?.stop(timeout: 10)
        }
        func dispatch(_ event: AppEvent) throws {
            for command in update(&state, event) {
                guard case .run(let c, let side) = command, !c.startsRun else {
                    throw OpeningFrameError(description: "\(preset.name): the view asked for \(command) while opening")
                }
                (side == .a ? runA : runB)?.send(c)
            }
        }
        // Until both runs stand still with nothing more to report (never judged by how long they ran).
        for _ in 0..<1000 {
            guard runA.waitUntilIdle(timeout: 300), runB?.waitUntilIdle(timeout: 300) ?? true else { break }
            let stamps = (runA.idleStamp, runB?.idleStamp)
            var news = false
            while let u = runA.poll() { try dispatch(.report(u)); news = true }
            while let u = runB?.poll() { try dispatch(.reportB(u)); news = true }
            guard !news, stamps.0 != nil, stamps == (runA.idleStamp, runB?.idleStamp) else { continue }
            // Long after opening: a message that expires has expired.
            try dispatch(.tick(now: state.ui.now + 3600))
            return ScopeView.render(state, glyphs: .unicode, colors: .x256).lines.map(trimmed)
        }
        throw OpeningFrameError(description: "\(preset.name): the runs did not stand still within 300 s")
    }

    /// A row as `tmux capture-pane` gives it: without the blanks at its end.
    static func trimmed(_ line: String) -> String {
        String(line.reversed().drop { $0 == " " }.reversed())
    }
}

struct OpeningFrameError: Error, CustomStringConvertible { var description: String }
