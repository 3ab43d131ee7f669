import Scenarios

/// The K values `[` and `]` step through: halving and doubling from the scenario's
/// own K (T/4 if it sets none), plus every K its variants use, so that a lesson's
/// values (truncation-horizon's K = 9 beside its K = 20) are a key press away; 1 and T bound it.
enum TruncationLadder {
    static func rungs(for scenario: Scenario, steps: Int) -> [Int] {
        let top = max(1, steps)
        let base = min(top, scenario.settings.truncate > 0 ? scenario.settings.truncate : max(1, steps / 4))
        var rungs: Set<Int> = [1, top, base]
        var k = Double(base)
        while k > 1 { k /= 2; rungs.insert(max(1, Int(k.rounded()))) }
        k = Double(base)
        while k < Double(top) { k *= 2; rungs.insert(min(top, Int(k))) }
        for v in scenario.variants where v.settings.truncate > 0 && v.settings.truncate <= top { rungs.insert(v.settings.truncate) }
        return rungs.sorted()
    }

    /// The next rung below `k` (shorter) or above it, staying put at the ends.
    static func step(from k: Int, shorter: Bool, scenario: Scenario, steps: Int) -> Int {
        let rungs = rungs(for: scenario, steps: steps)
        return shorter ? rungs.last { $0 < k } ?? max(1, min(k, rungs[0]))
                       : rungs.first { $0 > k } ?? min(k, rungs[rungs.count - 1])
    }
}
