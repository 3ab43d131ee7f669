import Testing
import RNNSim
@testable import ScopeView

/// Pascanu's bound is about the gradient one loss sends back. With a loss at every
/// step (echo, char-lm: mse-all, xent-all) ‖∂L/∂h_t‖ sums every later step's, and the
/// chart stays level where γ·σ_max < 1 (truncation-horizon's K = 9 run on its own, or
/// char-lm with a small ρ): the panel must not say "gradients must vanish" beside it.
@Suite struct EveryStepLossVerdictTests {
    let level: [Double] = Array(repeating: 1e-3, count: 50)

    @Test func aLossAtEveryStepIsNotToldItsGradientMustVanish() {
        let state = Fixture.state(width: 120, height: 40, report: Fixture.report(norms: level, rho: 0.5, sigma: 0.77),
                                  options: BPTTOptions(loss: .mseAll, truncate: 0, clipNorm: 0))
        let buf = Fixture.render(state)
        #expect(!buf.text.contains("gradients must vanish"), "\(buf.text)")
        #expect(buf.text.contains("< 1: each loss's gradient vanishes"), "\(buf.text)")
    }

    @Test func theLinearNetLineSaysTheSameOfEachLoss() {
        let state = Fixture.state(width: 120, height: 40, report: Fixture.report(norms: level, rho: 0.9, sigma: 1.2),
                                  options: BPTTOptions(loss: .xentAll, truncate: 0, clipNorm: 0))
        #expect(Fixture.render(state).panelValue("linear net: ρ") == "< 1, each loss's vanishes")
    }

    @Test func theLastStepLossKeepsTheShortVerdict() {
        let state = Fixture.state(width: 120, height: 40, report: Fixture.report(norms: level, rho: 0.5, sigma: 0.77))
        #expect(Fixture.render(state).text.contains("< 1: gradients must vanish"))
    }
}
