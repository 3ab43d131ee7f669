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
    /// The `[[expect]]` claims, in file order (a sweep gives one claim per value).
    public var claims: [Claim]
    /// The `[variants.NAME]` tables: the file's settings with overrides, in file order.
    public var variants: [Variant]
    /// `compare = ["A", "B"]`: the live view opens as a split of these two variants.
    public var compare: (a: Variant, b: Variant)?
    /// The settings the scenario had before `--set` changed them (nil when it did
    /// not): the title describes these, so the view marks what differs from them.
    public var settingsBeforeSet: Settings?

    public init(name: String, title: String, notes: String = "", settings: Settings = Settings(), path: String? = nil,
                claims: [Claim] = [], variants: [Variant] = [], compare: (a: Variant, b: Variant)? = nil) {
        self.compare = compare
        self.name = name
        self.title = title
        self.notes = notes
        self.settings = settings
        self.path = path
        self.claims = claims
        self.variants = variants
    }

    /// The variant of this name, if the file defines one.
    public func variant(_ name: String) -> Variant? { variants.first { $0.name == name } }
}

/// A named set of setting overrides (`[variants.NAME]`), resolved against the
/// scenario's own settings and validated.
public struct Variant: Sendable, Equatable {
    public var name: String
    /// The overrides as written, `key = value` in the `--set` key names.
    public var overrides: [(key: String, value: SettingValue)]
    /// The scenario's settings with the overrides applied.
    public var settings: Settings

    public init(name: String, overrides: [(key: String, value: SettingValue)], settings: Settings) {
        self.name = name
        self.overrides = overrides
        self.settings = settings
    }

    public static func == (a: Variant, b: Variant) -> Bool {
        a.name == b.name && a.settings == b.settings && a.overrides.map(\.key) == b.overrides.map(\.key)
            && a.overrides.map(\.value) == b.overrides.map(\.value)
    }
}

/// Watches a live run and says, in one line, when a scenario's claim comes true
/// (the first non-finite value, the loss crossing its threshold, ...).
public protocol MomentWatcher: AnyObject {
    /// Called with every iteration's report; returns a line to show, or nil.
    func observe(_ report: IterationReport) -> String?
    /// Whether an iteration run on `settings` is one the claims are judged on
    /// (a toggle such as clipping or truncation moves a run off them).
    func judges(_ settings: Settings) -> Bool
    /// Whether a claim needs the held-out loss after this iteration (`IterationReport.heldOutLoss`).
    func measuresHeldOut(at iteration: Int) -> Bool
    /// Whether a claim needs ρ(W_hh) (and a gated cell's gate statistics) measured on this iteration.
    func measuresSpectrum(at iteration: Int) -> Bool
}

extension MomentWatcher {
    public func judges(_ settings: Settings) -> Bool { true }
    public func measuresHeldOut(at iteration: Int) -> Bool { false }
    public func measuresSpectrum(at iteration: Int) -> Bool { false }
}
