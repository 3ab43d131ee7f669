import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// A slide (PgDn) or a picked preset opens at its moment, whatever the run before was
/// doing: the runtime sends `resume` before the new run, so a resume taken after the new
/// run has already stopped at its moment cannot send it on (a lecture under load ran on
/// past iteration 1 to 50 with the verdict of iteration 1 on screen).
@Suite struct OpeningAtTheMomentTests {
    @Test func aNewRunAfterAResumeStopsAtItsMoment() throws {
        let preset = try #require(ScenarioLibrary.presets().first { $0.name == "vanishing" })
        var settings = preset.settings
        settings.speed = .infinity
        let session = LiveSession(settings: settings, watcher: preset.momentWatcher())
        session.start()
        defer { session.stop(timeout: 10) }
        #expect(session.waitUntilIdle(), "the first run stops at its moment")
        // The order the runtime sends them in, each taken on its own (the worst interleaving).
        session.send(.resume)
        Thread.sleep(forTimeInterval: 0.05)
        session.send(.reinitialise(settings), judgedBy: preset.momentWatcher())
        #expect(session.waitUntilIdle(), "the new run stands still")
        var last: (iteration: Int, pause: SelfPause?) = (0, nil)
        while let u = session.poll() {
            if u.generation == 1 {
                last.iteration = u.iterations.last?.iteration ?? last.iteration
                if let p = u.selfPause { last.pause = p }
            }
        }
        #expect(last.iteration == 1 && last.pause == .moment(iteration: 1), "\(last)")
    }
}
