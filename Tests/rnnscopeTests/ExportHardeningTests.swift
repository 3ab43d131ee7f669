import Foundation
import Testing
@testable import RNNSim
import RunStream

/// `--csv`, `--svg` and `--record` follow the rules of every output file
/// (`OutputFile`): what is not a regular file is refused before the run, a
/// symbolic link is written through, the mode is kept, and a signal leaves no
/// temporary file.
@Suite(.serialized) struct ExportHardeningTests {
    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `--jsonl` prints to standard output; a file name after it is read as the scenario. That
    /// says how to write the stream to the file instead of "no preset of that name", and creates nothing.
    @Test func aFileNameAfterJsonlSaysToRedirect() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run.jsonl").path
        let model = Binary.fixture("stock/fc-2layers/model.safetensors"), data = Binary.fixture("stock/fc-2layers/data.safetensors")
        for args in [["train", "--headless", "--iterations", "5", "--jsonl", out],
                     ["train", "--model", model, "--data", data, "--headless", "--jsonl", out]] {
            let r = try Binary.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("rnnscope: --jsonl takes no file: it prints to standard output, so write --jsonl > \(out)"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    /// Each refusal names its flag, as --save's always did ("rnnscope: --record: cannot write …").
    @Test func csvSvgAndRecordRefuseWhatIsNotARegularFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("out.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let stream = dir.appendingPathComponent("s.jsonl").path
        _ = FileManager.default.createFile(atPath: stream, contents: nil)
        let model = Binary.fixture("stock/fc-2layers/model.safetensors"), data = Binary.fixture("stock/fc-2layers/data.safetensors")
        for target in [fifo, "/dev/null", dir.path] {
            for args in [["train", "--headless", "--iterations", "100000000", "--set", "network.hidden=4", "--csv", target],
                         ["train", "--headless", "--iterations", "100000000", "--set", "network.hidden=4", "--svg", target],
                         ["run", "vanishing", "--record", target], ["train", "vanishing", "--record", target],
                         ["run", "--model", model, "--data", data, "--record", target],
                         ["lecture", "--record", target], ["watch", stream, "--record", target],
                         ["grads", "--model", model, "--data", data, "--out", target],
                         ["train", "--headless", "--iterations", "100000000", "--model", model, "--data", data, "--save", target]] {
                let r = try Binary.run(args)
                let flag = args[args.count - 2]
                #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("not a regular file"), "\(args): \(r.stderr)")
                #expect(r.stderr.hasPrefix("rnnscope: \(flag): cannot write "), "\(args): \(r.stderr)")
            }
        }
        var info = stat()
        lstat(fifo, &info)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
        lstat("/dev/null", &info)
        #expect(info.st_mode & S_IFMT == S_IFCHR)
    }

    /// A name of one character (`--csv a`, `watch s`) ended the process on SIGILL with no
    /// message before anything ran: Foundation's deletingLastPathComponent traps on it. It is
    /// a file like any other, a link of that name too.
    @Test func aOneCharacterNameIsAFileLikeAnyOther() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        symlink("n.csv", dir.appendingPathComponent("l").path)
        let model = Binary.fixture("stock/fc-2layers/model.safetensors"), data = Binary.fixture("stock/fc-2layers/data.safetensors")
        let r = try Binary.run(["train", "--headless", "--iterations", "2", "--set", "network.hidden=4", "--csv", "l", "--svg", "b"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: dir.appendingPathComponent("n.csv").path, encoding: .utf8).hasPrefix("iteration,layer,t,norm\n"))
        #expect(try String(contentsOfFile: dir.appendingPathComponent("b").path, encoding: .utf8).contains("<svg"))
        let g = try Binary.run(["grads", "--model", model, "--data", data, "--out", "g"], in: dir)
        #expect(g.status == 0 && FileManager.default.fileExists(atPath: dir.appendingPathComponent("g").path), "\(g.stderr)")
        // No terminal here: refused in one line, as any other name is.
        let w = try Binary.run(["watch", "s"], in: dir)
        #expect(w.status == 2 && w.stderr.split(separator: "\n").count == 1 && w.stderr.contains("terminal"), "\(w.stderr)")
    }

    @Test func svgThroughASymlinkKeepsTheLinkAndTheMode() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("figure.svg").path, link = dir.appendingPathComponent("link.svg").path
        _ = FileManager.default.createFile(atPath: target, contents: Data("old".utf8))
        chmod(target, 0o600)
        symlink(target, link)
        let r = try Binary.run(["train", "--headless", "--iterations", "3", "--set", "network.hidden=4", "--svg", link, "--csv", dir.appendingPathComponent("n.csv").path])
        #expect(r.status == 0, "\(r.stderr)")
        var info = stat()
        lstat(link, &info)
        #expect(info.st_mode & S_IFMT == S_IFLNK)
        lstat(target, &info)
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("<svg"))
        #expect(try String(contentsOfFile: dir.appendingPathComponent("n.csv").path, encoding: .utf8).hasPrefix("iteration,layer,t,norm\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// SIGTERM and SIGINT while `--csv` and `--svg` are open through a long
    /// headless run: the process dies of the signal and nothing is left (the
    /// files being written have no name until the end of the run).
    /// `train --headless --jsonl` stopped by Ctrl-C, SIGTERM or SIGHUP ends its stream (the view
    /// on the file then shows ENDED, not a run that may go on) and still dies of the signal,
    /// its --csv temporary removed.
    @Test func aSignalEndsAStreamWithItsEndRecord() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let errPath = dir.appendingPathComponent("err").path, stream = dir.appendingPathComponent("run.jsonl").path
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for (signal, csv) in [(SIGINT, false), (SIGTERM, true), (SIGHUP, false)] {
            let pid = try HardeningTests.spawn(["train", "--headless", "--iterations", "100000000", "--set", "network.hidden=4", "--jsonl"]
                                                + (csv ? ["--csv", out.appendingPathComponent("n.csv").path] : []),
                                               errPath: errPath, outPath: stream)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && waitpid(pid, &status, WNOHANG) == 0
                    && ((try? String(contentsOfFile: stream, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 4 {
                usleep(1000)
            }
            kill(pid, signal)
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            #expect(status & 0x7f == signal, "died of signal \(signal): status \(status)")
            let lines = try String(contentsOfFile: stream, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "" && lines.dropLast().last.map(String.init) == StreamEnd.line, "signal \(signal): \(lines.suffix(2))")
            // Every line before it whole: the header and records.
            for line in lines.dropLast(2) {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line.prefix(80))")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty, "signal \(signal) left a temporary")
            #expect(try String(contentsOfFile: errPath, encoding: .utf8).contains("ending the stream after this iteration"))
        }
    }

    @Test func aSignalDuringALongRunLeavesNoTemporaryFiles() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let errPath = dir.appendingPathComponent("err").path
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for signal in [SIGTERM, SIGINT] {
            let pid = try HardeningTests.spawn(["train", "--headless", "--iterations", "100000000", "--set", "network.hidden=4",
                                                "--csv", out.appendingPathComponent("n.csv").path,
                                                "--svg", out.appendingPathComponent("f.svg").path], errPath: errPath)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(20)
            var open = 0
            while Date() < deadline && waitpid(pid, &status, WNOHANG) == 0 {
                open = HardeningTests.filesOpen(by: pid, in: out.path)
                if open == 2 { break }
                usleep(1000)
            }
            #expect(open == 2, "both files are open during the run")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty, "and have no name yet")
            usleep(100_000)
            kill(pid, signal)
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            #expect(status & 0x7f == signal, "died of signal \(signal): status \(status)")
            let left = try FileManager.default.contentsOfDirectory(atPath: out.path)
            #expect(left.isEmpty, "signal \(signal) left \(left)")
        }
    }
}
