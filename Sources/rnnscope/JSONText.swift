import RNNSim

/// Just enough JSON for the command line's machine-readable output: keys in
/// the order given, numbers in their shortest exact form, and Inf/NaN (which
/// JSON cannot spell) as `null` or, where Inf and NaN must be told apart, as
/// the strings "Infinity", "-Infinity" and "NaN" (Python's float() and
/// JavaScript's Number() read them back).
enum JSONText {
    indirect enum Value {
        case number(Double), int(Int), bool(Bool), string(String), array([Value]), object([(String, Value)])
        /// A number written as it is, already valid JSON (a setting's value).
        case raw(String)
    }

    enum NonFinite { case null, named }

    static func encode(_ v: Value, nonFinite: NonFinite = .null) -> String {
        switch v {
        case .number(let d):
            if d.isFinite { return "\(d)" }
            if nonFinite == .null { return "null" }
            return d.isNaN ? "\"NaN\"" : (d > 0 ? "\"Infinity\"" : "\"-Infinity\"")
        case .raw(let text): return text
        case .int(let i): return "\(i)"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return JSONString.quoted(s)
        case .array(let a): return "[" + a.map { encode($0, nonFinite: nonFinite) }.joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.map { JSONString.quoted($0.0) + ":" + encode($0.1, nonFinite: nonFinite) }.joined(separator: ",") + "}"
        }
    }

    static func numbers(_ xs: [Double]) -> Value { .array(xs.map { .number($0) }) }
    static func matrix(_ xss: [[Double]]) -> Value { .array(xss.map(numbers)) }
}
