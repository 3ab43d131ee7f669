import Foundation

/// Numbers as the PASS/FAIL lines print them.
enum Format {
    /// A measured figure: 3 significant digits, exponent form outside 1e-3…1e3
    /// ("3.2e-9", "0.00490", "1.00", "1.37e+12" is written "1.37e12").
    static func figure(_ x: Double, digits: Int = 3) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e3 {
            // Significant zeros stay ("1.00", not "1"): the digits say how precise it is.
            var s = String(format: "%#.\(digits)g", x)
            if s.hasSuffix(".") { s.removeLast() }
            return s
        }
        return clean(String(format: "%.\(max(digits - 1, 0))e", x))
    }

    /// A measured figure printed beside the bounds it is judged against: digits are
    /// added (up to 8) until it reads on the side of each bound it is on, so 0.049996
    /// is "0.049996 < 0.05", never "0.0500 < 0.05".
    static func figure(_ x: Double, beside bounds: Double?...) -> String {
        var digits = 3
        var s = figure(x)
        while digits < 8, x.isFinite, let shown = Double(s),
              bounds.contains(where: { b in b.map { (shown < $0) != (x < $0) || (shown > $0) != (x > $0) } ?? false }) {
            digits += 1
            s = figure(x, digits: digits)
        }
        return s
    }

    /// A threshold or setting as written: the shortest form ("1e-6", "0.05", "4000").
    static func plain(_ x: Double) -> String {
        if x.isNaN || x.isInfinite { return figure(x) }
        if x == x.rounded(), abs(x) < 1e5 { return String(Int(x)) }
        for digits in 1...17 {
            let s = String(format: "%.\(digits)g", x)
            if Double(s) == x { return clean(s) }
        }
        return clean(String(format: "%.17g", x))
    }

    /// A signed figure with 4 significant digits (slopes, logs).
    static func signed(_ x: Double) -> String {
        let s = figure(x, digits: 4)
        if x > 0 { return "+" + s }
        return s.hasPrefix("-") ? "−" + s.dropFirst() : s
    }

    /// "1.30e+06" → "1.3e6", "2.00e-09" → "2e-9"; trailing zeros of a mantissa go.
    static func clean(_ s: String) -> String {
        var mantissa = s, exponent = ""
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            var sign = ""
            if exp.hasPrefix("+") { exp.removeFirst() } else if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() }
            while exp.count > 1 && exp.hasPrefix("0") { exp.removeFirst() }
            exponent = "e" + sign + exp
        }
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        return mantissa + exponent
    }
}
