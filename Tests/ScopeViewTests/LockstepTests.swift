import Foundation
import RNNSim
import Testing
@testable import ScopeView

/// The split's two runs stop together and step together: the lockstep's rules on
/// their own, the simulation's phases as values, and two live runs driven by the
/// view's own commands, judged once both stand still (never by how long they ran).
@Suite(.serialized) struct LockstepTests {
    /// The lecturer's case: A has finished 271 and B 270 when space is pressed. B's
    /// pause point is 271 (A may be in it), and A may not start 272 past it.
    @Test func bothPauseAtTheIterationTheLeaderReached() {
        let gate = Lockstep()
        gate.finished(0, iteration: 270)
        gate.finished(1, iteration: 270)
        #expect(gate.tryStart(0, iteration: 271))
        gate.finished(0, iteration: 271)
        // B pauses first, between its iterations: it stops at 271, not 270.
        #expect(gate.pausePoint(1, at: 270) == 271)
        #expect(gate.tryStart(1, iteration: 271))
        #expect(!gate.tryStart(0, iteration: 272), "A may not pass B's pause point")
        gate.finished(1, iteration: 271, holding: true)
        #expect(gate.pausePoint(0, at: 271) == 271)
        // n: both go on by one, and no further.
        gate.release(0)
        #expect(!gate.tryStart(0, iteration: 272), "B still stands at 271")
        gate.release(1)
        #expect(gate.tryStart(0, iteration: 272) && gate.tryStart(1, iteration: 272))
        gate.finished(0, iteration: 272, holding: true)
        gate.finished(1, iteration: 272, holding: true)
        #expect(!gate.mayStart(0, iteration: 273) && !gate.mayStart(1, iteration: 273))
    }

    /// A pauses first while B is between iterations: B's point is where A stands.
    @Test func aPausingFirstStopsBBesideIt() {
        let gate = Lockstep()
        gate.finished(1, iteration: 9)
        #expect(gate.tryStart(0, iteration: 10))
        gate.finished(0, iteration: 10)
        #expect(gate.pausePoint(0, at: 10) == 10)
        #expect(gate.pausePoint(1, at: 9) == 10)
        #expect(gate.tryStart(1, iteration: 10) && !gate.tryStart(1, iteration: 11))
    }

    /// Every move of one side wakes the other once; a report that changes nothing wakes nobody.
    @Test func movesWakeTheOtherSideAndNothingElseDoes() {
        final class Count: @unchecked Sendable { var n = 0 }
        let gate = Lockstep(), woken = Count()
        gate.attach(1) { woken.n += 1 }
        gate.finished(0, iteration: 3, stuck: true)
        gate.finished(0, iteration: 3, stuck: true)
        #expect(woken.n == 1)
        gate.finished(1, iteration: 3)
        #expect(woken.n == 1, "B's own move does not wake B")
        #expect(gate.tryStart(0, iteration: 4))
        #expect(woken.n == 2)
        gate.release(0)
        #expect(woken.n == 2, "nothing held: nothing changed")
    }

    // MARK: The simulation's phases

    @Test func stepsCountFromTheIterationShown() {
        var s = SimulationState(running: false)
        s.stepOnce()  // before the new run's first iteration: that one, then one more
        #expect(s.phase == .stepping(until: 2))
        #expect(s.finished(iteration: 1, jacobians: false, moment: false, stopAt: nil, diverged: false) == nil)
        #expect(s.iterates)
        _ = s.finished(iteration: 2, jacobians: false, moment: false, stopAt: nil, diverged: false)
        #expect(s.phase == .paused && !s.iterates && s.holding)
        s.stepOnce()
        s.stepOnce()
        #expect(s.phase == .stepping(until: 4))
    }

    @Test func aMomentStopsOnlyARunningRun() {
        var s = SimulationState(running: true)
        #expect(s.finished(iteration: 1, jacobians: false, moment: true, stopAt: nil, diverged: false) == .moment(iteration: 1))
        #expect(s.phase == .stopped(.moment(iteration: 1)) && s.holding)
        s.stepOnce()
        #expect(s.finished(iteration: 2, jacobians: false, moment: true, stopAt: nil, diverged: false) == nil)
        #expect(s.phase == .paused)
        s.resume()
        #expect(s.finished(iteration: 3, jacobians: false, moment: false, stopAt: 3, diverged: false) == .iterationLimit(3))
    }

    @Test func aDivergedRunStandsStillAndHoldsOnlyAtItsMoment() {
        var s = SimulationState(running: true)
        _ = s.finished(iteration: 1, jacobians: false, moment: false, stopAt: nil, diverged: true)
        #expect(s.phase == .diverged(resumes: true, holding: false) && !s.iterates && !s.holding)
        s.pause()
        s.newRun()
        #expect(s.phase == .paused, "paused, a new run waits")
        var m = SimulationState(running: true)
        _ = m.finished(iteration: 4, jacobians: false, moment: true, stopAt: nil, diverged: true)
        #expect(m.phase == .diverged(resumes: false, holding: true) && m.holding)
        m.resume()
        #expect(m.phase == .diverged(resumes: true, holding: false))
        m.newRun()
        #expect(m.phase == .running && m.requests.firstIteration)
    }

    @Test func pausingAtAPointRunsOnToIt() {
        var s = SimulationState(running: true)
        _ = s.finished(iteration: 5, jacobians: false, moment: false, stopAt: nil, diverged: false)
        s.pause(after: 6)
        #expect(s.phase == .stepping(until: 6))
        s.stepOnce()
        #expect(s.phase == .stepping(until: 7))
        s.pause(after: 5)
        #expect(s.phase == .stepping(until: 7), "steps already asked for are still run")
        var p = SimulationState(running: true)
        _ = p.finished(iteration: 5, jacobians: false, moment: false, stopAt: nil, diverged: false)
        p.pause(after: 5)
        #expect(p.phase == .paused)
    }

    // MARK: Two live runs

    /// Both runs' latest iterations, once both stand still (neither woken in between).
    static func standingStill(_ a: LiveSession, _ b: LiveSession, _ seen: inout (Int, Int)) -> Bool {
        for _ in 0..<1000 {
            guard a.waitUntilIdle(), b.waitUntilIdle() else { return false }
            let stamp = a.idleStamp
            guard stamp != nil, b.idleStamp != nil, a.idleStamp == stamp else { continue }
            while let u = a.poll() { seen.0 = u.iterations.last?.iteration ?? seen.0 }
            while let u = b.poll() { seen.1 = u.iterations.last?.iteration ?? seen.1 }
            return true
        }
        return false
    }

    /// The lecturer's case, many times over: the split at 120×36, paused — both at the
    /// same iteration; after `n`, both one further; after running on and pausing
    /// again, together again. The commands are the view's own, forwarded as the runtime does.
    @Test func theSplitHoldsLockstepThroughPauseStepAndResume() throws {
        var settings = Settings()
        settings.hidden = 6
        settings.steps = 12
        settings.batch = 2
        settings.speed = .infinity
        var state = AppState(scenario: .init(name: "l", title: "l", settings: settings), width: 120, height: 36)
        let gate = Lockstep()
        let a = LiveSession(settings: settings, lockstep: (gate, 0))
        var clipped = settings
        clipped.clip = 0.01
        let b = LiveSession(settings: clipped, lockstep: (gate, 1))
        state.split(with: RunState(scenario: .init(name: "l", title: "l", settings: clipped)))
        a.start()
        b.start()
        defer {
            a.stop()
            b.stop()
        }
        func press(_ key: Key) {
            for command in update(&state, .key(key)) {
                guard case .run(let c, let side) = command else { continue }
                (side == .a ? a : b).send(c)
            }
        }
        var seen = (0, 0)
        for round in 0..<40 {
            // Running: wait until both have gone on (a condition, not a time).
            let start = seen.0
            let deadline = Date().addingTimeInterval(60)
            while seen.0 < start + 1 + round % 7 && Date() < deadline {
                // B's updates are read too: its last iteration may come before the pause, and an
                // update after it (the pace set to 0) carries no iteration to read it from.
                if let u = a.poll() { seen.0 = u.iterations.last?.iteration ?? seen.0 }
                if let u = b.poll() { seen.1 = u.iterations.last?.iteration ?? seen.1 }
                Thread.sleep(forTimeInterval: 0.001)
            }
            press(.space)
            #expect(!state.a.running)
            try #require(Self.standingStill(a, b, &seen), "round \(round): both stand still")
            #expect(seen.0 == seen.1, "round \(round): paused, A at \(seen.0), B at \(seen.1)")
            let paused = seen.0
            press(.char("n"))
            try #require(Self.standingStill(a, b, &seen))
            #expect(seen == (paused + 1, paused + 1), "round \(round): after n, A at \(seen.0), B at \(seen.1) (from \(paused))")
            press(.char("n"))
            press(.char("n"))
            try #require(Self.standingStill(a, b, &seen))
            #expect(seen == (paused + 3, paused + 3), "round \(round): after n n, A at \(seen.0), B at \(seen.1)")
            press(.space)
            #expect(state.a.running)
        }
    }
}
