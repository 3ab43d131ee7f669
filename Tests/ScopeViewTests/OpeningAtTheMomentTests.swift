import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// A slide (PgDn) or a picked preset opens at its moment, whatever the run before was
/// doing: the runtime sends one `open`, so no resume taken after the new run has stopped
/// at its moment sends it on (a lecture under load ran on past iteration 1 to 50 with the
/// verdict of iteration 1 on screen), and no resume taken alone lets the old run stop
/// itself again and leave the new one paused (clipping-rescue after exploding stood at
/// iteration 1 under RUNNING, its unclipped side never judged).
@Suite struct OpeningAtTheMomentTests {
    @Test func aNewRunAfterAResumeStopsAtItsMoment() throws {
        let preset = try #require(ScenarioLibrary.presets().first { $0.name == "vanishing" })
        var settings = preset.settings
        settings.speed = .infinity
        let session = LiveSession(settings: settings, watcher: preset.momentWatcher())
        session.start()
        defer { session.stop(timeout: 10) }
        #expect(session.waitUntilIdle(), "the first run stops at its moment")
        session.send(.open(settings), judgedBy: preset.momentWatcher())
        #expect(session.waitUntilIdle(), "the new run stands still")
        let last = Self.newRun(session)
        #expect(last.iteration == 1 && last.pause == .moment(iteration: 1), "\(last)")
    }

    /// exploding stops at iteration 1; its next iteration is its own next moment (Inf/NaN).
    @Test func aNewRunAfterARunWhoseNextIterationIsAMomentRunsOn() throws {
        let presets = try ScenarioLibrary.presets()
        let exploding = try #require(presets.first { $0.name == "exploding" })
        let rescue = try #require(presets.first { $0.name == "clipping-rescue" })
        var old = exploding.settings
        old.speed = .infinity
        let session = LiveSession(settings: old, watcher: exploding.momentWatcher())
        session.start()
        defer { session.stop(timeout: 10) }
        #expect(session.waitUntilIdle(), "exploding stops at its moment")
        let clipped = rescue.withSettings(try #require(rescue.compare).a.settings)
        var settings = clipped.settings
        settings.speed = .infinity
        session.send(.open(settings), judgedBy: clipped.momentWatcher())
        #expect(session.waitUntilIdle(), "the new run stands still")
        let last = Self.newRun(session)
        // The clipped side's own moment: 1,000 iterations, no Inf/NaN.
        #expect(last.iteration == 1000 && last.pause == .moment(iteration: 1000), "\(last)")
    }

    /// The new run's (generation 1) last iteration and how it stopped itself.
    static func newRun(_ session: LiveSession) -> (iteration: Int, pause: SelfPause?) {
        var last: (iteration: Int, pause: SelfPause?) = (0, nil)
        while let u = session.poll() {
            if u.generation == 1 {
                last.iteration = u.iterations.last?.iteration ?? last.iteration
                if let p = u.selfPause { last.pause = p }
            }
        }
        return last
    }
}
