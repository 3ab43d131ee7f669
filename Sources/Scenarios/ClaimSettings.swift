import RNNSim

extension Settings {
    /// The keys whose values differ from `other`'s, in table order, leaving out the
    /// seed and the display: claims are written to hold on any seed, and how a run
    /// is shown does not change what it computes.
    public func trainingDifferences(from other: Settings) -> [String] {
        Settings.keys.filter { k in
            k.name != "seed" && !k.name.hasPrefix("display.") && k.value(in: self) != k.value(in: other)
        }.map(\.name)
    }
}

extension Scenario {
    /// The scenario as the file of one of its variants would be: its claims judged,
    /// and watched live, on `s` (the split view's run B).
    public func withSettings(_ s: Settings) -> Scenario {
        var copy = self
        copy.settings = s
        return copy
    }

    /// Whether a run on `s` is the run this scenario's claims are written for.
    public func claimsApply(to s: Settings) -> Bool {
        s.trainingDifferences(from: settings).isEmpty
    }

    /// The measurements a live run of the scenario's own settings shows: not other
    /// variants or sweep values, nor the bare product (no network runs it).
    var watchedMeasures: [Measure] {
        claims.flatMap(\.measures).filter { $0.metric != .productGrowth && claimsApply(to: $0.settings) }
    }

    /// Whether the live view has a claim of this scenario to watch.
    public var hasLiveClaims: Bool { !watchedMeasures.isEmpty }
}
