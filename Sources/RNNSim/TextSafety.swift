import Foundation

/// Text from outside (file contents and names, keys, values, titles, notes,
/// corpus samples) goes through here before it reaches a terminal or a
/// one-line error: a control character could retitle, clear or rewrite the
/// user's terminal, and a 10,000-character value would bury the message.
public enum TextSafety {
    /// The longest value a message quotes whole.
    public static let defaultLimit = 120

    /// Control characters (C0, DEL, C1, line and paragraph separators, and the
    /// bidirectional overrides that reorder what is shown) written as escapes:
    /// `\n`, `\r`, `\t`, `\e` and `\u{…}`; cut to `limit` characters with "…".
    public static func escaped(_ text: String, limit: Int = defaultLimit) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit { return result + "…" }
            count += 1
            if isUnsafe(scalar) {
                switch scalar {
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                case "\u{1B}": result += "\\e"
                default: result += "\\u{\(String(scalar.value, radix: 16))}"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `escaped` in single quotes, for naming a value inside a message.
    public static func quoted(_ text: String, limit: Int = defaultLimit) -> String {
        "'" + escaped(text, limit: limit) + "'"
    }

    /// Whether a scalar must not reach a terminal as it is.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Multi-line text (notes, a corpus sample) kept as lines, each made safe:
    /// tabs become spaces, every other control character is escaped.
    public static func lines(_ text: String, limit: Int = .max) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            escaped(String($0).replacingOccurrences(of: "\t", with: "    ").replacingOccurrences(of: "\r", with: ""), limit: limit)
        }
    }
}
