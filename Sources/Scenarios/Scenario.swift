import RNNSim

/// A lecture scenario: one textbook fact about vanilla RNNs, set up so that it
/// happens on screen in seconds, with notes that explain it and claims that prove it.
public struct Scenario: Sendable {
    /// The file's stem, e.g. `vanishing`.
    public var name: String
    /// One line, shown in `rnnscope list` and the picker.
    public var title: String
    /// The lecture notes, shown in the info panel and `rnnscope list --long`.
    public var notes: String
    public var settings: Settings
    /// The file it was read from, if any.
    public var path: String?

    public init(name: String, title: String, notes: String = "", settings: Settings = Settings(), path: String? = nil) {
        self.name = name
        self.title = title
        self.notes = notes
        self.settings = settings
        self.path = path
    }
}

/// Watches a live run and says, in one line, when a scenario's claim comes true
/// (the first non-finite value, the loss crossing its threshold, ...).
public protocol MomentWatcher: AnyObject {
    /// Called with every iteration's report; returns a line to show, or nil.
    func observe(_ report: IterationReport) -> String?
}
