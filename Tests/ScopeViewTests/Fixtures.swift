@testable import RNNSim
import Scenarios
@testable import ScopeView

/// Small, fixed inputs for the view: scenarios, reports and states built from them.
enum Fixture {
    static func scenario(_ name: String = "vanishing", title: String = "Vanishing gradients",
                         notes: String = "Below one, every step back shrinks the gradient.",
                         _ change: (inout Settings) -> Void = { _ in }) -> Scenario {
        var s = Settings()
        s.steps = 50
        s.rho = 0.9
        change(&s)
        return Scenario(name: name, title: title, notes: notes, settings: s)
    }

    static let presets: [Scenario] = [
        scenario(),
        scenario("exploding", title: "Exploding gradients", notes: "Above one they can grow.") { $0.rho = 3; $0.activation = .linear },
        scenario("charlm", title: "Character language model", notes: "min-char-rnn.") { $0.task = .charLM; $0.steps = 25 },
    ]

    /// Norms falling by a factor `decay` per step back from t = T.
    static func decaying(steps: Int, top: Double = 0.1, decay: Double = 0.7) -> [Double] {
        (0..<steps).map { s in top * pow(decay, Double(steps - 1 - s)) }
    }

    static func report(iteration: Int = 10, norms: [Double], jacobians: [Double]? = nil,
                       rho: Double = 0.9, sigma: Double = 0.95, gradNorm: Double = 0.5,
                       clipScale: Double = 1, loss: Double = 0.12) -> IterationReport {
        IterationReport(iteration: iteration, loss: loss, gradNorm: gradNorm, clipScale: clipScale,
                        clipped: clipScale < 1, valueClipped: false, nonfinite: norms.contains { !$0.isFinite },
                        spectralRadius: [rho], largestSingularValue: [sigma], hiddenGradNorms: [norms],
                        jacobianNorms: [jacobians ?? [Double](repeating: .nan, count: norms.count)])
    }

    static func options(truncate: Int = 0, clip: Double = 0) -> BPTTOptions {
        BPTTOptions(loss: .mseLast, truncate: truncate, clipNorm: clip)
    }

    /// A state that has received `report` (and a history of `rows` iterations like it).
    static func state(width: Int = 80, height: Int = 24, scenario: Scenario = scenario(),
                      report: IterationReport? = nil, options: BPTTOptions = options(),
                      rows: Int = 5, running: Bool = true) -> AppState {
        var state = AppState(scenario: scenario, presets: presets, width: width, height: height)
        state.a.running = running
        if let report {
            let summaries = (0..<rows).map { i in
                var r = report
                r.iteration = report.iteration - rows + 1 + i
                return IterationSummary(report: r, clipThreshold: options.clipNorm)
            }
            _ = update(&state, .report(SessionUpdate(generation: state.a.generation, iterations: summaries, report: report,
                                                      reportOptions: options, iterationsPerSecond: 123, chanceLoss: 0.1667)))
        }
        return state
    }

    static func render(_ state: AppState, ascii: Bool = false, colors: ColorTier = .x256) -> ScreenBuffer {
        ScopeView.render(state, glyphs: ascii ? .ascii : .unicode, colors: colors)
    }
}

import Foundation

extension ScreenBuffer {
    /// All rows as one string, for "somewhere on screen" checks.
    var text: String { lines.joined(separator: "\n") }

    /// The side panel's value for a label (the panel is the rightmost column of the screen).
    func panelValue(_ label: String) -> String? {
        guard let line = lines.first(where: { $0.contains(" " + label + " ") }),
              let range = line.range(of: " " + label + " ", options: .backwards) else { return nil }
        return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
    }

    /// The first row containing `s`.
    func row(containing s: String) -> Int? { lines.firstIndex { $0.contains(s) } }
    /// The first row below `row` containing `s`.
    func row(containing s: String, after row: Int) -> Int? { lines.indices.first { $0 > row && lines[$0].contains(s) } }
}
