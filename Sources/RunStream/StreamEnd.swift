/// The line a writer appends when it closes its stream (docs/stream.md): `{"end": true}`.
/// Nothing more of that run comes; a header after it is another run appended to the file.
/// A file without one (an older writer, a loop killed) is followed as one that may grow.
public enum StreamEnd {
    public static let line = #"{"end": true}"#

    public static func isEnd(_ line: [UInt8]) -> Bool {
        guard case .success(let f) = StreamJSON.decode(Fields.self, line) else { return false }
        return f.end == true
    }

    private struct Fields: Decodable {
        var end: Bool?
    }
}
