import Foundation
import RNNSim
import Testing
@testable import Scenarios

/// The repository's Scenarios/ folder, found from this file (not from the
/// working directory, which differs between `swift test` and IDEs).
let presetDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Scenarios")

/// The presets the issue asks for, in the lecture order.
let requiredPresets = [
    "jacobian-product", "vanishing", "eigen-proof", "gamma-bound", "weight-sum", "exploding",
    "clipping-rescue", "long-range-tickets", "truncation-horizon", "good-init", "irnn-adding", "residual-path",
    "lstm-adding", "gru-adding", "forget-bias", "stacked-layers", "deep-lstm", "char-lm", "lm-perplexity", "reverse-input",
]

/// Presets whose full check takes minutes in a DEBUG build, where the
/// unoptimised simulation is ~100× slower than in release (measured in debug on
/// the 2-core machine: clipping-rescue 70 s, truncation-horizon 395 s; irnn-adding,
/// char-lm, vanishing's 5,000 SGD iterations and lm-perplexity longer still). The check test runs them in full in release builds
/// (`swift test -c release`) or when RNNSCOPE_FULL_CHECK=1 is set; otherwise it
/// runs them through the same `ScenarioCheck.run` path with every training
/// budget cut to a few iterations (a smoke test of the code path, not of the
/// claim: the lines are checked for form, not for PASS).
let slowInDebug: Set<String> = ["vanishing", "clipping-rescue", "truncation-horizon", "irnn-adding", "lstm-adding", "gru-adding", "forget-bias", "deep-lstm", "char-lm", "lm-perplexity", "reverse-input", "residual-path"]

var runsEverything: Bool {
    #if DEBUG
    return ProcessInfo.processInfo.environment["RNNSCOPE_FULL_CHECK"] == "1"
    #else
    return true
    #endif
}

@Suite struct PresetTests {
    @Test func everyPresetParses() throws {
        let presets = try ScenarioLibrary.presets(in: presetDirectory)
        #expect(Array(presets.map(\.name).prefix(requiredPresets.count)) == requiredPresets)
        for p in presets {
            #expect(!p.title.isEmpty && !p.title.contains("\n"), "\(p.name): title")
            #expect(p.notes.split(separator: "\n").count >= 3, "\(p.name): notes")
            #expect(!p.claims.isEmpty, "\(p.name): claims")
            // The header shows " rnnscope │ TITLE (NAME)" and "seed N" on one row: at
            // 100 columns that leaves 74 for the title and the name (seeds up to 9999).
            #expect(p.title.count + p.name.count <= 74, "\(p.name): the title is cut in the header at 100 columns")
            for line in p.notes.split(separator: "\n") {
                #expect(line.count <= 80, "\(p.name): notes line longer than 80 columns: \(line)")
            }
            _ = try Trainer(settings: p.settings)
            for v in p.variants { _ = try Trainer(settings: v.settings) }
        }
        #expect(presets.contains { $0.name == ScenarioLibrary.defaultName })
    }

    @Test func presetsWhoseLessonIsAComparisonOpenAsOne() throws {
        let presets = try ScenarioLibrary.presets(in: presetDirectory)
        let pairs = Dictionary(uniqueKeysWithValues: presets.compactMap { p in p.compare.map { (p.name, "\($0.a.name) | \($0.b.name)") } })
        #expect(pairs == ["irnn-adding": "irnn | tanh", "lstm-adding": "lstm | tanh", "gru-adding": "gru | tanh", "deep-lstm": "lstm | tanh", "residual-path": "residual | tanh", "reverse-input": "reversed | forward", "forget-bias": "bf2 | bf0", "truncation-horizon": "K20 | K9", "clipping-rescue": "clipped | unclipped",
                          "jacobian-product": "explodes | vanishes", "gamma-bound": "sigmoid-rho4 | tanh-orthogonal",
                          "good-init": "orthogonal-linear | glorot-linear"])
        let rescue = try #require(presets.first { $0.name == "clipping-rescue" }?.compare)
        #expect(rescue.a.settings.clip > 0 && rescue.b.settings.clip == 0)
        let horizon = try #require(presets.first { $0.name == "truncation-horizon" }?.compare)
        #expect(horizon.a.settings.truncate == 20 && horizon.b.settings.truncate == 9)
    }

    @Test func loadByNameAndPath() throws {
        let byPath = try ScenarioLibrary.load(presetDirectory.appendingPathComponent("vanishing.toml").path)
        #expect(byPath.name == "vanishing")
        #expect(byPath.settings.rho == 0.5 && byPath.settings.steps == 50)
    }

    @Test func presetFiguresMatchTheIssue() throws {
        func load(_ name: String) throws -> Scenario {
            try ScenarioLibrary.load(presetDirectory.appendingPathComponent(name + ".toml").path)
        }
        let vanishing = try load("vanishing")
        #expect(vanishing.settings.activation == .tanh && vanishing.settings.rho == 0.5 && vanishing.settings.steps == 50)
        #expect(vanishing.claims[0].measures[0].below == 1e-6)
        // The consequence, both ways: SGD stays near chance, Adam learns.
        #expect(vanishing.settings.optimizer == .sgd)
        #expect(vanishing.claims[1].measures[0].relativeToChance && vanishing.claims[1].measures[0].above == 0.9)
        #expect(vanishing.claims[2].measures[0].settings.optimizer == .adam)
        let irnn = try load("irnn-adding")
        #expect(irnn.settings.steps == 50 && irnn.settings.hidden == 100 && irnn.settings.batch == 16)
        #expect(irnn.settings.optimizer == .adam && irnn.settings.learningRate == 1e-3 && irnn.settings.clip == 1)
        #expect(irnn.settings.initKind == .identity && irnn.settings.activation == .relu)
        let sides = irnn.claims[0].measures
        #expect(sides.map(\.iterations) == [4000, 4000])
        #expect(sides[0].below == 0.05 && sides[1].above == 0.15)
        #expect(sides[1].settings.activation == .tanh)
        // Both sides get PyTorch's input spread: only W_hh and act differ.
        #expect(sides.allSatisfy { $0.settings.inputStd == 0.0577 })
        let lstm = try load("lstm-adding")
        #expect(lstm.settings.cell == .lstm && lstm.settings.steps == 100 && lstm.settings.optimizer == .adam)
        #expect(lstm.claims[0].measures.map(\.settings.cell) == [.lstm, .rnn])
        #expect(lstm.claims[0].measures[0].below == 0.05 && lstm.claims[0].measures[1].above == 0.15)
        let bias = try load("forget-bias")
        let paths = bias.claims.filter { $0.measures[0].metric == .gatePath }.map { $0.measures[0] }
        #expect(paths.map(\.settings.forgetBias) == [0, 1, 2] && paths.allSatisfy { $0.settings.steps == 100 && $0.iteration == 1 && $0.step == 1 })
        let jp = try load("jacobian-product")
        #expect(jp.settings.hidden == 100 && jp.settings.steps == 20)
        let products = jp.claims.map { $0.measures[0] }.filter { $0.metric == .productGrowth }
        #expect(products.allSatisfy { $0.draws == 2 } && products.map(\.scale) == [0.15, 0.05])
        // The live halves: the network at ρ 1.5 and 0.5, each judged at iteration 1.
        let halves = jp.claims.map { $0.measures[0] }.filter { $0.metric == .gradRatio }
        #expect(halves.map(\.settings.rho) == [1.5, 0.5] && halves.allSatisfy { $0.iteration == 1 })
        let rescue = try load("clipping-rescue")
        #expect(rescue.settings.task == .echo && rescue.settings.clip == 1 && rescue.settings.activation == .linear)
        #expect(rescue.variant("unclipped")?.settings.clip == 0)
        let stacked = try load("stacked-layers")
        #expect(stacked.settings.layers == 3)
        #expect(Set(stacked.claims.map { $0.measures[0].layer }) == [1, 2, 3])
        let lm = try load("lm-perplexity")
        #expect(lm.settings.heldOut == 0.1)
        #expect(lm.claims.filter { $0.measures[0].metric == .nGramPerplexity }.map { $0.measures[0].order } == [1, 2, 3])
        let tickets = try load("long-range-tickets")
        #expect(tickets.settings.task == .charLM && tickets.settings.loss == .xentLast)
        #expect(tickets.claims[0].measures[0].step == 7 && tickets.claims[0].measures[0].below == 1e-7)
        // The sentence is exactly one window: T + 1 characters.
        #expect(tickets.settings.text.map { $0.unicodeScalars.count } == tickets.settings.steps + 1)
        let eigen = try load("eigen-proof")
        #expect(eigen.claims.map { $0.measures[0].sweep?.value } == [0.9, 1.0, 1.1])
        #expect(eigen.settings.activation == .linear)
    }

    /// `rnnscope check` on every preset, through `ScenarioCheck.run` (the code
    /// path `check` uses): every claim must PASS.
    @Test(arguments: requiredPresets)
    func checkPasses(_ name: String) throws {
        let scenario = try ScenarioLibrary.load(presetDirectory.appendingPathComponent(name + ".toml").path)
        guard runsEverything || !slowInDebug.contains(name) else {
            var smoke = scenario
            for c in smoke.claims.indices {
                for m in smoke.claims[c].measures.indices {
                    smoke.claims[c].measures[m].iterations = min(smoke.claims[c].measures[m].iterations, 4)
                    smoke.claims[c].measures[m].window = min(smoke.claims[c].measures[m].window, 2)
                }
            }
            let results = ScenarioCheck.run(smoke)
            #expect(results.count == scenario.claims.count)
            for r in results {
                #expect(r.line.hasPrefix("PASS \(name): ") || r.line.hasPrefix("FAIL \(name): "), "\(r.line)")
            }
            return
        }
        let start = Date()
        let results = ScenarioCheck.run(scenario)
        let seconds = Date().timeIntervalSince(start)
        #expect(!results.isEmpty)
        for r in results {
            #expect(r.passed, "\(r.line)")
            #expect(r.line.hasPrefix("PASS \(name): "))
        }
        // The notes' ranges over seeds hold seed 1's figures, as check measured them just now.
        try NoteRanges.expectSeedOneInside(scenario, lines: results.map(\.line))
        print("check \(name): \(String(format: "%.2f", seconds)) s\n" + results.map { "  " + $0.line }.joined(separator: "\n"))
    }
}

@Suite struct CheckMechanicsTests {
    static let text = """
    title = "t"
    seed = 3
    [network]
    hidden = 4
    activation = "linear"
    [init]
    kind = "spectral"
    rho = 1.5
    [task]
    kind = "adding"
    steps = 10
    [train]
    batch = 2
    lr = 0.5
    [variants.small]
    init.rho = 0.5
    [[expect]]
    metric = "grad_ratio"
    above = 10
    [[expect]]
    metric = "grad_ratio"
    variant = "small"
    above = 10
    [[expect]]
    metric = "nonfinite_within"
    iterations = 200
    [[expect]]
    metric = "product_growth"
    draws = 3
    scale = 0.5
    below = 1e-30
    """

    @Test func passAndFailLinesCarryTheFigure() throws {
        let s = try ScenarioLibrary.parse(Self.text, path: "mech.toml")
        let r = ScenarioCheck.run(s)
        #expect(r.count == 4)
        #expect(r[0].passed && r[0].line.hasPrefix("PASS mech: ‖∂L/∂h_1‖/‖∂L/∂h_10‖ = "))
        #expect(!r[1].passed && r[1].line.hasPrefix("FAIL mech: small: ‖∂L/∂h_1‖/‖∂L/∂h_10‖ = "))
        #expect(r[1].line.hasSuffix(", not > 10"))
        #expect(r[2].line.contains("Inf/NaN"))
        #expect(!r[3].passed && r[3].line.contains("3 draws"))
        #expect(ScenarioCheck.format(r).hasSuffix("passed, \(r.filter { !$0.passed }.count) failed"))
    }

    @Test func runAllGivesTheLinesOfRunOneByOne() throws {
        // Presets whose claims are all cheap in a debug build (iteration 1, or the bare product).
        let names = ["jacobian-product", "gamma-bound", "exploding", "long-range-tickets"]
        let scenarios = try names.map { try ScenarioLibrary.load(presetDirectory.appendingPathComponent($0 + ".toml").path) }
        let together = ScenarioCheck.runAll(scenarios).map { $0.map(\.line) }
        let apart = scenarios.map { ScenarioCheck.run($0).map(\.line) }
        #expect(together == apart)
    }

    @Test func productGrowthIsThePowerOfTheScale() {
        let one = ProductGrowth.measure(hidden: 3, steps: 20, draws: 2, scale: 1, seed: 5)
        let half = ProductGrowth.measure(hidden: 3, steps: 20, draws: 2, scale: 0.5, seed: 5)
        for (a, b) in zip(one, half) {
            #expect(abs(b / (a * Foundation.pow(0.5, 19)) - 1) < 1e-9)
        }
    }

    @Test func slopeFitIsExactOnAGeometricSequence() {
        let T = 50
        let norms = (1...T).map { t in Foundation.pow(0.9, Double(T - t)) * 3 }
        #expect(abs(Evaluate.fitSlope(norms, steps: 5...40) - Foundation.log(0.9)) < 1e-12)
    }

    @Test func numbersPrintAsWritten() {
        #expect(Format.figure(3.2e-9) == "3.2e-9")
        #expect(Format.figure(1.33e-19) == "1.33e-19")
        #expect(Format.figure(0.0049) == "0.00490")
        #expect(Format.figure(1.0001) == "1.00")
        #expect(Format.figure(123456) == "1.23e5")
        #expect(Format.figure(18900) == "1.89e4")
        #expect(Format.figure(999.4) == "999")
        #expect(Format.figure(0) == "0")
        #expect(Format.plain(1e-6) == "1e-6")
        #expect(Format.plain(1e-9) == "1e-9")
        #expect(Format.plain(0.05) == "0.05")
        #expect(Format.plain(4000) == "4000")
        #expect(Format.plain(1e6) == "1e6")
        #expect(Format.signed(-0.1054) == "−0.1054")
    }
}
