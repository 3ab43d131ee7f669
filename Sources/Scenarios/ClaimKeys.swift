import RNNSim

/// A problem with one claim key's value; the reader adds file, line and key.
struct KeyProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// One documented key of an `[[expect]]` claim: which metrics use it, what it
/// accepts, and how it sets a `Measure`. The one table that parses, checks and
/// documents the claim vocabulary (as `Settings.keys` does for the settings).
public struct ClaimKey: Sendable {
    public let name: String
    public let summary: String
    /// Type and range in words, for errors and the README.
    public let accepts: String
    /// The metrics that use the key; empty = every metric.
    public let metrics: [Metric]
    let apply: @Sendable (inout Measure, Node) throws -> Void

    public static let all: [ClaimKey] = [
        ClaimKey(name: "below", summary: "the figure must be below this (loss_below_start and perplexity_ratio: the ratio; default 1 for loss_below_start)",
                 accepts: "a number", metrics: [.gradRatio, .productGrowth, .lossBelowStart, .finalLoss, .lossReaches, .perplexityRatio,
                                                .weightGradSum, .weightGradShare, .heldOutPerplexity, .nGramPerplexity, .gatePath]) { m, v in
            m.below = try number(v, "a number")
        },
        ClaimKey(name: "above", summary: "the figure must be above this",
                 accepts: "a number", metrics: [.gradRatio, .productGrowth, .finalLoss, .weightGradShare, .heldOutPerplexity, .nGramPerplexity, .gatePath]) { m, v in
            m.above = try number(v, "a number")
        },
        ClaimKey(name: "outside", summary: "[low, high]: the figure must lie outside this range, below low or above high",
                 accepts: "two numbers [low, high], low < high", metrics: [.gradRatio]) { m, v in
            guard case .array(let e) = v, e.count == 2, let a = e[0].number, let b = e[1].number, a.isFinite, b.isFinite else {
                throw KeyProblem("expected two numbers [low, high], got \(v.typeName)")
            }
            guard a < b else { throw KeyProblem("[\(a), \(b)] must have low < high") }
            m.outside = a...b
        },
        ClaimKey(name: "iteration", summary: "the iteration measured, 1 = the freshly initialised network (default 1)",
                 accepts: "integer 1…1000000", metrics: [.gradRatio, .slopeVsLogRho, .weightGradSum, .weightGradShare, .gatePath]) { m, v in
            m.iteration = try int(v, 1...1_000_000)
        },
        ClaimKey(name: "iterations", summary: "the training budget: iterations run (fewer if the claim is settled earlier)",
                 accepts: "integer 1…10000000", metrics: [.nonfiniteWithin, .finiteFor, .lossBelowStart, .finalLoss, .lossReaches, .perplexityRatio, .heldOutPerplexity]) { m, v in
            m.iterations = try int(v, 1...10_000_000)
        },
        ClaimKey(name: "window", summary: "iterations averaged into one loss figure (default 10)",
                 accepts: "integer 1…100000", metrics: [.lossBelowStart, .finalLoss, .lossReaches, .perplexityRatio]) { m, v in
            m.window = try int(v, 1...100_000)
        },
        ClaimKey(name: "step", summary: "grad_ratio: numerator step t of ‖∂L/∂h_t‖; gate_path: the product runs from step t to T; 1-based (default 1)",
                 accepts: "integer 1…T", metrics: [.gradRatio, .gatePath]) { m, v in
            m.step = try int(v, 1...100_000)
        },
        ClaimKey(name: "reference", summary: "denominator step, 1-based (default T, the last)",
                 accepts: "integer 1…T", metrics: [.gradRatio]) { m, v in
            m.reference = try int(v, 1...100_000)
        },
        ClaimKey(name: "layer", summary: "layer whose ‖∂L/∂h_t‖ is measured, 1-based (default 1)",
                 accepts: "integer 1…network.layers", metrics: [.gradRatio, .slopeVsLogRho, .weightGradSum, .weightGradShare, .gatePath]) { m, v in
            m.layer = try int(v, 1...4)
        },
        ClaimKey(name: "fit_steps", summary: "[first, last]: the steps t the slope is fitted over; keep last well before T",
                 accepts: "two integers [a, b], 1 ≤ a < b ≤ T", metrics: [.slopeVsLogRho]) { m, v in
            guard case .array(let e) = v, e.count == 2, case .int(let a) = e[0], case .int(let b) = e[1] else {
                throw KeyProblem("expected two integers [first, last], got \(v.typeName)")
            }
            guard a >= 1, b >= a + 2 else { throw KeyProblem("[\(a), \(b)] must have 1 ≤ first and at least 3 steps") }
            m.fitSteps = a...b
        },
        ClaimKey(name: "tolerance", summary: "allowed relative error |slope − log ρ| / |log ρ| (default 0.05)",
                 accepts: "number 0…1", metrics: [.slopeVsLogRho]) { m, v in
            m.tolerance = try number(v, "number 0…1", 0...1)
        },
        ClaimKey(name: "absolute_tolerance", summary: "allowed |slope − log ρ| where |log ρ| < 1e-3, i.e. ρ ≈ 1 (default 0.05·|log 0.9| = 0.00527)",
                 accepts: "number 0…1", metrics: [.slopeVsLogRho]) { m, v in
            m.absoluteTolerance = try number(v, "number 0…1", 0...1)
        },
        ClaimKey(name: "relative_to", summary: "\"chance\": divide the loss by the task's chance loss; \"none\" (default)",
                 accepts: "\"chance\" or \"none\"", metrics: [.finalLoss, .lossReaches]) { m, v in
            guard case .string(let s) = v, s == "chance" || s == "none" else {
                throw KeyProblem("expected \"chance\" or \"none\", got \(v.string.map { TextSafety.quoted($0) } ?? v.typeName)")
            }
            m.relativeToChance = s == "chance"
        },
        ClaimKey(name: "draws", summary: "random matrices drawn (default 2)",
                 accepts: "integer 1…100", metrics: [.productGrowth]) { m, v in
            m.draws = try int(v, 1...100)
        },
        ClaimKey(name: "last_steps", summary: "the last steps whose share of Σ_t ‖∂L/∂W_hh|_(t)‖ is measured (default 1)",
                 accepts: "integer 1…T", metrics: [.weightGradShare]) { m, v in
            m.lastSteps = try int(v, 1...100_000)
        },
        ClaimKey(name: "order", summary: "n of the n-gram: 1 unigram, 2 bigram, 3 trigram (default 2)",
                 accepts: "integer 1…3", metrics: [.nGramPerplexity]) { m, v in
            m.order = try int(v, 1...3)
        },
        ClaimKey(name: "scale", summary: "W = scale · randn(H, H) (default 1)",
                 accepts: "number 0…100", metrics: [.productGrowth]) { m, v in
            m.scale = try number(v, "number 0…100", 0...100)
        },
    ]

    /// Keys of a claim that are not measurement parameters.
    public static let structural: [(name: String, summary: String)] = [
        ("metric", "what is measured: " + Metric.allCases.map(\.rawValue).joined(separator: ", ")),
        ("variant", "measure a [variants.NAME] instead of the file's own settings"),
        ("sides", "[{ variant = ..., below/above/metric/... = ... }, ...]: several measurements on one PASS/FAIL line"),
        ("sweep", "a numeric setting key (e.g. \"init.rho\") to sweep; with values = [...]: one claim per value"),
        ("values", "the values of the swept setting"),
    ]

    static func number(_ v: Node, _ accepts: String, _ range: ClosedRange<Double>? = nil) throws -> Double {
        guard let d = v.number else { throw KeyProblem("expected \(accepts), got \(v.typeName)") }
        guard d.isFinite else { throw KeyProblem("\(d) is not a finite number") }
        if let range, !range.contains(d) {
            throw KeyProblem("\(d) is out of range (\(range.lowerBound)…\(range.upperBound))")
        }
        return d
    }

    static func int(_ v: Node, _ range: ClosedRange<Int>) throws -> Int {
        guard case .int(let i) = v else { throw KeyProblem("expected an integer, got \(v.typeName)") }
        guard range.contains(i) else { throw KeyProblem("\(i) is out of range (\(range.lowerBound)…\(range.upperBound))") }
        return i
    }
}

extension Node {
    var string: String? { if case .string(let s) = self { s } else { nil } }
}

/// Reads one `[[expect]]` table into claims (several for a sweep).
struct ClaimReader {
    let parser: ScenarioParser
    let base: Settings
    let variants: [Variant]

    typealias Entry = (key: String, value: Node, path: [String])

    func claims(_ table: [(key: String, value: Node)], at path: [String]) throws -> [Claim] {
        var shared: [Entry] = []
        var sides: [[Entry]]? = nil
        var sidesPath = path
        var sweepKey: (name: String, path: [String])?
        var sweepValues: ([Node], [String])?
        for (key, value) in parser.ordered(table, at: path) {
            let p = path + [key]
            switch key {
            case "sides":
                guard case .array(let elements) = value, !elements.isEmpty else {
                    throw parser.error(p, "expected a non-empty array of tables [{ variant = ..., ... }, ...], got \(value.typeName)")
                }
                sidesPath = p
                sides = []
                for (i, e) in elements.enumerated() {
                    let sp = p + [String(i)]
                    guard case .table(let entries) = e else {
                        throw parser.error(sp, "expected a table { variant = ..., ... }, got \(e.typeName)")
                    }
                    var side: [Entry] = []
                    for (k, v) in parser.ordered(entries, at: sp) {
                        if ["sides", "sweep", "values"].contains(k) {
                            throw parser.error(sp + [k], "\(k) belongs to the claim, not to one side")
                        }
                        side.append((k, v, sp + [k]))
                    }
                    sides!.append(side)
                }
            case "sweep":
                guard case .string(let name) = value else { throw parser.error(p, "expected a setting key such as \"init.rho\", got \(value.typeName)") }
                guard let k = Settings.keys.first(where: { $0.name == name }) else {
                    throw parser.error(p, "\(TextSafety.quoted(name)) is not a setting key\(ScenarioParser.suggestion(name, Settings.keys.map(\.name)))")
                }
                guard k.accepts.hasPrefix("integer") || k.accepts.hasPrefix("number") else {
                    throw parser.error(p, "only numeric settings can be swept; \(name) accepts \(k.accepts)")
                }
                sweepKey = (name, p)
            case "values":
                guard case .array(let elements) = value, !elements.isEmpty else {
                    throw parser.error(p, "expected a non-empty array of numbers, got \(value.typeName)")
                }
                sweepValues = (elements, p)
            default:
                shared.append((key, value, p))
            }
        }
        if sweepKey != nil && sweepValues == nil { throw parser.error(sweepKey!.path, "a sweep needs values = [...]") }
        if let (_, p) = sweepValues, sweepKey == nil { throw parser.error(p, "values needs sweep = \"setting.key\"") }
        let line = parser.line(path)
        let sideList: [(entries: [Entry], path: [String])] = sides.map { list in
            list.enumerated().map { (i, entries) in (entries, sidesPath + [String(i)]) }
        } ?? [([], path)]

        guard let sweepKey, let (values, valuesPath) = sweepValues else {
            return [Claim(line: line, measures: try sideList.map { try measure(shared, $0.entries, at: $0.path, sweep: nil) })]
        }
        var out: [Claim] = []
        for (i, v) in values.enumerated() {
            let vp = valuesPath + [String(i)]
            guard let sv = v.settingValue, let d = v.number else {
                throw parser.error(vp, "expected a number, got \(v.typeName)")
            }
            let sweep = (key: sweepKey.name, value: sv, number: d, path: vp)
            out.append(Claim(line: line, measures: try sideList.map { try measure(shared, $0.entries, at: $0.path, sweep: sweep) }))
        }
        return out
    }

    /// One measurement: the claim's keys overlaid by the side's.
    func measure(_ shared: [Entry], _ side: [Entry], at path: [String],
                 sweep: (key: String, value: SettingValue, number: Double, path: [String])?) throws -> Measure {
        var merged = shared
        for e in side {
            if let i = merged.firstIndex(where: { $0.key == e.key }) { merged[i] = e } else { merged.append(e) }
        }
        // The metric and the settings first: the other keys are checked against them.
        guard let metricEntry = merged.first(where: { $0.key == "metric" }) else {
            throw parser.error(path + ["metric"], "missing: every claim names a metric (one of \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard case .string(let metricName) = metricEntry.value, let metric = Metric(rawValue: metricName) else {
            let got = metricEntry.value.string.map { TextSafety.quoted($0) } ?? metricEntry.value.typeName
            throw parser.error(metricEntry.path, "\(got) is not a metric\(metricEntry.value.string.map { ScenarioParser.suggestion($0, Metric.allCases.map(\.rawValue)) } ?? ""); the metrics are \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var settings = base
        var variantName: String?
        if let v = merged.first(where: { $0.key == "variant" }) {
            guard case .string(let name) = v.value else { throw parser.error(v.path, "expected a variant name, got \(v.value.typeName)") }
            if name != "base" {
                guard let variant = variants.first(where: { $0.name == name }) else {
                    let known = variants.map(\.name)
                    throw parser.error(v.path, "no [variants.\(name)] in this file\(known.isEmpty ? "" : " (variants: \(known.joined(separator: ", ")))")")
                }
                settings = variant.settings
                variantName = name
            }
        }
        if let sweep {
            do {
                try settings.set(sweep.key, sweep.value)
                try settings.validate()
            } catch let e as SettingsError {
                throw parser.error(sweep.path, "\(sweep.key) = \(Format.plain(sweep.number)): \(e.message)")
            }
        }
        var m = Measure(metric: metric, settings: settings)
        m.variant = variantName
        if let sweep { m.sweep = (sweep.key, sweep.number) }
        var given: [String: [String]] = [:]
        for e in merged where e.key != "metric" && e.key != "variant" {
            guard let key = ClaimKey.all.first(where: { $0.name == e.key }) else {
                let names = ClaimKey.structural.map(\.name) + ClaimKey.all.map(\.name)
                throw parser.error(e.path, "unknown claim key\(ScenarioParser.suggestion(e.key, names)); \(metric.rawValue) takes \(Self.keys(of: metric))")
            }
            guard key.metrics.isEmpty || key.metrics.contains(metric) else {
                throw parser.error(e.path, "not a key of metric \(metric.rawValue), which takes \(Self.keys(of: metric))")
            }
            do { try key.apply(&m, e.value) } catch let p as KeyProblem {
                throw parser.error(e.path, p.message)
            }
            given[e.key] = e.path
        }
        try check(&m, given: given, at: path)
        return m
    }

    static func keys(of metric: Metric) -> String {
        (["variant"] + ClaimKey.all.filter { $0.metrics.isEmpty || $0.metrics.contains(metric) }.map(\.name)).joined(separator: ", ")
    }

    /// What a metric requires, and what only makes sense with the settings.
    private func check(_ m: inout Measure, given: [String: [String]], at path: [String]) throws {
        func require(_ key: String, _ why: String) throws {
            if given[key] == nil { throw parser.error(path + [key], "missing: \(m.metric.rawValue) needs \(key) (\(why))") }
        }
        func requireThreshold() throws {
            if m.below == nil && m.above == nil && m.outside == nil {
                throw parser.error(path + ["below"], "missing: \(m.metric.rawValue) needs a threshold, below and/or above")
            }
            // No figure is above `above` and below `below` at once when above ≥ below.
            if let below = m.below, let above = m.above, above >= below {
                let outside = m.metric == .gradRatio ? " (outside = [\(Format.plain(below)), \(Format.plain(above))] asks for a figure out of that range)" : ""
                throw parser.error(given["above"] ?? path + ["above"], "\(Format.plain(above)) is not below below = \(Format.plain(below)): no figure can pass\(outside)")
            }
        }
        let s = m.settings, T = s.steps
        func within(_ key: String, _ value: Int, _ range: ClosedRange<Int>, _ what: String) throws {
            if !range.contains(value) {
                throw parser.error(given[key] ?? path, "\(value) is out of range (\(range.lowerBound)…\(range.upperBound), \(what))")
            }
        }
        if m.metric.trains { try require("iterations", "the training budget") }
        switch m.metric {
        case .gradRatio:
            try requireThreshold()
            try within("step", m.step, 1...T, "task.steps = \(T)")
            if let r = m.reference { try within("reference", r, 1...T, "task.steps = \(T)") }
            try within("layer", m.layer, 1...s.layers, "network.layers = \(s.layers)")
        case .slopeVsLogRho:
            try require("fit_steps", "the steps the slope is fitted over")
            // Only the vanilla cell steps back by diag(act')·W_hh alone, whose slope ρ(W_hh) sets.
            guard s.cell == .rnn else {
                throw parser.error(path + ["metric"], "slope_vs_log_rho needs the vanilla cell (network.cell = \"rnn\"), whose step back is diag(act')·W_hh; this run's cell is \(s.cell.rawValue)")
            }
            if m.fitSteps.upperBound > T {
                throw parser.error(given["fit_steps"] ?? path, "[\(m.fitSteps.lowerBound), \(m.fitSteps.upperBound)] goes past task.steps = \(T)")
            }
            try within("layer", m.layer, 1...s.layers, "network.layers = \(s.layers)")
        case .productGrowth:
            try requireThreshold()
            if T < 2 { throw parser.error(path, "the product needs task.steps ≥ 2") }
        case .gatePath:
            try requireThreshold()
            guard s.cell.isGated else {
                throw parser.error(path + ["metric"], "gate_path needs a gated cell (network.cell = \"lstm\" or \"gru\"); this run's cell is \(s.cell.rawValue)")
            }
            try within("step", m.step, 1...T, "task.steps = \(T)")
            try within("layer", m.layer, 1...s.layers, "network.layers = \(s.layers)")
        case .nonfiniteWithin, .finiteFor:
            break
        case .heldOutPerplexity, .nGramPerplexity:
            try requireThreshold()
            guard s.task == .charLM, s.heldOut > 0 else {
                throw parser.error(path + ["metric"], "\(m.metric.rawValue) needs task.kind = \"char-lm\" with a held-out split (task.heldout > 0)")
            }
        case .weightGradSum, .weightGradShare:
            try requireThreshold()
            try within("layer", m.layer, 1...s.layers, "network.layers = \(s.layers)")
            try within("last_steps", m.lastSteps, 1...T, "task.steps = \(T)")
        case .lossBelowStart, .perplexityRatio:
            if m.metric == .perplexityRatio { try require("below", "the largest ratio allowed, e.g. 0.5") }
            if m.below == nil { m.below = 1 }
            if 2 * m.window > m.iterations {
                throw parser.error(given["window"] ?? path + ["window"], "window \(m.window) must be at most half of iterations (\(m.iterations)): the start and the end are averaged separately")
            }
            if m.metric == .perplexityRatio {
                let loss = s.loss ?? Self.defaultLoss(s.task)
                if !loss.isCrossEntropy {
                    throw parser.error(given["below"] ?? path, "perplexity needs a cross-entropy loss; this run trains with \(loss.rawValue)")
                }
            }
        case .finalLoss:
            try requireThreshold()
            try within("window", m.window, 1...m.iterations, "iterations = \(m.iterations)")
        case .lossReaches:
            try require("below", "the loss to reach")
            try within("window", m.window, 1...m.iterations, "iterations = \(m.iterations)")
        }
    }

    static func defaultLoss(_ task: Settings.TaskKind) -> LossKind {
        switch task {
        case .adding: .mseLast
        case .echo: .mseAll
        case .temporalOrder: .xentLast
        case .charLM, .copy: .xentAll
        }
    }
}
