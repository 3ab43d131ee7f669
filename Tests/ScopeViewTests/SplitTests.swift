import Foundation
import RNNSim
import Scenarios
import Testing
@testable import ScopeView

/// The split view as values: the fork, focus, which side a key acts on, lockstep of
/// the pace, closing, and what is drawn at each size.
@Suite struct SplitTests {
    func press(_ state: inout AppState, _ keys: Key...) -> [AppCommand] {
        keys.flatMap { update(&state, .key($0)) }
    }

    func split(width: Int = 120, height: Int = 40, b bNorms: [Double]? = nil) -> AppState {
        var s = Fixture.state(width: width, height: height, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("v"))
        if let bNorms {
            let r = Fixture.report(iteration: 10, norms: bNorms, loss: 0.05)
            _ = update(&s, .reportB(SessionUpdate(generation: 0, iterations: [IterationSummary(report: r, clipThreshold: 0)],
                                                  report: r, reportOptions: Fixture.options())))
        }
        return s
    }

    /// A side's name longer than its row (a stream's long title, many toggles on B) ends at a
    /// word with an ellipsis before the side's figures, which stay: a rank's file name ran
    /// into the edge with a dangling "·" and no iteration or loss.
    @Test func aLongSideNameEndsBeforeItsFigures() throws {
        var s = split(width: 100, height: 32, b: Fixture.decaying(steps: 50))
        for key in ["\t", "c", "t", "g", "}", "+"] { _ = press(&s, key == "\t" ? .tab : .char(Character(key))) }
        let buf = Fixture.render(s)
        let row = try #require(buf.lines.first { $0.hasPrefix("▶ B: ") }, "\(buf.text)")
        #expect(row.contains("…") && row.contains("iteration "), "\(row)")
        let name = try #require(row.components(separatedBy: " …").first)
        #expect(name.hasPrefix("▶ B: ") && !name.hasSuffix(","), "\(row)")
        // The unfocused side keeps its indent.
        let a = try #require(buf.lines.first { $0.contains("A: ") }, "\(buf.text)")
        #expect(a.hasPrefix("  A: "), "\(a)")
    }

    /// Both halves of a comparison judged on screen: each side keeps its own verdict on its
    /// figures row, whichever arrived last (the status line shows only the latest).
    @Test func eachSideShowsItsOwnVerdict() {
        var s = split(b: Fixture.decaying(steps: 50))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ explodes: growth 516 > 100")))
        _ = update(&s, .reportB(SessionUpdate(generation: 0, moment: "✓ vanishes: decay 5.7e-7 < 0.001")))
        let text = Fixture.render(s).text
        #expect(text.contains("✓ explodes: growth 516 > 100") && text.contains("✓ vanishes: decay 5.7e-7 < 0.001"), "\(text)")
    }

    /// A side's verdict wider than its row (clipping-rescue's A at 100 columns) drops its
    /// aside before its figure: "loss/chance (mean of 50) = 0." read as zero where the figure
    /// was 0.0199, and then "… (mean of 50) …" hid it.
    @Test func aLongSideVerdictKeepsItsFigure() {
        var s = split(width: 100, height: 32, b: Fixture.decaying(steps: 50))
        let long = "✓ clipped: 1000 iterations without Inf/NaN  ✓ after 1000 iterations: loss/chance (mean of 50) = 0.0199 < 0.2"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: long)))
        let row = Fixture.render(s).lines.first { $0.contains("✓ clipped: 1000 iterations") } ?? ""
        #expect(row.contains("loss/chance = 0.0199 < 0.2"), "\(row)")
        // Narrower still: cut after a word, never inside the figure.
        var narrow = split(width: 70, height: 32, b: Fixture.decaying(steps: 50))
        _ = update(&narrow, .report(SessionUpdate(generation: narrow.a.generation, moment: long)))
        let cut = Fixture.render(narrow).lines.first { $0.contains("✓ clipped:") } ?? ""
        #expect(cut.contains("0.0199") || (cut.trimmingCharacters(in: .whitespaces).hasSuffix("…") && !cut.contains("= 0.")), "\(cut)")
    }

    /// Two verdicts judged at one iteration (forget-bias judges both variants at its first):
    /// the status line shows the focused side's, in whichever order the reports come.
    @Test(arguments: [false, true]) func aTieOnTheStatusLineGoesToTheFocus(bFirst: Bool) {
        for focusB in [false, true] {
            var s = split(b: Fixture.decaying(steps: 50))
            if focusB { _ = press(&s, .tab) }
            #expect(s.a.latestIteration == s.b?.latestIteration)
            let a = SessionUpdate(generation: s.a.generation, moment: "✓ bf2: 3.32e-4 > 1e-5")
            let b = SessionUpdate(generation: 0, moment: "✓ bf0: 1.08e-19 < 1e-12")
            for event in bFirst ? [AppEvent.reportB(b), .report(a)] : [.report(a), .reportB(b)] { _ = update(&s, event) }
            #expect(s.ui.moment == (focusB ? "✓ bf0: 1.08e-19 < 1e-12" : "✓ bf2: 3.32e-4 > 1e-5"), "focus \(focusB ? "B" : "A"), B first: \(bFirst)")
        }
    }

    /// At 80×24 one run is drawn alone: its status line gives its own verdict where both came
    /// at one iteration (jacobian-product's B alone said A's "explodes" under its vanishing
    /// chart, and B's verdict was nowhere on screen); a newer verdict of the other, why both
    /// stopped, stays.
    @Test func aRunAloneShowsItsOwnVerdict() {
        var s = split(width: 80, height: 24, b: Fixture.decaying(steps: 50))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ explodes: growth 516 > 100")))
        _ = update(&s, .reportB(SessionUpdate(generation: 0, moment: "✓ vanishes: decay 5.7e-7 < 0.001")))
        func statusLine(_ s: AppState) -> String {
            var s = s
            _ = update(&s, .tick(now: s.ui.now + 3600))
            let buf = Fixture.render(s)
            return buf.line(buf.height - 2)
        }
        #expect(statusLine(s).contains("✓ explodes: growth 516 > 100"), "\(statusLine(s))")
        _ = press(&s, .tab)
        #expect(statusLine(s).contains("✓ vanishes: decay 5.7e-7 < 0.001"), "\(statusLine(s))")
        _ = press(&s, .tab)
        #expect(statusLine(s).contains("✓ explodes: growth 516 > 100"), "\(statusLine(s))")

        var later = split(width: 80, height: 24, b: Fixture.decaying(steps: 50))
        _ = update(&later, .report(SessionUpdate(generation: later.a.generation, moment: "✓ lstm: iteration 736: 0.0489 < 0.05")))
        let r = Fixture.report(iteration: 3000, norms: Fixture.decaying(steps: 50), loss: 0.15)
        _ = update(&later, .reportB(SessionUpdate(generation: 0, iterations: [IterationSummary(report: r, clipThreshold: 0)],
                                                  moment: "✓ tanh: after 3000 iterations: 0.177 > 0.15")))
        #expect(statusLine(later).contains("✓ tanh: after 3000"), "\(statusLine(later))")
    }

    /// lstm-adding: A's verdict at 736, then B's at 3,000, where A stops beside it; A's
    /// reports repeat its moment (it is state): the status line shows B's new one, not A's again.
    @Test func aRepeatedVerdictLeavesTheLineToTheNewOne() {
        var s = split(b: Fixture.decaying(steps: 50))
        let lstm = "✓ lstm: iteration 736: loss (mean of 100) = 0.0489 < 0.05"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: lstm)))
        #expect(s.ui.moment == lstm)
        let r = Fixture.report(iteration: 3000, norms: Fixture.decaying(steps: 50), loss: 0.15)
        let tanh = "✓ tanh: after 3000 iterations: loss (mean of 100) = 0.177 > 0.15"
        _ = update(&s, .reportB(SessionUpdate(generation: 0, iterations: [IterationSummary(report: r, clipThreshold: 0)], moment: tanh)))
        let a = Fixture.report(iteration: 3000, norms: Fixture.decaying(steps: 50), loss: 0.01)
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: a, clipThreshold: 0)], moment: lstm)))
        #expect(s.ui.moment == tanh, "\(s.ui.moment ?? "nil")")
    }

    /// The numbers row under the title is the focused run's: with the focus on B, B's loss.
    @Test func theNumbersRowFollowsTheFocus() {
        var s = split(b: Fixture.decaying(steps: 50))
        #expect(Fixture.render(s).lines[1].contains("loss \(Format.number(s.a.latestLoss ?? .nan))"))
        _ = press(&s, .tab)
        let b = Format.number(s.b?.latestLoss ?? .nan)
        #expect(s.a.latestLoss != s.b?.latestLoss && Fixture.render(s).lines[1].contains("loss \(b)"), "\(Fixture.render(s).lines[1])")
    }

    @Test func theTitleSaysWhichSideHasTheFocus() {
        var s = split(b: Fixture.decaying(steps: 50))
        #expect(Fixture.render(s).lines[0].contains("│ focus A"))
        _ = press(&s, .tab)
        #expect(Fixture.render(s).lines[0].contains("│ focus B"))
    }

    @Test func vForksTheRunIntoAAndB() {
        var s = Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("r"))  // a restart: A's run is generation 1, B's new session counts from 0
        let r = Fixture.report(norms: Fixture.decaying(steps: 50))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r)))
        #expect(press(&s, .char("v")) == [.openSplit(s.a.settings)])
        let b = try! #require(s.b)
        #expect(b.settings == s.a.settings && b.latestIteration == s.a.latestIteration)
        #expect(b.generation == 0)
        #expect(s.focus == .a)
    }

    @Test func togglesActOnTheFocusedSide() {
        var s = split()
        #expect(press(&s, .char("c")) == [.setClip(1, request: 1)])
        #expect(s.a.clip == 1 && s.b?.clip == 0)
        #expect(s.ui.status?.text.hasPrefix("A: clipping on") == true)
        _ = press(&s, .tab)
        #expect(s.focus == .b)
        #expect(press(&s, .char("t")) == [.sideB(.setTruncate(12))])
        #expect(s.a.truncate == 0 && s.b?.truncate == 12)
        #expect(s.ui.status?.text.hasPrefix("B: truncation on") == true)
        _ = press(&s, .tab)
        #expect(s.focus == .a)
    }

    @Test func pauseAndStepsGoToBothRuns() {
        var s = split()
        #expect(press(&s, .space) == [.pause, .sideB(.pause)])
        #expect(!s.a.running && s.b?.running == false)
        #expect(s.ui.status?.text.hasPrefix("paused (n: one iteration of both runs") == true, "b is not offered: \(s.ui.status?.text ?? "")")
        #expect(press(&s, .char("n")) == [.stepOnce, .sideB(.stepOnce)])
        // A run that paused itself takes the other along when space resumes.
        s[.b].running = true
        #expect(press(&s, .space) == [.resume, .sideB(.resume)])
        #expect(s.a.running && s.b?.running == true)
    }

    @Test func aNewNetworkOnOneSideRestartsBothFromOneSeed() {
        var s = split()
        _ = press(&s, .tab)
        let commands = press(&s, .char("R"))
        let seed = s.b!.settings.seed
        #expect(seed != 1)
        #expect(s.a.settings.seed == seed)
        #expect(commands == [.restart(seed: seed), .sideB(.restart(seed: seed))])
        #expect(s.a.latestIteration == 0 && s.b?.latestIteration == 0)
        #expect(s.focus == .b)
    }

    /// `g` (and `{`/`}`) re-initialise the focused side only, and both start again from
    /// one seed, in lockstep; a refused key restarts nothing.
    @Test func aNewCellOnTheFocusedSideRestartsBoth() {
        var s = split()
        _ = press(&s, .tab)
        let commands = press(&s, .char("g"))
        let b = s.b!
        #expect(b.settings.cell == .lstm && s.a.settings.cell == .rnn)
        #expect(commands == [.restart(seed: s.a.settings.seed), .sideB(.reinitialise(b.settings))])
        #expect(s.a.latestIteration == 0 && b.latestIteration == 0)
        #expect(s.ui.status?.text.hasPrefix("B: cell lstm") == true && s.ui.status?.text.contains("both start again") == true)
        _ = press(&s, .tab)  // A is a vanilla RNN: no forget bias to raise
        #expect(press(&s, .char("}")).isEmpty)
        #expect(s.ui.status?.text.hasPrefix("A: b_f is the LSTM's") == true)
    }

    @Test func whenAStopsItselfBPausesToo() {
        var s = split()
        #expect(s.a.running && s.b?.running == true)
        let r = Fixture.report(iteration: 11, norms: Fixture.decaying(steps: 50))
        let commands = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: [IterationSummary(report: r, clipThreshold: 0)],
                                                        report: r, selfPause: .moment(iteration: 11))))
        #expect(!s.a.running && s.b?.running == false)
        #expect(commands == [.sideB(.pauseAt(11))], "B finishes iteration 11 too, then pauses")
        #expect(press(&s, .space) == [.resume, .sideB(.resume)])
    }

    /// Run B's own claim (its variant's): its moment is on the one status line, and A
    /// stops beside it at the same iteration.
    @Test func whenBStopsItselfAStopsBesideIt() {
        var s = split()
        let r = Fixture.report(iteration: 40, norms: Fixture.decaying(steps: 50))
        let commands = update(&s, .reportB(SessionUpdate(generation: 0, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r,
                                                         moment: "✓ tanh: after 40 iterations: loss = 0.170 > 0.15", selfPause: .moment(iteration: 40))))
        #expect(commands == [.pauseAt(40)])
        #expect(!s.a.running && s.b?.running == false && s.a.selfPause == .moment(iteration: 40))
        #expect(Fixture.render(s).text.contains("* ✓ tanh: after 40 iterations"))
        #expect(update(&s, .reportB(SessionUpdate(generation: 7, moment: "from a replaced run"))).isEmpty)
        #expect(s.ui.moment == "✓ tanh: after 40 iterations: loss = 0.170 > 0.15")
    }

    @Test func vAgainClosesKeepingTheFocusedRun() {
        var s = split()
        _ = press(&s, .tab, .char("c"))
        #expect(press(&s, .char("v")) == [.closeSplit(keepB: true)])
        #expect(!s.isSplit)
        #expect(s.a.clip == 1, "B's run, with its clipping, goes on")
        var t = split()
        _ = press(&t, .tab, .char("c"), .tab)
        #expect(press(&t, .char("v")) == [.closeSplit(keepB: false)])
        #expect(t.a.clip == 0)
    }

    /// Closed, the status line is the kept run's verdict, not the closed side's
    /// (clipping-rescue: A kept clipped and healthy, B's first Inf/NaN went with B).
    @Test(arguments: [false, true]) func closingTheSplitKeepsTheKeptRunsVerdict(keepB: Bool) {
        var s = split(b: Fixture.decaying(steps: 50))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: "✓ clipped: no Inf/NaN")))
        _ = update(&s, .reportB(SessionUpdate(generation: 0, moment: "✓ unclipped: first Inf/NaN at iteration 2")))
        if keepB { _ = press(&s, .tab) }
        _ = press(&s, .char("v"))
        #expect(s.ui.moment == (keepB ? "✓ unclipped: first Inf/NaN at iteration 2" : "✓ clipped: no Inf/NaN"))
        // A kept run with no verdict of its own leaves the line without one.
        var t = split(b: Fixture.decaying(steps: 50))
        _ = update(&t, .reportB(SessionUpdate(generation: 0, moment: "✓ unclipped: first Inf/NaN at iteration 2")))
        _ = press(&t, .char("v"))
        #expect(t.ui.moment == nil, "A has no verdict; B's went with B")
    }

    /// The B/A row's title keeps its figures at 100 columns: the words give way (gamma-bound,
    /// seed 4202, read '… red B larger, ±6 full ───' with no min or max).
    @Test func theRatioRowKeepsItsMinAndMaxAt100Columns() {
        let a = Fixture.decaying(steps: 50)
        let b = a.indices.map { a[$0] * pow(10, -(0.37 + 5.23 * Double(a.count - 1 - $0) / 49)) }
        let s = split(width: 100, height: 32, b: b)
        let text = Fixture.render(s).text
        #expect(text.range(of: #"min [+-][0-9.]+  max [+-][0-9.]+"#, options: .regularExpression) != nil, "\(text)")
        #expect(text.contains("blue B smaller") && text.contains("full"))
    }

    @Test func bsReportsGoToB() {
        let s = split(b: Fixture.decaying(steps: 50, top: 1))
        #expect(s.b?.latestLoss == 0.05)
        #expect(s.a.latestLoss == 0.12)
    }

    @Test func wideIsSideBySideNarrowIsStacked() throws {
        let wide = Fixture.render(split(width: 160, height: 40, b: Fixture.decaying(steps: 50, top: 1)))
        let row = try #require(wide.row(containing: "A: "))
        #expect(wide.line(row).contains("B: "), "side by side at 160 columns")
        #expect(wide.text.components(separatedBy: "by timestep t").count == 3, "two charts")

        let narrow = Fixture.render(split(width: 120, height: 40, b: Fixture.decaying(steps: 50, top: 1)))
        let a = try #require(narrow.row(containing: "▶ A: ")), b = try #require(narrow.row(containing: "  B: "))
        #expect(b > a + 5, "stacked below 160 columns")
        #expect(narrow.text.components(separatedBy: "by timestep t").count == 3)
        #expect(narrow.text.contains("log₁₀(B/A) of ‖∂L/∂h_t‖"))
        #expect(narrow.text.contains("loss, whole run, A and B"))
        #expect(narrow.line(narrow.height - 1).contains("Split"))

        // Stacked at any height, A's and B's charts are the same height: the same norms draw the same bars.
        for h in 28...45 {
            let l = SplitScreen.Layout(width: 120, height: h)
            #expect(l.chartA.height == l.chartB.height && l.chartB.maxY <= l.ratio.y, "height \(h)")
        }
        let same = Fixture.decaying(steps: 50)
        let equal = Fixture.render(split(width: 120, height: 36, b: same))  // 23 rows for the two
        let (ya, yb) = (try #require(equal.row(containing: "▶ A: ")), try #require(equal.row(containing: "  B: ")))
        #expect((1..<(yb - ya)).allSatisfy { equal.line(ya + $0) == equal.line(yb + $0) }, "the same norms, the same chart")

        // A default 80×24 terminal: the focused run alone, as the single view draws it,
        // the title saying which and how to see the other (it showed no chart at all).
        var small = split(width: 80, height: 24, b: same)
        var alone = Fixture.render(small)
        #expect(alone.line(0).contains("A alone (split needs 100×28; Tab: B)"), "[\(alone.line(0))]")
        #expect(alone.text.contains("by timestep") && !alone.text.contains("the split view needs"))
        _ = press(&small, .tab)
        alone = Fixture.render(small)
        #expect(alone.line(0).contains("B alone (split needs 100×28; Tab: A)"))
        // Smaller than one run: say what even the single view needs, not that v would help
        // (closing the split at 50×12 leaves a screen too small for one run).
        for (w, h) in [(60, 14), (50, 12), (59, 30), (200, 15)] {
            let tiny = Fixture.render(split(width: w, height: h))
            let said = tiny.lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            #expect(said.contains("terminal too small: have \(w)×\(h), need 60×16 the split view needs 100×28"), "\(w)×\(h): \(said)")
            #expect(!said.contains("v closes"), "\(w)×\(h): \(said)")
            #expect(said.hasSuffix("q quits"))
        }
    }

    @Test func headersSayWhatDiffers() {
        var s = split(width: 120, height: 40)
        _ = press(&s, .tab, .char("c"))
        let buf = Fixture.render(s)
        #expect(buf.text.contains("  A: train.clip = off"))
        #expect(buf.text.contains("▶ B: train.clip = 1.0"))
        #expect(Comparison.differences(s.a.settings, s.a.settings).a.isEmpty)
    }

    @Test func ratioRowIsLogBOverAAtEveryStep() throws {
        // B's gradient 10× A's at every step: log₁₀ = +1 throughout, the top of the red side.
        let a = Fixture.decaying(steps: 50)
        let s = split(width: 120, height: 40, b: a.map { $0 * 10 })
        let ratios = SplitScreen.logRatios(s.a, s.b!, layer: s.ui.layer)
        #expect(ratios.count == 50)
        #expect(ratios.allSatisfy { abs(($0 ?? 0) - 1) < 1e-12 })
        let buf = Fixture.render(s, colors: .x256)
        let y = try #require(buf.row(containing: " B/A ")) 
        let cells = (GradientChart.labelWidth..<buf.width).map { buf[$0, y] }
        #expect(cells.allSatisfy { $0.character == "█" })
        #expect(Set(cells.map(\.style.foreground)) == [.color(196)], "the reddest level")
        // And B's 10× smaller: the bluest.
        let t = split(width: 120, height: 40, b: a.map { $0 / 10 })
        let tb = Fixture.render(t, colors: .x256)
        let ty = try #require(tb.row(containing: " B/A "))
        #expect(Set((GradientChart.labelWidth..<tb.width).map { tb[$0, ty].style.foreground }) == [.color(19)])
    }

    @Test func bothChartsShareOneLogScale() throws {
        // A's norms around 1e-10, B's around 1: one scale covers both, so the labels agree.
        let s = split(width: 120, height: 40, b: Fixture.decaying(steps: 50, top: 1, decay: 0.99))
        let buf = Fixture.render(s)
        let labels = buf.lines.compactMap { line -> String? in
            let label = line.prefix(GradientChart.labelWidth - 1).trimmingCharacters(in: .whitespaces)
            return label.hasPrefix("1e") ? label : nil
        }
        let half = labels.count / 2
        #expect(half > 2)
        #expect(Array(labels.prefix(half)) == Array(labels.suffix(half)))
    }

    /// Each side says what the side panel would: ρ, σ_max, γ·σ_max, how often clipping
    /// fired, ‖∇θ‖; the key bar offers only keys the split takes.
    @Test func eachSideHasThePanelFiguresAndTheBarOnlyItsKeys() throws {
        var s = split(width: 120, height: 40, b: Fixture.decaying(steps: 50, top: 1, decay: 0.99))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, report: Fixture.report(norms: Fixture.decaying(steps: 50), rho: 0.5, sigma: 0.8))))
        _ = press(&s, .char("c"))
        var buf = Fixture.render(s)
        let a = try #require(buf.row(containing: "▶ A:")), b = try #require(buf.row(containing: "  B:"))
        #expect(buf.line(a + 1).contains("ρ 0.5   σ_max 0.8   γ·σ_max 0.8   clipped 0 of 0   ‖∇θ‖ 0.5"), "\(buf.line(a + 1))")
        #expect(buf.line(b + 1).contains("ρ 0.9   σ_max 0.95") && !buf.line(b + 1).contains("clipped"), "\(buf.line(b + 1))")
        let bar = buf.line(39)
        #expect(bar.contains("Split") && bar.contains("Clip"))
        // A threshold that fired once in 157 is not "0%"; 29 in 30 is 96.7%, not 96%.
        (s.a.clipFired, s.a.clipCounted) = (1, 157)
        buf = Fixture.render(s)
        #expect(buf.line(a + 1).contains("clipped 1 of 157 (0.6%)"), "\(buf.line(a + 1))")
        (s.a.clipFired, s.a.clipCounted) = (29, 30)
        buf = Fixture.render(s)
        #expect(buf.line(a + 1).contains("clipped 29 of 30 (96.7%)"), "\(buf.line(a + 1))")
        #expect(!bar.contains("BPTT") && !bar.contains("Scen") && !bar.contains("Layer"), "refused in the split: \(bar)")
    }

    /// A side's figures wider than its row keep the ones that fit whole: at 160 columns a
    /// stream's "clipped 29 of 30 records" pushed ‖∇θ‖ 0.3647 to the edge, which cut it to "0.364".
    @Test(arguments: [120, 140, 160, 200]) func aSidesFiguresAreNeverCut(width: Int) throws {
        var s = split(width: width, height: 40, b: Fixture.decaying(steps: 50))
        let r = Fixture.report(norms: Fixture.decaying(steps: 50), rho: 0.5057, sigma: 0.9224, gradNorm: 0.3646981)
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, report: r)))
        _ = press(&s, .char("c"))
        (s.a.clipFired, s.a.clipCounted) = (29, 30)
        let buf = Fixture.render(s)
        let a = try #require(buf.row(containing: "▶ A:"))
        // Side by side, B's figures share the line: A's are its left half.
        let row = String(buf.line(a + 1).prefix(width >= 160 ? width / 2 : width))
        #expect(row.contains("ρ 0.5057"), "\(row)")
        for (name, value) in [("σ_max", "0.9224"), ("γ·σ_max", "0.9224"), ("clipped", "29 of 30 (96.7%)"), ("‖∇θ‖", "0.3647")]
        where row.contains(name + " ") {
            #expect(row.contains(name + " " + value), "\(name) cut at \(width) columns: \(row)")
        }
    }

    /// A side that diverged keeps its blow-up: the shared scale is the live run's.
    @Test func aDivergedSideLeavesTheSharedScale() throws {
        var s = split(width: 120, height: 40, b: Fixture.decaying(steps: 50, top: 1e14, decay: 0.5))
        let frozen = Fixture.render(s).row(containing: "1e13") ?? Fixture.render(s).row(containing: "1e14")
        #expect(frozen != nil, "live, B's norms are on the shared scale")
        _ = update(&s, .reportB(SessionUpdate(generation: 0, diverged: true)))
        let buf = Fixture.render(s)
        #expect(buf.row(containing: "1e13") == nil && buf.row(containing: "1e14") == nil, "\(buf.text)")
    }

    @Test func everySizeAndGlyphSetRendersInsideTheBuffer() {
        for ascii in [false, true] {
            for w in stride(from: 1, through: 240, by: 13) {
                for h in stride(from: 1, through: 70, by: 7) {
                    let s = split(width: w, height: h, b: Fixture.decaying(steps: 50, top: 1))
                    let buf = Fixture.render(s, ascii: ascii)
                    #expect(buf.width == w && buf.height == h)
                    if ascii { #expect(buf.cells.allSatisfy { $0.character.isASCII }) }
                }
            }
        }
    }

    /// The split adds a run beside A and closing it keeps one: the UI state (a lecture,
    /// the theory lines, the session's seeds) is the screen's, whichever run goes on.
    @Test func closingTheSplitKeepsTheUIState() {
        var s = AppState(scenario: Fixture.scenario(), presets: Fixture.presets, width: 120, height: 40)
        s.ui.lecture = true
        s.ui.sessionSalt = 42
        s.split(with: RunState(scenario: Fixture.scenario { $0.clip = 1 }))
        _ = press(&s, .char("o"), .tab)
        #expect(s.runs.count == 2 && s.focus == .b)
        #expect(press(&s, .char("v")) == [.closeSplit(keepB: true)])
        #expect(s.runs.count == 1 && s.a.clip == 1, "B's run goes on")
        #expect(s.ui.lecture && s.ui.theory && s.ui.sessionSalt == 42 && s.focus == .a)
    }

    /// B's stream replaced while followed is a new run on side B, as on side A.
    @Test func aReplacedStreamOnSideBStartsAgain() {
        var s = split(b: Fixture.decaying(steps: 50))
        #expect(s.b?.latestIteration == 10)
        let r = Fixture.report(iteration: 2, norms: Fixture.decaying(steps: 50))
        var u = SessionUpdate(generation: 1, iterations: [IterationSummary(report: r, clipThreshold: 0)], report: r)
        u.restarted = true
        _ = update(&s, .reportB(u))
        #expect(s.b?.generation == 1 && s.b?.latestIteration == 2 && s.b?.losses.values.count == 1)
        #expect(s.a.latestIteration == 10, "A's run is untouched")
    }
}

/// The split's loss chart draws A's dot in the left column of a braille cell and B's in the
/// right: two losses close enough to share cells keep both dots (B's used to replace A's cell,
/// and A's line vanished under B's).
@Suite struct SplitLossChartTests {
    @Test func closeLossesKeepBothLines() {
        var s = Fixture.state(width: 120, height: 40, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = update(&s, .key(.char("v")))
        s[.a].losses = LossHistory()
        s[.b].losses = LossHistory()
        for i in 0..<80 {
            s[.a].losses.append(2 - Double(i) / 80)
            s[.b].losses.append(2.02 - Double(i) / 80)
        }
        let buf = Fixture.render(s)
        guard let title = (0..<buf.height).first(where: { buf.line($0).contains("loss, whole run, A and B") }) else {
            Issue.record("no split loss chart:\n\(buf.text)")
            return
        }
        var left = 0, right = 0
        for y in (title + 1)..<buf.height {
            for x in 0..<buf.width {
                guard let bits = Glyphs.brailleBits(buf[x, y].character), bits != 0 else { continue }
                if bits & 0x47 != 0 { left += 1 }   // dots 1, 2, 3, 7: A's column
                if bits & 0xB8 != 0 { right += 1 }  // dots 4, 5, 6, 8: B's column
            }
        }
        #expect(left > 40 && right > 40, "A's dots \(left), B's \(right):\n\(buf.text)")
    }
}
