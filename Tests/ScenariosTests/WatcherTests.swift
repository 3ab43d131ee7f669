import Foundation
@testable import RNNSim
import Testing
@testable import Scenarios

/// Moment watchers on synthetic iteration reports.
@Suite struct WatcherTests {
    static func report(_ iteration: Int, loss: Double = 1, nonfinite: Bool = false,
                       norms: [Double] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], rho: Double = .nan) -> IterationReport {
        IterationReport(iteration: iteration, loss: loss, gradNorm: 1, clipScale: 1, clipped: false, valueClipped: false,
                        nonfinite: nonfinite, spectralRadius: [rho], largestSingularValue: [.nan],
                        hiddenGradNorms: [norms], jacobianNorms: [norms.map { _ in .nan }])
    }

    static func scenario(_ claims: String, task: String = "kind = \"adding\"\nsteps = 10") throws -> Scenario {
        try ScenarioLibrary.parse("""
        title = "w"
        [network]
        hidden = 4
        [task]
        \(task)
        [variants.other]
        network.hidden = 5
        \(claims)
        """, path: "w.toml")
    }

    @Test func gradRatioFiresAtItsIteration() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"grad_ratio\"\nbelow = 1e-6\niteration = 2")
        let w = try #require(s.momentWatcher())
        let norms = [1e-9] + Array(repeating: 0.5, count: 8) + [1]
        #expect(w.observe(Self.report(1, norms: norms)) == nil)
        let line = w.observe(Self.report(2, norms: norms))
        #expect(line == "✓ iteration 2: ‖∂L/∂h_1‖/‖∂L/∂h_10‖ = 1e-9 < 1e-6")
        #expect(w.observe(Self.report(3, norms: norms)) == nil)
    }

    @Test func firstNonfinite() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"nonfinite_within\"\niterations = 50")
        let w = try #require(s.momentWatcher())
        #expect(w.observe(Self.report(1, loss: 1e20)) == nil)
        #expect(w.observe(Self.report(2, loss: 1e30)) == nil)
        let line = try #require(w.observe(Self.report(3, loss: .nan, nonfinite: true)))
        #expect(line.hasPrefix("✓ iteration 3: first Inf/NaN"))
        #expect(w.observe(Self.report(4, loss: .nan, nonfinite: true)) == nil)
        // A restart (the iteration count goes back) arms it again.
        #expect(w.observe(Self.report(1)) == nil)
        #expect(w.observe(Self.report(2, nonfinite: true))?.hasPrefix("✓ iteration 2:") == true)
    }

    @Test func finiteForAtTheEndOfItsBudget() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"finite_for\"\niterations = 3")
        let w = try #require(s.momentWatcher())
        #expect(w.observe(Self.report(1)) == nil)
        #expect(w.observe(Self.report(2)) == nil)
        #expect(w.observe(Self.report(3)) == "✓ 3 iterations without Inf/NaN")
    }

    @Test func lossCrossingItsThreshold() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"loss_reaches\"\niterations = 100\nwindow = 2\nbelow = 0.5")
        let w = try #require(s.momentWatcher())
        let losses = [1.0, 0.9, 0.6, 0.45, 0.4, 0.3, 0.2]
        var lines: [(Int, String)] = []
        for (i, l) in losses.enumerated() {
            if let line = w.observe(Self.report(i + 1, loss: l)) { lines.append((i + 1, line)) }
        }
        // (0.45 + 0.4)/2 = 0.425 < 0.5 at iteration 5; once only.
        #expect(lines.count == 1)
        #expect(lines.first?.0 == 5)
        #expect(lines.first?.1 == "✓ iteration 5: loss (mean of 2) = 0.425 < 0.5")
    }

    @Test func finalLossJudgedAtTheEnd() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"final_loss\"\niterations = 4\nwindow = 2\nabove = 0.15")
        let w = try #require(s.momentWatcher())
        for i in 1...3 { #expect(w.observe(Self.report(i, loss: 0.17)) == nil) }
        #expect(w.observe(Self.report(4, loss: 0.17)) == "✓ after 4 iterations: loss (mean of 2) = 0.170 > 0.15")
    }

    /// final_loss is judged at its iteration, as `check` judges it: an early crossing
    /// of `below` is not its moment.
    @Test func finalLossBelowIsJudgedAtItsIterationNotAtACrossing() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"final_loss\"\niterations = 5\nwindow = 1\nbelow = 0.5")
        let w = try #require(s.momentWatcher())
        for (i, l) in [1.0, 0.4, 0.3, 0.2].enumerated() { #expect(w.observe(Self.report(i + 1, loss: l)) == nil, "iteration \(i + 1)") }
        #expect(w.observe(Self.report(5, loss: 0.1)) == "✓ after 5 iterations: loss = 0.100 < 0.5")
    }

    /// A figure beside its bound gets the digits that put it on its side of it.
    @Test func aFigureBesideItsBoundNeverReadsAsTheBound() {
        #expect(Format.figure(0.049996, beside: 0.05) == "0.049996")
        #expect(Format.figure(0.04996, beside: 0.05) == "0.04996")
        #expect(Format.figure(1.5996, beside: 1.6) == "1.5996")
        #expect(Format.figure(0.0421, beside: 0.05) == "0.0421")
        #expect(Format.figure(1.0004e-6, beside: nil, 1e-6) == "1.0004e-6")
        #expect(Format.figure(0.05, beside: 0.05) == "0.0500", "equal: no digits can help")
        #expect(Format.figure(.nan, beside: 0.05) == "NaN")
    }

    /// gate_path at its iteration: the recorded mean of the gate products from `step` to T.
    @Test func gatePathAtItsIteration() throws {
        let s = try ScenarioLibrary.parse("""
        title = "w"
        [network]
        hidden = 4
        cell = "lstm"
        [task]
        kind = "adding"
        steps = 10
        [[expect]]
        metric = "gate_path"
        above = 1e-5
        """, path: "w.toml")
        let w = try #require(s.momentWatcher())
        var r = Self.report(1)
        r.pathProducts = [(1...10).map { Foundation.pow(0.88, Double(11 - $0)) }]
        #expect(w.observe(r) == "✓ iteration 1: mean over units of Π_{u=1}^{10} f_u = 0.279 > 1e-5")
        var later = Self.report(2)
        later.pathProducts = r.pathProducts
        #expect(w.observe(later) == nil)
    }

    /// heldout_perplexity: asks for the held-out loss at its iteration and judges exp of it.
    @Test func heldOutPerplexityAtItsIteration() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"heldout_perplexity\"\niterations = 3\nbelow = 8",
                                  task: "kind = \"char-lm\"\ntext = \"abcabdabcabdabcabd\"\nsteps = 3\nheldout = 0.3")
        let w = try #require(s.momentWatcher())
        #expect(w.measuresHeldOut(at: 3) && !w.measuresHeldOut(at: 2) && !w.measuresHeldOut(at: 4))
        #expect(w.observe(Self.report(1)) == nil && w.observe(Self.report(2)) == nil)
        var r = Self.report(3)
        r.heldOutLoss = Foundation.log(6.0)
        #expect(w.observe(r) == "✓ after 3 iterations: held-out perplexity = 6.00 < 8")
    }

    /// perplexity_ratio is judged where `check` judges it, at its iteration, not when the
    /// perplexity first crosses the bound on the way.
    @Test func perplexityRatioAtItsIteration() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"perplexity_ratio\"\niterations = 4\nwindow = 1\nbelow = 0.5",
                                  task: "kind = \"char-lm\"\ntext = \"abcabd\"\nsteps = 3")
        let w = try #require(s.momentWatcher())
        // start perplexity e^3 ≈ 20.1; e^2.3 ≈ 9.97 crosses half of it at iteration 3, judged at 4: e^2.2 ≈ 9.03.
        for (i, loss) in [3, 2.5, 2.3].enumerated() { #expect(w.observe(Self.report(i + 1, loss: loss)) == nil, "iteration \(i + 1)") }
        let line = try #require(w.observe(Self.report(4, loss: 2.2)))
        #expect(line == "✓ after 4 iterations: perplexity 20.1 → 9.03, ratio 0.449 < 0.5")
    }

    @Test func slopeAgainstMeasuredRho() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"slope_vs_log_rho\"\nfit_steps = [2, 8]")
        let w = try #require(s.momentWatcher())
        let norms = (1...10).map { t in Foundation.pow(0.9, Double(10 - t)) }
        let line = try #require(w.observe(Self.report(1, norms: norms, rho: 0.9)))
        #expect(line == "✓ iteration 1: slope of log‖∂L/∂h_t‖ per step back = −0.1054 vs log ρ = −0.1054")
    }

    @Test func linesArrivingTogetherAreOneLine() throws {
        let s = try Self.scenario("""
        [[expect]]
        metric = "grad_ratio"
        below = 10
        [[expect]]
        metric = "nonfinite_within"
        iterations = 1
        """)
        let w = try #require(s.momentWatcher())
        let first = try #require(w.observe(Self.report(1, nonfinite: true)))
        #expect(first.hasPrefix("✓ iteration 1: ‖∂L/∂h_1‖") && first.contains("  ✓ first Inf/NaN"), "\(first)")
        #expect(w.observe(Self.report(2, nonfinite: true)) == nil)
    }

    /// Verdicts on one row drop what they repeat of the one before.
    @Test func joinedVerdictsDropWhatTheyRepeat() {
        #expect(MomentWatchers.shortened("✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 2 = 5.18e-7 < 1e-5",
                                         after: "✓ iteration 1: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ of layer 3 = 1.6e-8 < 1e-5") == "✓ layer 2 = 5.18e-7 < 1e-5")
        #expect(MomentWatchers.shortened("✓ clipped: after 1000 iterations: loss/chance = 0.0253 < 0.2",
                                         after: "✓ clipped: 1000 iterations without Inf/NaN") == "✓ after 1000 iterations: loss/chance = 0.0253 < 0.2")
        #expect(MomentWatchers.shortened("✗ tanh: after 40 iterations", after: "✓ irnn: iteration 40: x") == "✗ tanh: after 40 iterations")
    }

    @Test func onlyTheFilesOwnSettingsAreWatched() throws {
        let variant = try Self.scenario("[[expect]]\nmetric = \"grad_ratio\"\nvariant = \"other\"\nbelow = 1")
        #expect(variant.momentWatcher() == nil)
        let product = try Self.scenario("[[expect]]\nmetric = \"product_growth\"\nbelow = 1")
        #expect(product.momentWatcher() == nil)
    }

    @Test func everyPresetWithALiveRunHasAWatcher() throws {
        for p in try ScenarioLibrary.presets(in: presetDirectory) where p.name != "jacobian-product" {
            #expect(p.momentWatcher() != nil, "\(p.name)")
        }
    }

    /// After a huge first loss (clipping-rescue's 5.8e13 at iteration 1) the window mean
    /// of later small losses is exact, live as in `check`: both judge the same trace.
    @Test func aHugeLossLeavesNoErrorInTheWindowMean() {
        let t = Trace()
        let small: [Double] = (0..<999).map { (i: Int) -> Double in 0.02 + Double(i % 7) * 1e-4 }
        t.append(5.7687267688859e13)
        for x in small { t.append(x) }
        let last: [Double] = Array(small.suffix(50))
        let exact: Double = last.reduce(0, +) / 50
        #expect(abs(t.mean(t.count - 50, t.count) - exact) < 1e-15, "\(t.mean(t.count - 50, t.count)) against \(exact)")
    }

    /// A claim the run diverges before is judged there, failed, live as in `check`.
    @Test func aRunThatDivergesFailsTheClaimsStillOpen() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"final_loss\"\niterations = 10\nwindow = 1\nbelow = 0.5")
        let w = try #require(s.momentWatcher())
        #expect(w.observe(Self.report(1)) == nil)
        #expect(w.observe(Self.report(2, loss: .nan, nonfinite: true)) == "✗ iteration 2: Inf/NaN before iteration 10: training stopped")
    }

    /// ρ is asked for where a claim needs it, as `check` asks for it.
    @Test func theWatcherAsksForTheSpectrumWhereAClaimNeedsIt() throws {
        let s = try Self.scenario("[[expect]]\nmetric = \"slope_vs_log_rho\"\niteration = 3\nfit_steps = [2, 8]")
        let w = try #require(s.momentWatcher())
        #expect(w.measuresSpectrum(at: 3) && !w.measuresSpectrum(at: 2) && !w.measuresSpectrum(at: 4))
    }
}
