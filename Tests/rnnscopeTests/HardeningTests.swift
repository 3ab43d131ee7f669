import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The binary at the edges: streams that fail, output paths that are not
/// regular files, runs too big for memory, text that would drive the terminal.
@Suite(.serialized) struct HardeningTests {
    /// A run through `sh -c`, for redirections Process cannot make (a closed
    /// stderr, /dev/full). "$0" is the binary.
    static func shell(_ script: String, _ args: [String] = []) throws -> Run {
        try Binary.run(["-c", script, Binary.url.path] + args, executable: URL(fileURLWithPath: "/bin/sh"))
    }

    // MARK: Streams

    @Test func aClosedStderrIsAnErrorStatusNotATrap() throws {
        let r = try Self.shell(#"exec "$0" check /nonexistent.toml 2>&-"#)
        #expect(r.status == 2, "status \(r.status)")
        let train = try Self.shell(#"exec "$0" train --headless --iterations 5 --set network.hidden=4 2>&-"#)
        #expect(train.status == 74, "progress lost with stderr: status \(train.status)")
    }

    @Test func aFullStderrIsAnErrorStatusNotATrap() throws {
        let r = try Self.shell(#"exec "$0" train --headless --iterations 5 --set network.hidden=4 2>/dev/full"#)
        #expect(r.status == 74, "status \(r.status)")
        let bad = try Self.shell(#"exec "$0" check /nonexistent.toml 2>/dev/full"#)
        #expect(bad.status == 2)
    }

    @Test func aFullStdoutIsAnErrorStatusWithOneLine() throws {
        for args in ["train --headless --iterations 5 --jsonl --set network.hidden=4", "list", "train --help",
                     "grads --model \(Binary.fixture("tanh-mse-last/model.safetensors")) --data \(Binary.fixture("tanh-mse-last/data.safetensors")) --loss mse-last --json"] {
            let r = try Self.shell(#"exec "$0" "$@" >/dev/full"#, args.split(separator: " ").map(String.init))
            #expect(r.status == 74, "\(args): status \(r.status)")
            #expect(r.stderr.split(separator: "\n").last == "rnnscope: cannot write to standard output: No space left on device", "\(args): \(r.stderr)")
        }
        let closed = try Self.shell(#"exec "$0" list >&-"#)
        #expect(closed.status == 74)
    }

    /// A pipe whose reader has gone (`| head`) ends the writer by SIGPIPE, as it ends
    /// `yes | head`, which docs/cli.md says (the shell then sees 141).
    @Test func aPipeWhoseReaderHasGoneEndsItBySIGPIPE() throws {
        let process = Process()
        process.executableURL = Binary.url
        process.arguments = ["train", "vanishing", "--headless", "--jsonl", "--iterations", "300"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(out.fileHandleForReading.readData(ofLength: 10).count == 10, "the header's first bytes")
        try out.fileHandleForReading.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE,
                "\(process.terminationReason.rawValue) \(process.terminationStatus)")
    }

    // MARK: Output files

    @Test func gradsOutRefusesAFIFOAndADeviceAndWritesThroughASymlink() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Binary.fixture("tanh-mse-last/model.safetensors"), data = Binary.fixture("tanh-mse-last/data.safetensors")
        let fifo = dir.appendingPathComponent("g.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for target in [fifo, "/dev/null", dir.path] {
            let r = try Binary.run(["grads", "--model", model, "--data", data, "--loss", "mse-last", "--out", target])
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("not a regular file"), "\(target): \(r.stderr)")
        }
        var info = stat()
        lstat(fifo, &info)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
        lstat("/dev/null", &info)
        #expect(info.st_mode & S_IFMT == S_IFCHR)

        let target = dir.appendingPathComponent("real.safetensors").path, link = dir.appendingPathComponent("link.safetensors").path
        _ = FileManager.default.createFile(atPath: target, contents: Data())
        chmod(target, 0o600)
        symlink(target, link)
        let r = try Binary.run(["grads", "--model", model, "--data", data, "--loss", "mse-last", "--out", link])
        #expect(r.status == 0, "\(r.stderr)")
        lstat(link, &info)
        #expect(info.st_mode & S_IFMT == S_IFLNK)
        lstat(target, &info)
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: target)).tensors["weight_hh_l0"] != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// How many files `pid` has open in `directory`, named or not (an O_TMPFILE
    /// file shows in /proc as `directory/#inode (deleted)`).
    static func filesOpen(by pid: pid_t, in directory: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return fds.filter { fd in
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "").hasPrefix(directory + "/")
        }.count
    }

    /// SIGINT, SIGTERM, SIGHUP and SIGQUIT while `--out` is being written: the
    /// process dies of the signal, and no temporary file is left beside the output.
    @Test func aSignalDuringTheWriteLeavesNoTemporaryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // H = 1024: the gradients file is about 12 MB, a write long enough to land in.
        let H = 1024, I = 4
        var rng = SeededRandom(seed: 3)
        func randn(_ n: Int, _ s: Double) -> [Float] { (0..<n).map { _ in Float(rng.normal() * s) } }
        let model = SafeTensorsFile(tensors: [
            "weight_ih_l0": SafeTensor(floats: randn(H * I, 0.1), shape: [H, I]),
            "weight_hh_l0": SafeTensor(floats: randn(H * H, 0.01), shape: [H, H]),
            "bias_ih_l0": SafeTensor(floats: randn(H, 0.1), shape: [H]), "bias_hh_l0": SafeTensor(floats: randn(H, 0.1), shape: [H]),
            "readout.weight": SafeTensor(floats: randn(H, 0.1), shape: [1, H]), "readout.bias": SafeTensor(floats: [0], shape: [1]),
        ])
        let data = SafeTensorsFile(tensors: ["inputs": SafeTensor(floats: randn(2 * I, 1), shape: [2, 1, I]),
                                             "targets": SafeTensor(floats: [0, 1], shape: [2, 1, 1])])
        let modelPath = dir.appendingPathComponent("m.safetensors"), dataPath = dir.appendingPathComponent("d.safetensors")
        try model.write(to: modelPath)
        try data.write(to: dataPath)
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        var landed = 0
        let errPath = dir.appendingPathComponent("err").path
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTERM, SIGINT] {
            let pid = try Self.spawn(["grads", "--model", modelPath.path, "--data", dataPath.path, "--loss", "mse-last",
                                      "--out", outDir.appendingPathComponent("g.safetensors").path], errPath: errPath)
            // Signal as soon as the output is open: the write is under way.
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && waitpid(pid, &status, WNOHANG) == 0 {
                if Self.filesOpen(by: pid, in: outDir.path) > 0 {
                    kill(pid, signal)
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    break
                }
                usleep(200)
            }
            if status & 0x7f == signal { landed += 1 }
            let left = try FileManager.default.contentsOfDirectory(atPath: outDir.path).filter { $0.hasSuffix(".tmp") }
            #expect(left.isEmpty, "signal \(signal) left \(left)")
        }
        #expect(landed >= 3, "only \(landed) of 6 signals arrived during the write")
    }

    // MARK: Memory

    /// Starts the binary with stdout to /dev/null and stderr to `errPath`, with
    /// no signal blocked (a test's thread may block them, and a child inherits
    /// the mask: Foundation's Process does not clear it).
    static func spawn(_ args: [String], errPath: String, outPath: String = "/dev/null",
                      environment extra: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([Binary.url.path] + args).map { strdup($0) } + [nil]
        var env = ProcessInfo.processInfo.environment
        env["RNNSCOPE_SCENARIOS"] = Binary.packageRoot.appendingPathComponent("Scenarios").path
        for (k, v) in extra { env[k] = v }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        guard posix_spawn(&pid, Binary.url.path, &actions, &attributes, argv, envp) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return pid
    }

    /// Runs the binary and returns its status (128 + n for death by signal n),
    /// stderr, peak RSS (getrusage of the child, via wait4) and wall time.
    static func measured(_ args: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, stderr: String, maxRSSKiB: Int, seconds: Double) {
        let errPath = NSTemporaryDirectory() + "rnnscope-measured-\(UUID().uuidString).err"
        defer { unlink(errPath) }
        // Linux carries the spawning process's peak into the child's ru_maxrss (the
        // child starts as this process's image), so a child's figure at or below this
        // process's own peak says nothing: its own high-water mark (VmHWM), sampled
        // while it runs, is taken then.
        var own = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        let start = Date()
        let pid = try spawn(args, errPath: errPath, environment: extra)
        var status: Int32 = 0
        var usage = rusage()
        var sampled = 0
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r == -1 && errno != EINTR { break }
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kib = Int(line.split(separator: " ").dropFirst().first ?? "") {
                sampled = max(sampled, kib)
            }
            usleep(200)
        }
        let seconds = Date().timeIntervalSince(start)
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let peak = usage.ru_maxrss > own.ru_maxrss ? Int(usage.ru_maxrss) : sampled
        return (code, stderr, peak, seconds)
    }

    static func sparseFile(_ path: String, headerLength: UInt64, size: Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var length = headerLength.littleEndian
        _ = write(fd, &length, 8)
        ftruncate(fd, off_t(size))
        close(fd)
    }

    /// Each refused within seconds (the check comes before any allocation; the
    /// bound is loose, 10 s, so that a loaded 2-core machine cannot fail it; the
    /// refusals take milliseconds) and with a peak RSS under 100 MB.
    @Test func runsTooBigForMemoryAreRefusedBeforeAllocating() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A 150 MB header, as a sparse file: its parse would pass 2 GiB.
        let header = dir.appendingPathComponent("header.safetensors").path
        Self.sparseFile(header, headerLength: 150_000_000, size: 150_000_008)
        // 2 MB of inputs [T = 2000, B = 256, I = 1] for a model with H = 512: T·B·H doubles.
        let H = 512
        let model = SafeTensorsFile(tensors: [
            "weight_ih_l0": SafeTensor(floats: [Float](repeating: 0.01, count: H), shape: [H, 1]),
            "weight_hh_l0": SafeTensor(floats: [Float](repeating: 0.001, count: H * H), shape: [H, H]),
            "readout.weight": SafeTensor(floats: [Float](repeating: 0.01, count: H), shape: [1, H]),
            "readout.bias": SafeTensor(floats: [0], shape: [1]),
        ])
        let T = 2000, B = 256
        let data = SafeTensorsFile(tensors: ["inputs": SafeTensor(floats: [Float](repeating: 1, count: T * B), shape: [T, B, 1]),
                                             "targets": SafeTensor(floats: [Float](repeating: 0, count: T * B), shape: [T, B, 1])])
        let modelPath = dir.appendingPathComponent("m.safetensors").path, dataPath = dir.appendingPathComponent("d.safetensors").path
        try model.write(to: URL(fileURLWithPath: modelPath))
        try data.write(to: URL(fileURLWithPath: dataPath))
        let cases: [([String], String)] = [
            (["train", "--headless", "--iterations", "1", "--set", "task.kind=char-lm", "--set", "task.steps=20000",
              "--set", "train.batch=1024", "--set", "network.hidden=1"], "train.batch"),
            (["train", "--headless", "--iterations", "1", "--set", "task.kind=temporal-order", "--set", "task.steps=100000",
              "--set", "train.batch=1024"], "task.steps"),
            (["train", "--headless", "--iterations", "1", "--set", "network.hidden=2048", "--set", "task.steps=100000"], "network.hidden"),
            (["grads", "--model", modelPath, "--data", dataPath, "--loss", "mse-all"], "batch B"),
            (["grads", "--model", header, "--data", dataPath, "--loss", "mse-all"], "memory limit"),
        ]
        for (args, hint) in cases {
            let r = try Self.measured(args)
            #expect(r.status == 2, "\(args): status \(r.status) \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(hint) && r.stderr.contains("GiB memory limit"), "\(args): \(r.stderr)")
            #expect(r.maxRSSKiB < 100 * 1024, "\(args): peak RSS \(r.maxRSSKiB) KiB")
            #expect(r.seconds < 10, "\(args): \(r.seconds) s")
        }
        // The limit can be lowered, and raised again.
        let lowered = try Self.measured(["train", "--headless", "--iterations", "1"], environment: [MemoryBudget.variable: "64K"])
        #expect(lowered.status == 2 && lowered.stderr.contains("over the 64 KiB memory limit"), "\(lowered.stderr)")
        let raised = try Self.measured(["train", "--headless", "--iterations", "1"], environment: [MemoryBudget.variable: "1M"])
        #expect(raised.status == 0, "\(raised.stderr)")
    }

    /// The header parser holds a small multiple of the header: 170,000 empty
    /// tensors in 10 MB (JSONSerialization peaked at 670 MB on it).
    @Test func aLargeHeaderOfEmptyTensorsParsesInASmallMultipleOfItsSize() throws {
        let path = NSTemporaryDirectory() + "rnnscope-header-\(UUID().uuidString).safetensors"
        defer { unlink(path) }
        var header = "{" + (0..<170_000).map { #""t\#($0)":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"# }.joined(separator: ",") + "}"
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        var file = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(Data(header.utf8))
        try file.write(to: URL(fileURLWithPath: path))
        let r = try Self.measured(["grads", "--model", path, "--data", path])
        // Read whole, parsed, then refused for what it holds: no nn.RNN.
        #expect(r.status == 2 && r.stderr.contains("no nn.RNN"), "\(r.stderr)")
        // The whole process, its own 26 MB included: 147 MB measured (JSONSerialization: 670 MB).
        let perByte = Double(r.maxRSSKiB) * 1024 / Double(file.count)
        #expect(perByte < 20, "\(perByte) bytes per byte of header")
    }

    // MARK: Text from outside

    static let escape = "\u{1B}]0;PWNED\u{07}\u{1B}[2J"

    func expectNoRawEscape(_ r: Run, _ what: String) {
        #expect(!r.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(what): stdout \(r.stdout.debugDescription)")
        #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\r" }, "\(what): stderr \(r.stderr.debugDescription)")
    }

    @Test func anEscapeSequenceInAKeyATitleOrASetValueNeverReachesTheOutputRaw() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-esc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.toml")
        try "title = \"x\"\n\"\\u001b]0;PWNED\\u0007\\u001b[2J\" = 1\n".write(to: key, atomically: true, encoding: .utf8)
        let r = try Binary.run(["check", key.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(":2: \\e]0;PWNED\\u{7}\\e[2J: unknown key"), "the key is on line 2: \(r.stderr)")
        expectNoRawEscape(r, "key")

        let title = dir.appendingPathComponent("title.toml")
        try "title = \"\\u001b]0;PWNED\\u0007\\u001b[2J\"\nnotes = \"a\\u001b[31mred\"\n[network]\nhidden = 4\n[task]\nsteps = 5\n".write(to: title, atomically: true, encoding: .utf8)
        let t = try Binary.run(["train", title.path, "--headless", "--iterations", "2"])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("\\e]0;PWNED"))
        expectNoRawEscape(t, "title")

        for assignment in ["network.activation=\(Self.escape)", "\(Self.escape)=1", "task.corpus=\(Self.escape)",
                           "network.activation=" + String(repeating: "x", count: 10_000)] {
            let s = try Binary.run(["train", "--headless", "--iterations", "1", "--set", assignment])
            #expect(s.status == 2)
            #expect(s.stderr.count < 1_000, "a long value is cut: \(s.stderr.count) characters")
            expectNoRawEscape(s, assignment)
        }
    }

    // MARK: Messages

    @Test func messagesSayWhatIsWrong() throws {
        let iterations = try Binary.run(["train", "--headless", "--iterations", "-1"])
        #expect(iterations.status == 2 && iterations.stderr.contains("--iterations must be between 1 and"), "\(iterations.stderr)")
        let corpus = try Binary.run(["train", "--headless", "--iterations", "1", "--set", "task.text=hello"])
        #expect(corpus.status == 2 && corpus.stderr.contains("task.text") && corpus.stderr.contains("char-lm"), "\(corpus.stderr)")
        let fifo = NSTemporaryDirectory() + "rnnscope-fifo-\(UUID().uuidString)"
        mkfifo(fifo, 0o600)
        defer { unlink(fifo) }
        for args in [["check", fifo], ["grads", "--model", fifo, "--data", fifo, "--loss", "mse-last"],
                     ["grads", "--model", "/dev/stdin", "--data", fifo, "--loss", "mse-last"]] {
            let r = try Binary.run(args)
            #expect(r.status == 2 && !r.stderr.contains("Permission denied") && r.stderr.contains("not a regular file"), "\(args): \(r.stderr)")
        }
        // xent on logits near 1e39, all equal: the loss is log 3, not 0 (the sum used to round it away).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-huge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let H = 4, I = 3, O = 3, big: Float = 3e38
        let model = SafeTensorsFile(tensors: [
            "weight_ih_l0": SafeTensor(floats: [Float](repeating: big, count: H * I), shape: [H, I]),
            "weight_hh_l0": SafeTensor(floats: [Float](repeating: big, count: H * H), shape: [H, H]),
            "readout.weight": SafeTensor(floats: [Float](repeating: big, count: O * H), shape: [O, H]),
            "readout.bias": SafeTensor(floats: [Float](repeating: big, count: O), shape: [O]),
        ])
        let data = SafeTensorsFile(tensors: ["inputs": SafeTensor(floats: [Float](repeating: 1, count: 5 * 2 * I), shape: [5, 2, I]),
                                             "targets": SafeTensor(int64s: [Int64](repeating: 1, count: 10), shape: [5, 2])])
        try model.write(to: dir.appendingPathComponent("m.safetensors"))
        try data.write(to: dir.appendingPathComponent("d.safetensors"))
        let huge = try Binary.run(["grads", "--model", dir.appendingPathComponent("m.safetensors").path,
                                   "--data", dir.appendingPathComponent("d.safetensors").path, "--loss", "xent-all", "--json"])
        #expect(huge.status == 0, "\(huge.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(huge.stdout.utf8)) as? [String: Any])
        let loss = try #require(o["loss"] as? Double)
        #expect(abs(loss - log(3.0)) < 1e-9, "loss \(loss)")
    }
}
