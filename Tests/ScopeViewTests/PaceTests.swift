import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// The pace (`<`, `>`, the header), the run pausing itself at a claim's moment or
/// at --iterations, and the claim line off the scenario's own settings: as state and screen.
@Suite struct PaceTests {
    func press(_ state: inout AppState, _ keys: Key...) -> [AppCommand] {
        keys.flatMap { update(&state, .key($0)) }
    }

    var measured: AppState { Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50))) }

    /// A scenario whose one claim (a grad_ratio) the live view watches.
    static func claimed(_ change: (inout Settings) -> Void = { _ in }) -> Scenario {
        var scenario = Fixture.scenario { change(&$0) }
        scenario.claims = [Claim(measures: [Measure(metric: .gradRatio, settings: scenario.settings)])]
        return scenario
    }

    @Test func theContractKeysAreBoundInTheMainViewAndStepThrough() {
        for mode in [Mode.normal, .stepThrough(cursor: 0)] {
            #expect(Keymap.action(for: .char("<"), in: mode) == .slower)
            #expect(Keymap.action(for: .char(">"), in: mode) == .faster)
        }
        #expect(Keymap.bar(for: .normal).contains { $0.action == .slower && $0.barLabel == "Pace" })
    }

    @Test func lessThanAndGreaterThanHalveAndDoubleThePace() {
        var s = measured
        #expect(s.a.settings.speed == 20, "the default: tens of iterations a second")
        #expect(press(&s, .char("<")) == [.setSpeed(10)])
        #expect(s.a.settings.speed == 10)
        #expect(s.ui.status?.text == "pace 10 it/s")
        #expect(press(&s, .char("<"), .char("<")) == [.setSpeed(5), .setSpeed(2.5)])
        #expect(s.ui.status?.text == "pace 2.5 it/s")
        #expect(press(&s, .char(">"), .char(">"), .char(">")) == [.setSpeed(5), .setSpeed(10), .setSpeed(20)])
        #expect(s.a.settings.speed == 20)
    }

    @Test func theKeysWorkWhilePausedAndStayPaused() {
        var s = measured
        _ = press(&s, .space)
        #expect(!s.a.running)
        #expect(press(&s, .char(">")) == [.setSpeed(40)])
        #expect(!s.a.running, "changing the pace does not resume")
        #expect(Fixture.render(s).line(1).contains("pace 40/s"))
        #expect(Fixture.render(s).line(1).contains("PAUSED"))
        // And in step-through, which falls back to the main view's keys.
        _ = press(&s, .char("b"))
        #expect(press(&s, .char("<")) == [.setSpeed(20)])
        #expect(s.ui.mode == .stepThrough(cursor: 49))
    }

    @Test func doublingPastTheTopIsMaxAndHalvingMaxStartsFromTheMeasuredRate() {
        var s = Fixture.state(scenario: Fixture.scenario { $0.speed = 8192 })
        #expect(press(&s, .char(">")) == [.setSpeed(.infinity)])
        #expect(s.ui.status?.text == "pace max: as fast as it can")
        #expect(press(&s, .char(">")) == [])
        #expect(s.ui.status?.text.contains("already as fast") == true)
        // Measured at 3000 it/s while running at max: < goes to a power of two below half of it.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterationsPerSecond: 3000)))
        _ = press(&s, .space)
        #expect(s.a.runningRate == 3000)
        #expect(press(&s, .char("<")) == [.setSpeed(1024)])
    }

    @Test func halvingStopsAtTheSlowestPace() {
        var s = Fixture.state(scenario: Fixture.scenario { $0.speed = 0.15 })
        #expect(press(&s, .char("<")) == [])
        #expect(s.a.settings.speed == 0.15)
        #expect(s.ui.status?.text == "already the slowest pace, 0.15 it/s")
    }

    @Test func thePaceSurvivesARestartAndAnotherScenarioBringsItsOwn() {
        var s = measured
        _ = press(&s, .char("<"))
        _ = press(&s, .char("r"))
        #expect(s.a.settings.speed == 10, "r keeps the pace, as it keeps every toggle")
        _ = press(&s, .char("s"), .down, .enter)
        #expect(s.a.scenario.name == "exploding")
        #expect(s.a.settings.speed == Fixture.presets[1].settings.speed)
    }

    @Test func headerShowsThePaceAndTheMeasuredRate() {
        let running = Fixture.render(measured)
        #expect(running.line(1).contains("pace 20/s"))
        #expect(running.line(1).contains("123 it/s"))
        let max = Fixture.render(Fixture.state(scenario: Fixture.scenario { $0.speed = .infinity },
                                               report: Fixture.report(norms: Fixture.decaying(steps: 50))))
        #expect(max.line(1).contains("pace max"))
    }

    @Test func aRunThatStopsAtItsMomentIsPausedAndSaysSo() {
        var s = Fixture.state(scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        #expect(s.a.running)
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ iteration 10: it happened",
                                             selfPause: .moment(iteration: 10))))
        #expect(!s.a.running)
        #expect(s.a.selfPause == .moment(iteration: 10))
        let buf = Fixture.render(s, colors: .x256)
        let status = buf.line(buf.height - 2)
        #expect(buf.line(1).contains("PAUSED"))
        #expect(status.contains("stopped at the moment: space goes on"))
        #expect(status.contains("* ✓ iteration 10: it happened"))
        // Later updates (no new pause) leave it paused; space goes on and the reason goes.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation)))
        #expect(!s.a.running)
        #expect(press(&s, .space) == [.resume])
        #expect(s.a.selfPause == nil)
        #expect(!Fixture.render(s).text.contains("stopped at"))
    }

    /// Without UTF-8 a claim's mark is still a word, ✓ ok and ✗ no, not a '?'.
    @Test func theClaimsMarkFoldsToASCII() {
        var s = Fixture.state(width: 120, scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✗ no Inf/NaN within 50 iterations")))
        let buf = Fixture.render(s, ascii: true)
        #expect(buf.line(buf.height - 2).contains("* no no Inf/NaN within 50 iterations"))
    }

    @Test func aRunStoppedAtItsIterationLimitSaysWhich() {
        var s = measured
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, selfPause: .iterationLimit(500))))
        #expect(!s.a.running)
        let buf = Fixture.render(s)
        #expect(buf.line(buf.height - 2).contains("stopped at iteration 500 (--iterations): space goes on"))
        // n steps on from there; the reason no longer applies.
        #expect(press(&s, .char("n")) == [.stepOnce])
        #expect(s.a.selfPause == nil)
    }

    @Test func aPauseFromARunAlreadyReplacedIsIgnored() {
        var s = measured
        _ = press(&s, .char("r"))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation - 1, selfPause: .moment(iteration: 1))))
        #expect(s.a.running)
        #expect(s.a.selfPause == nil)
    }

    // MARK: The claim line off the scenario's own settings

    func statusLine(_ s: AppState) -> String {
        let buf = Fixture.render(s, colors: .x256)
        return buf.line(buf.height - 2)
    }

    /// A verdict measured on the scenario's own settings stays after a toggle moves the run off
    /// them (it was judged there; the title's 'changed' mark says the run has moved on); once a
    /// new run starts off them, the line says what the claim is for instead.
    @Test func aToggleKeepsTheVerdictMeasuredBeforeIt() {
        var s = Fixture.state(width: 160, scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ iteration 1: ratio = 0 < 1e-6")))
        #expect(statusLine(s).contains("* ✓ iteration 1"))
        _ = press(&s, .char("t"))
        s.ui.status = nil
        #expect(statusLine(s).contains("* ✓ iteration 1"), "\(statusLine(s))")
        #expect(Fixture.render(s).lines[0].contains("changed: train.truncate"))
        // IRNN starts a new run: no verdict yet, and the line names what the claim is for.
        _ = press(&s, .char("c"), .char("i"))
        s.ui.status = nil
        #expect(statusLine(s).contains("not this network.activation, init.kind, train.clip, train.truncate"))
    }

    @Test func rKeepsTheTogglesSoOnlyReopeningRestoresTheClaim() {
        var s = Fixture.state(width: 160, scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("t"), .char("r"))
        #expect(s.a.settings.truncate > 0, "r restarts with the toggles kept")
        #expect(StatusLine.claimNote(s.a) != nil)
        _ = press(&s, .char("s"), .enter)
        #expect(s.a.settings.truncate == 0)
        #expect(StatusLine.claimNote(s.a) == nil)
    }

    @Test func aRunThatLeftTheSettingsStaysUnjudgedUntilRestarted() {
        var s = Fixture.state(width: 160, scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("t"))
        // An iteration ran with truncation; then t switched it off again.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, claimsJudged: false)))
        _ = press(&s, .char("t"))
        s.ui.status = nil
        #expect(s.a.settings.truncate == 0)
        #expect(statusLine(s).contains("claim is for the scenario's own settings; this run left them: r restarts on them"))
        // Here r does restore them: the new run is on the scenario's settings.
        _ = press(&s, .char("r"))
        s.ui.status = nil
        #expect(s.a.claimsJudged)
        #expect(StatusLine.claimNote(s.a) == nil)
    }

    /// --set moves the run off the scenario's settings as a toggle does: nothing is
    /// judged, and the status line says why (it said nothing).
    @Test func aRunChangedBySetSaysTheClaimIsNotForIt() {
        var scenario = Self.claimed()
        scenario.settingsBeforeSet = scenario.settings
        scenario.settings.rho += 0.5
        let s = Fixture.state(width: 160, scenario: scenario, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        #expect(StatusLine.claimNote(s.a) == "claim is for the scenario's own settings, not this init.rho: s Enter reopens it")
        #expect(scenario.momentWatcher() == nil, "no claim of the scenario is judged on it")
    }

    @Test func theSeedAndThePaceDoNotMoveARunOffItsClaims() {
        var s = Fixture.state(width: 160, scenario: Self.claimed(), report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("R"), .char("<"), .char("<"))
        #expect(s.a.settings.seed != s.a.scenario.settings.seed)
        #expect(StatusLine.claimNote(s.a) == nil, "claims are written to hold on any seed, at any pace")
    }

    @Test func withoutAWatchedClaimThereIsNoNote() {
        var s = measured
        _ = press(&s, .char("t"))
        #expect(StatusLine.claimNote(s.a) == nil)
    }
}
