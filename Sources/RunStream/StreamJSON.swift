import Foundation

/// One line of a stream, decoded after checks a stranger's file cannot defeat:
/// a bounded length (the reader enforces it) and a bounded nesting depth, checked on
/// the bytes before Foundation's recursive decoder sees them.
enum StreamJSON {
    /// The deepest nesting a stream uses is 3 (`hidden_grad_norms`); headers nest a
    /// settings object. Anything deeper is not a stream.
    static let maximumDepth = 8

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func decode<T: Decodable>(_ type: T.Type, _ line: [UInt8]) -> Result<T, StreamError> {
        // A UTF-8 byte-order mark (an editor's or PowerShell's) is not part of the JSON (RFC 8259 §8.1).
        let line = line.starts(with: byteOrderMark) ? Array(line.dropFirst(byteOrderMark.count)) : line
        guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 }), first == UInt8(ascii: "{") else {
            return .failure(StreamError("not a JSON object"))
        }
        guard depthIsBounded(line) else { return .failure(StreamError("nested deeper than \(maximumDepth) levels")) }
        do { return .success(try JSONDecoder().decode(T.self, from: Data(line))) } catch let e as StreamError {
            return .failure(e)
        } catch DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c) {
            return .failure(StreamError("\(path(c)) has the wrong type"))
        } catch DecodingError.keyNotFound(let k, _) {
            return .failure(StreamError("no \(k.stringValue)"))
        } catch {
            return .failure(StreamError("not JSON"))
        }
    }

    private static func path(_ c: DecodingError.Context) -> String {
        c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Brackets outside strings, counted without recursion.
    static func depthIsBounded(_ bytes: [UInt8]) -> Bool {
        var depth = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return false }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return true
    }
}

/// A number as the stream writes it: a JSON number, or "Infinity", "-Infinity", "NaN";
/// `null` (not measured) is NaN. A boolean or any other string is an error.
struct StreamNumber: Decodable {
    var value: Double
    /// False for `null` (not measured); a measured NaN ("NaN") is true.
    var measured = true

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .nan; measured = false; return }
        if let d = try? c.decode(Double.self) { value = d; return }
        switch try c.decode(String.self) {
        case "Infinity": value = .infinity
        case "-Infinity": value = -.infinity
        case "NaN": value = .nan
        default: throw DecodingError.typeMismatch(Double.self, .init(codingPath: c.codingPath, debugDescription: "not a number"))
        }
    }
}

/// Why a line of a stream was not used, in a few words.
public struct StreamError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
