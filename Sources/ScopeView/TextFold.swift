/// Keeps every cell exactly one column wide, and folds text to ASCII for
/// terminals without UTF-8 (the maths notation becomes words: ρ → rho).
enum TextFold {
    /// Symbols the screen and the lecture notes use, spelled in ASCII.
    static let table: [Character: String] = [
        "ρ": "rho", "σ": "sigma", "γ": "gamma", "α": "alpha", "η": "eta", "μ": "mu", "λ": "lambda",
        "θ": "theta", "∇": "grad ", "∂": "d", "‖": "||", "·": "*", "×": "x", "÷": "/", "−": "-",
        "–": "-", "—": "--", "…": "...", "→": "->", "←": "<-", "↑": "^", "↓": "v", "⇒": "=>",
        "≤": "<=", "≥": ">=", "≈": "~", "≠": "!=", "∞": "inf", "∏": "prod", "Π": "prod", "Σ": "sum", "∑": "sum",
        "δ": "delta", "ε": "eps", "τ": "tau", "ℓ": "l", "●": "o",
        "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
        "⁰": "0", "¹": "1", "²": "^2", "³": "^3", "⁻": "-", "ₜ": "_t", "ᵀ": "^T",
        "‘": "'", "’": "'", "“": "\"", "”": "\"", "•": "*", "°": "o", "±": "+/-", "√": "sqrt",
        "│": "|", "─": "-", "┆": ":", "┼": "+", "┴": "+", "└": "+", "┌": "+", "┐": "+", "┘": "+",
        "▲": "^", "▼": "v", "↵": "|", "★": "*", "✓": "ok", "✗": "no",
        "é": "e", "è": "e", "ê": "e", "à": "a", "ä": "a", "ö": "o", "ü": "u", "ß": "ss", "ç": "c", "ñ": "n",
    ]

    static func ascii(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if c.isASCII {
                out.append(c)
            } else if let s = table[c] {
                out += s
            } else if let base = c.unicodeScalars.first, base.isASCII, c.unicodeScalars.count > 1 {
                out.append(Character(base))  // a letter with a combining mark (f̄): the letter
            } else {
                out.append("?")
            }
        }
        return out
    }

    /// A character that takes exactly one cell: control characters become blanks,
    /// double-width ones (CJK, emoji) a '?', and in ASCII mode anything non-ASCII its
    /// one-letter fold or '?'.
    /// Runs for every cell written, so it looks at scalar values only.
    static func cellSafe(_ c: Character, asciiOnly: Bool) -> Character {
        let scalars = c.unicodeScalars
        let v = scalars[scalars.startIndex].value
        if v < 0x80 {
            if v < 0x20 || v == 0x7F { return " " }
            // A combining mark on an ASCII letter is not ASCII: keep the letter.
            if asciiOnly && scalars.count > 1 { return Character(Unicode.Scalar(UInt8(v))) }
            return c
        }
        if asciiOnly {
            if let s = table[c], s.count == 1, let f = s.first { return f }
            return "?"
        }
        if isInvisible(v) { return " " }
        if isWide(v) { return "?" }
        return c
    }

    /// C1 controls and the format characters a terminal would not advance over.
    static func isInvisible(_ v: UInt32) -> Bool {
        switch v {
        case 0x80..<0xA0, 0xAD, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF: return true
        default: return false
        }
    }

    /// East Asian Wide/Fullwidth ranges and emoji: two columns in a terminal.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
