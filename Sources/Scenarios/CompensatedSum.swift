/// A sum carried as an unevaluated pair hi + lo, where lo holds exactly what
/// rounding dropped from hi at each addition (Knuth's TwoSum). Two such prefix
/// sums subtract to the window's sum to about 1e-32 of the prefix, instead of
/// 1e-16 of it: after a loss of 3.66e15 the window of later losses of ~1.3 keeps
/// every digit rather than none.
struct CompensatedSum: Sendable, Equatable {
    var hi = 0.0
    var lo = 0.0

    static func + (s: CompensatedSum, x: Double) -> CompensatedSum {
        let t = s.hi + x
        // TwoSum: the exact rounding error of hi + x, without assuming |hi| ≥ |x|.
        let xPart = t - s.hi
        let error = (s.hi - (t - xPart)) + (x - xPart)
        return CompensatedSum(hi: t, lo: s.lo + error)
    }

    /// (self − earlier) as one Double.
    func minus(_ earlier: CompensatedSum) -> Double { (hi - earlier.hi) + (lo - earlier.lo) }

    var value: Double { hi + lo }
}
