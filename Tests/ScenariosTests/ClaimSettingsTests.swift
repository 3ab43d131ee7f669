import Foundation
@testable import RNNSim
import Testing
@testable import Scenarios

/// `display.speed` in files and `--set`, and which runs a scenario's claims are judged on.
@Suite struct ClaimSettingsTests {
    static func scenario(_ extra: String = "") throws -> Scenario {
        try ScenarioLibrary.parse("""
        title = "w"
        seed = 3
        [network]
        hidden = 4
        [task]
        kind = "adding"
        steps = 10
        \(extra)
        [[expect]]
        metric = "grad_ratio"
        below = 1e-6
        """, path: "w.toml")
    }

    @Test func speedIsANumberOrMax() throws {
        #expect(try Self.scenario().settings.speed == Settings.defaultSpeed)
        #expect(try Self.scenario("[display]\nspeed = 5").settings.speed == 5)
        #expect(try Self.scenario("[display]\nspeed = 0.5").settings.speed == 0.5)
        #expect(try Self.scenario("[display]\nspeed = \"max\"").settings.speed == .infinity)
        var s = Settings()
        try s.set(assignment: "display.speed=max")
        #expect(s.speed.isInfinite)
        try s.set(assignment: "display.speed=2.5")
        #expect(s.speed == 2.5)
        #expect(Settings.keys.first { $0.name == "display.speed" }?.value(in: s) == "2.5")
        #expect(Settings.keys.first { $0.name == "display.speed" }?.value(in: Settings()) == "20")
    }

    @Test(arguments: [
        ("speed = 0", "display.speed: 0.0 is out of range (0.1…10000, or max)"),
        ("speed = 20000", "display.speed: 20000.0 is out of range (0.1…10000, or max)"),
        ("speed = \"fast\"", "display.speed: expected a number or \"max\", got a string"),
        ("speed = true", "display.speed: expected a number or \"max\", got a boolean"),
    ])
    func aBadSpeedNamesTheFileLineAndKey(line: String, message: String) {
        #expect(throws: ScenarioError.self) { try Self.scenario("[display]\n\(line)") }
        do { _ = try Self.scenario("[display]\n\(line)") } catch {
            #expect("\(error)" == "w.toml:9: \(message)")
        }
    }

    @Test func theSeedAndTheDisplayAreNotTheClaimsBusiness() throws {
        let s = try Self.scenario()
        var other = s.settings
        other.seed = 99
        other.speed = .infinity
        other.temperature = 0.1
        #expect(s.claimsApply(to: other))
        other.truncate = 3
        other.clip = 1
        #expect(!s.claimsApply(to: other))
        #expect(other.trainingDifferences(from: s.settings) == ["train.clip", "train.truncate"])
    }

    @Test func theWatcherJudgesOnlyTheScenariosOwnSettings() throws {
        let s = try Self.scenario()
        let w = try #require(s.momentWatcher())
        var run = s.settings
        #expect(w.judges(run))
        run.seed = 7
        #expect(w.judges(run))
        run.initKind = .identity
        run.activation = .relu
        #expect(!w.judges(run))
    }

    /// `rnnscope run NAME --speed max` or `--set seed=5` still watches the claims.
    @Test func aScenarioAtAnotherPaceOrSeedStillHasItsMoments() throws {
        var s = try Self.scenario()
        s.settings.speed = .infinity
        s.settings.seed = 11
        #expect(s.hasLiveClaims)
        #expect(s.momentWatcher() != nil)
        s.settings.hidden = 5
        #expect(!s.hasLiveClaims, "a claim is for the settings it was written for")
    }
}

/// Settings that equal a variant's are that variant; a setting the cell in use does not read is no difference.
@Suite struct VariantMatchingTests {
    @Test func theForgetBiasKeysReachAVariantAndTheGRUIgnoresBf() throws {
        let s = try ScenarioLibrary.load("forget-bias")
        var live = s.settings
        live.forgetBias = 1
        #expect(s.variant(matching: live)?.name == "bf1")
        #expect(s.withSettings(live).hasLiveClaims, "bf1's own claim is judged live")
        live.cell = .gru
        #expect(live.trainingDifferences(from: s.settings) == ["network.cell"], "b_f is not read by a GRU")
        var vanilla = try ScenarioLibrary.load("vanishing").settings
        let own = vanilla
        vanilla.forgetBias = 2.5
        #expect(vanilla.trainingDifferences(from: own).isEmpty)
        vanilla.cell = .lstm
        #expect(vanilla.trainingDifferences(from: own) == ["network.cell", "init.forget_bias"])
    }
}
