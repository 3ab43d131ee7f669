import Dispatch
import Foundation
import RNNSim

/// One PASS/FAIL line of `rnnscope check`.
public struct ClaimResult: Sendable {
    public var scenario: String
    public var passed: Bool
    /// "PASS vanishing: ‖∂L/∂h_1‖/‖∂L/∂h_50‖ = 3.2e-9 < 1e-6"
    public var line: String
    /// Wall-clock seconds the claim's runs took (shared runs count for each claim using them).
    public var seconds: Double

    public init(scenario: String, passed: Bool, line: String, seconds: Double = 0) {
        self.scenario = scenario
        self.passed = passed
        self.line = line
        self.seconds = seconds
    }
}

/// Runs a scenario's claims headlessly. Measurements that need the same settings
/// share one training run; distinct runs go to the cores in parallel. Everything
/// is seeded, so the figures are the same on every run and every machine.
public enum ScenarioCheck {
    public static func run(_ scenario: Scenario, seeds: Int = 1, progress: ((String) -> Void)? = nil) -> [ClaimResult] {
        runAll([scenario], seeds: seeds, progress: progress)[0]
    }

    /// The claims of several scenarios, with all their runs scheduled on the
    /// cores together (longest first), so that a long run of one scenario
    /// overlaps the short runs of the others. Results are per scenario, in order;
    /// the lines are the same as `run` gives one scenario at a time.
    ///
    /// With `seeds` = N > 1 every claim is measured on N seeds, the file's own
    /// and the N − 1 after it (`SeedSweep`), and passes when it holds on at
    /// least 90% of them.
    public static func runAll(_ scenarios: [Scenario], seeds: Int = 1, fromSeed: UInt64? = nil,
                              progress: ((String) -> Void)? = nil) -> [[ClaimResult]] {
        let sweeps = Self.sweeps(scenarios, seeds: seeds, fromSeed: fromSeed)
        let copies = scenarios.indices.flatMap { i in sweeps[i].offsets.map { scenarios[i].reseeded(by: $0) } }
        let verdicts = measureAll(copies, progress: progress)
        return scenarios.indices.map { i in
            let scenario = scenarios[i]
            let name = scenario.name
            if scenario.claims.isEmpty {
                // Nothing to measure; but a file `train` would refuse must not pass: it is started as a run would be.
                if let why = startFailure(scenario) {
                    return [ClaimResult(scenario: name, passed: false, line: "FAIL \(name): could not start: \(why)")]
                }
                return [ClaimResult(scenario: name, passed: true, line: "PASS \(name): (no claims)")]
            }
            let sweep = sweeps[i]
            let perSeed = Array(verdicts[(i * sweep.count)..<((i + 1) * sweep.count)])
            return scenario.claims.indices.map { c in
                sweep.result(name: name, firstSeed: scenario.settings.seed &+ sweep.start, perSeed.map { $0[c] })
            }
        }
    }

    /// Why the scenario's run, or a variant's, could not start (what `train` would say), or nil.
    static func startFailure(_ scenario: Scenario) -> String? {
        for settings in [scenario.settings] + scenario.variants.map(\.settings) {
            do { _ = try Trainer(settings: settings) } catch { return "\(error)" }
        }
        return nil
    }

    /// Each scenario's sweep: from its own seed, or from the one asked for.
    static func sweeps(_ scenarios: [Scenario], seeds: Int, fromSeed: UInt64?) -> [SeedSweep] {
        scenarios.map { s in SeedSweep(count: seeds, start: fromSeed.map { $0 &- s.settings.seed } ?? 0) }
    }

    /// The first seed a sweep would run (the file's, a variant's or a claim's) outside the
    /// 0…Int.max that `run --seed` takes, as the integer it is; nil when all are in range.
    /// (The sweep itself adds modulo 2⁶⁴: 18446744073709551615 then 0, or a seed past Int.max
    /// that no `run` could reproduce.)
    public static func seedOutOfRange(_ scenarios: [Scenario], seeds: Int = 1, fromSeed: UInt64? = nil)
        -> (scenario: String, seed: String)? {
        let top = UInt64(Int.max)
        for scenario in scenarios {
            if let s = fromSeed, s > top { return (scenario.name, "\(s)") }
            // All seeds are ≤ Int.max here, so the shift fits an Int.
            let shift = fromSeed.map { Int($0) - Int(scenario.settings.seed) } ?? 0
            let own = [scenario.settings.seed] + scenario.variants.map(\.settings.seed)
                + scenario.claims.flatMap { $0.measures.map(\.settings.seed) }
            for seed in own {
                guard seed <= top else { return (scenario.name, "\(seed)") }
                let (first, over) = Int(seed).addingReportingOverflow(shift)
                if !over && first < 0 { return (scenario.name, "\(first)") }
                let past = first.addingReportingOverflow(max(seeds, 1) - 1).overflow
                // Past Int.max and below 2⁶⁴: exact in UInt64.
                if over || past { return (scenario.name, "\(seed &+ UInt64(bitPattern: Int64(shift)) &+ UInt64(max(seeds, 1) - 1))") }
            }
        }
        return nil
    }

    /// Every claim of every scenario, measured once on its own settings.
    static func measureAll(_ scenarios: [Scenario], progress: ((String) -> Void)?) -> [[Verdict]] {
        let report = ProgressSink(progress)
        // One run per distinct settings among the training / network measurements.
        var plans: [RunPlan] = []
        for scenario in scenarios {
            for m in scenario.claims.flatMap(\.measures) where m.metric.needsRun {
                if let i = plans.firstIndex(where: { $0.settings == m.settings }) {
                    plans[i].measures.append(m)
                } else {
                    plans.append(RunPlan(settings: m.settings, label: "\(scenario.name): \(m.label)", measures: [m]))
                }
            }
        }
        let traces = Traces(count: plans.count)
        // Longest first, so that two long runs overlap rather than queue.
        let fixed = plans
        let order = fixed.indices.sorted { fixed[$0].cost > fixed[$1].cost }
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let plan = fixed[order[k]]
            report.say(plan.describe)
            traces.set(order[k], Trace.record(plan) { i, loss in
                report.say("\(plan.label.hasSuffix(": ") ? String(plan.label.dropLast(2)) : plan.label): iteration \(i) of \(plan.budget), loss \(Format.figure(loss))")
            })
        }
        return scenarios.map { scenario in
            scenario.claims.map { claim in
                var parts: [String] = []
                var passed = true
                var seconds = 0.0
                var figures: [Double?] = []
                for m in claim.measures {
                    let outcome: Outcome
                    if !m.metric.needsRun {
                        outcome = Evaluate.withoutRun(m)
                    } else {
                        let i = plans.firstIndex { $0.settings == m.settings }!
                        let trace = traces.get(i)
                        seconds += trace.seconds
                        outcome = Evaluate.measure(m, trace)
                    }
                    passed = passed && outcome.passed
                    figures.append(outcome.figure)
                    parts.append(m.label.isEmpty ? outcome.text : "\(m.label): \(outcome.text)")
                }
                return Verdict(passed: passed, text: parts.joined(separator: "; "), seconds: seconds, figures: figures)
            }
        }
    }

    /// "3 passed, 0 failed" style summary plus the lines, for callers that want text.
    public static func format(_ results: [ClaimResult]) -> String {
        let passed = results.filter(\.passed).count
        return (results.map(\.line) + ["\(passed) passed, \(results.count - passed) failed"]).joined(separator: "\n")
    }
}

/// Serialises progress messages from the worker threads.
final class ProgressSink: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: ((String) -> Void)?
    init(_ sink: ((String) -> Void)?) { self.sink = sink }
    func say(_ s: String) {
        guard let sink else { return }
        lock.lock(); defer { lock.unlock() }
        sink(s)
    }
}

final class Traces: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Trace?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ t: Trace) { lock.lock(); items[i] = t; lock.unlock() }
    func get(_ i: Int) -> Trace { lock.lock(); defer { lock.unlock() }; return items[i]! }
}

/// The measurements that share one set of settings, and how long to train for them.
struct RunPlan: Sendable {
    var settings: Settings
    var label: String
    var measures: [Measure]

    /// Iterations to train at most.
    var budget: Int { measures.map(\.budget).max() ?? 0 }
    /// Iterations after which the spectrum (ρ of W_hh) must be measured.
    /// (A gated cell's gate statistics are recorded with it.)
    var spectrumAt: Set<Int> { Set(measures.filter { $0.metric == .slopeVsLogRho || $0.metric == .gatePath }.map(\.iteration)) }
    /// Iterations whose full report (‖∂L/∂h_t‖) is kept.
    var reportsAt: Set<Int> { Set(measures.filter { !$0.metric.trains && $0.metric.needsRun }.map(\.iteration)) }
    /// Iterations after which the held-out perplexity is measured.
    var heldOutAt: Set<Int> { Set(measures.filter { $0.metric == .heldOutPerplexity }.map(\.iterations)) }
    /// Iterations whose steps' terms of ∂L/∂W_hh are recorded.
    var stepGradientsAt: Set<Int> { Set(measures.filter { $0.metric == .weightGradSum || $0.metric == .weightGradShare }.map(\.iteration)) }
    /// A rough cost, to start the long runs first.
    var cost: Double { Double(budget) * Double(settings.steps * settings.batch * settings.hidden * max(settings.hidden, 16)) }

    var describe: String {
        let who = label.hasSuffix(": ") ? label : "\(label), "
        return "\(who)\(budget) iteration\(budget == 1 ? "" : "s") of \(settings.task.rawValue), T = \(settings.steps), H = \(settings.hidden), \(settings.activation.rawValue)"
    }

    /// Whether every measurement is settled after `trace` reached its current iteration.
    func settled(_ trace: Trace) -> Bool { measures.allSatisfy { $0.isSettled(by: trace) } }
}
