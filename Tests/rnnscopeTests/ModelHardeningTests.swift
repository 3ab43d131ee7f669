import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The user's own model at the edges: `--save` to what is not a regular file,
/// runs and batches too big for memory, names from the file that would drive the terminal.
@Suite(.serialized) struct ModelHardeningTests {
    static let model = ModelCommandTests.stock("fc-2layers/model.safetensors")
    static let data = ModelCommandTests.stock("fc-2layers/data.safetensors")

    static func directory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func train(save: String, iterations: Int = 3) throws -> Run {
        try Binary.run(["train", "--model", model, "--data", data, "--headless", "--iterations", "\(iterations)", "--save", save])
    }

    /// A FIFO, a device and a directory are refused in one line, before training,
    /// and left as they were.
    @Test func saveRefusesWhatIsNotARegularFile() throws {
        let dir = try Self.directory("save")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("w.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let link = dir.appendingPathComponent("to-fifo.safetensors").path
        symlink(fifo, link)
        for target in [fifo, "/dev/null", dir.path, link] {
            // 10^8 iterations: only a refusal before training ends this in time.
            let r = try Self.train(save: target, iterations: 100_000_000)
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("not a regular file"), "\(target): \(r.stderr)")
            #expect(r.stderr.contains("--save"), "\(r.stderr)")
        }
        var info = stat()
        lstat(fifo, &info)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
        lstat("/dev/null", &info)
        #expect(info.st_mode & S_IFMT == S_IFCHR)
        lstat(link, &info)
        #expect(info.st_mode & S_IFMT == S_IFLNK)
        let missing = try Self.train(save: dir.appendingPathComponent("no/such/dir/w.safetensors").path, iterations: 100_000_000)
        #expect(missing.status == 2 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
    }

    /// A symbolic link is written through (the link stays), an existing 0600
    /// file keeps its mode, and no temporary file is left beside either.
    @Test func saveWritesThroughASymlinkAndKeepsTheMode() throws {
        let dir = try Self.directory("save")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("real.safetensors").path, link = dir.appendingPathComponent("link.safetensors").path
        _ = FileManager.default.createFile(atPath: target, contents: Data("old".utf8))
        chmod(target, 0o600)
        symlink(target, link)
        let viaLink = try Self.train(save: link)
        #expect(viaLink.status == 0, "\(viaLink.stderr)")
        var info = stat()
        lstat(link, &info)
        #expect(info.st_mode & S_IFMT == S_IFLNK, "the link is kept")
        lstat(target, &info)
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: target)).tensors["rnn.weight_hh_l0"] != nil)

        let plain = dir.appendingPathComponent("plain.safetensors").path
        _ = FileManager.default.createFile(atPath: plain, contents: Data("old".utf8))
        chmod(plain, 0o640)
        let r = try Self.train(save: plain)
        #expect(r.status == 0, "\(r.stderr)")
        lstat(plain, &info)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: plain)).tensors["fc.weight"]?.shape == [4, 8])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// `train --model` and `run --model` with a minibatch, or data, too big for
    /// the cap: one line naming what to lower, before anything is allocated.
    @Test func runsOnTheUsersModelTooBigForMemoryAreRefused() throws {
        let dir = try Self.directory("mem")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A model of the adding problem's widths (I = 2, O = 1), with no data: the settings' task.
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: ModelCommandTests.stock("nobias-relu/model.safetensors")))
        file.tensors["rnn.weight_ih_l0"] = SafeTensor(floats: [Float](repeating: 0.1, count: 16), shape: [8, 2])
        file.tensors["head.weight"] = SafeTensor(floats: [Float](repeating: 0.1, count: 8), shape: [1, 8])
        file.tensors["head.bias"] = SafeTensor(floats: [0], shape: [1])
        let adding = dir.appendingPathComponent("adding.safetensors").path
        try file.write(to: URL(fileURLWithPath: adding))
        for command in ["train", "run"] {
            let args = [command, "--model", adding, "--nonlinearity", "relu", "--set", "train.batch=1024", "--set", "task.steps=100000"]
                + (command == "train" ? ["--headless", "--iterations", "1"] : [])
            let r = try HardeningTests.measured(args)
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("GiB memory limit") && r.stderr.contains("train.batch") && !r.stderr.contains("network.hidden"), "\(r.stderr)")
            #expect(r.maxRSSKiB < 100 * 1024, "peak RSS \(r.maxRSSKiB) KiB")
            #expect(r.seconds < 10, "\(r.seconds) s")
        }

        // Data of T = 200, B = 512 for the 2-layer model (I = 3, H = 8, O = 4): its
        // whole batch needs about 16 MiB, a minibatch of 16 well under 8 MiB.
        let T = 200, B = 512
        let big = SafeTensorsFile(tensors: ["inputs": SafeTensor(floats: [Float](repeating: 0.5, count: T * B * 3), shape: [T, B, 3]),
                                            "targets": SafeTensor(floats: [Float](repeating: 0, count: T * B * 4), shape: [T, B, 4])])
        let dataPath = dir.appendingPathComponent("big.safetensors").path
        try big.write(to: URL(fileURLWithPath: dataPath))
        let base = ["train", "--model", Self.model, "--data", dataPath, "--headless", "--iterations", "1"]
        let limit = [MemoryBudget.variable: "8M"]
        let whole = try HardeningTests.measured(base + ["--set", "train.batch=512"], environment: limit)
        #expect(whole.status == 2 && whole.stderr.split(separator: "\n").count == 1, "\(whole.stderr)")
        #expect(whole.stderr.contains("train.batch (T = 200 is the data's, H = 8 the model's)") && whole.stderr.contains("over the 8 MiB memory limit"), "\(whole.stderr)")
        let small = try HardeningTests.measured(base + ["--set", "train.batch=16"], environment: limit)
        #expect(small.status == 0, "a minibatch of 16 fits: \(small.stderr)")
    }

    /// `grads` on token ids (an embedding in front, inputs [T, B]) and on
    /// batch-first data is bounded too: the batch is named as the model reads it.
    @Test func gradsOnTokenIdsAndBatchFirstDataIsBounded() throws {
        let dir = try Self.directory("mem")
        defer { try? FileManager.default.removeItem(at: dir) }
        let T = 1000, B = 1500
        let ids = SafeTensor(int64s: [Int64](repeating: 3, count: T * B), shape: [B, T])
        let tokens = SafeTensorsFile(tensors: ["inputs": ids, "targets": ids])
        let dataPath = dir.appendingPathComponent("tokens.safetensors").path
        try tokens.write(to: URL(fileURLWithPath: dataPath))
        let lm = ModelCommandTests.stock("embedding-lm/model.safetensors")
        let r = try HardeningTests.measured(["grads", "--model", lm, "--data", dataPath, "--batch-first"], environment: [MemoryBudget.variable: "100M"])
        #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("rnnscope: data ") && r.stderr.contains("T = 1000, B = 1500, H = 8") && r.stderr.contains("100 MiB memory limit"), "\(r.stderr)")
        #expect(r.maxRSSKiB < 100 * 1024, "peak RSS \(r.maxRSSKiB) KiB")
        // Read time-major, the same tensor is T = 1500 steps of B = 1000.
        let timeMajor = try HardeningTests.measured(["grads", "--model", lm, "--data", dataPath], environment: [MemoryBudget.variable: "100M"])
        #expect(timeMajor.status == 2 && timeMajor.stderr.contains("T = 1500, B = 1000, H = 8"), "\(timeMajor.stderr)")
    }

    /// Tensor names and prefixes from the file, and the paths given, reach
    /// stderr escaped: an ambiguity message, the "what was read" lines.
    @Test func namesFromTheModelFileAreEscaped() throws {
        let dir = try Self.directory("esc")
        defer { try? FileManager.default.removeItem(at: dir) }
        var file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.model))
        let evil = "\u{1B}]0;PWNED\u{07}"
        // A second head of the same shape under a hostile name: ambiguous.
        file.tensors["\(evil).weight"] = file.tensors["fc.weight"]
        file.tensors["\(evil).bias"] = file.tensors["fc.bias"]
        let path = dir.appendingPathComponent("m\(evil).safetensors").path
        try file.write(to: URL(fileURLWithPath: path))
        let r = try Binary.run(["grads", "--model", path, "--data", Self.data])
        #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("\\e]0;PWNED\\u{7}"), "\(r.stderr)")
        #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(r.stderr.debugDescription)")
        let chosen = try Binary.run(["grads", "--model", path, "--data", Self.data, "--head", "fc", "--drop-unrun-tensors"])
        #expect(chosen.status == 0 && chosen.stderr.contains("m\\e]0;PWNED\\u{7}.safetensors"), "\(chosen.stderr)")
        #expect(!chosen.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(chosen.stderr.debugDescription)")
        // The headless summary names the data file, escaped as well.
        let data = dir.appendingPathComponent("d\(evil).safetensors").path
        try FileManager.default.copyItem(atPath: Self.data, toPath: data)
        let trained = try Binary.run(["train", "--model", Self.model, "--data", data, "--headless", "--iterations", "2"])
        #expect(trained.status == 0 && trained.stdout.contains("  2 iterations of d\\e]0;PWNED\\u{7}.safetensors, T = 12"), "\(trained.stdout)")
        #expect(!trained.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(trained.stdout.debugDescription)")
    }
}
