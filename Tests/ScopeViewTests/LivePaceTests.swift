import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// The simulation thread's pace, and where it pauses itself: at a claim's moment,
/// at the iteration asked for, and never for a run off the claims' settings.
@Suite(.serialized) struct LivePaceTests {
    typealias Collector = LiveSessionTests.Collector

    static func tiny(speed: Double) -> Settings {
        var s = LiveSessionTests.tiny
        s.speed = speed
        return s
    }

    /// Speaks at one iteration, and judges only runs without clipping.
    final class Moment: MomentWatcher {
        let at: Int
        init(at: Int) { self.at = at }
        func observe(_ report: IterationReport) -> String? { report.iteration == at ? "✓ iteration \(at)" : nil }
        func judges(_ settings: Settings) -> Bool { settings.clip == 0 }
    }

    /// Only an upper bound on the count: a slow machine runs fewer, never more.
    @Test func aSlowPaceSleepsBetweenIterations() {
        let session = LiveSession(settings: Self.tiny(speed: 4))
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        c.poll(until: { _ in false }, timeout: 1.0)
        // The first iteration at once, then one every 0.25 s: at most 5 within the second.
        #expect(c.iterations.count >= 1)
        #expect(c.iterations.count <= 6, "\(c.iterations.count) iterations in 1 s at 4 it/s")
        // At a pace slower than the frame rate every iteration is shown.
        #expect(c.updates.compactMap(\.report).count == c.iterations.count)
    }

    @Test func setSpeedAppliesAtOnce() {
        let session = LiveSession(settings: Self.tiny(speed: 0.5))
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 })
        // At 0.5 it/s the next iteration is 2 s away; max must not wait for it.
        session.send(.setSpeed(.infinity))
        #expect(c.poll(until: { $0.iterations.count >= 50 }, timeout: 1.5))
    }

    @Test func itPausesItselfAtTheIterationAskedFor() {
        let session = LiveSession(settings: Self.tiny(speed: .infinity), stopAt: 5)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.contains { $0.selfPause == .iterationLimit(5) } })
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.map(\.iteration) == [1, 2, 3, 4, 5])
        #expect(c.lastReport?.iteration == 5, "the iteration it stopped at is on screen")
        #expect(c.updates.filter { $0.selfPause != nil }.count == 1, "said once")
        // Space goes on past it.
        session.send(.resume)
        #expect(c.poll { $0.iterations.count > 6 })
    }

    /// Stopped (at --iterations, or paused), ρ and σ_max on screen are the shown
    /// iteration's own: going idle measures them if that iteration did not; and a
    /// measurement replaced by a cheap report before the view polled is not lost.
    @Test func stoppedTheSpectrumIsTheShownIterations() {
        let session = LiveSession(settings: Self.tiny(speed: .infinity), stopAt: 40)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.contains { $0.selfPause == .iterationLimit(40) } })
        #expect(c.poll { $0.updates.compactMap(\.spectrum).last?.iteration == 40 })
        #expect(c.lastReport?.iteration == 40 && c.lastReport?.spectralRadius.allSatisfy { !$0.isNaN } == true)
        var state = AppState(scenario: Scenario(name: "t", title: "t", settings: Self.tiny(speed: .infinity)))
        for u in c.updates { _ = update(&state, .report(u)) }
        #expect(state.a.spectrum?.iteration == 40)
        // A poll that finds only a cheap report still carries the last measurement.
        var cheap = SessionUpdate(generation: state.a.generation, report: Fixture.report(iteration: 41, norms: [1, 1], rho: .nan, sigma: .nan))
        cheap.spectrum = SpectrumReading(spectralRadius: [0.7], largestSingularValue: [0.8], iteration: 41)
        _ = update(&state, .report(cheap))
        #expect(state.a.spectrum?.iteration == 41 && state.a.spectrum?.spectralRadius == [0.7])
    }

    /// The split view: the side that stops itself at its moment holds the other there (the
    /// lockstep lets A lead by one); told to pause at that iteration, the other stops beside
    /// it, and both go on together. Either side may be the one with the claim.
    @Test(arguments: [(1, 7), (0, 5)])
    func aRunThatStopsItselfHoldsTheOtherBesideIt(stopping: Int, at n: Int) {
        let gate = Lockstep()
        let runs = (0...1).map { side in
            LiveSession(settings: Self.tiny(speed: .infinity), watcher: side == stopping ? Moment(at: n) : nil, lockstep: (gate, side))
        }
        runs.forEach { $0.start() }
        defer { runs.forEach { $0.stop() } }
        let collectors = runs.map { Collector($0) }
        #expect(collectors[stopping].poll { $0.updates.contains { $0.selfPause == .moment(iteration: n) } })
        runs[1 - stopping].send(.pauseAt(n))
        Thread.sleep(forTimeInterval: 0.3)
        for c in collectors { c.poll(until: { _ in false }, timeout: 0.05) }
        #expect(collectors.map { $0.iterations.last?.iteration } == [n, n], "both at iteration \(n)")
        runs.forEach { $0.send(.resume) }
        #expect(collectors.allSatisfy { c in c.poll { $0.iterations.count > n + 5 } }, "both go on")
    }

    @Test func itPausesItselfAtAClaimsMoment() {
        let session = LiveSession(settings: Self.tiny(speed: .infinity), watcher: Moment(at: 3))
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.contains { $0.selfPause == .moment(iteration: 3) } })
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.count == 3)
        #expect(c.updates.last?.moment == "✓ iteration 3")
        #expect(c.updates.last?.claimsJudged == true)
        #expect(c.updates.last?.iterationsPerSecond == 0)
    }

    @Test func aRunOffTheClaimsSettingsNeitherJudgesNorPauses() {
        var clipped = Self.tiny(speed: .infinity)
        clipped.clip = 1
        let session = LiveSession(settings: clipped, watcher: Moment(at: 3))
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count >= 10 })
        #expect(c.updates.allSatisfy { $0.selfPause == nil && $0.moment == nil })
        #expect(c.updates.last?.claimsJudged == false)
    }

    @Test func aToggleTakesTheRunOffItsClaimsUntilARestart() {
        let session = LiveSession(settings: Self.tiny(speed: .infinity), watcher: Moment(at: 1000), running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 && $0.updates.last?.claimsJudged == true })
        // Toggled on and off again before any iteration: nothing ran off the settings.
        session.send(.setClip(1))
        session.send(.setClip(nil))
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 2 })
        #expect(c.updates.last?.claimsJudged == true)
        // One iteration with clipping: the run has left them, even once clipping is off.
        session.send(.setClip(1))
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 3 })
        #expect(c.updates.last?.claimsJudged == false)
        session.send(.setClip(nil))
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 4 })
        #expect(c.updates.last?.claimsJudged == false)
        session.send(.restart(seed: 1))
        #expect(c.poll { $0.updates.last?.generation == 1 && $0.updates.last?.iterations.isEmpty == false })
        #expect(c.updates.last?.claimsJudged == true)
    }
}
