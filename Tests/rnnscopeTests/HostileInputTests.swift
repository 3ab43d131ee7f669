import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// Issue 20's cases, through the built binary: a stranger's file or setting
/// never crashes rnnscope, never overwrites an input, never reads outside its
/// folder, and never runs something other than the user's model silently.
/// Each case is bounded (seconds, not minutes): they run in `.ci/run`.
@Suite(.serialized) struct HostileInputTests {
    /// A fresh folder, removed by the caller's `defer`.
    static func folder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func oneLine(_ r: Run) -> Bool {
        r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("rnnscope: ")
    }

    // MARK: 1. Nesting

    /// A header of 20,000 dotted parts (a 40 KB file) segfaulted `check`, and
    /// `list` with it among the presets; now each is one line and status 2.
    @Test func aDeepHeaderOrDeepNestingIsRefusedNotACrash() throws {
        let dir = try Self.folder("deep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let deep: [(String, String)] = [
            ("header", "title = \"x\"\n[" + Array(repeating: "a", count: 20_000).joined(separator: ".") + "]\n"),
            ("key", "title = \"x\"\n" + Array(repeating: "a", count: 20_000).joined(separator: ".") + " = 1\n"),
            ("arrays", "title = \"x\"\na = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"),
            ("tables", "title = \"x\"\na = " + String(repeating: "{a=", count: 50_000) + "1" + String(repeating: "}", count: 50_000) + "\n"),
        ]
        for (name, text) in deep {
            let file = dir.appendingPathComponent("\(name).toml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let r = try Binary.run(["check", file.path])
            #expect(r.status == 2 && Self.oneLine(r), "\(name): status \(r.status) \(r.stderr.prefix(300))")
            #expect(r.stderr.contains("\(name).toml:2:"), "\(name): the line of the offending text: \(r.stderr.prefix(300))")
        }
        // One such file among the presets: `list` says which, in one line.
        let presets = dir.appendingPathComponent("presets")
        try FileManager.default.createDirectory(at: presets, withIntermediateDirectories: true)
        try deep[0].1.write(to: presets.appendingPathComponent("deep.toml"), atomically: true, encoding: .utf8)
        let list = try Binary.run(["list"], environment: ["RNNSCOPE_SCENARIOS": presets.path])
        #expect(list.status == 2 && Self.oneLine(list) && list.stderr.contains("deep.toml:2:"), "status \(list.status) \(list.stderr.prefix(300))")
        // ... and lists every preset that reads: one bad file hides none of the others.
        #expect(list.stdout.contains("vanishing ") && list.stdout.contains("lm-perplexity "), "\(list.stdout.prefix(300))")
        // A header TOMLKit's parser asserted on (the process aborted, 134): one line per bad file, 2.
        try "title = \"x\"\n[[[a]]]\n".write(to: presets.appendingPathComponent("brackets.toml"), atomically: true, encoding: .utf8)
        let two = try Binary.run(["list"], environment: ["RNNSCOPE_SCENARIOS": presets.path])
        #expect(two.status == 2 && two.stderr.contains("brackets.toml:2:") && two.stderr.contains("deep.toml:2:"), "status \(two.status) \(two.stderr.prefix(300))")
        #expect(two.stdout.contains("vanishing "))
    }

    // MARK: 3. Outputs over inputs

    /// `grads --out` equal to `--model` (or `--data`, or a link to either) used to
    /// replace the model with gradients and exit 0; `train --csv x --svg x` wrote both to x.
    @Test func anOutputOnAnInputOrOnAnotherOutputIsRefused() throws {
        let dir = try Self.folder("same")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.safetensors").path, data = dir.appendingPathComponent("d.safetensors").path
        try FileManager.default.copyItem(atPath: Binary.fixture("tanh-mse-last/model.safetensors"), toPath: model)
        try FileManager.default.copyItem(atPath: Binary.fixture("tanh-mse-last/data.safetensors"), toPath: data)
        let link = dir.appendingPathComponent("link").path
        symlink(model, link)
        let before = try Data(contentsOf: URL(fileURLWithPath: model)), dataBefore = try Data(contentsOf: URL(fileURLWithPath: data))
        for out in [model, data, link, dir.path + "/./m.safetensors"] {
            let r = try Binary.run(["grads", "--model", model, "--data", data, "--loss", "mse-last", "--out", out])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("never writes over its inputs"), "\(out): \(r.status) \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == dataBefore)
        let x = dir.appendingPathComponent("x").path
        let both = try Binary.run(["train", "--headless", "--iterations", "2", "--set", "network.hidden=4", "--csv", x, "--svg", x])
        #expect(both.status == 2 && Self.oneLine(both) && both.stderr.contains("name the same file"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: x))
        let save = try Binary.run(["train", "--headless", "--iterations", "2", "--model", model, "--data", data, "--save", link])
        #expect(save.status == 2 && save.stderr.contains("--save is the file given as --model"), "\(save.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
    }

    // MARK: 6. Corpus paths

    /// A scenario file's `task.corpus` reads only inside the file's folder: an
    /// absolute path, `../`, or a link leading out are refused with the line;
    /// the same path on the command line is the user's own choice and is read.
    @Test func aScenarioReadsItsCorpusOnlyFromItsOwnFolder() throws {
        let dir = try Self.folder("corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.appendingPathComponent("secret.txt")
        try String(repeating: "the secret words of another user. ", count: 40).write(to: secret, atomically: true, encoding: .utf8)
        let inner = dir.appendingPathComponent("lectures")
        try FileManager.default.createDirectory(at: inner.appendingPathComponent("texts"), withIntermediateDirectories: true)
        try String(repeating: "a fair corpus of plain words. ", count: 40).write(to: inner.appendingPathComponent("texts/ok.txt"), atomically: true, encoding: .utf8)
        symlink(secret.path, inner.appendingPathComponent("link.txt").path)
        func scenario(_ corpus: String) throws -> String {
            let file = inner.appendingPathComponent("s\(UUID().uuidString.prefix(6)).toml")
            try "title = \"x\"\n[network]\nhidden = 4\n[task]\nkind = \"char-lm\"\nsteps = 8\ncorpus = \"\(corpus)\"\n".write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        for corpus in [secret.path, "../secret.txt", "texts/../../secret.txt", "link.txt", "/etc/passwd"] {
            let r = try Binary.run(["train", try scenario(corpus), "--headless", "--iterations", "1"])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains(":7: task.corpus:"), "\(corpus): \(r.status) \(r.stderr)")
            #expect(!r.stdout.contains("secret"))
        }
        let ok = try Binary.run(["train", try scenario("texts/ok.txt"), "--headless", "--iterations", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let given = try Binary.run(["train", try scenario("texts/ok.txt"), "--headless", "--iterations", "1", "--set", "task.corpus=\(secret.path)"])
        #expect(given.status == 0, "the command line may name any file: \(given.stderr)")
    }

    // MARK: 9. Tensors rnnscope does not run

    /// nn.LSTM(3, 4) → nn.LayerNorm(4) → nn.Linear(4, 2), or an MLP head, with data [T 5, B 2].
    static func unrunModel(in dir: URL, mlp: Bool = false) throws -> (model: String, data: String) {
        var rng = SeededRandom(seed: 20)
        func t(_ shape: [Int]) -> SafeTensor { SafeTensor(floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal() * 0.3) }, shape: shape) }
        let H = 4, I = 3, O = 2
        var tensors: [String: SafeTensor] = [
            "lstm.weight_ih_l0": t([4 * H, I]), "lstm.weight_hh_l0": t([4 * H, H]), "lstm.bias_ih_l0": t([4 * H]), "lstm.bias_hh_l0": t([4 * H]),
        ]
        if mlp {
            tensors.merge(["fc1.weight": t([6, H]), "fc1.bias": t([6]), "fc2.weight": t([O, 6]), "fc2.bias": t([O])]) { a, _ in a }
        } else {
            tensors.merge(["norm.weight": t([H]), "norm.bias": t([H]), "fc.weight": t([O, H]), "fc.bias": t([O])]) { a, _ in a }
        }
        let model = dir.appendingPathComponent(mlp ? "mlp.safetensors" : "ln.safetensors"), data = dir.appendingPathComponent(mlp ? "mlp-data.safetensors" : "ln-data.safetensors")
        try SafeTensorsFile(tensors: tensors).write(to: model)
        try SafeTensorsFile(tensors: ["inputs": t([5, 2, I]), "targets": t([5, 2, mlp ? 6 : O])]).write(to: data)
        return (model.path, data.path)
    }

    /// Such a model was run as LSTM → Linear after `--rnn/--head`, with one stderr
    /// line, and saved back as if it had been trained as itself. Now it is refused
    /// unless --drop-unrun-tensors, which is then said on stderr, in the JSON
    /// header and in the title, and --save is refused.
    @Test func aModelWithTensorsRnnscopeDoesNotRunIsRefusedUnlessTheyAreDroppedOutLoud() throws {
        let dir = try Self.folder("unrun")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, data) = try Self.unrunModel(in: dir)
        for extra in [[], ["--rnn", "lstm", "--head", "fc"]] {
            let r = try Binary.run(["grads", "--model", model, "--data", data, "--loss", "mse-all"] + extra)
            #expect(r.status == 2 && Self.oneLine(r), "\(extra): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("'norm.bias' [4], 'norm.weight' [4]") && r.stderr.contains("--drop-unrun-tensors"), "\(r.stderr)")
        }
        let mlp = try Self.unrunModel(in: dir, mlp: true)
        let m = try Binary.run(["grads", "--model", mlp.model, "--data", mlp.data, "--loss", "mse-all", "--head", "fc1"])
        #expect(m.status == 2 && m.stderr.contains("'fc2.bias'") && m.stderr.contains("'fc2.weight'"), "\(m.stderr)")
        let many = try Binary.run(["train", "--headless", "--iterations", "1", "--jsonl", "--model", mlp.model, "--data", mlp.data, "--loss", "mse-all", "--head", "fc1", "--drop-unrun-tensors"])
        let manyHeader = try JSONSerialization.jsonObject(with: Data((many.stdout.split(separator: "\n").first ?? "").utf8)) as? [String: Any]
        #expect((manyHeader?["title"] as? String)?.contains("without fc2.bias, fc2.weight (--drop-unrun-tensors)") == true, "\(many.stderr) \(manyHeader?["title"] ?? "")")

        let dropped = try Binary.run(["grads", "--model", model, "--data", data, "--loss", "mse-all", "--drop-unrun-tensors", "--json"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(dropped.stderr.contains("--drop-unrun-tensors: running without 'norm.bias', 'norm.weight'"), "\(dropped.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(dropped.stdout.utf8)) as? [String: Any])
        #expect((o["model"] as? [String: Any])?["dropped_tensors"] as? [String] == ["norm.bias", "norm.weight"])

        let train = try Binary.run(["train", "--headless", "--iterations", "2", "--jsonl", "--model", model, "--data", data, "--drop-unrun-tensors"])
        #expect(train.status == 0, "\(train.stderr)")
        let header = try #require(try JSONSerialization.jsonObject(with: Data((train.stdout.split(separator: "\n").first ?? "").utf8)) as? [String: Any])
        // The title names them (it said 'without 2 of its tensors').
        #expect((header["title"] as? String)?.contains("without norm.bias, norm.weight (--drop-unrun-tensors)") == true, "\(header["title"] ?? "")")
        #expect((header["model"] as? [String: Any])?["dropped_tensors"] as? [String] == ["norm.bias", "norm.weight"])
        #expect(train.stderr.contains("running without"))

        let out = dir.appendingPathComponent("trained.safetensors").path
        let save = try Binary.run(["train", "--headless", "--iterations", "2", "--model", model, "--data", data, "--drop-unrun-tensors", "--save", out])
        #expect(save.status == 2 && Self.oneLine(save) && save.stderr.contains("--save") && save.stderr.contains("would load into your model"), "\(save.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    // MARK: 5. The memory limit

    /// 99999999999999999999T (or 2^64 − 1) switched the cap off; the run then
    /// died with a stack trace. Now it is one line and status 2, before any work.
    @Test func aMemoryLimitAboveTheMachinesMemoryIsRefused() throws {
        for value in ["99999999999999999999T", "18446744073709551615", "1e30", "inf"] {
            let r = try Binary.run(["train", "--headless", "--iterations", "1", "--set", "network.hidden=4"], environment: [MemoryBudget.variable: value])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains(MemoryBudget.variable), "\(value): \(r.status) \(r.stderr)")
        }
        let huge = try Binary.run(["train", "--headless", "--iterations", "1"], environment: [MemoryBudget.variable: "99999999999999999999T"])
        #expect(huge.stderr.contains("more than this machine's memory"), "\(huge.stderr)")
    }

    /// A scenario file is held at about 32 bytes per byte while it is parsed: a
    /// file whose parse would pass the cap is refused before it is read.
    @Test func aScenarioFileIsReadWithinTheMemoryLimit() throws {
        let dir = try Self.folder("textcap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.toml")
        try ("title = \"x\"\n# " + String(repeating: "a", count: 100) + "\n").write(to: file, atomically: true, encoding: .utf8)
        let r = try Binary.run(["check", file.path], environment: [MemoryBudget.variable: "2K"])
        #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("needs about 4 KiB, over the 2 KiB memory limit"), "\(r.status) \(r.stderr)")
        // Read within 8 KiB: the file is parsed, and its run (which check starts even
        // without claims) is what the cap then refuses.
        let ok = try Binary.run(["check", file.path], environment: [MemoryBudget.variable: "8K"])
        #expect(ok.stderr.isEmpty && ok.status == 1 && ok.stdout.hasPrefix("FAIL s: could not start: memory: "), "\(ok.stdout) \(ok.stderr)")
    }

    // MARK: 4. Full disks and read-only file systems

    /// A tmpfs of `size` mounted on a fresh folder (root only), or nil.
    static func mountSmallDisk(_ size: String, readOnly: Bool = false) -> URL? {
        guard getuid() == 0, let dir = try? folder("disk") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(size)" + (readOnly ? ",ro" : ""), "tmpfs", dir.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { try? FileManager.default.removeItem(at: dir); return nil }
        return dir
    }

    static func unmount(_ dir: URL) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = ["-l", dir.path]
        try? p.run()
        p.waitUntilExit()
        try? FileManager.default.removeItem(at: dir)
    }

    static let canMount: Bool = {
        guard let d = mountSmallDisk("64k") else { return false }
        unmount(d)
        return true
    }()

    /// A full disk or a read-only file system exited 2 ("bad input"); it is an
    /// output failure, 74 (EX_IOERR), with one line and nothing left behind.
    @Test(.enabled(if: canMount, "needs root and mount -t tmpfs: a 64 KiB tmpfs makes the disk full"))
    func aFullDiskOrAReadOnlyFileSystemIsStatus74() throws {
        let full = try #require(Self.mountSmallDisk("64k"))
        defer { Self.unmount(full) }
        let readOnly = try #require(Self.mountSmallDisk("64k", readOnly: true))
        defer { Self.unmount(readOnly) }
        // About 250 KB of CSV rows into 64 KiB.
        // --jsonl: no progress bar on stderr, so the error is its only line.
        let train = ["train", "--headless", "--jsonl", "--iterations", "200", "--set", "network.hidden=4", "--set", "task.steps=50"]
        for dir in [full, readOnly] {
            let r = try Binary.run(train + ["--csv", dir.appendingPathComponent("norms.csv").path])
            #expect(r.status == 74 && Self.oneLine(r), "\(dir.path): \(r.status) \(r.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        }
        let ro = try Binary.run(train + ["--csv", readOnly.appendingPathComponent("norms.csv").path])
        #expect(ro.stderr.contains("Read-only file system"), "\(ro.stderr)")
        // grads --out on a disk already full.
        let fd = open(full.appendingPathComponent("filler").path, O_WRONLY | O_CREAT, 0o600)
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fd, block, block.count) > 0 {}
        close(fd)
        let g = try Binary.run(["grads", "--model", Binary.fixture("tanh-mse-last/model.safetensors"), "--data", Binary.fixture("tanh-mse-last/data.safetensors"),
                                "--loss", "mse-last", "--out", full.appendingPathComponent("g.safetensors").path])
        #expect(g.status == 74 && Self.oneLine(g) && g.stderr.contains("No space left on device"), "\(g.status) \(g.stderr)")
        let svg = try Binary.run(["train", "--headless", "--jsonl", "--iterations", "2", "--set", "network.hidden=4", "--svg", full.appendingPathComponent("f.svg").path])
        #expect(svg.status == 74 && Self.oneLine(svg), "--svg: \(svg.status) \(svg.stderr)")
        let save = try Binary.run(["train", "--headless", "--jsonl", "--iterations", "2", "--model", Binary.fixture("tanh-mse-last/model.safetensors"),
                                   "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--save", full.appendingPathComponent("m.safetensors").path])
        // After what was read (said once the run was known to be possible), the failure as the last line.
        #expect(save.status == 74 && save.stderr.split(separator: "\n").last?.contains("No space left on device") == true, "--save: \(save.status) \(save.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full.path).filter { $0 != "filler" }.isEmpty)
    }

    /// /proc exists but makes no file, and root may write anywhere: `train --csv /proc/x.csv`
    /// trained to the end, then said "No such file or directory" with status 2. Every output
    /// file is opened in its folder before the run: 74 at once, in one line, nothing run.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self"), "needs /proc"))
    func anOutputFolderThatTakesNoFileIsRefusedBeforeTheRun() throws {
        let model = Binary.fixture("tanh-mse-last/model.safetensors"), data = Binary.fixture("tanh-mse-last/data.safetensors")
        let train = ["train", "--headless", "--jsonl", "--iterations", "20000"]
        let runs: [(String, [String])] = [
            ("--csv", train + ["--csv", "/proc/x.csv"]),
            ("--svg", train + ["--svg", "/proc/x.svg"]),
            ("--save", train + ["--model", model, "--data", data, "--save", "/proc/m.safetensors"]),
            ("--out", ["grads", "--model", model, "--data", data, "--loss", "mse-last", "--out", "/proc/g.safetensors"]),
            ("--record", ["run", "vanishing", "--record", "/proc/x.cast"]),
        ]
        for (flag, arguments) in runs {
            let r = try Binary.run(arguments)
            #expect(r.status == 74 && Self.oneLine(r) && r.stderr.contains("\(flag): cannot write"), "\(flag): \(r.status) \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(flag): it ran: \(r.stdout.prefix(200))")
        }
    }

    // MARK: 7. Temporary files

    /// SIGKILL during `--csv` left `.NAME.PID.N.tmp` beside the target (10 of 13
    /// kills): the temporary existed for the whole run. Now the bytes go to a file
    /// without a name until the end; five kills at different moments leave nothing.
    @Test func aKillDuringTheRunLeavesNoTemporaryFile() throws {
        let dir = try Self.folder("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let errPath = dir.path + "/err"
        var killedMidRun = 0
        for n in 0..<5 {
            let out = dir.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let pid = try HardeningTests.spawn(["train", "--headless", "--jsonl", "--iterations", "100000", "--set", "network.hidden=4",
                                                "--set", "task.steps=20", "--csv", out.appendingPathComponent("n.csv").path,
                                                "--svg", out.appendingPathComponent("f.svg").path], errPath: errPath)
            usleep(useconds_t(150_000 + 100_000 * n))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            if status & 0x7f == SIGKILL { killedMidRun += 1 }
            let left = try FileManager.default.contentsOfDirectory(atPath: out.path)
            #expect(left.isEmpty, "kill \(n): \(left)")
            try FileManager.default.removeItem(at: out)
        }
        #expect(killedMidRun == 5)
    }

    // MARK: 10. padding_idx and ignore_index

    /// −100 targets (nn.CrossEntropyLoss's ignore_index, the usual padding) were
    /// refused; the padding row of an nn.Embedding(padding_idx=0) got a gradient
    /// and training moved it. Now: PyTorch's loss, and the row never moves.
    @Test func paddingAndIgnoredTargetsAreAsPyTorchHasThem() throws {
        let dir = try Self.folder("padding")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Binary.fixture("stock/padding-ignore/model.safetensors"), data = Binary.fixture("stock/padding-ignore/data.safetensors")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Binary.fixture("stock/padding-ignore/expected.json")))) as! [String: Any]
        let r = try Binary.run(["grads", "--model", model, "--data", data, "--padding-idx", "0", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let loss = try #require(o["loss"] as? Double), torchLoss = (expected["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - torchLoss) < 1e-6 * torchLoss, "loss \(loss), PyTorch \(torchLoss)")
        #expect((o["model"] as? [String: Any])?["padding_idx"] as? Int == 0 && (o["model"] as? [String: Any])?["ignore_index"] as? Int == -100)

        let out = dir.appendingPathComponent("trained.safetensors").path
        let t = try Binary.run(["train", "--headless", "--iterations", "20", "--model", model, "--data", data, "--padding-idx", "0", "--save", out])
        #expect(t.status == 0, "\(t.stderr)")
        let before = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model))["embedding.weight"]!.floats()
        let after = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: out))["embedding.weight"]!.floats()
        #expect(Array(before[0..<5]) == Array(after[0..<5]), "the padding row never moves")
        #expect(Array(before[5...]) != Array(after[5...]), "the other rows train")

        for (args, says) in [(["--padding-idx", "7"], "outside the nn.Embedding's 7 rows"), (["--ignore-index", "99999999999"], "--ignore-index must be")] {
            let bad = try Binary.run(["grads", "--model", model, "--data", data] + args)
            #expect(bad.status == 2 && Self.oneLine(bad) && bad.stderr.contains(says), "\(args): \(bad.stderr)")
        }
    }

    // MARK: 11. Dropout

    /// Dropout was never applied and nothing said so. A state dict cannot say
    /// whether there was any: every --model run says once that none is applied,
    /// and a file whose metadata says `dropout` > 0 also has it in the title.
    @Test func dropoutIsNeverAppliedAndThatIsSaid() throws {
        let dir = try Self.folder("dropout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Binary.fixture("tanh-mse-last/data.safetensors")
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Binary.fixture("tanh-mse-last/model.safetensors")))
        let plain = dir.appendingPathComponent("plain.safetensors"), marked = dir.appendingPathComponent("marked.safetensors")
        try file.write(to: plain)
        file.metadata["dropout"] = "0.25"
        try file.write(to: marked)

        let g = try Binary.run(["grads", "--model", plain.path, "--data", data, "--loss", "mse-last", "--json"])
        #expect(g.status == 0 && g.stderr.components(separatedBy: "never applies dropout").count == 2, "once: \(g.stderr)")
        let model = try #require((try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as? [String: Any])?["model"] as? [String: Any])
        #expect(model["dropout_applied"] as? Bool == false && model["trained_dropout"] is NSNull)

        let t = try Binary.run(["train", "--headless", "--jsonl", "--iterations", "2", "--model", marked.path, "--data", data, "--loss", "mse-last"])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stderr.components(separatedBy: "trained with dropout 0.25").count == 2, "once: \(t.stderr)")
        let header = try #require(try JSONSerialization.jsonObject(with: Data((t.stdout.split(separator: "\n").first ?? "").utf8)) as? [String: Any])
        #expect((header["title"] as? String)?.contains("dropout 0.25 not applied") == true, "\(header["title"] ?? "")")
        #expect((header["model"] as? [String: Any])?["trained_dropout"] as? Double == 0.25)

        file.metadata["dropout"] = "half"
        try file.write(to: marked)
        let bad = try Binary.run(["grads", "--model", marked.path, "--data", data, "--loss", "mse-last"])
        #expect(bad.status == 2 && Self.oneLine(bad) && bad.stderr.contains("dropout"), "\(bad.stderr)")
    }

    // MARK: 12. The final loss, and runs PyTorch can repeat

    /// A minibatch whose every target is −100 has PyTorch's NaN loss and a zero
    /// gradient, and PyTorch's Adam steps on (make_unscored_fixture.py). It was called
    /// a divergence ("an Inf/NaN gradient"): the weights froze there and --save
    /// refused them, exit 1. It now trains on and saves PyTorch's weights.
    @Test func aMinibatchWithNoTargetScoredIsNotADivergence() throws {
        let dir = try Self.folder("unscored")
        defer { try? FileManager.default.removeItem(at: dir) }
        func fixture(_ name: String) -> String { Binary.fixture("stock/unscored-batch/\(name)") }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("expected.json")))) as! [String: Any]
        let out = dir.appendingPathComponent("trained.safetensors").path
        let r = try Binary.run(["train", "--headless", "--model", fixture("model.safetensors"), "--data", fixture("data.safetensors"),
                                "--jsonl", "--save", out] + (expected["args"] as! [String]))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 of the 4 sequences with every target ignored (a minibatch of only those: loss NaN and gradient 0"), "\(r.stderr)")
        let records = r.stdout.split(separator: "\n").dropFirst().compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["iteration"] != nil }
        let torchLosses = expected["losses"] as! [Any]
        #expect(records.count == torchLosses.count)
        for (record, theirs) in zip(records, torchLosses) {
            #expect(record["nonfinite"] as? Bool == false)
            if let theirs = theirs as? Double {
                let ours = try #require(record["loss"] as? Double)
                #expect(abs(ours - theirs) < 1e-5 * max(1, abs(theirs)), "\(ours) vs \(theirs)")
            } else {
                #expect(record["loss"] as? String == "NaN" && record["grad_norm"] as? Double == 0)
            }
        }
        let trained = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: fixture("trained.safetensors")))
        let saved = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: out))
        for (name, tensor) in trained.tensors {
            let a = try tensor.floats(), b = try #require(saved[name]).floats()
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }, "\(name)")
        }
    }

    /// `--epochs` takes the data's sequences in order, as DataLoader(shuffle=False,
    /// drop_last=True): 3 epochs of SGD repeat PyTorch's run (make_epochs_fixture.py)
    /// to float rounding, loss by loss and weight by weight. The summary gives the
    /// last iteration's loss before its update and the saved weights' loss on the
    /// same batch, which `grads` on the saved file confirms.
    @Test func epochsRepeatPyTorchAndTheFinalLossIsGivenBothWays() throws {
        let dir = try Self.folder("epochs")
        defer { try? FileManager.default.removeItem(at: dir) }
        func fixture(_ name: String) -> String { Binary.fixture("stock/epochs-sgd/\(name)") }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("expected.json")))) as! [String: Any]
        let out = dir.appendingPathComponent("trained.safetensors").path
        let args = ["train", "--headless", "--model", fixture("model.safetensors"), "--data", fixture("data.safetensors"),
                    "--set", "train.clip=0", "--save", out] + (expected["args"] as! [String])
        let r = try Binary.run(args + ["--jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("DataLoader(batch_size=2, shuffle=False, drop_last=True)") && r.stderr.contains("the last 1 left out"), "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.first??["minibatches"] as? String == "in order" && lines.first??["epochs"] as? Int == 3)
        let losses = lines.dropFirst().compactMap { $0?["loss"] as? Double }, torchLosses = expected["losses"] as! [Double]
        #expect(losses.count == torchLosses.count)
        for (ours, theirs) in zip(losses, torchLosses) { #expect(abs(ours - theirs) < 1e-5 * max(1, abs(theirs)), "\(ours) vs \(theirs)") }
        let trained = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: fixture("trained.safetensors")))
        let saved = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: out))
        for (name, tensor) in trained.tensors {
            let a = try tensor.floats(), b = try #require(saved[name]).floats()
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }, "\(name)")
        }

        // Without --jsonl: both losses; the second is what the saved weights score on that batch.
        let s = try Binary.run(args.filter { $0 != "--jsonl" })
        let line = try #require(s.stdout.split(separator: "\n").first { $0.contains("before its update") }, "\(s.stdout)")
        #expect(line.contains("after it (the weights saved)"))
        // The batch of iteration 6 is sequences 3 and 4; grads on them alone gives the saved weights' loss.
        let data = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: fixture("data.safetensors")))
        func lastTwo(_ tensor: SafeTensor, width: Int) throws -> SafeTensor {
            let v = try tensor.floats()
            var picked: [Float] = []
            for t in 0..<6 {
                for b in 2..<4 {
                    let start = (t * 5 + b) * width
                    picked += v[start..<(start + width)]
                }
            }
            return SafeTensor(floats: picked, shape: [6, 2, width])
        }
        let batch = dir.appendingPathComponent("batch.safetensors")
        try SafeTensorsFile(tensors: ["inputs": try lastTwo(data["inputs"]!, width: 3), "targets": try lastTwo(data["targets"]!, width: 2)]).write(to: batch)
        let g = try Binary.run(["grads", "--model", out, "--data", batch.path, "--loss", "mse-all", "--json"])
        let after = try #require((try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as? [String: Any])?["loss"] as? Double)
        #expect(line.contains("\(String(format: "%.5g", after)) after it"), "\(line) vs grads \(after)")
        #expect(line.contains("\(String(format: "%.5g", torchLosses.last!)) before"), "\(line)")
    }

    // MARK: 13. Messages that misled

    @Test func messagesNameWhatIsReallyWrong() throws {
        let dir = try Self.folder("messages")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ tensors: [String: SafeTensor], _ name: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try SafeTensorsFile(tensors: tensors).write(to: url)
            return url.path
        }
        func filled(_ shape: [Int], _ v: Float) -> SafeTensor { SafeTensor(floats: [Float](repeating: v, count: shape.reduce(1, *)), shape: shape) }

        // Tied weights saved by save_model: decoder.weight went under embedding.weight's name ("unexpected tensor 'decoder.bias'").
        let tied = try write(["embedding.weight": filled([7, 4], 0.1), "rnn.weight_ih_l0": filled([4, 4], 0.1), "rnn.weight_hh_l0": filled([4, 4], 0.1),
                              "decoder.bias": filled([7], 0)], "tied.safetensors")
        let tokens = try write(["inputs": SafeTensor(int64s: [Int64](repeating: 1, count: 6), shape: [3, 2]),
                                "targets": SafeTensor(int64s: [Int64](repeating: 2, count: 6), shape: [3, 2])], "tokens.safetensors")
        let t = try Binary.run(["grads", "--model", tied, "--data", tokens])
        #expect(t.status == 2 && Self.oneLine(t) && t.stderr.contains("'decoder.bias' [7] has no 'decoder.weight'")
                && t.stderr.contains("tied to 'embedding.weight' [7, 4]"), "\(t.stderr)")

        // Real targets [T, B] fit no loss: the message named the loss it guessed (mse-last).
        let model = Binary.fixture("stock/fc-2layers/model.safetensors")
        let flat = try write(["inputs": filled([12, 3, 3], 0.5), "targets": filled([12, 3], 0.5)], "flat.safetensors")
        let f = try Binary.run(["grads", "--model", model, "--data", flat])
        #expect(f.status == 2 && Self.oneLine(f) && f.stderr.contains("fits no loss") && !f.stderr.contains("mse-last needs"), "\(f.stderr)")
        let asked = try Binary.run(["grads", "--model", model, "--data", flat, "--loss", "mse-all"])
        #expect(asked.stderr.contains("mse-all needs [12, 3, 4]"), "with --loss, that loss is named: \(asked.stderr)")

        // Weights that overflow float32 before any update: not a learning-rate problem.
        let huge = try write(["weight_ih_l0": filled([4, 3], 3e38), "weight_hh_l0": filled([4, 4], 3e38),
                              "readout.weight": filled([3, 4], 3e38), "readout.bias": filled([3], 3e38)], "huge.safetensors")
        let data = try write(["inputs": filled([5, 2, 3], 1), "targets": filled([5, 2, 3], 0)], "d.safetensors")
        let out = dir.appendingPathComponent("out.safetensors").path
        let h = try Binary.run(["train", "--headless", "--iterations", "3", "--model", huge, "--data", data, "--save", out])
        #expect(h.stdout.contains("before any update") && h.stderr.contains("before any update") && !h.stderr.contains("lower train.lr"), "\(h.stdout) \(h.stderr)")
    }

    // MARK: 8. Smaller things

    /// A safetensors header naming a tensor (or a field, or a metadata key) twice
    /// was read as its last copy; the reference loader refuses it, and so does
    /// rnnscope. `--size -1x5` said "Missing value".
    @Test func duplicateHeaderKeysAndANegativeSizeAreRefusedForWhatTheyAre() throws {
        let dir = try Self.folder("dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        for header in [#"{"x":\#(entry),"x":\#(entry)}"#,
                       #"{"x":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}"#,
                       #"{"__metadata__":{"a":"1","a":"2"},"x":\#(entry)}"#] {
            var padded = header
            padded += String(repeating: " ", count: (8 - padded.utf8.count % 8) % 8)
            var bytes = Data()
            withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(Data(padded.utf8))
            bytes.append(Data(count: 4))
            let path = dir.appendingPathComponent("dup.safetensors")
            try bytes.write(to: path)
            #expect(throws: SafeTensorsError.self, "\(header)") { try SafeTensorsFile(contentsOf: path) }
            let r = try Binary.run(["grads", "--model", path.path, "--data", path.path])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("twice"), "\(header): \(r.stderr)")
        }
        let size = try Binary.run(["train", "--headless", "--iterations", "1", "--svg", dir.appendingPathComponent("f.svg").path, "--size", "-1x5"])
        #expect(size.status == 2 && size.stderr.contains("--size must be 60…1000 wide"), "\(size.stderr)")
    }

    // MARK: Found by trying more

    /// TOMLKit reads a scenario as a C string: a NUL byte in a comment left every
    /// line after it out (hidden = 4 ran as H = 32, and `check` passed a file whose
    /// later lines were nonsense); it also cuts a string at a \u0000 escape, so a
    /// corpus "ok.txt\u0000x" read ok.txt.
    @Test func aNulByteIsRefusedNotReadAsTheTextBeforeIt() throws {
        let dir = try Self.folder("nul")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.toml")
        try Data("title = \"x\"\n# a \u{00} comment\n[network]\nhidden = \"nonsense\"\n[nosuch]\n".utf8).write(to: file)
        for args in [["check", file.path], ["train", file.path, "--headless", "--iterations", "1"]] {
            let r = try Binary.run(args)
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("s.toml:2: a NUL byte at column 5"), "\(args[0]): \(r.status) \(r.stderr)")
        }
        try String(repeating: "a fair corpus of plain words. ", count: 40).write(to: dir.appendingPathComponent("ok.txt"), atomically: true, encoding: .utf8)
        try "title = \"x\"\n[network]\nhidden = 4\n[task]\nkind = \"char-lm\"\nsteps = 8\ncorpus = \"ok.txt\\u0000x\"\n".write(to: file, atomically: true, encoding: .utf8)
        let corpus = try Binary.run(["train", file.path, "--headless", "--iterations", "1"])
        #expect(corpus.status == 2 && Self.oneLine(corpus) && corpus.stderr.contains("s.toml:7: a \\u0000 escape (NUL) in a string"), "\(corpus.status) \(corpus.stderr)")
        // An empty corpus was 'outside the scenario's folder'.
        try "title = \"x\"\n[network]\nhidden = 4\n[task]\nkind = \"char-lm\"\nsteps = 8\ncorpus = \"\"\n".write(to: file, atomically: true, encoding: .utf8)
        let empty = try Binary.run(["train", file.path, "--headless", "--iterations", "1"])
        #expect(empty.status == 2 && Self.oneLine(empty) && empty.stderr.contains(":7: task.corpus: the path is empty"), "\(empty.stderr)")
        // A lecture's order file naming "DIR/ok.toml\0junk" opened DIR/ok.toml.
        let order = dir.appendingPathComponent("order.txt")
        try Data("\(dir.path)/ok.toml\u{00}junk\n".utf8).write(to: order)
        try "title = \"x\"\n".write(to: dir.appendingPathComponent("ok.toml"), atomically: true, encoding: .utf8)
        let lecture = try Binary.run(["lecture", "--order", order.path])
        #expect(lecture.status == 2 && Self.oneLine(lecture) && lecture.stderr.contains("line 1: \(dir.path)/ok.toml\\u{0}junk: the path holds a NUL character"), "\(lecture.stderr)")
    }

    /// A float64 tensor whose values are finite but beyond float32's range was said
    /// to "hold a non-finite value", which torch.isfinite denies: the value, where,
    /// and why are said now; a real NaN is named as NaN with its place.
    @Test func aValueBeyondFloat32IsNamedForWhatItIs() throws {
        let dir = try Self.folder("range")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Binary.fixture("tanh-mse-last/model.safetensors")
        var data = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Binary.fixture("tanh-mse-last/data.safetensors")))
        let inputs = try #require(data["inputs"])
        var values = try inputs.doubles()
        values[1] = 1e300
        data.tensors["inputs"] = SafeTensor(doubles: values, shape: inputs.shape)
        let big = dir.appendingPathComponent("big.safetensors")
        try data.write(to: big)
        let r = try Binary.run(["grads", "--model", model, "--data", big.path, "--loss", "mse-last"])
        let at = inputs.shape.count == 3 ? "[0, 0, 1]" : "[0, 1]"
        #expect(r.status == 2 && r.stderr.contains("tensor 'inputs' holds 1e+300 at \(at), beyond float32's range") && !r.stderr.contains("non-finite"), "\(r.stderr)")
        values[1] = .nan
        data.tensors["inputs"] = SafeTensor(doubles: values, shape: inputs.shape)
        try data.write(to: big)
        let nan = try Binary.run(["grads", "--model", model, "--data", big.path, "--loss", "mse-last"])
        #expect(nan.status == 2 && nan.stderr.contains("tensor 'inputs' holds NaN at \(at)"), "\(nan.stderr)")
        var weights = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model))
        let name = try #require(weights.tensors.keys.sorted().first { $0.contains("weight_hh") })
        let w = try #require(weights[name])
        var wv = try w.doubles()
        wv[0] = -1e39
        weights.tensors[name] = SafeTensor(doubles: wv, shape: w.shape)
        let wide = dir.appendingPathComponent("wide.safetensors")
        try weights.write(to: wide)
        let m = try Binary.run(["grads", "--model", wide.path, "--data", Binary.fixture("tanh-mse-last/data.safetensors"), "--loss", "mse-last"])
        #expect(m.status == 2 && Self.oneLine(m) && m.stderr.contains("holds -1e+39 at [0, 0], beyond float32's range"), "\(m.stderr)")
    }

    /// `watch s.jsonl --record s.jsonl` replaced the stream with the recording and
    /// `lecture --order o --record o` the order file, each with status 0; `watch
    /// /dev/zero` waited for ever for a header ("waiting for the stream's header").
    @Test func watchAndLectureNeverRecordOverWhatTheyShow() throws {
        let dir = try Self.folder("record")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stream = dir.appendingPathComponent("s.jsonl"), other = dir.appendingPathComponent("b.jsonl"), order = dir.appendingPathComponent("order.txt")
        try "{}\n".write(to: stream, atomically: true, encoding: .utf8)
        try "{}\n".write(to: other, atomically: true, encoding: .utf8)
        try "vanishing\n".write(to: order, atomically: true, encoding: .utf8)
        for args in [["watch", stream.path, "--record", stream.path], ["watch", stream.path, "--vs", other.path, "--record", dir.path + "/./b.jsonl"],
                     ["lecture", "--order", order.path, "--record", order.path]] {
            let r = try Binary.run(args)
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("--record is the file given as") && r.stderr.contains("never writes over its inputs"), "\(args): \(r.status) \(r.stderr)")
        }
        #expect(try String(contentsOf: stream, encoding: .utf8) == "{}\n" && String(contentsOf: other, encoding: .utf8) == "{}\n")
        #expect(try String(contentsOf: order, encoding: .utf8) == "vanishing\n")
        let zero = try Binary.run(["watch", "/dev/zero"])
        #expect(zero.status == 2 && Self.oneLine(zero) && zero.stderr.contains("'/dev/zero' is a character device, not a stream"), "\(zero.stderr)")
        // A symbolic-link loop is no stream to wait for.
        let loop = dir.appendingPathComponent("loop.jsonl")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        let looped = try Binary.run(["watch", loop.path])
        #expect(looped.status == 2 && Self.oneLine(looped) && looped.stderr.contains("cannot follow") && looped.stderr.contains("symbolic links"), "\(looped.stderr)")
    }

    /// `--csv /dev/stdout > run.txt` renamed the CSV over run.txt and the lines
    /// printed went on into the replaced file, lost (status 0); through a pipe,
    /// /dev/stdout was "No such file or directory".
    @Test func anOutputOnStandardOutputIsRefused() throws {
        let train = ["train", "--headless", "--jsonl", "--iterations", "2", "--set", "network.hidden=4"]
        // Binary.run sends standard output to a regular file.
        for flag in ["--csv", "--svg"] {
            let r = try Binary.run(train + [flag, "/dev/stdout"])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains("\(flag) is the file standard output goes to") && r.stdout.isEmpty, "\(flag): \(r.status) \(r.stderr)")
        }
        let err = try Binary.run(train + ["--csv", "/dev/stderr"])
        #expect(err.status == 2 && err.stderr.contains("--csv is the file standard error goes to"), "\(err.stderr)")
        let piped = try HardeningTests.shell(#"exec "$0" "$@" | cat"#, train + ["--csv", "/dev/stdout"])
        #expect(piped.stderr.contains("cannot write '/dev/stdout': it leads to a FIFO, not a regular file"), "\(piped.stderr)")
    }

    /// A whole number too large for an integer setting was 'expected an integer,
    /// got a number' (99999999999999999999 is an integer): now out of range, and a
    /// fraction is named as what it is.
    @Test func hugeNumbersInASetSayWhatIsWrong() throws {
        for (set, says) in [("network.hidden=99999999999999999999", "network.hidden: 1e+20 is out of range (1…2048)"),
                            ("network.hidden=1e9", "network.hidden: 1000000000 is out of range (1…2048)"),
                            ("seed=18446744073709551616", "seed: 1.8446744073709552e+19 is out of range (0…9223372036854775807)"),
                            ("task.steps=-1e300", "task.steps: -1e+300 is out of range (1…100000)"),
                            ("network.hidden=4.5", "network.hidden: expected an integer, got 4.5")] {
            let r = try Binary.run(["train", "--headless", "--iterations", "1", "--set", set])
            #expect(r.status == 2 && Self.oneLine(r) && r.stderr.contains(says), "\(set): \(r.stderr)")
        }
    }
}
