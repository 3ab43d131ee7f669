import Foundation
import RNNSim
import Testing
@testable import ScopeView

/// The residual cell on screen: its step back is I + diag(act')·W_hh, so the panel's
/// bound is a floor (each step keeps at least 1 − γ·σ_max), never "must vanish", and
/// the theory lines are (1 ± γ·σ_max)^ℓ.
@Suite struct ResidualCellViewTests {
    static func state(sigma: Double, theory: Bool = false) -> AppState {
        let scenario = Fixture.scenario("residual-path", title: "residual") { $0.cell = .residual; $0.rho = 0.25 }
        var s = Fixture.state(width: 120, height: 36, scenario: scenario,
                              report: Fixture.report(norms: Fixture.decaying(steps: 50, decay: 1.05), rho: 0.25, sigma: sigma))
        if theory { _ = update(&s, .key(.char("o"))) }
        return s
    }

    @Test func thePanelsBoundIsAFloorBelowOne() {
        let text = Fixture.render(Self.state(sigma: 0.5)).text
        #expect(text.contains("I + diag(act')·W_hh"), "\(text)")
        #expect(text.contains("each step keeps ≥ 1 − γ·σ_max") || text.contains("keeps ≥ 1−γσ"), "\(text)")
        #expect(!text.contains("must vanish"), "the Elman cell's verdict is not the residual cell's")
    }

    @Test func atOrAboveOneTheBoundSaysNothing() {
        let text = Fixture.render(Self.state(sigma: 1.5)).text
        #expect(text.contains("the bound says nothing") || text.contains("says nothing"))
        #expect(!text.contains("must vanish") && !text.contains("keeps ≥"))
    }

    @Test func theTheoryLinesAreTheTwoBounds() throws {
        let s = Self.state(sigma: 0.5, theory: true)
        let lines = TheoryOverlay.lines(s.a, layer: 0, glyphs: .unicode)
        #expect(lines.map(\.name) == ["(1+γσ)^ℓ", "(1−γσ)^ℓ"])
        let anchor = try #require(s.a.report?.hiddenGradNorms[0].last)
        // one step back from T: anchor·1.5 and anchor·0.5
        #expect(abs((lines[0].values[48] ?? 0) - anchor * 1.5) < 1e-12 * anchor)
        #expect(abs((lines[1].values[48] ?? 0) - anchor * 0.5) < 1e-12 * anchor)
    }
}
