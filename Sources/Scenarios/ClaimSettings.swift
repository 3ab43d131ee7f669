import RNNSim

extension Settings {
    /// The keys whose values differ from `other`'s, in table order, leaving out the
    /// seed and the display: claims are written to hold on any seed, and how a run
    /// is shown does not change what it computes.
    public func trainingDifferences(from other: Settings) -> [String] {
        Settings.keys.filter { k in
            k.name != "seed" && !k.name.hasPrefix("display.") && reads(k.name)
                && k.value(in: self) != k.value(in: other)
        }.map(\.name)
    }

    /// Whether the cell in use reads this setting: b_f left over from an LSTM is no
    /// difference on a vanilla RNN or GRU, nor the vanilla cells' activation on a gated cell.
    func reads(_ key: String) -> Bool {
        switch key {
        case "init.forget_bias": cell == .lstm
        case "network.activation": cell.readsActivation
        default: true
        }
    }
}

extension Scenario {
    /// The scenario as the file of one of its variants would be: its claims judged,
    /// and watched live, on `s` (the split view's run B).
    public func withSettings(_ s: Settings) -> Scenario {
        var copy = self
        copy.settings = s
        copy.settingsBeforeSet = nil
        return copy
    }

    /// The settings' keys a run on `s` changed from what the title describes: the
    /// scenario's own, before any `--set`.
    public func changes(in s: Settings) -> [String] {
        s.trainingDifferences(from: settingsBeforeSet ?? settings)
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

    /// The variant whose settings these are, whatever route reached them (keys, --set, s):
    /// its claims are the ones judged on a run of them.
    public func variant(matching s: Settings) -> Variant? {
        variants.first { s.trainingDifferences(from: $0.settings).isEmpty }
    }
}
