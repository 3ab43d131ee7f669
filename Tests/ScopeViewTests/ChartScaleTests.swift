import Foundation
import RNNSim
import Testing
@testable import ScopeView

/// The chart's decades fit what is drawn: the iteration on the chart and the heatmap
/// rows on screen, not a blow-up the history still keeps (irnn-adding's early spike
/// stretched the split's charts up to 1e5 for hundreds of iterations).
@Suite struct ChartScaleTests {
    static let steps = 50
    static let calm = Fixture.decaying(steps: steps)                 // 0.1 down to 2.6e-9
    static let spike = Fixture.decaying(steps: steps, top: 2e4)      // up to 2e4

    /// A run that blew up once at iteration `at`, and was calm for `after` iterations since.
    static func state(width: Int, height: Int, after: Int) -> AppState {
        var s = Fixture.state(width: width, height: height, report: Fixture.report(iteration: 1, norms: calm), rows: 1)
        var rows = [IterationSummary(report: Fixture.report(iteration: 2, norms: spike), clipThreshold: 0)]
        for i in 0..<after { rows.append(IterationSummary(report: Fixture.report(iteration: 3 + i, norms: calm), clipThreshold: 0)) }
        let last = Fixture.report(iteration: 2 + after, norms: calm)
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: rows, report: last,
                                             reportOptions: Fixture.options(), iterationsPerSecond: 50, chanceLoss: 0.1667)))
        return s
    }

    @Test(arguments: [(100, 32), (120, 36)])
    func theSplitsChartsSpendNoDecadesOnAnEarlierBlowUp(width: Int, height: Int) {
        var s = Self.state(width: width, height: height, after: 300)
        _ = update(&s, .key(.char("v")))
        let text = Fixture.render(s).text
        #expect(text.contains("1e-1│"), "the top decade is the drawn iteration's")
        #expect(!text.contains("1e4│") && !text.contains("1e5│"), "\(text)")
    }

    @Test func theSingleViewCoversTheHeatmapRowsItDraws() throws {
        let s = Self.state(width: 120, height: 36, after: 300)
        let drawn = Heatmap.sampledRows(s.a.history, rows: 30).rows.map(\.iteration)
        try #require(!drawn.contains(2), "the spike's row is not among those the heatmap shows")
        let text = Fixture.render(s).text
        #expect(!text.contains("1e4│"), "\(text)")
        #expect(text.contains("1e-1│"))
    }

    @Test func aBlowUpOnScreenKeepsItsDecades() {
        // Just after it, the heatmap shows the spike's row: the scale must reach it.
        let text = Fixture.render(Self.state(width: 120, height: 36, after: 3)).text
        #expect(text.contains("1e4│") || text.contains("1e5│"), "\(text)")
    }
}
