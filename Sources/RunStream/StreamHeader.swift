import Foundation
import RNNSim

/// The first line of a run stream (docs/stream.md): what network the records are
/// about and who wrote them. Every text is made safe for the terminal here.
public struct StreamHeader: Sendable, Equatable {
    /// "rnnscope" (a run rnnscope trained) or "pytorch" (the user's own loop).
    public var source: String
    public var title: String
    public var cell: CellKind
    /// The Elman cell's nonlinearity (tanh for gated cells, where it is unused).
    public var activation: Activation
    public var layers: Int
    public var directions: Int
    public var hidden: Int
    public var projSize: Int
    public var inputSize: Int?
    /// T when every iteration has it; nil when lengths vary.
    public var steps: Int?
    /// What each row of the norms is: "layer 1", "layer 1 reverse", …
    public var rows: [String]
    public var device: String?
    public var dtype: String?
    public var worldSize: Int
    public var rank: Int
    public var every: Int
    public var exact: Bool
    /// One sentence per figure that is not exact.
    public var inexact: [String]
    /// The control file through which the view may steer the writer's loop.
    public var control: String?
    /// `train --jsonl`: the scenario the run is, and the settings `--set` changed
    /// from it (its title describes the scenario's own).
    public var scenario: String?
    public var seed: UInt64?
    public var changed: [String]?

    /// Bounds on what a header may ask the view to hold.
    public static let maximumRows = 64
    public static let maximumHidden = 1 << 20

    /// The header on this line, or why it is not one.
    public static func parse(_ line: [UInt8]) -> Result<StreamHeader, StreamError> {
        StreamJSON.decode(Fields.self, line).flatMap { f in
            Result { try StreamHeader(f) }.mapError { $0 as? StreamError ?? StreamError("\($0)") }
        }
    }

    private struct Fields: Decodable {
        var rnnscope: String?
        var source: String?
        var title: String?
        var cell: String?
        var activation: String?
        var layers: Int?
        var directions: Int?
        var hidden: Int?
        var proj_size: Int?
        var input_size: Int?
        var steps: Int?
        var rows: [String]?
        var device: String?
        var dtype: String?
        var world_size: Int?
        var rank: Int?
        var every: Int?
        var exact: Bool?
        var inexact: [String]?
        var control: String?
        var scenario: String?
        var seed: UInt64?
        var changed: [String]?
        /// A record where a header should be.
        var iteration: Int?
    }

    private init(_ f: Fields) throws {
        guard f.iteration == nil else { throw StreamError("the first line is a record, not the header (was the header cut off?)") }
        guard f.rnnscope != nil else { throw StreamError("the first line is not an rnnscope stream header (no \"rnnscope\" field)") }
        guard let cellName = f.cell, let cell = CellKind(rawValue: cellName) else {
            throw StreamError("the header's cell must be \"rnn\", \"lstm\" or \"gru\"")
        }
        self.cell = cell
        // Absent: nn.RNN's default. Any other name would be shown as one the stream never said.
        guard f.activation.map({ Activation(rawValue: $0) != nil }) ?? true else {
            throw StreamError("the header's activation must be \"tanh\", \"relu\", \"sigmoid\", \"linear\" or null")
        }
        activation = f.activation.flatMap(Activation.init(rawValue:)) ?? .tanh
        guard let layers = f.layers, (1...Self.maximumRows).contains(layers) else { throw StreamError("the header's layers must be 1…\(Self.maximumRows)") }
        let directions = f.directions ?? 1
        guard directions == 1 || directions == 2 else { throw StreamError("the header's directions must be 1 or 2") }
        guard layers * directions <= Self.maximumRows else { throw StreamError("more than \(Self.maximumRows) layers × directions") }
        guard let hidden = f.hidden, (1...Self.maximumHidden).contains(hidden) else { throw StreamError("the header's hidden must be 1…\(Self.maximumHidden)") }
        self.layers = layers
        self.directions = directions
        self.hidden = hidden
        // Each figure the view shows is the header's own: one out of its range is refused, never
        // replaced by a default (rank −3 shown as rank 0, every 0 as "every iteration").
        func check(_ value: Int?, _ name: String, _ range: ClosedRange<Int>, _ says: String) throws {
            if let v = value, !range.contains(v) { throw StreamError("the header's \(name) must be \(says)") }
        }
        try check(f.proj_size, "proj_size", 0...Self.maximumHidden, "0…\(Self.maximumHidden)")
        try check(f.input_size, "input_size", 1...Int.max, "a whole number from 1")
        try check(f.steps, "steps", 1...Int.max, "a whole number from 1, or null")
        try check(f.world_size, "world_size", 1...Int.max, "a whole number from 1")
        try check(f.rank, "rank", 0...max(0, (f.world_size ?? 1) - 1), "0…world_size − 1")
        try check(f.every, "every", 1...Int.max, "a whole number from 1")
        if let r = f.rows, r.count != layers * directions {
            throw StreamError("the header's rows must name \(layers * directions), one per layer and direction")
        }
        projSize = f.proj_size ?? 0
        inputSize = f.input_size
        steps = f.steps
        let named = (f.rows ?? []).map { TextSafety.escaped($0, limit: 40) }
        rows = f.rows != nil ? named : Self.rowNames(layers: layers, directions: directions)
        source = TextSafety.escaped(f.source ?? "rnnscope", limit: 40)
        title = TextSafety.escaped(f.title ?? "\(cell.moduleName)", limit: 200)
        device = f.device.map { TextSafety.escaped($0, limit: 40) }
        dtype = f.dtype.map { TextSafety.escaped($0, limit: 60) }
        worldSize = f.world_size ?? 1
        rank = f.rank ?? 0
        every = f.every ?? 1
        inexact = (f.inexact ?? []).prefix(16).map { TextSafety.escaped($0, limit: 300) }
        exact = (f.exact ?? true) && inexact.isEmpty
        control = f.control
        scenario = f.scenario.map { TextSafety.escaped($0, limit: 80) }
        seed = f.seed
        changed = f.changed.map { $0.prefix(32).map { TextSafety.escaped($0, limit: 40) } }
    }

    /// What reading to a stream's header gave.
    public enum Reading: Equatable {
        case header(StreamHeader)
        /// The stream cannot be shown at all: why, naming the stream and the line.
        case unusable(String)
        /// Not written yet (or the file was replaced): read again later.
        case waiting
    }

    /// Reads `follower` up to its header line (blank lines before it are passed over),
    /// counting lines in `line`. `name` is how the reason names the stream.
    /// Said after a first line that is not JSON: what usually put it there.
    public static let notAStreamHint = " (a stream begins with its header line: anything else the loop prints belongs on stderr, or write the stream to a file)"

    public static func read(from follower: StreamFollower, name: String, line: inout Int) -> Reading {
        while true {
            switch follower.next() {
            case .line(let bytes):
                line += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                switch parse(bytes) {
                case .success(let h): return .header(h)
                case .failure(let e):
                    // Text that is not JSON at all where the header goes is, most often, the loop's own
                    // progress printed into the stream (rnnscope.watch(..., "-") with print() beside it).
                    let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 })
                    let text = first != UInt8(ascii: "{") && first != UInt8(ascii: "[")
                    return .unusable("\(name), line \(line): \(e)" + (text ? Self.notAStreamHint : ""))
                }
            case .skippedLong:
                line += 1
                return .unusable("\(name), line \(line): longer than \(StreamFollower.maximumLine >> 20) MiB: not a stream header")
            case .ended:
                return .unusable("\(name) ended before its header line")
            case .restarted:
                line = 0
                return .waiting
            case .waiting:
                return .waiting
            }
        }
    }

    /// Why the header already written to the regular file at `path` cannot be used, or nil
    /// (usable, or not written yet: the view waits for it). Read before the view opens, so
    /// a bad file is the same one line whether or not there is a terminal to open.
    public static func problem(inFile path: String, name: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var line = 0
        if case .unusable(let why) = read(from: StreamFollower(path: path), name: name, line: &line) { return why }
        return nil
    }

    /// "layer 1", "layer 1 reverse", "layer 2", … in PyTorch's _l0, _l0_reverse order.
    public static func rowNames(layers: Int, directions: Int) -> [String] {
        (1...layers).flatMap { k in directions == 2 ? ["layer \(k)", "layer \(k) reverse"] : ["layer \(k)"] }
    }

    /// Rows of `hidden_grad_norms` each record has.
    public var rowCount: Int { layers * directions }
}
