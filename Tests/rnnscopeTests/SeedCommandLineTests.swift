import Foundation
import Testing

/// `--seed N` on `run` and `train` is `--set seed=N`: the same setting, parsed and
/// checked by the seed key itself; with a `--set seed=` of another value it is one
/// line and status 2. `check` keeps `--seeds N` and `--from-seed S`.
@Suite(.serialized) struct SeedCommandLineTests {
    static let train = ["train", "vanishing", "--headless", "--iterations", "3", "--jsonl"]

    @Test func seedIsTheSameRunAsSetSeed() throws {
        let flag = try Binary.run(Self.train + ["--seed", "17"])
        let set = try Binary.run(Self.train + ["--set", "seed=17"])
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(flag.stdout == set.stdout, "--seed 17 and --set seed=17 must train the same run and say the same header")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(flag.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(header["seed"] as? Int == 17)
        // The same seed both ways is one seed, not a conflict.
        let both = try Binary.run(Self.train + ["--set", "seed=17", "--seed", "17"])
        #expect(both.status == 0 && both.stdout == flag.stdout, "\(both.stderr)")
        #expect(try Binary.run(Self.train).stdout != flag.stdout, "another seed than the file's own")
    }

    static let refused: [([String], String)] = [
        (train + ["--seed", "17", "--set", "seed=18"], "--seed 17 and --set seed=18 give different seeds; give one"),
        (["run", "vanishing", "--set", "seed=18", "--seed", "17"], "--seed 17 and --set seed=18 give different seeds; give one"),
        // The seed key's own range and messages, as --set seed= gets them.
        (train + ["--seed", "-1"], "--seed -1: -1 is out of range (0…9223372036854775807)"),
        (train + ["--seed", "many"], "--seed many: "),
        (["run", "vanishing", "--seed", "1.5"], "--seed 1.5: "),
        (["check", "vanishing", "--seed", "17"], "check has no --seed: --from-seed 17 checks seed 17 (with --seeds N, N seeds from it)"),
        // check --from-seed ran seeds --seed refuses (above 2^63 − 1, and wrapped round to 0, 1).
        (["check", "vanishing", "--from-seed", "18446744073709551615"], "The value '18446744073709551615' is invalid"),
        (["check", "vanishing", "--from-seed", "9223372036854775807", "--seeds", "3"],
         "--from-seed must be 0…9223372036854775805 with --seeds 3, the seeds --seed takes; got 9223372036854775807"),
        (["check", "vanishing", "--from-seed", "-1"], "--from-seed must be 0…9223372036854775807, the seeds --seed takes; got -1"),
    ]

    @Test(arguments: refused)
    func aBadOrConflictingSeedIsOneLineAndStatusTwo(args: [String], message: String) throws {
        let r = try Binary.run(args)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("rnnscope: \(message)"), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }

    /// A bad --seed is refused with what --set seed= says of the same value.
    @Test func aBadSeedSaysWhatSetSeedSays() throws {
        for value in ["-1", "many", "1.5", "18446744073709551616"] {
            let flag = try Binary.run(Self.train + ["--seed", value])
            let set = try Binary.run(Self.train + ["--set", "seed=\(value)"])
            #expect(flag.status == 2 && set.status == 2)
            let said = set.stderr.replacingOccurrences(of: "rnnscope: --set seed=\(value): seed: ", with: "")
            #expect(flag.stderr == "rnnscope: --seed \(value): " + said, "\(flag.stderr) vs \(set.stderr)")
        }
    }

    @Test func helpNamesSeed() throws {
        for command in ["run", "train"] {
            let r = try Binary.run([command, "--help"])
            #expect(r.stdout.contains("--seed <N>") && r.stdout.contains("--set seed=N"), "\(command)")
        }
        let check = try Binary.run(["check", "--help"])
        #expect(check.stdout.contains("--seeds") && check.stdout.contains("--from-seed") && !check.stdout.contains("--seed <"))
    }
}
