import Foundation

/// Numbers as the screen prints them: short, and honest about Inf and NaN.
public enum Format {
    /// Four significant digits in the readable range, scientific outside it.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e5 { return String(format: "%.4g", x) }
        return scientific(x)
    }

    /// Always scientific: gradient norms span tens of decades.
    static func scientific(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == 0 { return "0" }
        return String(format: "%.2e", x)
    }

    /// A fraction as a percentage to 0.1%; one that rounds to 0% or 100% without being it
    /// says so ("<0.1%"): 19 saturated gate values in 100,000 are not none, nor 9,999 clipped
    /// iterations in 10,000 all.
    static func percent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded()
        if tenths == 0 && fraction > 0 { return "<0.1%" }
        if tenths == 1000 && fraction < 1 { return ">99.9%" }
        return number(tenths / 10) + "%"
    }

    /// A threshold or learning rate as the user would type it (1, 0.5, 1e-05).
    static func setting(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e6 { return String(format: "%.1f", x) }
        return String(format: "%g", x)
    }

    /// 1e-4 style decade labels for the log axis.
    static func decade(_ d: Int) -> String { "1e\(d)" }

    /// Iterations per second, three significant digits.
    static func rate(_ r: Double) -> String {
        if !r.isFinite || r <= 0 { return "0" }
        if r >= 1e6 { return String(format: "%.1fM", r / 1e6) }
        if r >= 1e4 { return String(format: "%.0fk", r / 1e3) }
        if r >= 1e3 { return String(format: "%.1fk", r / 1e3) }
        if r >= 10 { return String(format: "%.0f", r) }
        return String(format: "%.2g", r)
    }

    /// An iteration count that fits five columns.
    static func count(_ n: Int) -> String {
        if n < 100_000 { return "\(n)" }
        if n < 10_000_000 { return "\(n / 1000)k" }
        return "\(n / 1_000_000)M"
    }

    /// Pads or cuts `s` to exactly `width` characters.
    static func fit(_ s: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        if s.count > width { return String(s.prefix(width)) }
        return s + String(repeating: " ", count: width - s.count)
    }

    /// Notes as a scenario file writes them (hard-wrapped near 76 columns) for a
    /// narrower panel. A paragraph's lines are joined and wrapped again, so no word
    /// is left alone on a row; a blank line ends a paragraph; "- " starts a list item
    /// whose two-space continuation lines join it, wrapped under its text; any other
    /// indented line (an equation, a quotation) is kept as written, and only where
    /// it is too wide wrapped, two columns further in.
    public static func reflow(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        var words = "", first = "", hang = ""
        func flush() {
            guard !words.isEmpty else { return }
            out += wrap(words, width: width, first: first, hang: hang)
            words = ""
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let indent = line.prefix { $0 == " " }.count
            let content = line.dropFirst(indent).trimmingCharacters(in: .whitespaces)
            if content.isEmpty {
                flush()
                out.append("")
            } else if indent == 0 && content.hasPrefix("- ") {
                flush()
                (words, first, hang) = (String(content.dropFirst(2)), "- ", "  ")
            } else if indent == 2 && hang == "  " && !words.isEmpty {
                words += " " + content  // the list item goes on
            } else if indent > 0 {
                flush()
                let pad = String(repeating: " ", count: indent)
                let deeper = indent + 2 < width / 2 ? pad + "  " : ""
                out += line.count <= width ? [line] : wrap(content, width: width, first: indent < width / 2 ? pad : "", hang: deeper)
                hang = ""
            } else {
                if hang == "  " { flush() }  // a plain line after a list item starts a paragraph
                if words.isEmpty { (first, hang) = ("", "") }
                words += (words.isEmpty ? "" : " ") + content
            }
        }
        flush()
        return out
    }

    /// `wrap` with a prefix on the first row and another on the rows after it.
    static func wrap(_ text: String, width: Int, first: String, hang: String) -> [String] {
        let rows = wrap(text, width: max(1, width - max(first.count, hang.count)))
        return rows.enumerated().map { ($0.offset == 0 ? first : hang) + $0.element }
    }

    /// Greedy word wrap; words longer than the width are cut.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var w = String(word)
                while w.count > width {
                    if !line.isEmpty { out.append(line); line = "" }
                    out.append(String(w.prefix(width)))
                    w = String(w.dropFirst(width))
                }
                if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else {
                    out.append(line)
                    line = w
                }
            }
            out.append(line)
        }
        return out
    }
}
