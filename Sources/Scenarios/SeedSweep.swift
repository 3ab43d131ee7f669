import RNNSim

/// One claim measured on one seed: held or not, and its figures in words.
struct Verdict: Sendable {
    var passed: Bool
    var text: String
    var seconds: Double
    /// Each measurement's figure, in order (nil where nothing was measured).
    var figures: [Double?] = []
}

/// `rnnscope check --seeds N`: a claim is a fact about the setup, not about one
/// lucky draw, so it is measured on the file's own seed and the N − 1 seeds
/// after it (seed + 1, seed + 2, …: chosen by nobody) and passes when it holds
/// on at least 90% of them.
struct SeedSweep {
    let count: Int
    /// The first offset: 0 starts at the file's own seed; `check --from-seed S` starts
    /// at seed S, so that claims can be tried on seeds nobody calibrated them on.
    let start: UInt64

    init(count: Int, start: UInt64 = 0) {
        self.count = max(count, 1)
        self.start = start
    }

    /// Added to every seed of the scenario (its own, its variants', its claims').
    var offsets: [UInt64] { (0..<UInt64(count)).map { start &+ $0 } }

    /// Holds needed to pass: 90% of the seeds, rounded up (all of them for one seed).
    var needed: Int { (9 * count + 9) / 10 }

    /// One PASS/FAIL line. One seed: the figures as they are. Several: how many
    /// held, the figures of the file's own seed, and those of the first seed
    /// that did not hold.
    func result(name: String, firstSeed: UInt64, _ verdicts: [Verdict]) -> ClaimResult {
        let seconds = verdicts.map(\.seconds).reduce(0, +)
        guard count > 1 else {
            let v = verdicts[0]
            return ClaimResult(scenario: name, passed: v.passed, line: "\(v.passed ? "PASS" : "FAIL") \(name): \(v.text)", seconds: seconds)
        }
        let held = verdicts.filter(\.passed).count
        let passed = held >= needed
        let seed = { (i: Int) in firstSeed &+ UInt64(i) }
        var line = "\(passed ? "PASS" : "FAIL") \(name): held on \(held) of \(count) seeds (\(seed(0))…\(seed(count - 1)), needs \(needed))"
        let failed = verdicts.indices.filter { !verdicts[$0].passed }
        if !failed.isEmpty {
            line += ", not on \(failed.map { "\(seed($0))" }.joined(separator: ", "))"
        }
        line += "; seed \(seed(0)): \(verdicts[0].text)"
        if let f = failed.first, f != 0 {
            line += "; seed \(seed(f)): \(verdicts[f].text)"
        }
        return ClaimResult(scenario: name, passed: passed, line: line, seconds: seconds)
    }
}

extension Scenario {
    /// The same scenario on other seeds: `offset` is added to the file's seed and
    /// to every variant's and claim's, so a variant that sets its own seed keeps
    /// its distance from the file's.
    func reseeded(by offset: UInt64) -> Scenario {
        guard offset != 0 else { return self }
        var s = self
        s.settings.seed &+= offset
        for i in s.variants.indices { s.variants[i].settings.seed &+= offset }
        for c in s.claims.indices {
            for m in s.claims[c].measures.indices { s.claims[c].measures[m].settings.seed &+= offset }
        }
        return s
    }
}
