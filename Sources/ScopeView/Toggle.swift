import RNNSim

/// A training setting one key switches on and off and two keys tune: clipping's
/// threshold (c, + and −) and truncation's K (t, [ and ]). The value in force is
/// the run's own, `settings.clip` or `settings.truncate` (0 = off), held there
/// only; the toggle keeps the value it turns on with, so that tuning works while
/// it is off.
public struct Toggle<Value: Numeric & Comparable & Sendable>: Equatable, Sendable {
    /// The value the key turns it on with.
    public var memory: Value

    /// Switches the value in force on (at `memory`) or off (0).
    public func switched(_ inForce: inout Value) {
        inForce = inForce != 0 ? 0 : memory
    }

    /// Tunes the value it turns on with, and the value in force if it is on.
    public mutating func tune(to next: Value, _ inForce: inout Value) {
        memory = next
        if inForce != 0 { inForce = next }
    }
}

extension Toggle where Value == Double {
    /// Clipping: `c` turns it on at the scenario's threshold, else at 1.
    static func clipping(_ s: Settings) -> Toggle { Toggle(memory: s.clip > 0 ? s.clip : 1.0) }
}

extension Toggle where Value == Int {
    /// Truncation: `t` turns it on at the scenario's K, else at T/4.
    static func truncation(_ s: Settings) -> Toggle { Toggle(memory: s.truncate > 0 ? s.truncate : max(1, s.steps / 4)) }
}
