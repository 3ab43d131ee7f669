import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// Each contract key as a state transition: the state after it, and the commands.
@Suite struct UpdateTests {
    func press(_ state: inout AppState, _ keys: Key...) -> [AppCommand] {
        keys.flatMap { update(&state, .key($0)) }
    }

    var measured: AppState { Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50))) }

    @Test func spacePausesAndResumes() {
        var s = measured
        #expect(press(&s, .space) == [.pause])
        #expect(!s.a.running)
        #expect(s.ui.status?.text.hasPrefix("paused") == true)
        #expect(press(&s, .space) == [.resume])
        #expect(s.a.running)
        // A diverged run: space says it no longer changes and what restarts it, not "running".
        s.a.diverged = true
        _ = press(&s, .space)
        _ = press(&s, .space)
        #expect(s.ui.status?.text.hasPrefix("the run diverged and no longer changes: r restarts it") == true, "\(s.ui.status?.text ?? "")")
    }

    @Test func nStepsOnceAndPausesFirstIfRunning() {
        var s = measured
        #expect(press(&s, .char("n")) == [.pause, .stepOnce])
        #expect(!s.a.running)
        #expect(press(&s, .char("n")) == [.stepOnce])
    }

    @Test func bEntersStepThroughAtTheLastStepAndMeasures() {
        var s = measured
        #expect(press(&s, .char("b")) == [.pause, .measureJacobians])
        #expect(s.ui.mode == .stepThrough(cursor: 49))
        #expect(!s.a.running)
        _ = press(&s, .left, .char("h"), .char("h"))
        #expect(s.ui.mode == .stepThrough(cursor: 46))
        _ = press(&s, .right, .char("l"))
        #expect(s.ui.mode == .stepThrough(cursor: 48))
        _ = press(&s, .char("l"), .char("l"), .char("l"))
        #expect(s.ui.mode == .stepThrough(cursor: 49), "clamped at t = T")
        _ = press(&s, .home, .left)
        #expect(s.ui.mode == .stepThrough(cursor: 0), "clamped at t = 1")
        #expect(press(&s, .char("b")) == [])
        #expect(s.ui.mode == .normal)
        _ = press(&s, .char("b"))
        #expect(s.ui.status?.text.contains("b or Esc leaves") == true)
        _ = press(&s, .escape)
        #expect(s.ui.mode == .normal)
        #expect(s.ui.status == nil, "the hint of how to leave goes when left")
    }

    @Test func nInsideStepThroughMeasuresTheNewIterationAndRestartsAtT() {
        var s = measured
        _ = press(&s, .char("b"), .left, .left)
        #expect(press(&s, .char("n")) == [.stepOnce, .measureJacobians])
        #expect(s.ui.mode == .stepThrough(cursor: 49))
    }

    @Test func bWithoutAnIterationOnlySaysSo() {
        var s = Fixture.state()
        #expect(press(&s, .char("b")) == [])
        #expect(s.ui.mode == .normal)
        #expect(s.ui.status?.text.contains("no iteration") == true)
    }

    @Test func cTogglesClippingAtOneWhenTheScenarioHadNone() {
        var s = measured
        #expect(press(&s, .char("c")) == [.setClip(1.0, request: 1)])
        #expect(s.a.clip == 1.0)
        #expect(s.a.settings.clip == 1.0)
        #expect(s.ui.status?.text == "clipping on: threshold 1.0")
        #expect(press(&s, .char("c")) == [.setClip(nil, request: 2)])
        #expect(s.a.clip == 0)
        #expect(s.ui.status?.text == "clipping off")
    }

    @Test func cUsesTheScenariosOwnThreshold() {
        var s = Fixture.state(scenario: Fixture.scenario { $0.clip = 5 })
        #expect(press(&s, .char("c")) == [.setClip(nil, request: 1)])
        #expect(press(&s, .char("c")) == [.setClip(5, request: 2)])
    }

    @Test func plusAndMinusDoubleAndHalveTheThreshold() {
        var s = measured
        _ = press(&s, .char("c"))
        #expect(press(&s, .char("+")) == [.setClip(2, request: 2)])
        #expect(press(&s, .char("=")) == [.setClip(4, request: 3)])
        #expect(press(&s, .char("-")) == [.setClip(2, request: 4)])
        #expect(press(&s, .char("_")) == [.setClip(1, request: 5)])
        #expect(s.ui.status?.text == "clipping threshold 1.0")
        // While off, the threshold is remembered for the next c.
        _ = press(&s, .char("c"))
        #expect(press(&s, .char("+")) == [])
        #expect(s.a.clip == 0)
        #expect(press(&s, .char("c")) == [.setClip(2, request: 7)])
    }

    @Test func tTogglesTruncationAtAQuarterOfT() {
        var s = measured
        #expect(press(&s, .char("t")) == [.setTruncate(12)])
        #expect(s.a.truncate == 12)
        #expect(press(&s, .char("t")) == [.setTruncate(nil)])
        var short = Fixture.state(scenario: Fixture.scenario { $0.steps = 3 })
        #expect(press(&short, .char("t")) == [.setTruncate(1)])
    }

    @Test func bracketsHalveAndDoubleKWithinOneToT() {
        var s = measured
        _ = press(&s, .char("t"))
        #expect(press(&s, .char("[")) == [.setTruncate(6)])
        #expect(press(&s, .char("]")) == [.setTruncate(12)])
        _ = press(&s, .char("]"), .char("]"), .char("]"), .char("]"))
        #expect(s.a.truncate == 50)
        _ = press(&s, .char("["), .char("["), .char("["), .char("["), .char("["), .char("["), .char("["))
        #expect(s.a.truncate == 1)
        #expect(s.ui.status?.text == "truncation K = 1")
    }

    @Test func bracketsReachEveryKTheScenarioUses() {
        // truncation-horizon: K = 20 in the file, K = 9 in a variant, T = 60.
        var scenario = Fixture.scenario("truncation-horizon") { $0.steps = 60; $0.truncate = 20 }
        var k9 = scenario.settings
        k9.truncate = 9
        scenario.variants = [Variant(name: "K9", overrides: [], settings: k9)]
        var s = Fixture.state(scenario: scenario)
        #expect(s.a.truncate == 20)
        #expect(press(&s, .char("[")) == [.setTruncate(10)])
        #expect(press(&s, .char("[")) == [.setTruncate(9)])
        #expect(press(&s, .char("[")) == [.setTruncate(5)])
        #expect(press(&s, .char("]"), .char("]"), .char("]"), .char("]"), .char("]")).last == .setTruncate(60))
        #expect(TruncationLadder.rungs(for: scenario, steps: 60) == [1, 3, 5, 9, 10, 20, 40, 60])
    }

    @Test func iReinitialisesWithIdentityAndReLUAndBack() {
        var s = measured
        let generation = s.a.generation
        let commands = press(&s, .char("i"))
        var expected = s.a.scenario.settings
        expected.initKind = .identity
        expected.activation = .relu
        #expect(commands == [.reinitialise(expected)])
        #expect(s.a.identityInit)
        #expect(s.a.generation == generation + 1)
        #expect(s.a.report == nil && s.a.history.isEmpty, "the old run's numbers are gone")
        let back = press(&s, .char("i"))
        #expect(back == [.reinitialise(s.a.scenario.settings)])
        #expect(s.a.settings.initKind == .spectral && s.a.settings.activation == .tanh)
    }

    @Test func iOnAnIRNNScenarioSwitchesToTanhWithXavier() {
        var s = Fixture.state(scenario: Fixture.scenario { $0.initKind = .identity; $0.activation = .relu })
        #expect(s.a.identityInit)
        guard case .run(.reinitialise(let off), .a)? = update(&s, .key(.char("i"))).first else {
            Issue.record("no reinitialise")
            return
        }
        #expect(off.initKind == .xavier && off.activation == .tanh)
        #expect(!s.a.identityInit)
        guard case .run(.reinitialise(let on), .a)? = update(&s, .key(.char("i"))).first else { return }
        #expect(on.initKind == .identity && on.activation == .relu)
    }

    @Test func iKeepsTheLiveClippingAndTruncation() {
        var s = measured
        _ = press(&s, .char("c"), .char("t"))
        guard case .run(.reinitialise(let settings), .a)? = press(&s, .char("i")).first else {
            Issue.record("no reinitialise")
            return
        }
        #expect(settings.clip == 1 && settings.truncate == 12)
    }

    @Test func rRestartsWithTheSameSeedAndRWithANewOne() {
        var s = measured
        #expect(press(&s, .char("r")) == [.restart(seed: 1)])
        #expect(s.a.settings.seed == 1)
        let commands = press(&s, .char("R"))
        #expect(s.a.settings.seed != 1)
        #expect(commands == [.restart(seed: s.a.settings.seed)])
        #expect(s.a.report == nil)
    }

    /// Issue 20: a preset file that does not read (a 20,000-part header) crashed s;
    /// it is left out of the list, which says so.
    @Test func sSaysWhichPresetFilesWereLeftOut() {
        var s = measured
        s.ui.unreadablePresets = ["Scenarios/deep.toml:2: a key or header of more than 16 dotted parts"]
        _ = press(&s, .char("s"))
        #expect(s.ui.mode == .picker(selection: 0))
        #expect(s.ui.status?.text == "skipped 1 scenario file(s) that do not read: Scenarios/deep.toml:2: a key or header of more than 16 dotted parts")
        var none = AppState(scenario: s.a.scenario)
        none.ui.unreadablePresets = s.ui.unreadablePresets
        _ = press(&none, .char("s"))
        #expect(none.ui.mode == .normal && none.ui.status?.text.hasPrefix("skipped 1") == true)
    }

    @Test func sOpensThePickerOnTheCurrentScenario() {
        var s = measured
        #expect(press(&s, .char("s")) == [])
        #expect(s.ui.mode == .picker(selection: 0))
        _ = press(&s, .down, .char("j"), .char("j"))
        #expect(s.ui.mode == .picker(selection: 0), "wraps around")
        _ = press(&s, .char("k"))
        #expect(s.ui.mode == .picker(selection: 2))
        _ = press(&s, .up)
        #expect(press(&s, .enter) == [.openScenario("exploding")])
        #expect(s.a.scenario.name == "exploding")
        #expect(s.a.settings == Fixture.presets[1].settings)
        #expect(s.ui.mode == .normal)
        #expect(s.a.report == nil)
    }

    @Test func escCancelsThePicker() {
        var s = measured
        _ = press(&s, .char("s"), .down)
        #expect(press(&s, .escape) == [])
        #expect(s.ui.mode == .normal)
        #expect(s.a.scenario.name == "vanishing")
    }

    /// Resized with the help open (120×36 to 80×24), the help stays at the same place in its
    /// text: at its end it stays at the end, half way stays half way; it kept the line number,
    /// and the end of the help at 120 columns became the middle of the network panel's text.
    @Test func helpKeepsItsPlaceWhenTheScreenIsResized() throws {
        var s = Fixture.state(width: 120, height: 36)
        _ = press(&s, .char("?"))
        for _ in 0..<40 { _ = press(&s, .pageDown) }
        guard case .help(let end) = s.ui.mode else { Issue.record("no help"); return }
        #expect(end > 0 && end == clampHelpScroll(.max, s))
        _ = update(&s, .resize(width: 80, height: 24))
        guard case .help(let narrow) = s.ui.mode else { Issue.record("no help"); return }
        #expect(narrow == clampHelpScroll(.max, s), "at the end at 120 columns, at the end at 80")
        let half = clampHelpScroll(.max, s) / 2
        s.ui.mode = .help(scroll: half)
        _ = update(&s, .resize(width: 120, height: 36))
        guard case .help(let wide) = s.ui.mode else { Issue.record("no help"); return }
        let total = Double(helpLineCount(s))
        #expect(abs(Double(wide) / total - Double(half) / Double(helpLineCount({ var n = s; n.ui.width = 80; return n }()))) < 0.05,
                "\(wide) of \(total)")
    }

    @Test func helpOpensScrollsAndCloses() {
        var s = measured
        _ = press(&s, .char("?"))
        #expect(s.ui.mode == .help(scroll: 0))
        _ = press(&s, .down, .down)
        #expect(s.ui.mode == .help(scroll: 2))
        _ = press(&s, .up, .up, .up)
        #expect(s.ui.mode == .help(scroll: 0))
        _ = press(&s, .escape)
        #expect(s.ui.mode == .normal)
        _ = press(&s, .function(1))
        _ = press(&s, .function(1))
        #expect(s.ui.mode == .normal)
    }

    @Test(arguments: [Mode.normal, .stepThrough(cursor: 1), .help(scroll: 0), .picker(selection: 0)])
    func qAndF10QuitFromEveryMode(_ mode: Mode) {
        var s = measured
        s.ui.mode = mode
        #expect(press(&s, .char("q")) == [.quit])
        #expect(press(&s, .function(10)) == [.quit])
    }

    @Test func qQuitsEvenWhenTheTerminalIsTooSmall() {
        var s = Fixture.state(width: 20, height: 6)
        #expect(press(&s, .char("q")) == [.quit])
    }

    @Test func statusMessagesExpire() {
        var s = measured
        _ = update(&s, .tick(now: 100))
        _ = press(&s, .char("c"))
        _ = update(&s, .tick(now: 102))
        #expect(s.ui.status != nil)
        _ = update(&s, .tick(now: 100 + UIState.statusLifetime + 0.1))
        #expect(s.ui.status == nil)
    }

    @Test func resizeChangesTheSize() {
        var s = measured
        _ = update(&s, .resize(width: 120, height: 40))
        #expect(s.ui.width == 120 && s.ui.height == 40)
    }

    @Test func reportsOfAReplacedRunAreIgnored() {
        var s = measured
        let before = s.a.history.count
        _ = press(&s, .char("r"))
        let stale = SessionUpdate(generation: s.a.generation - 1, iterations: [
            IterationSummary(iteration: 99, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false, normBins: [[1]])])
        _ = update(&s, .report(stale))
        #expect(s.a.history.isEmpty && before > 0)
        #expect(s.a.latestIteration == 0)
    }

    @Test func clippingCountsOnlyIterationsUnderTheCurrentThreshold() {
        var s = measured
        _ = press(&s, .char("c"))
        func summary(_ clipped: Bool, _ threshold: Double) -> IterationSummary {
            IterationSummary(iteration: 1, loss: 1, gradNorm: 3, clipped: clipped, clipThreshold: threshold, nonfinite: false, normBins: [[1]])
        }
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [
            summary(false, 0), summary(true, 1), summary(false, 1), summary(true, 1)])))
        #expect(s.a.clipFired == 2 && s.a.clipCounted == 3)
    }

    @Test func theSpectrumIsKeptFromTheLastMeasuredIteration() {
        var s = measured
        var cheap = Fixture.report(iteration: 11, norms: Fixture.decaying(steps: 50))
        cheap.spectralRadius = [.nan]
        cheap.largestSingularValue = [.nan]
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, report: cheap, reportOptions: Fixture.options())))
        #expect(s.a.report?.iteration == 11)
        #expect(s.a.spectrum?.spectralRadius == [0.9])
        #expect(s.a.spectrum?.iteration == 10)
    }

    /// R in another session (another salt) draws other seeds; in the same session, the same ones.
    @Test func eachSessionDrawsItsOwnSeeds() {
        var a = Fixture.state(), b = Fixture.state(), c = Fixture.state()
        a.ui.sessionSalt = 1_733_520_000_000
        b.ui.sessionSalt = 1_733_520_000_777
        c.ui.sessionSalt = a.ui.sessionSalt
        _ = update(&a, .key(.char("R")))
        _ = update(&b, .key(.char("R")))
        _ = update(&c, .key(.char("R")))
        #expect(a.a.settings.seed != b.a.settings.seed)
        #expect(a.a.settings.seed == c.a.settings.seed)
    }

    /// The picker (and a lecture's PgDn) opens a comparison scenario as its split, as `run` does.
    @Test func openingAComparisonScenarioOpensItsSplit() throws {
        let text = """
        title = "pair"
        compare = ["a", "b"]
        [network]
        hidden = 4
        [variants.a]
        [variants.b]
        init.rho = 0.5
        """
        let pair = try ScenarioLibrary.parse(text, path: "pair.toml")
        var state = AppState(scenario: Fixture.scenario(), presets: [Fixture.scenario(), pair], width: 100, height: 32)
        state.ui.lecture = true
        #expect(update(&state, .key(.pageDown)) == [.openScenario("pair")])
        #expect(state.b?.settings.rho == 0.5 && state.a.settings.rho == pair.settings.rho)
        #expect(update(&state, .key(.pageDown)).isEmpty && state.ui.status?.text.contains("last preset") == true)
        #expect(update(&state, .key(.pageUp)) == [.openScenario(Fixture.scenario().name)])
        #expect(!state.isSplit)
    }

    /// A lecture may come back to a preset (vanishing, exploding, vanishing again, clipping-rescue):
    /// PgDn from the second vanishing went back to exploding, titled 1/4, and slide 4 was never reached.
    @Test func aLectureThatNamesAPresetTwiceWalksOnPastIt() throws {
        let presets = try ScenarioLibrary.presets()
        let order = try ["vanishing", "exploding", "vanishing", "clipping-rescue"].map { name in
            try #require(presets.first { $0.name == name })
        }
        var state = AppState(scenario: order[0], presets: order, width: 100, height: 32)
        state.ui.lecture = true
        for (k, slide) in order.enumerated().dropFirst() {
            #expect(update(&state, .key(.pageDown)) == [.openScenario(slide.name)], "slide \(k + 1)")
            #expect(Fixture.render(state).line(0).contains("\(k + 1)/4"), "\(Fixture.render(state).line(0))")
        }
        #expect(update(&state, .key(.pageDown)).isEmpty && state.ui.status?.text.contains("last preset") == true)
        #expect(update(&state, .key(.pageUp)) == [.openScenario("vanishing")])
        #expect(Fixture.render(state).line(0).contains("3/4"))
        #expect(update(&state, .key(.pageUp)) == [.openScenario("exploding")])
        #expect(update(&state, .key(.pageUp)) == [.openScenario("vanishing")])
        #expect(Fixture.render(state).line(0).contains("1/4"))
    }

    /// L changes the layer the chart shows without hiding the verdict line under a status message.
    @Test func theLayerKeyLeavesTheVerdictOnScreen() {
        var state = Fixture.state()
        state.a.settings.layers = 3
        state.ui.moment = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 3 = 1.6e-8"
        _ = update(&state, .key(.char("L")))
        #expect(state.ui.layer == 1 && state.ui.status == nil)
        #expect(Fixture.render(state).text.contains("of layer 3 = 1.6e-8"))
    }

    @Test func newSeedsAreShortAndChange() {
        var seed: UInt64 = 1
        var seen = Set<UInt64>()
        for _ in 0..<100 {
            seed = nextSeed(after: seed)
            #expect(seed >= 1 && seed <= 999_999)
            seen.insert(seed)
        }
        #expect(seen.count > 95)
    }
}

/// A stream whose header cannot be used has nothing to show on either side: the view
/// ends on its line (it stayed open in ERROR, "waiting for the stream's header").
@Suite struct UnusableStreamTests {
    @Test func aStreamsErrorEndsTheView() {
        var s = watchState(name: "badhdr", speed: 20, width: 100, height: 32)
        let why = "badhdr.jsonl, line 1: the header's layers must be 1…64"
        #expect(update(&s, .report(SessionUpdate(generation: s.a.generation, error: why))) == [.fail(why)])
    }

    @Test func theSecondStreamsErrorEndsTheViewToo() {
        var s = watchState(name: "a", speed: 20, width: 100, height: 32)
        s.split(with: watchedRun(name: "b", speed: 20))
        #expect(update(&s, .report(SessionUpdate(generation: s.a.generation))).isEmpty)
        let why = "b.jsonl, line 2: not a JSON object"
        #expect(update(&s, .reportB(SessionUpdate(generation: s[.b].generation, error: why))) == [.fail(why)])
    }
}

/// A key's answer stays on the status line until it expires, while the run's reports go on
/// repeating the verdict it judged: only a new verdict or a new stop takes the line. After
/// vanishing's moment, c's "clipping on" lasted one report (about 50 ms), and in a lecture
/// PgDn's "the lecture's last preset" was lost to the report that came after it.
@Suite struct StatusAfterTheMomentTests {
    @Test func aRepeatedVerdictLeavesAKeysAnswer() {
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        let verdict = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 1.33e-19 < 1e-6"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: verdict, selfPause: .moment(iteration: 1))))
        _ = update(&s, .key(.char(" ")))  // on past the moment
        _ = update(&s, .key(.char("c")))
        let answer = s.ui.status?.text
        #expect(answer?.contains("clipping") == true, "\(answer ?? "nothing said")")
        // The next reports repeat the verdict: the answer stays.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: verdict)))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: verdict)))
        #expect(s.ui.status?.text == answer)
        // A new verdict takes the line, as does a new stop.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ after 200 iterations: loss = 0.1 < 0.2")))
        #expect(s.ui.status == nil)
        _ = update(&s, .key(.char("c")))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, selfPause: .iterationLimit(500))))
        #expect(s.ui.status == nil)
    }

    /// Stopped at its moment, a key's answer outlives a late report repeating that stop.
    @Test func aRepeatedStopLeavesAKeysAnswer() {
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        let verdict = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 1.33e-19 < 1e-6"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: verdict, selfPause: .moment(iteration: 1))))
        _ = update(&s, .key(.char("c")))
        let answer = s.ui.status?.text
        #expect(answer != nil)
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: verdict, selfPause: .moment(iteration: 1))))
        #expect(s.ui.status?.text == answer)
    }
}
