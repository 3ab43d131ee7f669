import Foundation
@testable import RNNSim
import Testing
@testable import ScopeView

/// Step-through's terms of ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t), and the loss chart's reference levels.
@Suite struct StepTermsAndBaselinesTests {
    let norms = Fixture.decaying(steps: 50)

    /// Terms halving with every step back from T: 1.5 at t = T.
    func report(withTerms: Bool) -> IterationReport {
        var r = Fixture.report(norms: norms, jacobians: [Double](repeating: 0.5, count: 50))
        if withTerms {
            var terms = StepGradients(layers: 1, rows: 1, hidden: 1, steps: 50)
            terms.norms[0] = (1...50).map { t in 3 * pow(0.5, Double(51 - t)) }
            r.stepGradients = terms
        }
        return r
    }

    @Test func stepThroughShowsEachStepsTermAndTheShareFromTBackToT() {
        var s = Fixture.state(width: 200, height: 40, report: report(withTerms: true))
        _ = update(&s, .key(.char("b")))
        let atT = Fixture.render(s)
        #expect(atT.text.contains("W_hh term"))
        #expect(atT.text.contains("1.50e+00"), "step 50's term")
        #expect(atT.text.contains("50%"), "0.5 of Σ = 1 − 0.5⁵⁰")
        #expect(atT.text.contains("is carried by step 50"))
        for _ in 0..<4 { _ = update(&s, .key(.left)) }
        let buf = Fixture.render(s)
        #expect(buf.text.contains("BPTT step-through: t = 46 of 50"))
        #expect(buf.text.contains("9.38e-02"), "step 46's term: 3·0.5⁵")
        #expect(buf.text.contains("‖∂L/∂W_hh|_(46)‖: step 46's term of ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t)"))
        // (0.5 + … + 0.5⁵) / (1 − 0.5⁵⁰): 96.875%.
        #expect(buf.text.contains("97%"))
        #expect(buf.text.contains("of Σ_t ‖∂L/∂W_hh|_(t)‖ is carried by steps 50…46"))
        let narrow = Fixture.render({ var n = s; _ = update(&n, .resize(width: 80, height: 24)); return n }())
        #expect(narrow.text.contains("carried by steps 50…46"))
    }

    @Test func withoutMeasuredTermsStepThroughHasNoTermRows() {
        var s = Fixture.state(width: 200, height: 40, report: report(withTerms: false))
        _ = update(&s, .key(.char("b")))
        #expect(!Fixture.render(s).text.contains("W_hh term"))
        #expect(StepThroughPanel.weightGradientRows(nil, layer: 0, s: 3).isEmpty)
    }

    @Test func sharesReadNeither0Nor100UnlessTheyAre() {
        #expect(StepThroughPanel.percent(0.96875) == "97%")
        #expect(StepThroughPanel.percent(0.996) == "99.6%")
        #expect(StepThroughPanel.percent(0.99996) == "99.996%")
        #expect(StepThroughPanel.percent(0.9999999) == ">99.999%")
        #expect(StepThroughPanel.percent(1) == "100%")
        #expect(StepThroughPanel.percent(0.05) == "5.0%")
        #expect(StepThroughPanel.percent(0.0012) == "0.12%")
        #expect(StepThroughPanel.percent(0) == "0%")
    }

    @Test func remeasuringForStepThroughRecordsTheTermsAndTheyAddUpToBPTTsGradient() throws {
        let trainer = try Trainer(settings: LiveSessionTests.tiny)
        let plain = trainer.step()
        #expect(plain.stepGradients == nil, "normal iterations pay nothing")
        let (again, _) = try #require(trainer.remeasureLastIteration())
        let terms = try #require(again.stepGradients)
        #expect(terms.norms[0].count == LiveSessionTests.tiny.steps)
        #expect(terms.norms[0].contains { $0 > 0 })
        #expect(terms.sumError(layer: 0) < 1e-5)
        #expect(again.loss == plain.loss)
    }

    @Test func theCharLMsNGramBaselinesAreTheHeldOutCrossEntropies() {
        let text = String(repeating: "the cat sat on the mat. a dog ate the hat. ", count: 20)
        let lm = CharLanguageModel(text: text, steps: 10, heldOut: 0.2)
        let levels = ReferenceLevel.nGramBaselines(of: lm)
        #expect(levels.map(\.label) == ["1-gram", "2-gram", "3-gram"])
        #expect(levels.map(\.value) == (1...3).map { lm.nGramHeldOutLoss(order: $0) })
        #expect(levels[2].value < levels[0].value, "more context predicts this text better")
        #expect(ReferenceLevel.nGramBaselines(of: CharLanguageModel(text: text, steps: 10)).isEmpty, "no held-out split")
        #expect(ReferenceLevel.nGramBaselines(of: AddingProblem(steps: 10)).isEmpty)
    }

    @Test func theLossChartDrawsEachLevelAsALabelledLineAndANewRunClearsThem() {
        var s = Fixture.state(width: 120, height: 36, report: Fixture.report(norms: norms))
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation,
                                             baselines: [ReferenceLevel(label: "1-gram", value: 2.9),
                                                         ReferenceLevel(label: "3-gram", value: 1.2)])))
        #expect(s.a.referenceLevels.map(\.label) == ["chance", "1-gram", "3-gram"])
        let buf = Fixture.render(s)
        let one = try! #require(buf.row(containing: "1-gram 2.9"))
        let three = try! #require(buf.row(containing: "3-gram 1.2"))
        #expect(one < three, "the lower loss is drawn lower")
        #expect(buf.row(containing: "chance 0.1667") != nil)
        #expect(buf.line(one).contains("┄"), "a dotted line across the chart, above the loss (0.12)")
        // The range takes the levels in: the chart's bottom label is the lowest level.
        #expect(buf.text.contains("0.1667"))
        _ = update(&s, .key(.char("r")))
        #expect(s.a.baselines.isEmpty)
    }

    /// Two levels on one row of a narrow chart (lm-perplexity at 80 columns): each label whole
    /// or left out with an ellipsis, never cut inside its figure ("3-gram 2" for 2.133).
    @Test func levelLabelsThatDoNotFitAreLeftOutWhole() {
        let levels = [ReferenceLevel(label: "2-gram", value: 2.247), ReferenceLevel(label: "3-gram", value: 2.133)]
        let buf = ScreenBuffer(width: 40, height: 4)
        #expect(LossSparkline.levelLabels(levels, width: 40, buf) == "2-gram 2.247 3-gram 2.133")
        #expect(LossSparkline.levelLabels(levels, width: 22, buf) == "2-gram 2.247 …")
        #expect(LossSparkline.levelLabels(levels, width: 10, buf) == "")
        #expect(LossSparkline.levelLabels(levels, width: 22, ScreenBuffer(width: 40, height: 4, asciiOnly: true)) == "2-gram 2.247 ...")
        var plot = ScreenBuffer(width: 30, height: 3)
        LossSparkline.drawLevels(levels, rowOf: { _ in 0 }, glyphs: .unicode, into: &plot, Rect(x: 0, y: 0, width: 22, height: 3), labels: true)
        let row = plot.line(2)
        #expect(row.contains("2-gram 2.247") && !row.contains("3-gram"), "[\(row)]")
    }

    /// A char-LM's held-out loss: a marker on the loss chart at its iteration, at its
    /// height on the same scale as the n-gram levels, the latest in the title; a new run clears it.
    @Test func heldOutLossIsAMarkerOnTheLossChart() throws {
        var s = Fixture.state(width: 120, height: 36, report: Fixture.report(norms: norms), rows: 0)
        let losses = (1...200).map { 3.0 - Double($0) / 100 }  // 2.99 → 1.0
        let summaries = losses.enumerated().map { i, loss in
            var r = Fixture.report(iteration: i + 1, norms: norms, loss: loss)
            if i + 1 == 100 { r.heldOutLoss = 2.8 }
            return IterationSummary(report: r, clipThreshold: 0)
        }
        _ = update(&s, .report(SessionUpdate(generation: s.a.generation, iterations: summaries,
                                             baselines: [ReferenceLevel(label: "3-gram", value: 1.5)])))
        #expect(s.a.heldOut.count == 1 && s.a.heldOut[0].iteration == 100 && s.a.heldOut[0].loss == 2.8)
        let buf = Fixture.render(s)
        let title = try #require(buf.row(containing: "loss, ● held-out"))
        #expect(buf.line(title).contains("now 1 ● 2.8"), "\(buf.line(title))")
        let marker = try #require(buf.row(containing: "●", after: title))
        let gram = try #require(buf.row(containing: "3-gram 1.5"))
        #expect(marker < gram, "2.8 is drawn above the 1.5 level:\n\(buf.lines[title...].joined(separator: "\n"))")
        // Halfway along the chart: iteration 100 of 200.
        let heading = buf.line(title), start = heading.distance(from: heading.startIndex, to: try #require(heading.range(of: "─ loss")).lowerBound)
        let x = try #require(Array(buf.line(marker)).firstIndex(of: "●"))
        let width = heading.count - start
        #expect(abs(Double(x - start) / Double(width) - 0.45) < 0.1, "x \(x) of \(start)…\(start + width)")
        _ = update(&s, .key(.char("r")))
        #expect(s.a.heldOut.isEmpty)
    }
}
