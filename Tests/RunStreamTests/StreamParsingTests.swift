import Foundation
import Testing
@testable import RunStream

@Suite struct StreamParsingTests {
    static let lstmHeader = #"{"rnnscope":"0.2.0","source":"pytorch","title":"model.lstm","cell":"lstm","layers":2,"directions":2,"hidden":8,"proj_size":0,"input_size":4,"steps":3,"rows":["layer 1","layer 1 reverse","layer 2","layer 2 reverse"],"device":"cpu","dtype":"float32","world_size":1,"rank":0,"every":10,"exact":true,"inexact":[],"control":null}"#

    func header(_ text: String = lstmHeader) throws -> StreamHeader {
        try StreamHeader.parse(Array(text.utf8)).get()
    }

    @Test func aPyTorchHeaderDescribesItsRows() throws {
        let h = try header()
        #expect(h.cell == .lstm && h.layers == 2 && h.directions == 2 && h.hidden == 8 && h.steps == 3)
        #expect(h.rowCount == 4 && h.rows[1] == "layer 1 reverse" && h.every == 10 && h.exact && h.control == nil)
    }

    @Test func inexactFiguresMakeTheRunInexact() throws {
        let h = try header(Self.lstmHeader.replacingOccurrences(of: #""inexact":[]"#, with: #""inexact":["dropout between layers cannot be reproduced"]"#))
        #expect(!h.exact && h.inexact.count == 1)
    }

    @Test(arguments: [
        (#"{"iteration":1,"loss":0.5}"#, "record, not the header"),
        (#"{"source":"x"}"#, "not an rnnscope stream header"),
        (#"{"rnnscope":"1","cell":"transformer","layers":1,"hidden":4}"#, "cell must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":0,"hidden":4}"#, "layers must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":-4}"#, "hidden must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"directions":3}"#, "directions must be"),
        // Out of range, each was shown as a default the stream never said ("rank 0", "every iteration", tanh).
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"activation":"sigmoidal"}"#, "activation must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"rank":-3}"#, "rank must be 0…world_size − 1"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"world_size":2,"rank":2}"#, "rank must be 0…world_size − 1"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"world_size":0}"#, "world_size must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"every":0}"#, "every must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"steps":-5}"#, "steps must be"),
        (#"{"rnnscope":"1","cell":"lstm","layers":1,"hidden":4,"proj_size":-1}"#, "proj_size must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":1,"hidden":4,"input_size":0}"#, "input_size must be"),
        (#"{"rnnscope":"1","cell":"rnn","layers":2,"hidden":4,"rows":["layer 1"]}"#, "rows must name 2"),
        ("[1,2,3]", "not a JSON object"),
        ("{\"rnnscope\": ", "not JSON"),
        ("garbage", "not a JSON object"),
    ])
    func badHeadersSayWhy(line: String, says: String) {
        guard case .failure(let e) = StreamHeader.parse(Array(line.utf8)) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(e.description.contains(says), "\(e)")
    }

    @Test func deepNestingIsRefusedBeforeParsing() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        guard case .failure(let e) = StreamHeader.parse(Array(deep.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(e.description.contains("nested deeper"))
    }

    @Test func titlesAreMadeSafeForTheTerminal() throws {
        let h = try header(Self.lstmHeader.replacingOccurrences(of: #""title":"model.lstm""#, with: #""title":"evil\u001b[2J\u0007""#))
        #expect(!h.title.contains("\u{1B}") && !h.title.contains("\u{07}"))
    }

    @Test func aRecordBecomesAReport() throws {
        let h = try header()
        let line = #"{"iteration":20,"loss":1.25,"grad_norm":"Infinity","clip_scale":0.5,"clipped":true,"clip_max_norm":1.0,"nonfinite":false,"sigma_max":[1,2,3,4],"gate_mean":[0.5,0.6,0.7,0.8],"gate_product":[1e-3,2e-3,3e-3,"NaN"],"gate_saturation":[0,0.1,0.2,0.3],"hidden_grad_norms":[[1,2,3],[4,5,6],[7,8,9],[1e-30,0,"NaN"]],"cell_grad_norms":[[1,1,1],[2,2,2],[3,3,3],[4,4,4]]}"#
        let r = try StreamRecord.parse(Array(line.utf8), header: h).get()
        #expect(r.report.iteration == 20 && r.report.loss == 1.25 && r.report.gradNorm == .infinity)
        #expect(r.report.clipped && r.report.clipScale == 0.5 && r.clipMaxNorm == 1)
        #expect(r.report.hiddenGradNorms[3][0] == 1e-30 && r.report.hiddenGradNorms[3][2].isNaN)
        #expect(r.report.cellGradNorms[2] == [3, 3, 3])
        #expect(r.report.pathGateMeans[1] == [0.6] && r.report.pathProducts[3][0].isNaN)
        #expect(r.report.spectralRadius.allSatisfy(\.isNaN) && r.report.largestSingularValue == [1, 2, 3, 4])
        #expect(r.calls == 1, "one call unless the record says more")
        let twice = line.replacingOccurrences(of: #""iteration":20,"#, with: #""iteration":20,"calls":2,"#)
        #expect(try StreamRecord.parse(Array(twice.utf8), header: h).get().calls == 2)
        #expect(r.clipSeq == nil, "an older writer's record does not say which clip setting it followed")
        // null is not measured: a step's norm drawn as NaN from it would be a figure the stream never gave.
        for (from, to) in [(#"0,"NaN"]],"cell"#, #"0,null]],"cell"#), (#"[4,4,4]]}"#, #"[4,null,4]]}"#)] {
            let unmeasured = line.replacingOccurrences(of: from, with: to)
            #expect(unmeasured != line)
            #expect(throws: StreamError.self) { try StreamRecord.parse(Array(unmeasured.utf8), header: h).get() }
        }
        let echoed = line.replacingOccurrences(of: #""iteration":20,"#, with: #""iteration":20,"clip_seq":1765100000004,"#)
        #expect(try StreamRecord.parse(Array(echoed.utf8), header: h).get().clipSeq == 1_765_100_000_004)
    }

    /// The control file numbers the view's clip settings from the time it took the file over;
    /// a record's echo of that number says which the loop had read.
    @Test func theControlFileNumbersItsClipSettings() throws {
        let path = NSTemporaryDirectory() + "rnnscope-control-\(UUID().uuidString).control"
        defer { unlink(path) }
        let control = StreamControl(path: path, origin: 1000)
        try control.pause(false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == #"{"pause": false, "step": 0, "clip": null, "clip_seq": 1000}"# + "\n")
        try control.setClip(0.5, request: 3)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == #"{"pause": false, "step": 0, "clip": 0.5, "clip_seq": 1003}"# + "\n")
        // Before this view (another viewer's numbers, or none read), its own, beyond its latest.
        #expect([0, 999, 1000, 1002, 1003, 1004].map { control.request(read: $0) } == [0, 0, 0, 2, 3, 3])
    }

    @Test(arguments: [
        (#"{"loss":1,"hidden_grad_norms":[[1]]}"#, "no iteration"),
        (#"{"iteration":0,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "no iteration"),
        (#"{"iteration":1,"hidden_grad_norms":[[1],[1]]}"#, "4 rows"),
        (#"{"iteration":1,"hidden_grad_norms":[[1],[1,2],[1],[1]]}"#, "same length"),
        (#"{"iteration":1,"hidden_grad_norms":[[-1],[1],[1],[1]]}"#, "negative norm"),
        (#"{"iteration":1,"hidden_grad_norms":[["x"],[1],[1],[1]]}"#, "wrong type"),
        (#"{"iteration":1,"hidden_grad_norms":[[true],[1],[1],[1]]}"#, "wrong type"),
        (#"{"iteration":1,"loss":"lots","hidden_grad_norms":[[1],[1],[1],[1]]}"#, "wrong type"),
        (#"{"iteration":1,"calls":0,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "calls must be"),
        (#"{"iteration":1,"clip_seq":-1,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_seq must be"),
        (#"{"iteration":1,"clip_seq":"7","hidden_grad_norms":[[1],[1],[1],[1]]}"#, "wrong type"),
        // A figure outside its range: clip_max_norm −5 showed "none via scope" beside "→ ×0.2688".
        (#"{"iteration":1,"clip_max_norm":-5,"clip_scale":0.2688,"clipped":true,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_max_norm -5.0 is not a threshold"),
        (#"{"iteration":1,"clip_max_norm":"NaN","hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_max_norm nan"),
        (#"{"iteration":1,"clip_scale":7,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_scale 7.0 is outside 0…1"),
        (#"{"iteration":1,"clip_scale":-0.5,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_scale -0.5 is outside 0…1"),
        (#"{"iteration":1,"clip_scale":"Infinity","hidden_grad_norms":[[1],[1],[1],[1]]}"#, "clip_scale inf"),
        (#"{"iteration":1,"grad_norm":-3,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "grad_norm -3.0 is outside ≥ 0"),
        (#"{"iteration":1,"grad_norm":"-Infinity","hidden_grad_norms":[[1],[1],[1],[1]]}"#, "grad_norm -inf"),
        (#"{"iteration":1,"sigma_max":[1,-2,1,1],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "sigma_max -2.0"),
        (#"{"iteration":1,"spectral_radii":[-1],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "spectral_radii -1.0"),
        (#"{"iteration":1,"gate_mean":[0.5,1.5,0.5,0.5],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "gate_mean 1.5"),
        (#"{"iteration":1,"gate_product":[0.5,-0.1,0.5,0.5],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "gate_product -0.1"),
        (#"{"iteration":1,"gate_saturation":[2,0,0,0],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "gate_saturation 2.0"),
        (#"{"iteration":1,"heldout_loss":-1,"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "heldout_loss -1.0"),
        (#"{"iteration":1,"hidden_grad_norms":[[1],[1],[1],[1]],"cell_grad_norms":[[1],[1],[-1],[1]]}"#, "cell_grad_norms -1.0"),
        // A per-row figure of another length: it was read as "not measured", and ‖∂L/∂c_t‖ dropped.
        (#"{"iteration":1,"sigma_max":[1,1],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "sigma_max must have 4 values"),
        (#"{"iteration":1,"spectral_radii":[1,1,1,1,1],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "spectral_radii must have 4 values"),
        (#"{"iteration":1,"gate_mean":[0.5],"hidden_grad_norms":[[1],[1],[1],[1]]}"#, "gate_mean must have 4 values"),
        (#"{"iteration":1,"hidden_grad_norms":[[1],[1],[1],[1]],"cell_grad_norms":[[1],[1],[1]]}"#, "cell_grad_norms must have the shape"),
        (#"{"iteration":1,"hidden_grad_norms":[[1],[1],[1],[1]],"cell_grad_norms":[[1],[1],[1],[1,2]]}"#, "cell_grad_norms must have the shape"),
    ])
    func badRecordsSayWhy(line: String, says: String) throws {
        guard case .failure(let e) = StreamRecord.parse(Array(line.utf8), header: try header()) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(e.description.contains(says), "\(e)")
    }

    /// The edges of each range are figures a writer does write: a gradient gone Inf (clip_scale 0),
    /// gone NaN (torch's factor NaN), a threshold not given (null), a loop's own loss below 0.
    @Test func figuresAtTheEdgesOfTheirRangesAreRecords() throws {
        let h = try header()
        for fields in [#""grad_norm":"Infinity","clip_scale":0,"clipped":true,"clip_max_norm":1"#,
                       #""grad_norm":"NaN","clip_scale":"NaN","clipped":true,"clip_max_norm":1"#,
                       #""grad_norm":0,"clip_scale":1,"clip_max_norm":null,"sigma_max":["Infinity","NaN",0,1]"#,
                       #""loss":-2.5,"heldout_loss":"Infinity","gate_mean":[0,1,"NaN",null],"gate_product":[0,1,0,1]"#] {
            let line = #"{"iteration":1,"# + fields + #","hidden_grad_norms":[[0],["Infinity"],["NaN"],[1]]}"#
            #expect(throws: Never.self, "\(fields)") { try StreamRecord.parse(Array(line.utf8), header: h).get() }
        }
    }

    @Test func aTrainJSONLHeaderReads() throws {
        let line = #"{"rnnscope":"0.2.0","source":"rnnscope","scenario":"vanishing","title":"Vanishing","seed":1,"cell":"rnn","activation":"tanh","layers":1,"directions":1,"hidden":32,"steps":50,"settings":{"seed":1,"network.hidden":32}}"#
        let h = try StreamHeader.parse(Array(line.utf8)).get()
        #expect(h.cell == .rnn && h.activation == .tanh && h.scenario == "vanishing" && h.seed == 1 && h.rows == ["layer 1"])
    }
}

@Suite struct StreamFollowerTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "rnnscope-follow-\(UUID().uuidString).jsonl"
    }

    func append(_ path: String, _ text: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    func line(_ next: StreamFollower.Next) -> String? {
        if case .line(let b) = next { return String(decoding: b, as: UTF8.self) }
        return nil
    }

    @Test func followsAFileThatAppearsAndGrows() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let f = StreamFollower(path: path)
        #expect(f.next() == .waiting)
        try append(path, "one\ntw")
        #expect(line(f.next()) == "one")
        #expect(f.next() == .waiting)  // half a line is not a line yet
        try append(path, "o\r\nthree\n")
        #expect(line(f.next()) == "two")
        #expect(line(f.next()) == "three")
        #expect(f.next() == .waiting)
    }

    @Test func aReplacedFileStartsOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try append(path, "old 1\nold 2\n")
        let f = StreamFollower(path: path)
        #expect(line(f.next()) == "old 1")
        #expect(line(f.next()) == "old 2")
        let other = path + ".new"
        try append(other, "new 1\n")
        #expect(rename(other, path) == 0)
        #expect(f.next() == .restarted)
        #expect(line(f.next()) == "new 1")
    }

    @Test func aTruncatedFileStartsOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try append(path, "a long first line\nsecond\n")
        let f = StreamFollower(path: path)
        #expect(line(f.next()) == "a long first line")
        #expect(line(f.next()) == "second")
        #expect(truncate(path, 0) == 0)
        try append(path, "x\n")
        #expect(f.next() == .restarted)
        #expect(line(f.next()) == "x")
    }

    /// `cp other.jsonl run.jsonl` (or `train --jsonl > run.jsonl` again) rewrites the file in
    /// place: the same inode, and by the next look already longer than what was read. It was
    /// read on from the old offset, mid-line, under the old header.
    @Test func aFileRewrittenInPlacePastWhatWasReadStartsOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try append(path, "old header\nold 1\n")
        let f = StreamFollower(path: path)
        #expect(line(f.next()) == "old header")
        #expect(line(f.next()) == "old 1")
        #expect(f.next() == .waiting)
        var before = stat(), after = stat()
        stat(path, &before)
        try "new header\nnew record 1, longer than the old file\nnew 2\n".write(toFile: path, atomically: false, encoding: .utf8)
        stat(path, &after)
        #expect(before.st_ino == after.st_ino, "rewritten in place, not replaced")
        #expect(f.next() == .restarted)
        #expect(line(f.next()) == "new header")
        #expect(line(f.next()) == "new record 1, longer than the old file")
    }

    @Test func appendingIsNotARewrite() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let f = StreamFollower(path: path)
        var seen: [String] = []
        for i in 0..<200 {
            try append(path, "record \(i) " + String(repeating: "x", count: i * 7) + "\n")
            while case .line(let b) = f.next() { seen.append(String(decoding: b, as: UTF8.self)) }
        }
        #expect(seen.count == 200 && seen.last?.hasPrefix("record 199 ") == true)
    }

    @Test func anOverlongLineIsSkippedWithoutBeingHeld() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let f = StreamFollower(path: path)
        let chunk = String(repeating: "x", count: 1 << 20)
        for _ in 0..<(StreamFollower.maximumLine >> 20) + 2 { try append(path, chunk) }
        try append(path, "\nnext\n")
        var outcomes: [StreamFollower.Next] = []
        for _ in 0..<10_000 where outcomes.count < 2 {
            let n = f.next()
            if n != .waiting { outcomes.append(n) }
        }
        #expect(outcomes.first == .skippedLong)
        #expect(outcomes.count == 2 && line(outcomes[1]) == "next")
    }

    @Test func aPipeEndsAndItsLastLineCountsWithoutANewline() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = Array("first\nlast".utf8)
        _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        let f = StreamFollower(descriptor: fds[0])
        #expect(line(f.next()) == "first")
        #expect(line(f.next()) == "last")
        #expect(f.next() == .ended)
        close(fds[0])
    }
}

/// The first line of a stream read for the view, and the bad ones that end it.
@Suite struct StreamHeaderReadingTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "rnnscope-header-\(UUID().uuidString).jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `watch badhdr.jsonl` (layers 10^12) and `watch corrupt.jsonl` (garbage) stayed open in
    /// ERROR: the reason, naming the file and the line, is what the program now ends with.
    @Test(arguments: [
        (#"{"rnnscope":"0.2.0","cell":"rnn","layers":1000000000000,"hidden":4}"#, "badhdr.jsonl, line 1: the header's layers must be 1…64"),
        ("\n  \n%%garbage%%", "badhdr.jsonl, line 3: not a JSON object" + StreamHeader.notAStreamHint),
        // A loop writing its stream to stdout (rnnscope.watch(m, "-")) and printing beside it.
        ("starting training\n" + #"{"rnnscope":"0.2.0","cell":"rnn","layers":1,"hidden":4}"#,
         "badhdr.jsonl, line 1: not a JSON object" + StreamHeader.notAStreamHint),
        // JSON that is not a header is not that: no hint.
        ("[1,2,3]", "badhdr.jsonl, line 1: not a JSON object"),
    ])
    func anUnusableHeaderSaysWhichFileAndLine(text: String, says: String) throws {
        let path = try file(text + "\n")
        defer { unlink(path) }
        #expect(StreamHeader.problem(inFile: path, name: "badhdr.jsonl") == says)
        var line = 0
        #expect(StreamHeader.read(from: StreamFollower(path: path), name: "badhdr.jsonl", line: &line) == .unusable(says))
    }

    /// A header still being written, a file not yet there, a usable header: nothing to say
    /// before the view opens (it waits, or shows the run).
    @Test func aHeaderNotYetWrittenOrUsableIsNoProblem() throws {
        let partial = try file(#"{"rnnscope":"0.2.0","cell":"#)
        let good = try file(#"{"rnnscope":"0.2.0","cell":"gru","layers":2,"hidden":4}"# + "\n")
        defer { unlink(partial); unlink(good) }
        #expect(StreamHeader.problem(inFile: partial, name: "p") == nil)
        #expect(StreamHeader.problem(inFile: good, name: "g") == nil)
        #expect(StreamHeader.problem(inFile: partial + ".absent", name: "a") == nil)
        var line = 0
        guard case .header(let h) = StreamHeader.read(from: StreamFollower(path: good), name: "g", line: &line) else {
            Issue.record("no header")
            return
        }
        #expect(h.cell == .gru && h.layers == 2 && line == 1)
    }

    /// A stream saved by an editor or PowerShell begins with a UTF-8 byte-order mark: its header
    /// was refused as "not a JSON object" with the hint about a loop's prints, which it is not.
    @Test func aByteOrderMarkBeforeTheHeaderIsPassedOver() throws {
        let path = try file("\u{FEFF}" + #"{"rnnscope":"0.2.0","cell":"gru","layers":2,"hidden":4}"# + "\n")
        defer { unlink(path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        #expect(StreamHeader.problem(inFile: path, name: "bom.jsonl") == nil)
        var line = 0
        guard case .header(let h) = StreamHeader.read(from: StreamFollower(path: path), name: "bom.jsonl", line: &line) else {
            Issue.record("no header")
            return
        }
        #expect(h.cell == .gru && h.layers == 2)
    }

    /// A FIFO is not read before the view opens (opening it would wait for a writer).
    @Test func aFIFOIsLeftToTheView() throws {
        let path = NSTemporaryDirectory() + "rnnscope-fifo-\(UUID().uuidString)"
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(StreamHeader.problem(inFile: path, name: "fifo") == nil)
    }

    @Test func theEndRecordIsKnown() {
        #expect(StreamEnd.isEnd(Array(StreamEnd.line.utf8)))
        #expect(StreamEnd.isEnd(Array(#"{"end":true,"iterations":40}"#.utf8)))
        for other in [#"{"end":false}"#, #"{"end":"true"}"#, #"{"iteration":1}"#, "end", ""] {
            #expect(!StreamEnd.isEnd(Array(other.utf8)), "\(other)")
        }
    }
}
