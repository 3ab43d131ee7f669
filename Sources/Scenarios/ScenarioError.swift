import RNNSim

/// A scenario that cannot be used: one line, `path:line: key: message`
/// (without the line when there is no line to point at, e.g. a missing file).
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as named by the caller (or the preset name that was not found).
    public var path: String
    /// 1-based line of the offending key, header or syntax error.
    public var line: Int?
    /// The dotted key (`train.lr`, `expect[2].below`, `variants.tanh.init.kind`), if any.
    public var key: String?
    public var message: String

    public init(path: String, line: Int? = nil, key: String? = nil, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    /// The path and key come from outside: escaped and cut short (`TextSafety`).
    public var description: String {
        var s = TextSafety.escaped(path, limit: 400)
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "\(TextSafety.escaped(key)): " }
        return s + message
    }
}
