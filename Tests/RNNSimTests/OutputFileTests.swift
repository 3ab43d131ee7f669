import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

/// The one writer every output file goes through: what it replaces, what it
/// refuses, the mode it keeps, and the temporary file it never leaves behind.
@Suite struct OutputFileTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-outputfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var leftovers: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".tmp") } }
    func mode(_ p: String) -> mode_t { var s = stat(); lstat(p, &s); return s.st_mode }
    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    @Test func aNewFileGetsItsBytesAndTheUmaskMode() throws {
        defer { cleanUp() }
        let p = path("new.bin")
        try OutputFile.write(Data("hello".utf8), to: p)
        #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == Data("hello".utf8))
        let mask = umask(0o022); umask(mask)
        #expect(mode(p) & 0o7777 == 0o666 & ~mask)
        #expect(leftovers.isEmpty)
    }

    @Test func anExistingFileKeepsItsMode() throws {
        defer { cleanUp() }
        let p = path("private.bin")
        _ = FileManager.default.createFile(atPath: p, contents: Data("old".utf8))
        chmod(p, 0o600)
        try OutputFile.write(Data("new".utf8), to: p)
        #expect(mode(p) & 0o7777 == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == Data("new".utf8))
        chmod(p, 0o640)
        try OutputFile.write(Data("newer".utf8), to: p)
        #expect(mode(p) & 0o7777 == 0o640)
    }

    @Test func aSymlinkIsWrittenThroughAndStaysALink() throws {
        defer { cleanUp() }
        let target = path("target.bin"), link = path("link.bin"), chain = path("chain.bin")
        _ = FileManager.default.createFile(atPath: target, contents: Data("old".utf8))
        chmod(target, 0o600)
        symlink("target.bin", link)  // relative: read from the link's own directory
        symlink(link, chain)
        try OutputFile.write(Data("through".utf8), to: chain)
        #expect(mode(link) & S_IFMT == S_IFLNK && mode(chain) & S_IFMT == S_IFLNK)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("through".utf8))
        #expect(mode(target) & 0o7777 == 0o600)
        // A dangling link creates its target.
        let dangling = path("dangling.bin")
        symlink("created.bin", dangling)
        try OutputFile.write(Data("made".utf8), to: dangling)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("created.bin"))) == Data("made".utf8))
        #expect(leftovers.isEmpty)
    }

    @Test func aFIFOADeviceOrADirectoryIsRefusedInOneLine() throws {
        defer { cleanUp() }
        let fifo = path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let viaLink = path("to-null")
        symlink("/dev/null", viaLink)
        for (p, kind) in [(fifo, "a FIFO"), ("/dev/null", "a character device"), (viaLink, "a character device"), (directory.path, "a directory")] {
            let error = #expect(throws: OutputFileError.self) { try OutputFile.write(Data("x".utf8), to: p) }
            let text = error?.description ?? ""
            #expect(text.contains(kind) && text.contains("not a regular file") && !text.contains("\n"), "\(p): \(text)")
        }
        #expect(mode(fifo) & S_IFMT == S_IFIFO)
        #expect(mode("/dev/null") & S_IFMT == S_IFCHR)
        #expect(mode(viaLink) & S_IFMT == S_IFLNK)
        #expect(leftovers.isEmpty)
    }

    @Test func aFailedWriteLeavesNoTemporaryFileAndTheOldFileWhole() throws {
        defer { cleanUp() }
        let missing = path("no/such/dir/out.bin")
        let error = #expect(throws: OutputFileError.self) { try OutputFile.write(Data("x".utf8), to: missing) }
        #expect(error?.description.contains("does not exist") == true)
        // A read-only directory: the temporary file cannot be made (skipped as root, who may write anyway).
        if getuid() != 0 {
            let p = path("kept.bin")
            _ = FileManager.default.createFile(atPath: p, contents: Data("old".utf8))
            chmod(directory.path, 0o500)
            defer { chmod(directory.path, 0o700) }
            #expect(throws: OutputFileError.self) { try OutputFile.write(Data("new".utf8), to: p) }
            #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == Data("old".utf8))
        }
        #expect(leftovers.isEmpty)
    }

    /// A recording and a figure, a CSV and an SVG: files written as they come,
    /// several at once, each put in place by `commit` or left as it was by `discard`.
    @Test func streamedFilesAreOpenTogetherAndCommittedOrDiscarded() throws {
        defer { cleanUp() }
        let kept = path("kept.csv"), dropped = path("dropped.cast")
        _ = FileManager.default.createFile(atPath: dropped, contents: Data("old".utf8))
        chmod(dropped, 0o600)
        let a = try OutputFile(path: kept), b = try OutputFile(path: dropped)
        #expect(leftovers.isEmpty, "no named temporary file while written (O_TMPFILE)")
        for i in 0..<3 {
            try a.write("row \(i)\n")
            try b.write(String(repeating: "x", count: 1 << 19))  // past the buffer: bytes reach the temporary file
        }
        #expect(!FileManager.default.fileExists(atPath: kept), "nothing is in place before commit")
        try a.commit()
        b.discard()
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "row 0\nrow 1\nrow 2\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dropped)) == Data("old".utf8))
        #expect(mode(dropped) & 0o7777 == 0o600)
        #expect(leftovers.isEmpty)
        // Refused when opened, before any work: the FIFO stays a FIFO.
        let fifo = path("f.fifo")
        mkfifo(fifo, 0o600)
        #expect(throws: OutputFileError.self) { try OutputFile(path: fifo) }
        #expect(mode(fifo) & S_IFMT == S_IFIFO)
        // Dropped uncommitted, a file leaves nothing behind.
        do { let c = try OutputFile(path: path("abandoned.svg")); try c.write("<svg/>") }
        #expect(leftovers.isEmpty && !FileManager.default.fileExists(atPath: path("abandoned.svg")))
    }

    /// Issue 20: nothing is named in the folder until `commit`, on either path
    /// (O_TMPFILE, and the fallback that holds the bytes until the end).
    @Test(arguments: [OutputFile.Way.unnamed, .unnamedCopied, .atTheEnd]) func nothingIsBesideTheTargetUntilTheCommit(way: OutputFile.Way) throws {
        defer { cleanUp() }
        let p = path("stream.csv")
        let file = try OutputFile(path: p, way: way)
        for i in 0..<3000 { try file.write("\(i),\(String(repeating: "x", count: 500))\n") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        try file.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stream.csv"])
        #expect(try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").count == 3000)
        let dropped = try OutputFile(path: path("dropped.csv"), way: way)
        try dropped.write("a")
        dropped.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stream.csv"])
    }

    /// /proc exists and root's access() lets it write there, but it makes no file: `train --csv
    /// /proc/x.csv` trained to the end, then failed with "No such file or directory", status 2.
    /// Opening the file (and `check`, which `--save` and `--out` use) refuses it at once, as an
    /// output that cannot be written: 74.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self"), "needs /proc"),
          arguments: [OutputFile.Way.unnamed, .atTheEnd])
    func aFolderThatTakesNoFileIsRefusedWhenOpened(way: OutputFile.Way) throws {
        let opened = #expect(throws: OutputFileError.self) { try OutputFile(path: "/proc/x.csv", way: way) }
        // Root is refused by /proc itself (ENOENT, which alone would read as a bad path); anyone else by its mode.
        #expect(opened?.status == 74 && (getuid() != 0 || opened?.reason.contains("takes no new files") == true), "\(String(describing: opened))")
        let checked = #expect(throws: OutputFileError.self) { try OutputFile.check("/proc/x.safetensors") }
        #expect(checked?.status == 74, "\(String(describing: checked))")
    }

    /// Issue 20: setuid and setgid bits were kept on a replaced file; `x/` made a file x.
    @Test func setuidBitsAreDroppedAndATrailingSlashIsRefused() throws {
        defer { cleanUp() }
        let p = path("tool")
        _ = FileManager.default.createFile(atPath: p, contents: Data("old".utf8))
        chmod(p, 0o6755)
        try OutputFile.write(Data("new".utf8), to: p)
        #expect(mode(p) & 0o7777 == 0o755)
        for slashed in [directory.path + "/x/", directory.path + "/tool/"] {
            #expect(throws: OutputFileError.self) { try OutputFile.check(slashed) }
            #expect(throws: OutputFileError.self) { try OutputFile.write(Data("a".utf8), to: slashed) }
        }
        #expect(!FileManager.default.fileExists(atPath: path("x")))
    }

    @Test func safetensorsWritesGoThroughIt() throws {
        defer { cleanUp() }
        let fifo = path("grads.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let file = SafeTensorsFile(tensors: ["w": SafeTensor(floats: [1, 2], shape: [2])])
        let error = #expect(throws: SafeTensorsError.self) { try file.write(to: URL(fileURLWithPath: fifo)) }
        #expect(error?.description.contains("a FIFO") == true)
        #expect(mode(fifo) & S_IFMT == S_IFIFO)
    }
}

@Suite struct TextSafetyTests {
    @Test func controlCharactersAreEscapedAndLongTextCut() {
        #expect(TextSafety.escaped("\u{1B}]0;PWNED\u{07}\u{1B}[2J") == "\\e]0;PWNED\\u{7}\\e[2J")
        #expect(TextSafety.escaped("a\nb\tc\r\u{9B}\u{202E}") == "a\\nb\\tc\\r\\u{9b}\\u{202e}")
        #expect(TextSafety.escaped("ρ(W_hh) ‖∂L/∂h‖") == "ρ(W_hh) ‖∂L/∂h‖")
        let long = String(repeating: "x", count: 10_000)
        #expect(TextSafety.escaped(long) == String(repeating: "x", count: TextSafety.defaultLimit) + "…")
        #expect(TextSafety.quoted("k") == "'k'")
    }
}

@Suite struct MemoryBudgetTests {
    @Test func theLimitComesFromTheEnvironment() throws {
        #expect(try MemoryBudget.limit(environment: [:], physical: 0x1p40) == 2 * 1024 * 1024 * 1024)
        #expect(try MemoryBudget.limit(environment: [MemoryBudget.variable: "8G"], physical: 0x1p40) == 8 * 1024 * 1024 * 1024)
        #expect(try MemoryBudget.limit(environment: [MemoryBudget.variable: "512MiB"]) == 512 * 1024 * 1024)
        #expect(try MemoryBudget.limit(environment: [MemoryBudget.variable: "1000000"]) == 1_000_000)
        for bad in ["", "lots", "-1G", "0", "1e999", "8X", "1e30", "inf", "٣G"] {
            #expect(throws: SettingsError.self, "\(bad)") { try MemoryBudget.limit(environment: [MemoryBudget.variable: bad]) }
        }
    }

    /// Issue 20: 99999999999999999999T and 2^64 − 1 were accepted, and no cap is
    /// then in force; now nothing above the machine's memory is (nor the default).
    @Test func theLimitIsNeverAboveTheMachinesMemory() throws {
        let eight = 8 * 0x1p30
        for huge in ["99999999999999999999T", "18446744073709551615", "9G", "8.001G"] {
            #expect(throws: SettingsError.self, "\(huge)") { try MemoryBudget.limit(environment: [MemoryBudget.variable: huge], physical: eight) }
        }
        #expect(try MemoryBudget.limit(environment: [MemoryBudget.variable: "8G"], physical: eight) == eight)
        #expect(try MemoryBudget.limit(environment: [:], physical: 0x1p30) == 0x1p30)
        #expect(MemoryBudget.physicalMemory > 0x1p26)
    }

    /// In a container or a lab's job slice the memory that may be used is the control
    /// group's limit, not the machine's: 2 GiB by default was above a 1 GiB group's,
    /// and a run that fit the cap ended in the kernel's out-of-memory killer.
    @Test func aControlGroupsLimitIsTheMemoryThatMayBeUsed() throws {
        let root = NSTemporaryDirectory() + "rnnscope-cgroup-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ path: String, _ text: String) throws {
            let url = URL(fileURLWithPath: root + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        // v2: the job's own group limits to 1 GiB, its parent to 768 MiB; the tightest counts.
        try write("/user.slice/job/memory.max", "1073741824\n")
        #expect(MemoryBudget.controlGroupLimit(membership: "0::/user.slice/job\n", root: root) == 0x1p30)
        try write("/user.slice/memory.max", "805306368\n")
        #expect(MemoryBudget.controlGroupLimit(membership: "0::/user.slice/job\n", root: root) == 768 * 0x1p20)
        // "max" everywhere, or no file: no limit.
        #expect(MemoryBudget.controlGroupLimit(membership: "0::/other\n", root: root) == nil)
        try write("/free/memory.max", "max\n")
        #expect(MemoryBudget.controlGroupLimit(membership: "0::/free\n", root: root) == nil)
        // v1: the memory controller's hierarchy; its "unlimited" is 2^63 rounded to pages.
        try write("/memory/docker/abc/memory.limit_in_bytes", "536870912\n")
        #expect(MemoryBudget.controlGroupLimit(membership: "9:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n", root: root) == 0x1p29)
        try write("/memory/unlimited/memory.limit_in_bytes", "9223372036854771712\n")
        #expect(MemoryBudget.controlGroupLimit(membership: "4:memory:/unlimited\n", root: root) == nil)
        #expect(MemoryBudget.controlGroupLimit(membership: nil, root: root) == nil)
        #expect(MemoryBudget.controlGroupLimit(membership: "garbage\n::\n", root: root) == nil)
        // The default cap follows: 2 GiB, or the group's 512 MiB if less.
        #expect(try MemoryBudget.limit(environment: [:], physical: 0x1p29) == 0x1p29)
        // A refusal at that cap does not suggest raising it, which would be refused too.
        let all = MemoryLimitError(needed: 0x1p30, limit: 0x1p29, largest: "hidden states", lower: "task.steps", atMost: true)
        #expect(all.description.contains("all the memory") && !all.description.contains(MemoryBudget.variable))
        let more = MemoryLimitError(needed: 0x1p30, limit: 0x1p29, largest: "hidden states", lower: "task.steps")
        #expect(more.description.contains("\(MemoryBudget.variable)=16G"))
    }

    /// The estimate counts what BPTT allocates: the hidden states of every layer
    /// and step dominate a long run, the readout a character model's.
    @Test func theEstimateFollowsTheSizes() {
        var e = MemoryEstimate(steps: 100_000, batch: 1024, inputs: 8, hidden: 1, outputs: 4, layers: 1)
        e.classTargets = true
        #expect(e.bytes > 7e9 && e.bytes < 8e9)  // inputs T·B·8 and readout 2·T·B·4 floats, 3.3 GB each, plus the rest
        let small = MemoryEstimate(steps: 50, batch: 16, inputs: 2, hidden: 32, outputs: 1, layers: 1)
        #expect(small.bytes < 1e6)
        // Sizes from a hostile file cannot overflow.
        let huge = MemoryEstimate(steps: Int.max, batch: Int.max, inputs: 1, hidden: Int.max, outputs: 1, layers: 4)
        #expect(huge.bytes.isFinite || huge.bytes == .infinity)
        #expect(huge.bytes > 1e30)
    }
}

/// The folder of a path, as every output, stream and control file takes it:
/// the names on which NSString's deletingLastPathComponent traps included.
@Suite struct PathFolderTests {
    @Test func theFolderOfEachKindOfPath() {
        let cases: [(String, String)] = [
            ("a", ""), ("é", ""), ("ab", ""), ("a/", ""), ("a//", ""), ("é/", ""), ("ab/", ""),
            ("/a", "/"), ("/", "/"), ("//", "/"), ("/a/", "/"), ("./a", "."), ("x/y", "x"), ("x/a/", "x"),
            ("x//y", "x"), ("/ab/c", "/ab"), ("/tmp/run.csv", "/tmp"), ("../r.jsonl", ".."),
        ]
        for (path, folder) in cases { #expect(path.pathFolder == folder, "\(path)") }
    }
}
