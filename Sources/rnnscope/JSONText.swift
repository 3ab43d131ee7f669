import RNNSim

/// Just enough JSON for the command line's machine-readable output: keys in
/// the order given, numbers in their shortest exact form, and `null` for
/// Inf/NaN (which JSON cannot spell; the `nonfinite` field says why).
enum JSONText {
    indirect enum Value {
        case number(Double), int(Int), bool(Bool), string(String), array([Value]), object([(String, Value)])
    }

    static func encode(_ v: Value) -> String {
        switch v {
        case .number(let d): return d.isFinite ? "\(d)" : "null"
        case .int(let i): return "\(i)"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return JSONString.quoted(s)
        case .array(let a): return "[" + a.map(encode).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSONString.quoted($0.0) + ":" + encode($0.1) }.joined(separator: ",") + "}"
        }
    }

    static func numbers(_ xs: [Double]) -> Value { .array(xs.map { .number($0) }) }
    static func matrix(_ xss: [[Double]]) -> Value { .array(xss.map(numbers)) }
}
