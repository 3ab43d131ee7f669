import RNNSim
import Foundation

/// A JSON value of a safetensors header. Parsed by hand rather than by
/// JSONSerialization, whose objects cost about 64 bytes per byte of a header of
/// many small entries: a hostile 100 MB header would need gigabytes to reject.
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// An integer literal that fits Int64.
    case integer(Int64)
    /// An integer literal past Int64 that fits UInt64.
    case unsigned(UInt64)
    /// A fraction, an exponent, or an integer past UInt64.
    case real(Double)
    case bool(Bool)
    case null

    /// The value of `key` in an object; the last one when it is repeated, as JSONSerialization keeps.
    subscript(key: String) -> HeaderJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.last { $0.key == key }?.value
    }

    /// A short description for error messages.
    var described: String {
        switch self {
        case .string(let s): "the string \(TextSafety.quoted(s))"
        case .integer, .unsigned, .real: "the number \(literal)"
        case .bool: "the boolean \(literal)"
        case .array(let items):
            // Small arrays such as data_offsets are worth showing in full.
            items.count <= 4 && items.allSatisfy(\.isScalar)
                ? "[" + items.map(\.literal).joined(separator: ", ") + "]" : "an array of \(items.count) elements"
        case .object: "an object"
        case .null: "null"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .integer, .unsigned, .real, .bool, .null: true
        default: false
        }
    }

    private var literal: String {
        switch self {
        case .integer(let i): String(i)
        case .unsigned(let u): String(u)
        case .real(let d): TextSafety.escaped("\(d)", limit: 400)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        default: described
        }
    }

    /// A non-negative integer written as one (not 3.0, not true), that fits Int.
    var nonNegativeInteger: Int? {
        switch self {
        case .integer(let i): i >= 0 ? Int(exactly: i) : nil
        case .unsigned(let u): Int(exactly: u)
        default: nil
        }
    }

    /// The deepest nesting accepted: far beyond a safetensors header's 3, far below the stack's limit.
    static let maximumDepth = 64

    /// Parses one JSON value filling `bytes` (whitespace around it allowed).
    /// The bytes must already be valid UTF-8; the error text says what is wrong and where.
    static func parse(_ bytes: [UInt8]) throws -> HeaderJSON {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        func error(_ what: String) -> SafeTensorsError { .headerNotJSON(reason: "\(what) at header offset \(at)") }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        mutating func expect(_ word: String) throws {
            for b in word.utf8 {
                guard at < bytes.count, bytes[at] == b else { throw error("invalid value") }
                at += 1
            }
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            guard depth < HeaderJSON.maximumDepth else { throw error("nesting deeper than \(HeaderJSON.maximumDepth) levels") }
            guard at < bytes.count else { throw error("unexpected end of the header") }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                at += 1
                var pairs: [(key: String, value: HeaderJSON)] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                    let key = try string()
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    at += 1
                    skipSpace()
                    pairs.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard at < bytes.count else { throw error("unexpected end of the header") }
                    if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                    guard bytes[at] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                    at += 1
                    return .object(pairs)
                }
            case UInt8(ascii: "["):
                at += 1
                var items: [HeaderJSON] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard at < bytes.count else { throw error("unexpected end of the header") }
                    if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                    guard bytes[at] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                    at += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("invalid value")
            }
        }

        mutating func digits() -> Int {
            let start = at
            while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
            return at - start
        }

        mutating func number() throws -> HeaderJSON {
            let start = at
            if bytes[at] == UInt8(ascii: "-") { at += 1 }
            let intStart = at
            let count = digits()
            guard count > 0 else { throw error("invalid number") }
            if count > 1 && bytes[intStart] == UInt8(ascii: "0") { throw error("number with a leading zero") }
            var integral = true
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1
                integral = false
                guard digits() > 0 else { throw error("invalid number") }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1
                integral = false
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { throw error("invalid number") }
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            if integral, let i = Int64(text) { return .integer(i) }
            if integral, let u = UInt64(text) { return .unsigned(u) }
            guard let d = Double(text), d.isFinite else { throw error("number out of range") }
            return .real(d)
        }

        mutating func hex4() throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw error("unfinished \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[at]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                at += 1
            }
            return v
        }

        /// A string from its opening quote; escapes decoded, lone surrogates refused.
        mutating func string() throws -> String {
            at += 1
            var out: [UInt8] = []
            while true {
                guard at < bytes.count else { throw error("unterminated string") }
                let b = bytes[at]
                if b == UInt8(ascii: "\"") { at += 1; break }
                guard b >= 0x20 else { throw error("control character in a string") }
                guard b == UInt8(ascii: "\\") else { out.append(b); at += 1; continue }
                at += 1
                guard at < bytes.count else { throw error("unterminated string") }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard at + 2 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in a \\u escape")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                        scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("unpaired surrogate in a \\u escape") }
                    UTF8.encode(u) { out.append($0) }
                default: throw error("invalid escape")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
