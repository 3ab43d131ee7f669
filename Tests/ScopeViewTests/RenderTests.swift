import Foundation
import RNNSim
@testable import Scenarios
import Testing
@testable import ScopeView
import RunStream

/// The screen for given states and sizes, read back as text.
@Suite struct RenderTests {
    let norms = Fixture.decaying(steps: 50)  // 0.1 at t = T down to ~2.6e-9 at t = 1

    @Test func headerShowsTitleStateAndNumbers() {
        let paused = Fixture.render(Fixture.state(report: Fixture.report(norms: norms), running: false))
        #expect(paused.line(0).contains("Vanishing gradients (vanishing)"))
        #expect(paused.line(1).contains("PAUSED"))
        #expect(paused.line(1).contains("iteration 10"))
        #expect(paused.line(1).contains("loss 0.12 (chance 0.1667)"))
        let running = Fixture.render(Fixture.state(report: Fixture.report(norms: norms)))
        #expect(running.line(1).contains("RUNNING"))
        #expect(running.line(1).contains("123 it/s"))
    }

    @Test func chartHasADecadeScale() {
        let buf = Fixture.render(Fixture.state(width: 200, height: 60, report: Fixture.report(norms: norms)))
        let top = buf.row(containing: "by timestep")! + 1
        #expect(buf.line(top).hasPrefix(" 1e-1│"), "the top decade labels the first plot row")
        #expect(buf.lines.contains { $0.hasPrefix(" 1e-9│") }, "the bottom decade is labelled too")
        let axis = buf.lines.firstIndex { $0.dropFirst(5).hasPrefix("└") }!
        #expect(buf.line(axis + 1).contains("1 "))
        #expect(buf.line(axis + 1).contains("50"))
    }

    /// 200 columns: the plot is 147 wide from x = 6; step s starts at x = 6 + ⌊147·s/20⌋
    /// and, at 7 or 8 columns a step, ends in a gap column, where the cut before it is drawn.
    @Test func truncationCutsAreMarkedAtEveryKthStep() {
        let state = Fixture.state(width: 200, height: 60, report: Fixture.report(norms: Fixture.decaying(steps: 20)),
                                  options: Fixture.options(truncate: 5))
        let buf = Fixture.render(state)
        let axis = buf.lines.firstIndex { $0.dropFirst(5).hasPrefix("└") }!
        let cuts = (0..<buf.width).filter { buf[$0, axis].character == Glyphs.unicode.axisCut }
        #expect(cuts == [5, 10, 15].map { 6 + 147 * $0 / 20 - 1 })
        #expect(cuts == [41, 78, 115])
        let top = buf.row(containing: "by timestep")! + 1
        #expect(buf[41, top].character == Glyphs.unicode.cutLine, "the dotted cut runs down the empty cells")
        #expect(buf.line(buf.row(containing: "by timestep")!).contains("cut K=5"))
    }

    @Test func nonFiniteNormsFillTheirColumnAndZerosSitOnTheFloor() {
        var values = Fixture.decaying(steps: 20)
        values[3] = .nan
        values[7] = .infinity
        values[0] = 0
        let buf = Fixture.render(Fixture.state(width: 200, height: 60, report: Fixture.report(norms: values)))
        let top = buf.row(containing: "by timestep")! + 1
        let axis = buf.lines.firstIndex { $0.dropFirst(5).hasPrefix("└") }!
        for y in top..<axis {
            #expect(buf[6 + 147 * 3 / 20, y].character == "×")
            #expect(buf[6 + 147 * 7 / 20, y].character == "×")
        }
        #expect(buf[6, axis - 1].character == "·")
        #expect(buf[6, top].character == " ")
    }

    @Test func wideSequencesAreResampledAndKeepTheirExplosions() {
        var values = Fixture.decaying(steps: 1000, decay: 0.99)
        values[500] = .infinity
        let buf = Fixture.render(Fixture.state(report: Fixture.report(norms: values)))
        let axis = buf.lines.firstIndex { $0.dropFirst(5).hasPrefix("└") }!
        #expect(buf.line(axis + 1).contains("1000"))
        let plotWidth = 80 - 28 - 1 - 6
        let column = 6 + 500 * plotWidth / 1000
        #expect(buf[column, axis - 1].character == "×")
        #expect(buf[column - 2, axis - 1].character != "×")
    }

    @Test func heatmapHasRowsAndALegend() {
        let buf = Fixture.render(Fixture.state(report: Fixture.report(norms: norms), rows: 5))
        #expect(buf.text.contains("over the last 5 iterations"))
        let legend = buf.row(containing: "scale 1e-9")!
        #expect(buf.line(legend).contains("scale 1e-9 ░░▒▒▓▓██ 1e-1"))
        #expect(buf.line(legend).contains("× Inf/NaN"))
        #expect(buf.line(legend - 1).hasPrefix("   10│"), "the newest row is labelled with its iteration")
        #expect(buf.line(legend - 1).contains("█"))
    }

    /// A stream's batches of several lengths (packed sequences): every row is drawn on the
    /// same t axis, a shorter one ending early, instead of being left blank.
    @Test func heatmapRowsOfOtherLengthsShareTheAxis() {
        var state = Fixture.state(report: Fixture.report(norms: norms), rows: 1)
        let short = IterationSummary(iteration: 11, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                     normBins: [[Double](repeating: 0.5, count: norms.count - 3)])
        let long = IterationSummary(iteration: 12, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                    normBins: [norms])
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, iterations: [short, long])))
        let buf = Fixture.render(state)
        let legend = buf.row(containing: "scale ")!
        let shorter = buf.line(legend - 2)
        #expect(shorter.contains("█"), "the shorter row is drawn: \(shorter)")
        let cells: (String) -> Int = { $0.filter { "░▒▓█".contains($0) }.count }
        let full = cells(buf.line(legend - 1))
        #expect(cells(shorter) > full / 2 && cells(shorter) < full, "the shorter row ends early: \(cells(shorter)) of \(full)")
    }

    /// An older row longer than the newest (the last batch was short) is drawn whole: the
    /// heatmap's axis runs to the longest row, which its title says, and no step near that
    /// row's loss is dropped.
    @Test func aLongerOlderRowKeepsItsLastSteps() throws {
        var state = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms), rows: 1)
        let long = IterationSummary(iteration: 11, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                    normBins: [[Double](repeating: 0.5, count: norms.count)])
        let short = IterationSummary(iteration: 12, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                     normBins: [[Double](repeating: 0.5, count: norms.count / 2)])
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, iterations: [long, short])))
        let buf = Fixture.render(state)
        let legend = try #require(buf.row(containing: "scale "))
        let cells: (String) -> Int = { $0.filter { "░▒▓█".contains($0) }.count }
        let longer = cells(buf.line(legend - 2)), newest = cells(buf.line(legend - 1))
        #expect(newest > 0 && longer >= 2 * newest - 1 && longer <= 2 * newest + 1, "the longer row whole: \(longer) against \(newest)")
        #expect(buf.text.contains(" t = 1…\(norms.count) ─"), "the title says the axis runs to the longest row: \(buf.text)")
        // Rows of one length: no such note.
        var same = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms))
        _ = update(&same, .report(SessionUpdate(generation: same.a.generation, iterations: [long])))
        #expect(!Fixture.render(same).text.contains("t = 1…"))
    }

    /// A row binned to 512 columns (T ≥ 512) beside a shorter newest row cannot share its
    /// axis (a binned row does not carry its length): it says so rather than stay blank,
    /// which the legend reads as zero gradients.
    @Test func aRowOfAnotherBinningSaysItIsNotDrawn() throws {
        var state = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms), rows: 1)
        let binned = IterationSummary(iteration: 11, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                      normBins: [[Double](repeating: 0.5, count: IterationSummary.maximumBins)])
        let short = IterationSummary(iteration: 12, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0, nonfinite: false,
                                     normBins: [[Double](repeating: 0.5, count: norms.count)])
        _ = update(&state, .report(SessionUpdate(generation: state.a.generation, iterations: [binned, short])))
        let buf = Fixture.render(state)
        let legend = try #require(buf.row(containing: "scale "))
        #expect(buf.line(legend - 2).contains("T ≥ 512 in this record: not drawn on this axis"), "\(buf.text)")
        #expect(buf.line(legend - 1).contains("█"))
        // The other way round: the newest binned, an older row short.
        var other = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms), rows: 1)
        _ = update(&other, .report(SessionUpdate(generation: other.a.generation, iterations: [short, binned])))
        let buf2 = Fixture.render(other)
        let legend2 = try #require(buf2.row(containing: "scale "))
        #expect(buf2.line(legend2 - 2).contains("T = \(norms.count) in this record: not drawn on this axis"), "\(buf2.text)")
    }

    /// `o`: the theory line ρ^ℓ from t = T rides on the bars of a network that decays at
    /// exactly ρ per step, and the title names the lines; off, nothing is drawn over the bars.
    @Test func theoryLinesRideOnTheBarsTheyPredict() {
        let norms = Fixture.decaying(steps: 40, decay: 0.7)
        var state = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms, rho: 0.7, sigma: 0.95))
        #expect(!Fixture.render(state).text.contains("•"))
        _ = update(&state, .key(.char("o")))
        let buf = Fixture.render(state)
        #expect(buf.text.contains("• ρ^ℓ ─ (γσ)^ℓ"))
        let chart = buf.lines.prefix(20).joined()
        #expect(chart.filter { $0 == "•" }.count >= 30, "\(buf.text)")
        // Each mark sits on its column's bar top or the cell above it, never inside the bar.
        for y in 3..<18 {
            for x in 6..<60 where buf[x, y].character == "•" {
                #expect(buf[x, y + 1].character != " ", "a mark floating above an empty cell at \(x), \(y)")
            }
        }
    }

    @Test func heatmapRowsSpreadOverAFastRun() {
        var ring = Ring<IterationSummary>(capacity: 512)
        for i in 1...100 {
            ring.append(IterationSummary(iteration: i, loss: 1, gradNorm: 1, clipped: false, clipThreshold: 0,
                                         nonfinite: false, normBins: [[1e-3, 1]]))
        }
        let (rows, every) = Heatmap.sampledRows(ring, rows: 7)
        #expect(every == 14)
        #expect(rows.map(\.iteration) == [16, 30, 44, 58, 72, 86, 100])
        #expect(Heatmap.sampledRows(ring, rows: 200).rows.count == 100)
        #expect(ring[0].smallest == [1e-3] && ring[0].largest == [1])
    }

    /// A float64 stream's norms beyond Float's range are shaded as any others: at 1e-130 the
    /// heatmap was blank ("blank 0": no gradient) under a chart that drew them, and at 1e100
    /// every step had the same shade.
    @Test(arguments: [1e-130, 1e100]) func theHeatmapShadesNormsBeyondFloatsRange(factor: Double) throws {
        func heatmap(_ factor: Double) throws -> [String] {
            let buf = Fixture.render(Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms.map { $0 * factor })))
            let top = try #require(buf.row(containing: "newest at the bottom")), bottom = try #require(buf.row(containing: "░░▒▒▓▓██"))
            return (top + 1..<bottom).map { String(buf.line($0).dropFirst(GradientChart.labelWidth).prefix(50)) }
        }
        let rows = try heatmap(factor)
        #expect(rows.contains { $0.contains(where: { "░▒▓█".contains($0) }) }, "\(rows.joined(separator: "\n"))")
        #expect(rows == (try heatmap(1)), "\(rows.joined(separator: "\n"))")
    }

    /// A float64 stream's norms below 1e-99: the chart's decade labels keep their "1"
    /// (cut at the gutter's left edge, they read "e-130").
    @Test func decadeLabelsWithThreeDigitExponentsAreWhole() throws {
        let buf = Fixture.render(Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms.map { $0 * 1e-120 })))
        let labels = buf.text.split(separator: "\n").compactMap { line in
            line.prefix(GradientChart.labelWidth).split(separator: " ").first { $0.contains("e-1") }
        }
        #expect(!labels.isEmpty && labels.allSatisfy { $0.hasPrefix("1e-1") }, "\(labels)")
    }

    @Test func sidePanelShowsTheSpectrumAndPascanusVerdict() {
        let vanish = Fixture.render(Fixture.state(report: Fixture.report(norms: norms, rho: 0.9, sigma: 0.95)))
        #expect(vanish.panelValue("ρ(W_hh)") == "0.9")
        #expect(vanish.panelValue("γ·σ_max") == "0.95")
        #expect(vanish.text.contains("< 1: gradients must vanish"))
        let explode = Fixture.render(Fixture.state(report: Fixture.report(norms: norms, sigma: 1.5)))
        // At or above 1 the bound is silent, whatever the chart shows; ρ decides for the linear network.
        #expect(explode.text.contains("says nothing") && !explode.text.contains("explode"), "\(explode.text)")
        // With room to spare (they are the first lines a short panel drops: the chart shows them).
        let orthogonal = Fixture.render(Fixture.state(width: 120, height: 40, report: Fixture.report(norms: norms, rho: 0.9, sigma: 1.2)))
        #expect(orthogonal.panelValue("linear net: ρ") == "< 1, vanishes")
        #expect(orthogonal.panelValue("measured h_1/h_T") != nil)
        // The sigmoid's γ is 1/4: σ_max = 3 still means vanishing.
        let sigmoid = Fixture.render(Fixture.state(scenario: Fixture.scenario { $0.activation = .sigmoid },
                                                   report: Fixture.report(norms: norms, sigma: 3)))
        #expect(sigmoid.panelValue("activation") == "sigmoid")
        #expect(sigmoid.panelValue("γ = sup|act'|") == "1/4")
        #expect(sigmoid.panelValue("γ·σ_max") == "0.75")
        #expect(sigmoid.text.contains("must vanish"))
    }

    @Test func sidePanelShowsTheFixesInForce() {
        var s = Fixture.state(report: Fixture.report(norms: norms))
        _ = update(&s, .key(.char("c")))
        _ = update(&s, .key(.char("t")))
        let buf = Fixture.render(s)
        #expect(buf.panelValue("clipping") == "on, ‖g‖ ≤ 1.0")
        #expect(buf.panelValue("truncation") == "on, K = 12")
        #expect(buf.text.contains("fired"))
        #expect(buf.line(22).contains("truncation on: K = 12"), "the status line says what t did")
    }

    @Test(arguments: [false, true])
    func statusLineNeverCutsTheMomentAt100Columns(ascii: Bool) {
        var s = Fixture.state(width: 100, height: 30, report: Fixture.report(norms: norms))
        let moment = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 1.33e-19 < 1e-6"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: moment)))
        _ = update(&s, .key(.space))
        let folded = ScreenBuffer(width: 100, height: 1, asciiOnly: ascii)
        var probe = folded
        probe.put("* " + moment, x: 0, y: 0)
        let whole = probe.line(0).trimmingCharacters(in: .whitespaces)
        var line = Fixture.render(s, ascii: ascii).line(28)
        #expect(line.contains("paused (n: one iteration"))
        #expect(line.contains(whole) || !line.contains("* "), "the moment is whole or absent: \(line)")
        _ = update(&s, .tick(now: s.ui.now + UIState.statusLifetime + 1))
        line = Fixture.render(s, ascii: ascii).line(28)
        #expect(line.contains(whole), "alone, the moment shows whole: \(line)")
        // Wider than the row: cut with an ellipsis, never mid-row without one.
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: String(repeating: "long ", count: 30))))
        line = Fixture.render(s, ascii: ascii).line(28)
        #expect(line.trimmingCharacters(in: .whitespaces).hasSuffix(ascii ? "..." : "…"))
    }

    /// The numbers row shows whole figures only: char-lm in step-through at 100 columns
    /// ended 'pace 20/s   0 i' (the rate cut to its first letter).
    @Test func theNumbersRowDropsAFigureThatDoesNotFitWhole() {
        let charLM = Fixture.scenario("charlm") { $0.task = .charLM; $0.steps = 32 }
        var s = Fixture.state(width: 100, height: 32, scenario: charLM, report: Fixture.report(iteration: 27, norms: Fixture.decaying(steps: 32), loss: 2.82))
        _ = update(&s, .key(.char("b")))
        let row = Fixture.render(s).line(1).trimmingCharacters(in: .whitespaces)
        #expect(row.hasPrefix("PAUSED: STEP-THROUGH"), "\(row)")
        #expect(row.hasSuffix("it/s") || row.hasSuffix("/s") || row.hasSuffix(")") || row.last?.isNumber == true, "a whole figure ends the row: \(row)")
        #expect(!row.hasSuffix(" i") && !row.hasSuffix(" it"), "\(row)")
    }

    /// The latest held-out figure stays in the loss chart's title at 100 columns (lm-perplexity
    /// showed '─ loss, ● held-out ───' and no figure: the title with 'now …' was too wide).
    @Test(arguments: [false, true]) func theHeldOutFigureFitsTheLossTitleAt100Columns(log: Bool) throws {
        let charLM = try ScenarioLibrary.load("lm-perplexity")
        var s = Fixture.state(width: 100, height: 32, scenario: charLM, report: Fixture.report(iteration: 500, norms: Fixture.decaying(steps: 32), loss: 1.731))
        if log { s.a.losses.append(3000) }
        s.a.losses.append(1.731)
        s.a.latestLoss = 1.731
        s.a.heldOut = [(100, 2.5), (500, 1.853)]
        let text = Fixture.render(s).text
        #expect(text.contains("● 1.853"), "\(text)")
    }

    /// The heatmap's title never ends 'a row per' without its number (80x24 cut it there).
    @Test(arguments: [80, 100, 120]) func theHeatmapTitleKeepsItsRowCount(width: Int) {
        let s = Fixture.state(width: width, height: width == 80 ? 24 : 32, report: Fixture.report(iteration: 300, norms: Fixture.decaying(steps: 50)), rows: 200)
        let buf = Fixture.render(s)
        guard let y = buf.row(containing: "a row per") else {
            Issue.record("no heatmap title with its row count: \(buf.text)")
            return
        }
        #expect(buf.line(y).range(of: #"a row per [0-9]+"#, options: .regularExpression) != nil, "\(buf.line(y))")
    }

    /// A bidirectional stream's reverse row ran from t = T down to 1: its theory lines start
    /// at t = 1 and its step-through there (they started at T, as for the forward row).
    @Test func aReverseRowsTheoryAndStepThroughStartAtTheFirstStep() throws {
        var s = Fixture.state(report: Fixture.report(norms: [1, 0.5, 0.25, 0.125]))
        s.a.report?.hiddenGradNorms = [[0.125, 0.25, 0.5, 1], [1, 0.5, 0.25, 0.125]]
        s.a.stream = try StreamHeader.parse(Array(#"{"rnnscope":"0.2.0","source":"pytorch","title":"m","cell":"rnn","layers":1,"directions":2,"hidden":4,"steps":4,"every":1,"exact":true,"inexact":[]}"#.utf8)).get()
        s.a.spectrum = SpectrumReading(spectralRadius: [0.5, 0.5], largestSingularValue: [0.6, 0.6], iteration: 10)
        #expect(s.a.rowName(1) == "layer 1 reverse" && s.a.isReverseRow(1) && !s.a.isReverseRow(0))
        let forward = try #require(TheoryOverlay.lines(s.a, layer: 0, glyphs: .unicode).first)
        #expect(forward.values.map { $0 ?? -1 } == [0.125, 0.25, 0.5, 1])
        let reverse = try #require(TheoryOverlay.lines(s.a, layer: 1, glyphs: .unicode).first)
        #expect(reverse.values.map { $0 ?? -1 } == [1, 0.5, 0.25, 0.125])
        s.ui.layer = 1
        _ = update(&s, .key(.char("b")))
        #expect(s.ui.mode == .stepThrough(cursor: 0))
        #expect(s.ui.status?.text.contains("from t = 1") == true)
        _ = update(&s, .key(.char("b")))
        s.ui.layer = 0
        _ = update(&s, .key(.char("b")))
        #expect(s.ui.mode == .stepThrough(cursor: 3))
    }

    /// At the smallest size (60x16) the heatmap's title and legend keep whole words:
    /// they read '‖∂L/∂h_t‖, last 163 iteratio' and '1e0   bla'.
    @Test func theHeatmapTitleAndLegendKeepWholeWordsAtTheSmallestSize() {
        let s = Fixture.state(width: 60, height: 16, report: Fixture.report(iteration: 300, norms: Fixture.decaying(steps: 50)), rows: 200)
        let buf = Fixture.render(s)
        let text = buf.text
        #expect(text.range(of: #"iteratio(?!n)"#, options: .regularExpression) == nil, "\(text)")
        guard let y = buf.row(containing: "scale ") else {
            Issue.record("no legend: \(text)")
            return
        }
        let legend = buf.line(y)
        #expect(!legend.contains(" bl") || legend.contains("blank 0"), "\(legend)")
        #expect(!legend.contains(" In") || legend.contains("Inf/NaN"), "\(legend)")
    }

    /// With `o` the chart's title keeps the whole legend of the lines drawn at 100 columns
    /// (the residual cell's read '· ─ (1+γσ)^ℓ • (' and the vanilla one's '─ (γσ)^').
    @Test(arguments: [CellKind.rnn, .residual]) func theTheoryLegendFitsTheChartTitleAt100Columns(cell: CellKind) {
        var s = Fixture.state(width: 100, height: 32, scenario: Fixture.scenario { $0.cell = cell },
                              report: Fixture.report(iteration: 123, norms: Fixture.decaying(steps: 50)))
        _ = update(&s, .key(.char("o")))
        let buf = Fixture.render(s)
        let legend = cell == .residual ? "─ (1+γσ)^ℓ • (1−γσ)^ℓ" : "• ρ^ℓ ─ (γσ)^ℓ"
        #expect(buf.row(containing: legend) != nil, "\(buf.text)")
        #expect(buf.row(containing: "it 123") != nil)
    }

    /// A moment wider than the row drops its headings and asides before any figure, and what
    /// still does not fit is cut after a word, never inside a figure (stacked-layers at 100
    /// columns read 'layer 1 = 7.0…' for 7.09e-9, then lost layer 1 altogether).
    @Test(arguments: [false, true])
    func aCutMomentNeverEndsInsideAFigure(ascii: Bool) {
        let ellipsis = ascii ? "..." : "…"
        var s = Fixture.state(width: 100, height: 30, report: Fixture.report(norms: norms))
        let layers = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 3 = 4.09e-10  ✓ layer 2 = 2.61e-9  ✓ layer 1 = 7.09e-9, each < 1e-5"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: layers)))
        var line = Fixture.render(s, ascii: ascii).line(28).trimmingCharacters(in: .whitespaces)
        for figure in ["4.09e-10", "2.61e-9", "7.09e-9"] { #expect(line.contains(figure), "\(figure): \(line)") }
        // Where the shared bound does not fit, it goes whole: never "each < …".
        #expect(line.contains("each < 1e-5") || !line.contains("each"), "\(line)")
        #expect(!line.contains("iteration 1:"), "the heading goes first: \(line)")
        // One verdict: without its heading, then cut after a whole word.
        let inf = "✓ unclipped: iteration 2: first Inf/NaN — the gradient overflowed float32; the weights are frozen from here on, whatever the pace"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: inf)))
        line = Fixture.render(s, ascii: ascii).line(28).trimmingCharacters(in: .whitespaces)
        #expect(line.hasSuffix(" " + ellipsis), "\(line)")
        // The row without "* ", its mark and the ellipsis: the start of the verdict without its heading, up to a space.
        let kept = String(line.dropFirst(ascii ? 5 : 4).dropLast(ellipsis.count + 1))
        let headless = String(inf.dropFirst(2)).replacingOccurrences(of: "iteration 2: ", with: "")
        #expect(kept.hasPrefix("unclipped: first Inf/NaN"), "\(line)")
        if !ascii {  // (ASCII spells — as --)
            #expect(headless.hasPrefix(kept) && headless.dropFirst(kept.count).first == " ", "cut after a word: \(line)")
        }
    }

    /// At 80 columns, or after the first Inf/NaN, the claim's ✓ or ✗ wins over the hint
    /// that repeats the header (PAUSED, DIVERGED).
    @Test func theMomentWinsOverTheHintsThatRepeatTheHeader() {
        let moment = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 1.33e-19 < 1e-6"
        var s = Fixture.state(width: 80, height: 24, report: Fixture.report(norms: norms))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: moment, selfPause: .moment(iteration: 1))))
        s.a.running = false
        var line = Fixture.render(s).line(22)
        #expect(line.contains("* " + moment), "\(line)")
        s.ui.width = 120
        line = Fixture.render(s).line(22)
        #expect(line.contains("stopped at the moment") && line.contains("* " + moment), "room for both: \(line)")
        let inf = "✓ iteration 2: first Inf/NaN — the gradient overflowed float32; the weights are frozen from here"
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: inf, diverged: true)))
        line = Fixture.render(s).line(22)
        #expect(line.contains("* " + inf) && !line.contains("r restarts"), "\(line)")
    }

    /// `train vanishing --iterations 5` at 100 columns stopped at 5 with only iteration 1's
    /// verdict on the status line: the stop at --iterations now says so, the verdict beside it where it fits.
    @Test func aStopAtTheIterationLimitIsSaidOverAnEarlierVerdict() {
        let moment = "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 1.33e-19 < 1e-6"
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, moment: moment, selfPause: .moment(iteration: 1))))
        s.a.running = false
        s.a.selfPause = .iterationLimit(5)
        var line = Fixture.render(s).line(30)
        #expect(line.contains("stopped at iteration 5 (--iterations): space goes on") && !line.contains("✓"), "\(line)")
        s.ui.width = 140
        line = Fixture.render(s).line(30)
        #expect(line.contains("stopped at iteration 5 (--iterations)") && line.contains("* " + moment), "room for both: \(line)")
    }

    /// Hard-wrapped notes reflow for a narrower panel: a paragraph is joined and
    /// wrapped again (no orphan words), list items hang, an indented equation stays
    /// whole where it fits and otherwise wraps under its own indent.
    static let presetDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios")

    @Test func notesReflowByParagraph() throws {
        let notes = "The loss is scored at the\nlast step only, so every\nbit of gradient starts at h_T.\n\n"
            + "- one two\n  three four\n- five\nAfter the list.\n\n    dL/dh = a · b · W_hh\n"
        #expect(Format.reflow(notes, width: 30) == [
            "The loss is scored at the last", "step only, so every bit of", "gradient starts at h_T.", "",
            "- one two three four", "- five", "After the list.", "", "    dL/dh = a · b · W_hh", ""])
        #expect(Format.reflow(notes, width: 16).suffix(3) == ["    dL/dh = a", "      · b · W_hh", ""])
        // Every preset's notes at a panel's width: no row wider than it, every word kept.
        for p in try ScenarioLibrary.presets(in: Self.presetDirectory) {
            for width in [30, 41, 60] {
                let rows: [String] = Format.reflow(p.notes, width: width)
                #expect(rows.allSatisfy { $0.count <= width }, "\(p.name) at \(width)")
                let shown: [Substring] = rows.joined(separator: " ").split(separator: " ")
                let written: [Substring] = p.notes.split { $0 == " " || $0 == "\n" }
                #expect(shown == written, "\(p.name) at \(width): the same words in the same order")
            }
        }
    }

    /// vanishing at 100×32 and 120×36: the BPTT product, W_hh and all, is on screen in the notes.
    @Test(arguments: [(100, 32), (120, 36)])
    func vanishingShowsItsEquationInTheNotesPanel(width: Int, height: Int) throws {
        let vanishing = try #require(try ScenarioLibrary.presets(in: Self.presetDirectory).first { $0.name == "vanishing" })
        let buf = Fixture.render(Fixture.state(width: width, height: height, scenario: vanishing, report: Fixture.report(norms: norms)))
        let equation = try #require(buf.row(containing: "∂L/∂h_{t-1} = ∂L/∂h_t ·"))
        #expect(buf.line(equation + 1).contains("diag(tanh'(a_t)) · W_hh"), "\(buf.text)")
    }

    /// A title too long for the bar is cut with an ellipsis; the seed stays.
    @Test(arguments: [false, true])
    func aLongTitleEndsWithAnEllipsis(ascii: Bool) {
        let long = Fixture.scenario(title: "Vanishing gradients: tanh RNN, ρ(W_hh) = 0.5, T = 50, plain SGD on the adding problem")
        let bar = Fixture.render(Fixture.state(width: 80, height: 24, scenario: long, report: Fixture.report(norms: norms)), ascii: ascii).line(0)
        #expect(bar.contains(ascii ? "..." : "…") && bar.hasSuffix("seed 1 "), "[\(bar)]")
    }

    /// A run moved off the scenario's settings says which on the title bar, beside the
    /// (then shortened) title and the seed.
    @Test func theTitleBarSaysWhatTheRunChanged() {
        var s = Fixture.state(width: 100, height: 32, report: Fixture.report(norms: norms))
        #expect(!Fixture.render(s).line(0).contains("changed"))
        _ = update(&s, .key(.char("g")))
        _ = update(&s, .key(.char("c")))
        let bar = Fixture.render(s).line(0)
        #expect(bar.contains("│ changed: network.cell, train.clip") && bar.contains("seed 1"), "[\(bar)]")
    }

    /// --set changes the run, not what the title describes: the bar names the keys
    /// (vanishing's title says ρ(W_hh) = 0.5 over a run at 1.0), as a stream's header does.
    @Test func theTitleBarSaysWhatSetChanged() throws {
        var scenario = try ScenarioLibrary.load("vanishing")
        scenario.settingsBeforeSet = scenario.settings
        scenario.settings.rho = 1.0
        let s = Fixture.state(width: 120, height: 36, scenario: scenario, report: Fixture.report(norms: norms))
        let bar = Fixture.render(s).line(0)
        #expect(bar.contains("ρ(W_hh) = 0.5") && bar.contains("│ changed: init.rho"), "[\(bar)]")
        var stream = s
        stream.a.scenario.settingsBeforeSet = nil
        #expect(!Fixture.render(stream).line(0).contains("changed"))
        stream.a.stream = try StreamHeader.parse(Array(#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"title":"t","changed":["init.rho"]}"#.utf8)).get()
        #expect(Fixture.render(stream).line(0).contains("│ changed: init.rho"))
    }

    @Test func oneIterationIsSingular() {
        let buf = Fixture.render(Fixture.state(report: Fixture.report(iteration: 1, norms: norms), rows: 1))
        #expect(buf.text.contains("over the last iteration"))
        #expect(!buf.text.contains("1 iterations"))
    }

    @Test(arguments: [Mode.normal, .stepThrough(cursor: 3)])
    func keyBarShowsEveryLabelOfTheMode(_ mode: Mode) {
        // 100 columns (the README's screen) hold every entry; at 80 some give way, never Quit.
        var s = Fixture.state(width: 100, height: 30, report: Fixture.report(norms: norms))
        s.ui.mode = mode
        let bar = Fixture.render(s).line(29)
        for b in Keymap.bar(for: mode) {
            #expect(bar.contains(b.keyLabel + (b.barLabel ?? "")) || bar.contains(b.keyLabel + " " + (b.barLabel ?? "")),
                    "\(b.keyLabel) \(b.barLabel ?? "")")
        }
        var narrow = Fixture.state(width: 80, report: Fixture.report(norms: norms))
        narrow.ui.mode = mode
        #expect(Fixture.render(narrow).line(23).contains("qQuit") || Fixture.render(narrow).line(23).contains("q Quit"))
    }

    @Test(arguments: [Mode.normal, .stepThrough(cursor: 3), .help(scroll: 0)])
    func narrowKeyBarKeepsHelpAndQuit(_ mode: Mode) {
        var s = Fixture.state(width: 60, height: 24, report: Fixture.report(norms: norms))
        s.ui.mode = mode
        let bar = Fixture.render(s).line(23)
        #expect(bar.contains("qQuit") || bar.contains("q Quit"))
        #expect(bar.contains(mode == .help(scroll: 0) ? "Close" : "Help"))
        #expect(bar.hasPrefix(Keymap.bar(for: mode)[0].keyLabel), "the first keys still show")
    }

    @Test func keyBarIsHtopStyle() {
        var buf = ScreenBuffer(width: 40, height: 1)
        KeyBar.render(Keymap.bar(for: .picker(selection: 0)), into: &buf, buf.area)
        #expect(buf.lines == ScreenBuffer(lines: ["↑kUp ↓jDown EnterOpen EscCancel qQuit   "]).lines)
        #expect(buf[0, 0].style.bold && buf[2, 0].style.background == .role(.keyLabel))
        var wide = ScreenBuffer(width: 50, height: 1)
        KeyBar.render(Keymap.bar(for: .picker(selection: 0)), into: &wide, wide.area)
        #expect(wide.lines == ["↑k Up ↓j Down Enter Open Esc Cancel q Quit        "])
    }

    /// `?` explains every label the side panel and the title bar can show, the wide panel's too
    /// (at 120 columns: "linear net: ρ" and "measured h_1/h_T"; the title bar's "changed: …").
    @Test func helpExplainsEveryPanelLabel() {
        let help = ScreenHelp.elements.map(\.text).joined(separator: " ")
        for label in ["linear net: ρ", "measured h_1/h_T", "measured h_T/h_1", "changed: ", "fired", "∏ f T…1", "σ_max"] {
            #expect(help.contains(label), "\(label)")
        }
    }

    /// rnnscope's own training runs in float32 and flushes subnormals: a gradient that vanished
    /// past 1e-38 is drawn as the dot that help called "no gradient reaches that step".
    @Test func helpSaysAZeroMayBeBelowFloat32sRange() {
        let chart = ScreenHelp.elements.first { $0.name == "gradient chart" }?.text ?? ""
        #expect(chart.contains("a dot marks") && chart.contains("below float32's range (about 1e-38)"))
    }

    @Test func helpListsEveryBindingAndEveryElement() {
        let state = Fixture.state(width: 200, height: 60, report: Fixture.report(norms: norms))
        let text = HelpOverlay.lines(state.a, width: HelpOverlay.textWidth(width: 200)).map { $0.key + " " + $0.text }
        for b in Keymap.bindings {
            #expect(text.contains { $0.hasPrefix(HelpOverlay.keysText(b)) && $0.contains(b.help) }, "\(b.action)")
        }
        for e in ScreenHelp.elements { #expect(text.contains { $0.hasPrefix(e.name + " ") }) }
        var open = state
        _ = update(&open, .key(.char("?")))
        let buf = Fixture.render(open)
        #expect(buf.text.contains("help: everything on screen and every key"))
        #expect(buf.text.contains("KEYS"))
        #expect(buf.text.contains("pause / resume training"))
    }

    /// At 60×16 the step-through's title read "t = 1 of" (its T cut off) and its notes
    /// "has reach", "J_t = dia": a title is now cut after a word with "…", a note left out.
    @Test func stepThroughAtTheSmallestSizeCutsNoWord() {
        let report = Fixture.report(norms: norms, jacobians: [Double](repeating: 0.5, count: 50), gradNorm: 0.5, clipScale: 0.5)
        var s = Fixture.state(width: 60, height: 16, report: report)
        _ = update(&s, .key(.char("b")))
        _ = update(&s, .key(.home))
        let buf = Fixture.render(s)
        guard let top = buf.row(containing: "BPTT step-through") else { Issue.record("no step-through"); return }
        let title = buf.lines[top]
        #expect(title.contains("BPTT step-through: t = 1 of 50") || title.contains("BPTT step-through: t = 1 …"), "\(title)")
        for fragment in ["has reach ", "J_t = dia ", "bounds ‖∂ "] { #expect(!buf.text.contains(fragment), "\(buf.text)") }
        #expect(buf.text.contains("‖J_t‖      0.5"), "the figures stay")
    }

    @Test func stepThroughShowsTheCursorAndTheFactors() {
        let report = Fixture.report(norms: norms, jacobians: [Double](repeating: 0.5, count: 50), gradNorm: 0.5, clipScale: 0.5)
        var s = Fixture.state(width: 200, height: 40, report: report, options: Fixture.options(truncate: 12, clip: 0.25))
        _ = update(&s, .key(.char("b")))
        _ = update(&s, .key(.left))
        _ = update(&s, .key(.left))
        let buf = Fixture.render(s)
        #expect(buf.line(1).contains("STEP-THROUGH"))
        #expect(buf.text.contains("BPTT step-through: t = 48 of 50"))
        #expect(buf.text.contains("t=48"))
        #expect(buf.text.contains("‖J_t‖      0.5"))
        #expect(buf.text.contains("∏ ‖J‖ T…t  0 (cut)"), "K = 12 cuts between t = 48 and 49")
        #expect(buf.text.contains("the cut at t = 48|49 detaches the path from h_T to h_47"))
        #expect(buf.text.contains("the cut at t = 48|49"))
        #expect(buf.text.contains("×0.5"), "clipping scaled ‖∇θ‖ = 0.5 to 0.25")
        #expect(buf.text.contains("‖∇θ‖ = 0.5 > 0.25: all of ∇θ scaled after BPTT"))
        // Narrower, the notes are shorter.
        _ = update(&s, .resize(width: 80, height: 24))
        let narrow = Fixture.render(s)
        #expect(narrow.text.contains("cut 48|49 blocks h_T"))
        // Without truncation the product runs all the way: 0.5³ for J_48 … J_50.
        s.a.reportOptions = Fixture.options(clip: 0.25)
        let whole = Fixture.render(s)
        #expect(whole.text.contains("∏ ‖J‖ T…t  1.25e-01"))
        #expect(whole.text.contains("bounds ‖∂h_T/∂h_47‖"))
        #expect(StepThroughPanel.blockingCut(12, s: 49, steps: 50) == nil, "J_50 is not cut")
        #expect(StepThroughPanel.blockingCut(12, s: 48, steps: 50) == 48, "J_49 is: the cut is right here")
        #expect(StepThroughPanel.blockingCut(12, s: 47, steps: 50) == 48)
        #expect(StepThroughPanel.blockingCut(12, s: 0, steps: 10) == nil, "K ≥ T never cuts")
        // Steps the backward pass has not reached yet have no bars.
        let top = buf.row(containing: "by timestep")! + 1
        let axis = buf.lines.firstIndex { $0.dropFirst(5).hasPrefix("└") }!
        #expect((top..<axis).allSatisfy { buf[6, $0].character == " " })
    }

    @Test func pickerListsThePresetsWithTitles() {
        var s = Fixture.state(report: Fixture.report(norms: norms))
        _ = update(&s, .key(.char("s")))
        _ = update(&s, .key(.down))
        let buf = Fixture.render(s)
        #expect(buf.text.contains("open a scenario"))
        #expect(buf.text.contains("> exploding"))
        #expect(buf.text.contains("Character language model"))
        #expect(buf.text.contains("*vanishing"), "the current one is starred")
    }

    @Test func charLMShowsItsSampledText() {
        var s = Fixture.state(scenario: Fixture.presets[2], report: Fixture.report(norms: Fixture.decaying(steps: 25)))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, sample: "the cat\nsat")))
        let buf = Fixture.render(s)
        #expect(buf.text.contains("sampled text"))
        #expect(buf.text.contains("the cat↵sat"))
        #expect(buf.line(1).contains("perplexity"))
    }

    @Test func aTooSmallTerminalSaysSoAndWhatItNeeds() {
        let buf = Fixture.render(Fixture.state(width: 20, height: 6, report: Fixture.report(norms: norms)))
        #expect(buf.lines == ScreenBuffer(lines: [
            "                    ",
            "terminal too small: ",
            "  have 20×6, need   ",
            "       60×16        ",
            "      q quits       ",
            "                    ",
        ]).lines)
        let wide = Fixture.render(Fixture.state(width: 100, height: 10))
        #expect(wide.text.contains("terminal too small: have 100×10, need 60×16"))
        #expect(Fixture.render(Fixture.state(width: 60, height: 16)).text.contains("too small") == false)
    }

    static let sizes = [(80, 24), (200, 60), (60, 16), (20, 6)]

    @Test(arguments: [Mode.normal, .help(scroll: 3), .stepThrough(cursor: 40), .picker(selection: 1)])
    func asciiModeWritesOnlyAscii(_ mode: Mode) {
        var withCuts = Fixture.decaying(steps: 50)
        withCuts[10] = .nan
        for (w, h) in Self.sizes {
            var s = Fixture.state(width: w, height: h, report: Fixture.report(norms: withCuts, jacobians: withCuts),
                                  options: Fixture.options(truncate: 7, clip: 1))
            _ = update(&s, .report(SessionUpdate(generation: s.a.generation, sample: "naïve café ρ", moment: "ρ → ∞!")))
            s.ui.mode = mode
            let buf = Fixture.render(s, ascii: true)
            let bad = buf.lines.flatMap { $0.filter { !$0.isASCII } }
            #expect(bad.isEmpty, "\(w)×\(h) \(mode): \(String(bad))")
        }
    }

    @Test func noColourTierUsesNoColours() {
        var s = Fixture.state(report: Fixture.report(norms: norms), options: Fixture.options(truncate: 7))
        s.ui.mode = .stepThrough(cursor: 20)
        for tier in ColorTier.allCases {
            let buf = Fixture.render(s, colors: tier)
            let limit = tier == .eight ? 8 : 256
            for cell in buf.cells {
                for ink in [cell.style.foreground, cell.style.background] {
                    switch (tier, ink) {
                    case (_, .standard): break
                    case (.none, _): Issue.record("colour \(ink) in the no-colour tier")
                    case (_, .color(let n)): #expect(n < limit)
                    case (_, .role): Issue.record("unresolved role")
                    }
                }
            }
        }
        // Without colours the heat shades still differ by glyph and the key bar by reverse video.
        let mono = Fixture.render(s, colors: .none)
        #expect(mono.cells.contains { $0.style.reverse })
    }

    @Test func everySizeRendersWithoutLeavingTheBuffer() {
        for w in stride(from: 1, through: 240, by: 7) {
            for h in stride(from: 1, through: 70, by: 5) {
                let buf = Fixture.render(Fixture.state(width: w, height: h, report: Fixture.report(norms: norms)))
                #expect(buf.width == w && buf.height == h)
            }
        }
    }
}

@Suite struct RenderStateTests {
    @Test func aDivergedRunSaysSoAndWhatToDo() {
        var values = Fixture.decaying(steps: 50)
        values[49] = .nan
        var s = Fixture.state(report: Fixture.report(norms: values))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterationsPerSecond: 900, diverged: true)))
        let buf = Fixture.render(s)
        #expect(buf.line(1).contains("DIVERGED"))
        #expect(buf.line(1).contains(" 0 it/s"))
        #expect(buf.line(22).contains("r restarts"))
    }

    @Test func anErrorReplacesTheChart() {
        var s = Fixture.state()
        let commands = update(&s, .report(SessionUpdate(generation: s.a.generation, error: "task.lag: lag 50 must be below task.steps (12)")))
        #expect(commands.isEmpty, "a run's settings can be changed from the view: it stays open")
        let buf = Fixture.render(s)
        #expect(buf.line(1).contains("ERROR"))
        #expect(buf.text.contains("cannot train: task.lag"))
        #expect(buf.line(22).contains("error: task.lag"))
    }

    @Test func theLossSparklineGoesLogarithmicOverDecades() {
        var s = Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        for v in [1e6, 1e3, 1, 0.5, 0.4] { s.a.losses.append(v) }
        let buf = Fixture.render(s)
        #expect(buf.text.contains("loss, whole run, log"))
        #expect(buf.text.contains("1.00e+06"))
        s.a.losses = LossHistory()
        for v in [0.5, 0.4, 0.3] { s.a.losses.append(v) }
        #expect(!Fixture.render(s).text.contains("whole run, log"))
    }

    @Test func theOneLossIsShownWholeAtEightyColumns() {
        var s = Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        s.a.losses = LossHistory()
        s.a.losses.append(0.5609)
        let lines = Fixture.render(s).lines
        let line = lines.first { $0.contains("one finite loss") || $0.contains("one loss") }
        #expect(line?.trimmingCharacters(in: .whitespaces).hasSuffix("0.5609") == true, "\(lines.joined(separator: "\n"))")
    }

    @Test func layersCycleWithL() {
        var s = Fixture.state(scenario: Fixture.scenario { $0.layers = 3 })
        _ = update(&s, .key(.char("L")))
        #expect(s.ui.layer == 1)
        _ = update(&s, .key(.char("L")))
        _ = update(&s, .key(.char("L")))
        #expect(s.ui.layer == 0)
    }
}

@Suite struct TimeAxisTests {
    @Test(arguments: [(20, 147), (50, 45), (32, 50), (1000, 45), (7, 7), (1, 30)])
    func everyStepHasAColumnAndEveryColumnItsSteps(_ count: Int, _ width: Int) {
        let axis = TimeAxis(count: count, width: width)
        var seen = [Int](repeating: 0, count: count)
        for c in 0..<width {
            let r = axis.steps(in: c)
            #expect(!r.isEmpty)
            for s in r { seen[s] += 1 }
            for s in r { #expect(axis.column(of: s) <= c) }
        }
        #expect(seen.allSatisfy { $0 >= 1 }, "every step is drawn somewhere")
        if axis.resampled { #expect(seen.allSatisfy { $0 == 1 }, "resampled: each step in exactly one column") }
        #expect(axis.column(of: count) == width, "the steps fill the whole width")
    }

    @Test func ticksStartAtOneAndEndAtT() {
        let ticks = TimeAxis(count: 50, width: 45).ticks()
        #expect(ticks.first?.label == "1")
        #expect(ticks.last?.label == "50")
    }
}
