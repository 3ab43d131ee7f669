import Foundation

/// The log₁₀ scale shared by the chart and the heatmap, in whole decades, so that
/// a bar's height and a heatmap cell's shade mean the same thing.
struct NormScale: Equatable {
    var low: Int
    var high: Int

    static let empty = NormScale(low: -4, high: 0)

    /// The whole decades covering every positive finite value (at least two decades).
    static func covering<S: Sequence>(_ values: S) -> NormScale where S.Element == Double {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v > 0 && v.isFinite {
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        guard lo <= hi else { return .empty }
        // A hair of tolerance: 0.1 stored as a Float is 0.100000001, still the decade 1e-1.
        var l = Int((log10(lo) + 1e-6).rounded(.down)), h = Int((log10(hi) - 1e-6).rounded(.up))
        if h - l < 2 {
            let missing = 2 - (h - l)
            h += (missing + 1) / 2
            l -= missing / 2
        }
        return NormScale(low: l, high: h)
    }

    var span: Int { max(1, high - low) }

    /// Where a positive finite value sits, 0 at `low` … 1 at `high`.
    func fraction(_ v: Double) -> Double {
        min(max((log10(v) - Double(low)) / Double(span), 0), 1)
    }

    /// The heat level (0 … Palette.heatLevels − 1) of a positive finite value.
    func level(_ v: Double) -> Int {
        min(Int(fraction(v) * Double(Palette.heatLevels)), Palette.heatLevels - 1)
    }
}

/// Timesteps (or heatmap bins) onto plot columns, always across the whole width:
/// step s starts at column ⌊s·width/T⌋. When T fits, a step spans one or more
/// columns; when it does not, a column stands for several steps and shows the
/// largest of them.
struct TimeAxis {
    let count: Int
    let width: Int

    init(count: Int, width: Int) {
        self.count = max(1, count)
        self.width = max(1, width)
    }

    var resampled: Bool { count > width }
    /// Columns of the narrowest step (1 when resampled).
    var cellsPerStep: Int { resampled ? 1 : width / count }
    var usedWidth: Int { width }

    /// The first column of step s.
    func column(of s: Int) -> Int { s * width / count }

    /// The steps a column stands for (empty past the last column).
    func steps(in column: Int) -> Range<Int> {
        guard column >= 0 && column < width else { return count..<count }
        // s with ⌊s·w/n⌋ = c are ⌈c·n/w⌉ … ⌈(c+1)·n/w⌉ − 1
        let lo = (column * count + width - 1) / width
        let hi = ((column + 1) * count + width - 1) / width
        if !resampled {
            // One step: the last one starting at or before this column.
            let s = hi - 1
            return s..<(s + 1)
        }
        return min(lo, count)..<min(hi, count)
    }

    /// Whether bars leave a blank column between steps (then cuts are drawn there).
    var hasGaps: Bool { cellsPerStep >= 3 }

    /// Whether a column is the blank between two wide steps.
    func isGap(_ c: Int) -> Bool {
        guard hasGaps, let s = steps(in: c).first else { return false }
        return c == column(of: s + 1) - 1
    }

    /// The columns step s is drawn in (without its gap).
    func columns(of s: Int) -> Range<Int> {
        let end = column(of: s + 1)
        return column(of: s)..<(hasGaps ? end - 1 : max(end, column(of: s) + 1))
    }

    /// The column a truncation cut before step s is drawn in: the gap between the
    /// steps when there is one, else the first column of step s.
    func cutColumn(before s: Int) -> Int { hasGaps ? column(of: s) - 1 : column(of: s) }

    /// The largest value among the steps of a column; a non-finite one wins. nil past the end.
    func aggregate(_ values: [Double], column: Int) -> Double? {
        let r = steps(in: column)
        guard !r.isEmpty else { return nil }
        var m = 0.0
        for i in r where i < values.count {
            let v = values[i]
            if !v.isFinite { return v }
            if v > m { m = v }
        }
        return m
    }

    func aggregate(_ values: [Float], column: Int) -> Double? {
        let r = steps(in: column)
        guard !r.isEmpty else { return nil }
        var m: Float = 0
        for i in r where i < values.count {
            let v = values[i]
            if !v.isFinite { return Double(v) }
            if v > m { m = v }
        }
        return Double(m)
    }

    /// Time-axis labels: t = 1, t = T and round numbers between, at least `gap` columns apart.
    func ticks(minimumGap gap: Int = 8) -> [(step: Int, label: String)] {
        var out: [(Int, String)] = [(0, "1")]
        let last = count - 1
        let candidates = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000]
        let stepsPerGap = Double(count) / Double(max(usedWidth, 1)) * Double(gap)
        let every = candidates.first { Double($0) >= stepsPerGap } ?? 100_000
        var t = every
        while t < count {
            // t is a 1-based timestep, s = t − 1 its index
            if column(of: t - 1) - column(of: out.last!.0) >= gap && column(of: last) - column(of: t - 1) >= gap {
                out.append((t - 1, "\(t)"))
            }
            t += every
        }
        if last > 0 { out.append((last, "\(count)")) }
        return out
    }
}
