import Foundation
import RNNSim
import Testing
@testable import Scenarios

/// `rnnscope check --seeds N` and the exactness of the window means it prints.
@Suite struct CheckSeedsTests {
    /// The bare product over H = 3: whether a draw grows 10× over T = 20 depends
    /// on the seed (ρ of a 3×3 Gaussian matrix spreads widely), so the tally is
    /// a real count, not always N of N.
    static func product(seed: Int) throws -> Scenario {
        try ScenarioLibrary.parse("""
        title = "t"
        seed = \(seed)
        [network]
        hidden = 3
        activation = "linear"
        [task]
        kind = "adding"
        steps = 20
        [[expect]]
        metric = "product_growth"
        draws = 2
        above = 10
        """, path: "seeds.toml")
    }

    /// A file with no claims has nothing to measure, but one `train` would refuse (too big
    /// for the memory cap, a text with one character; here in a variant) fails as a file
    /// with claims does, "could not start", where it passed as "(no claims)".
    @Test func aFileWithoutClaimsThatCannotStartFails() throws {
        let fine = try ScenarioLibrary.parse("title = \"t\"\n[network]\nhidden = 4\n", path: "fine.toml")
        #expect(ScenarioCheck.run(fine).map(\.line) == ["PASS fine: (no claims)"])
        for (name, text) in [("big", "[network]\nhidden = 2048\nlayers = 4\n[task]\nsteps = 5000\n[train]\nbatch = 64\n"),
                             ("onechar", "[variants.text]\ntask.kind = \"char-lm\"\ntask.text = \"aaaa\"\n")] {
            let s = try ScenarioLibrary.parse("title = \"t\"\n" + text, path: name + ".toml")
            let results = ScenarioCheck.run(s)
            #expect(results.count == 1 && !results[0].passed, "\(results.map(\.line))")
            #expect(results[0].line.hasPrefix("FAIL \(name): could not start: "), "\(results[0].line)")
        }
    }

    /// `--from-seed 1000`: the same tally on seeds 1000…1009, each as a file with that seed.
    @Test func aSweepCanStartOnSeedsNobodyCalibratedOn() throws {
        let results = ScenarioCheck.runAll([try Self.product(seed: 1)], seeds: 10, fromSeed: 1000)[0]
        let held = try (1000...1009).filter { try ScenarioCheck.run(Self.product(seed: $0))[0].passed }
        #expect(results[0].line.contains("held on \(held.count) of 10 seeds (1000…1009"), "\(results[0].line)")
    }

    /// Every seed a sweep runs is one `run --seed` takes (0…Int.max), worked out in full:
    /// the sweep adds modulo 2⁶⁴, and ran 9223372036854775808 or wrapped to 0 unsaid.
    @Test func aSweepPastTheLargestSeedIsNamed() throws {
        let s = try Self.product(seed: 1)
        #expect(ScenarioCheck.seedOutOfRange([s], seeds: 10, fromSeed: 1000) == nil)
        #expect(ScenarioCheck.seedOutOfRange([s], seeds: 1, fromSeed: 0) == nil, "below the file's own seed is fine")
        #expect(ScenarioCheck.seedOutOfRange([s], seeds: 3, fromSeed: UInt64(Int.max) - 2) == nil)
        #expect(ScenarioCheck.seedOutOfRange([s], seeds: 4, fromSeed: UInt64(Int.max) - 2)?.seed == "9223372036854775808")
        let top = try Self.product(seed: Int.max)
        #expect(ScenarioCheck.seedOutOfRange([top]) == nil)
        #expect(ScenarioCheck.seedOutOfRange([top], seeds: 2)?.seed == "9223372036854775808")
        #expect(ScenarioCheck.seedOutOfRange([top], seeds: 2, fromSeed: 5) == nil)
    }

    @Test func tallyCountsTheSeedsOneByOne() throws {
        let s = try Self.product(seed: 1)
        let results = ScenarioCheck.run(s, seeds: 10)
        #expect(results.count == 1)
        // The same claim measured on each seed alone, as a file with that seed.
        let held = try (1...10).filter { try ScenarioCheck.run(Self.product(seed: $0))[0].passed }
        #expect(held.count > 0 && held.count < 10, "the claim should hold on some seeds only")
        let line = results[0].line
        #expect(line.contains("held on \(held.count) of 10 seeds (1…10, needs 9)"), "\(line)")
        #expect(results[0].passed == (held.count >= 9))
        let missed = (1...10).filter { !held.contains($0) }.map(String.init).joined(separator: ", ")
        #expect(line.contains("not on \(missed);"), "\(line)")
        // The figures of the file's own seed follow, as `check` without --seeds prints them.
        let single = ScenarioCheck.run(s)[0].line
        #expect(line.contains("; seed 1: " + single.dropFirst("PASS seeds: ".count)), "\(line)")
    }

    @Test func ninetyPercentIsNeeded() {
        #expect(SeedSweep(count: 10).needed == 9)
        #expect(SeedSweep(count: 20).needed == 18)
        #expect(SeedSweep(count: 2).needed == 2)
        #expect(SeedSweep(count: 1).needed == 1)
        #expect(SeedSweep(count: 11).needed == 10)
    }

    @Test func reseedingMovesEverySeed() throws {
        let s = try ScenarioLibrary.parse("""
        title = "t"
        seed = 5
        [variants.other]
        seed = 40
        [[expect]]
        metric = "grad_ratio"
        variant = "other"
        below = 1
        """, path: "v.toml")
        let r = s.reseeded(by: 3)
        #expect(r.settings.seed == 8)
        #expect(r.variants[0].settings.seed == 43)
        #expect(r.claims[0].measures[0].settings.seed == 43)
    }

    /// A run whose first loss is 3.66e15 (a linear RNN with ρ = 1.5, clipped):
    /// the final window of losses of ~1 must keep its digits. Plain prefix sums
    /// printed 0 here (clipping-rescue's old settings, seed 3).
    @Test func windowMeansAfterA1e15Start() throws {
        let t = Trace()
        t.append(3.66e15)
        for i in 1..<40 { t.append(1.3 + 0.001 * Double(i % 7)) }
        let direct = t.losses[30..<40].reduce(0, +) / 10
        #expect(abs(t.mean(30, 40) - direct) < 1e-13)
        #expect(abs(t.mean(0, 10) / (t.losses[0..<10].reduce(0, +) / 10) - 1) < 1e-15)
        var plain = 0.0
        var prefix = [0.0]
        for x in t.losses { plain += x; prefix.append(plain) }
        #expect(abs((prefix[40] - prefix[30]) / 10 - direct) > 0.1, "plain prefix sums lose the window")
    }

    @Test func checkPrintsTheTrueFinalLossOfA1e15Run() throws {
        let s = try ScenarioLibrary.parse("""
        title = "t"
        seed = 3
        [network]
        hidden = 8
        activation = "linear"
        [init]
        kind = "spectral"
        rho = 1.5
        [task]
        kind = "adding"
        steps = 50
        [train]
        batch = 4
        optimizer = "sgd"
        lr = 0.05
        clip = 1.0
        [[expect]]
        metric = "loss_below_start"
        iterations = 60
        window = 10
        """, path: "big.toml")
        // The same run, its losses averaged directly.
        let trainer = try Trainer(settings: s.settings)
        let losses = (0..<60).map { _ in trainer.step(spectrum: false).loss }
        let start = losses[0..<10].reduce(0, +) / 10, end = losses[50..<60].reduce(0, +) / 10
        #expect(start > 1e14 && end < 100, "the run starts huge and comes down (start \(start), end \(end))")
        let line = ScenarioCheck.run(s)[0].line
        #expect(line.contains("\(Format.figure(start)) → \(Format.figure(end)) in 60 iterations"), "\(line)")
    }
}
