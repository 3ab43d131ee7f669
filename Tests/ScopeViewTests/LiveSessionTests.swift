import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// The simulation thread, headless: start, step, pause, toggle, restart, stop.
@Suite(.serialized) struct LiveSessionTests {
    static var tiny: Settings {
        var s = Settings()
        s.hidden = 6
        s.steps = 12
        s.batch = 2
        return s
    }

    /// Everything polled until `done` holds or `timeout` seconds pass.
    /// As the view forks: A joins a lockstep, hands its trainer over, and B, paused, starts
    /// from it in step with A. The caller stops B.
    static func fork(_ a: LiveSession, settings: Settings) -> LiveSession {
        let gate = Lockstep()
        a.join((gate, 0))
        let handoff = TrainerHandoff()
        a.send(.fork(handoff))
        let b = LiveSession(settings: settings, running: false, lockstep: (gate, 1), startingFrom: handoff)
        b.start()
        return b
    }

    final class Collector {
        let session: LiveSession
        var updates: [SessionUpdate] = []
        init(_ session: LiveSession) { self.session = session }

        var iterations: [IterationSummary] { updates.flatMap(\.iterations) }
        var lastReport: IterationReport? { updates.compactMap(\.report).last }
        var lastOptions: BPTTOptions? { updates.compactMap(\.reportOptions).last }

        @discardableResult
        func poll(until done: (Collector) -> Bool, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let u = session.poll() { updates.append(u) }
                if done(self) { return true }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return false
        }
    }

    @Test func runsIterationsAndPublishesReports() {
        let session = LiveSession(settings: Self.tiny)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count >= 5 && $0.lastReport != nil })
        #expect(c.updates.last?.chanceLoss != nil)
        let its = c.iterations.map(\.iteration)
        #expect(its == Array(1...its.count), "every iteration is summarised once, in order")
        #expect(c.iterations.first?.normBins.first?.count == 12)
        #expect(c.lastReport?.spectralRadius.first?.isNaN == false || c.updates.contains { $0.report?.spectralRadius.first?.isNaN == false })
    }

    @Test func pausedItStopsAndStepsOneAtATime() {
        let session = LiveSession(settings: Self.tiny, running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        // A new run shows its first iteration even when paused.
        #expect(c.poll { $0.iterations.count == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.count == 1)
        session.send(.stepOnce)
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 3 })
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.count == 3)
        #expect(c.lastReport?.iteration == 3, "the iteration stepped to is the one shown")
        #expect(c.updates.last?.iterationsPerSecond == 0)
    }

    @Test func pauseStopsARunningSession() {
        let session = LiveSession(settings: Self.tiny)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count >= 3 })
        session.send(.pause)
        Thread.sleep(forTimeInterval: 0.2)
        c.poll(until: { _ in false }, timeout: 0.05)
        let paused = c.iterations.count
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.count == paused)
        session.send(.resume)
        #expect(c.poll { $0.iterations.count > paused + 2 })
    }

    @Test func togglesApplyFromTheNextIteration() {
        let session = LiveSession(settings: Self.tiny, running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 })
        session.send(.setClip(0.001))
        session.send(.setTruncate(4))
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 2 && $0.lastReport?.iteration == 2 })
        #expect(c.iterations.last?.clipThreshold == 0.001)
        #expect(c.iterations.last?.clipped == true)
        #expect(c.lastOptions?.truncate == 4)
        #expect(c.lastOptions?.clipNorm == 0.001)
        session.send(.setClip(nil))
        session.send(.setTruncate(nil))
        session.send(.stepOnce)
        #expect(c.poll { $0.iterations.count == 3 && $0.lastReport?.iteration == 3 })
        #expect(c.lastOptions?.truncate == 0)
        #expect(c.iterations.last?.clipped == false)
    }

    @Test func measureJacobiansGivesTheFactorsOfEveryStep() {
        let session = LiveSession(settings: Self.tiny, running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 })
        session.send(.measureJacobians)
        #expect(c.poll { $0.lastReport?.jacobianNorms.first?.allSatisfy { !$0.isNaN } == true })
        #expect(c.lastReport?.jacobianNorms.first?.count == 12)
        // Already measured: asking again does not run another iteration.
        let count = c.iterations.count
        session.send(.measureJacobians)
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.05)
        #expect(c.iterations.count == count)
    }

    @Test func stepThroughOnIterationOneMeasuresIterationOne() {
        let session = LiveSession(settings: Self.tiny, running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 && $0.lastReport != nil })
        let first = c.lastReport
        session.send(.measureJacobians)
        #expect(c.poll { $0.lastReport?.jacobianNorms.first?.allSatisfy { !$0.isNaN } == true })
        #expect(c.lastReport?.iteration == 1)
        #expect(c.lastReport?.hiddenGradNorms == first?.hiddenGradNorms)
        #expect(c.lastReport?.loss == first?.loss)
        #expect(c.iterations.map(\.iteration) == [1], "no second iteration was run")
    }

    @Test func pausedTheLastReportIsTheLastIteration() {
        let session = LiveSession(settings: Self.tiny)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count >= 20 })
        session.send(.pause)
        Thread.sleep(forTimeInterval: 0.3)
        c.poll(until: { _ in false }, timeout: 0.1)
        #expect(c.lastReport?.iteration == c.iterations.last?.iteration, "the chart shows the iteration the header counts")
    }

    @Test func twoRunsInLockstepSeeTheSameWeightsAndBatches() {
        let gate = Lockstep()
        var clipped = Self.tiny
        clipped.clip = 0.01
        clipped.speed = 40
        // A would run ten times as fast alone: the lockstep holds it to B's pace.
        var fast = Self.tiny
        fast.speed = 400
        let a = LiveSession(settings: fast, lockstep: (gate, 0))
        let b = LiveSession(settings: clipped, lockstep: (gate, 1))
        a.start()
        b.start()
        defer {
            a.stop()
            b.stop()
        }
        let ca = Collector(a), cb = Collector(b)
        var apart = 0
        let done = ca.poll { ca in
            if let u = cb.session.poll() { cb.updates.append(u) }
            // B starts an iteration only once A has: the two are never more than one apart
            // (either may finish the iteration both are running first).
            if abs((cb.iterations.last?.iteration ?? 0) - (ca.iterations.last?.iteration ?? 0)) > 1 { apart += 1 }
            return ca.iterations.count >= 30 && cb.iterations.count >= 30
        }
        #expect(done)
        #expect(apart == 0)
        a.send(.pause)
        b.send(.pause)
        Thread.sleep(forTimeInterval: 0.3)
        ca.poll(until: { _ in false }, timeout: 0.05)
        cb.poll(until: { _ in false }, timeout: 0.05)
        let ia = ca.iterations.map(\.iteration), ib = cb.iterations.map(\.iteration)
        #expect(abs((ia.last ?? 0) - (ib.last ?? 0)) <= 1, "paused within an iteration of each other")
        // Same initial weights and the same first batch: the first loss is the same
        // (clipping changes only the update), and then they part.
        #expect(ca.iterations.first?.loss == cb.iterations.first?.loss)
        #expect(ca.iterations[5].loss != cb.iterations[5].loss)
    }

    @Test func aForkContinuesFromTheSameTrainer() {
        let a = LiveSession(settings: Self.tiny, running: false)
        a.start()
        defer { a.stop() }
        let ca = Collector(a)
        a.send(.stepOnce)
        a.send(.stepOnce)
        #expect(ca.poll { $0.iterations.count == 3 })
        let b = Self.fork(a, settings: Self.tiny)
        defer { b.stop() }
        let cb = Collector(b)
        // The fork runs no first iteration of its own; stepped together, both give iteration 4 alike.
        Thread.sleep(forTimeInterval: 0.3)
        cb.poll(until: { _ in false }, timeout: 0.05)
        #expect(cb.iterations.isEmpty)
        a.send(.stepOnce)
        b.send(.stepOnce)
        #expect(ca.poll { $0.iterations.last?.iteration == 4 })
        #expect(cb.poll { $0.iterations.last?.iteration == 4 })
        #expect(ca.iterations.last?.loss == cb.iterations.last?.loss)
        #expect(ca.iterations.last?.normBins == cb.iterations.last?.normBins)
    }

    /// A fork of a diverged run is diverged too (its weights give Inf/NaN again): B's first
    /// update must say so, or the split shows B as PAUSED beside the NaN it inherited.
    @Test func aForkOfADivergedRunIsDiverged() throws {
        let settings = try ScenarioLibrary.load("exploding").settings
        let a = LiveSession(settings: settings, running: false)
        a.start()
        defer { a.stop() }
        let ca = Collector(a)
        // The preset's first Inf/NaN comes within a few iterations (check: ≤ 50).
        for _ in 0..<50 where ca.updates.last?.diverged != true {
            a.send(.stepOnce)
            ca.poll(until: { $0.updates.last?.diverged == true }, timeout: 0.5)
        }
        #expect(ca.updates.last?.diverged == true)
        let b = Self.fork(a, settings: settings)
        defer { b.stop() }
        let cb = Collector(b)
        #expect(cb.poll { !$0.updates.isEmpty })
        Thread.sleep(forTimeInterval: 0.3)
        cb.poll(until: { _ in false }, timeout: 0.05)
        #expect(cb.updates.last?.diverged == true, "B forked from a run that diverged at iteration \(ca.iterations.last?.iteration ?? 0)")
    }

    @Test func reinitialiseStartsANewGeneration() {
        let session = LiveSession(settings: Self.tiny)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count >= 2 })
        var irnn = Self.tiny
        irnn.initKind = .identity
        irnn.activation = .relu
        session.send(.reinitialise(irnn))
        #expect(c.poll { $0.updates.last?.generation == 1 && $0.updates.last?.iterations.isEmpty == false })
        let fresh = c.updates.filter { $0.generation == 1 }.flatMap(\.iterations)
        #expect(fresh.first?.iteration == 1)
        session.send(.restart(seed: 7))
        #expect(c.poll { $0.updates.last?.generation == 2 })
    }

    @Test func queuedRestartsBuildOnlyTheLastRun() {
        let session = LiveSession(settings: Self.tiny, running: false)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.iterations.count == 1 })
        for seed in 2...6 { session.send(.restart(seed: UInt64(seed))) }
        session.send(.stepOnce)
        #expect(c.poll { $0.updates.last?.generation == 5 && $0.updates.filter { $0.generation == 5 }.flatMap(\.iterations).count == 2 })
        // The step went to the last run only. A restart the thread took before the
        // next was queued shows its first iteration (every new network does) and
        // nothing more; restarts queued together build only the last network.
        for g in 1...4 {
            #expect(c.updates.filter { $0.generation == g }.flatMap(\.iterations).count <= 1, "generation \(g)")
        }
    }

    /// Restarts queued together (r held down while a slow iteration runs) build
    /// one network, the last: queued before the thread starts, they are
    /// certainly taken together.
    @Test func restartsQueuedTogetherBuildOneNetwork() {
        let session = LiveSession(settings: Self.tiny, running: false)
        for seed in 2...6 { session.send(.restart(seed: UInt64(seed))) }
        session.send(.stepOnce)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.last?.generation == 5 && $0.iterations.count == 2 })
        #expect(c.updates.allSatisfy { $0.generation == 0 || $0.generation == 5 })
        #expect(c.updates.filter { $0.generation == 0 }.flatMap(\.iterations).isEmpty)
    }

    @Test func invalidSettingsAreReportedNotFatal() {
        var bad = Self.tiny
        bad.task = .echo
        bad.lag = 50
        let session = LiveSession(settings: bad)
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.last?.error != nil })
        #expect(c.updates.last?.error?.contains("lag") == true)
    }

    final class FirstIteration: MomentWatcher {
        func observe(_ report: IterationReport) -> String? { report.iteration == 2 ? "second iteration" : nil }
    }

    @Test func theWatcherSeesEveryIteration() {
        let session = LiveSession(settings: Self.tiny, watcher: FirstIteration())
        session.start()
        defer { session.stop() }
        let c = Collector(session)
        #expect(c.poll { $0.updates.last?.moment == "second iteration" })
    }

    @Test func stopEndsTheThread() {
        let session = LiveSession(settings: Self.tiny)
        session.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(session.stop(timeout: 5))
    }
}
