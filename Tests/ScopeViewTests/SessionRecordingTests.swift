import Foundation
import Testing
@testable import ScopeView
import RNNSim

/// Just enough of a terminal to replay what AnsiFrame writes: CUP, ED 2, SGR.
struct ReplayTerminal {
    var cells: [[Cell]]
    var x = 0, y = 0
    var pen = Style.plain

    init(width: Int, height: Int) { cells = Array(repeating: Array(repeating: Cell(), count: width), count: height) }

    mutating func feed(_ text: String) {
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            guard c == "\u{1B}" else {
                cells[y][x] = Cell(c, pen)
                x += 1
                continue
            }
            #expect(chars.popFirst() == "[")
            var params = ""
            while let p = chars.first, p.isNumber || p == ";" { params.append(p); chars.removeFirst() }
            let numbers = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
            switch chars.popFirst() {
            case "H":
                y = numbers[0] - 1
                x = numbers[1] - 1
            case "J":
                #expect(numbers == [2])
                for r in cells.indices { cells[r] = cells[r].map { _ in Cell(" ", pen) } }
            case "m":
                var i = 0
                while i < numbers.count {
                    switch numbers[i] {
                    case 0: pen = .plain
                    case 1: pen.bold = true
                    case 2: pen.dim = true
                    case 4: pen.underline = true
                    case 7: pen.reverse = true
                    case 30...37: pen.foreground = .color(numbers[i] - 30)
                    case 40...47: pen.background = .color(numbers[i] - 40)
                    case 38: pen.foreground = .color(numbers[i + 2]); i += 2
                    case 48: pen.background = .color(numbers[i + 2]); i += 2
                    default: Issue.record("unexpected SGR \(numbers[i])")
                    }
                    i += 1
                }
            case let other: Issue.record("unexpected sequence \(String(describing: other))")
            }
        }
    }

    func matches(_ buf: ScreenBuffer) -> Bool {
        (0..<buf.height).allSatisfy { y in (0..<buf.width).allSatisfy { x in cells[y][x] == buf[x, y] } }
    }
}

@Suite struct SessionRecordingTests {
    func frame(_ change: (inout AppState) -> Void = { _ in }, colors: ColorTier = .x256) -> ScreenBuffer {
        var s = Fixture.state(width: 100, height: 30, report: Fixture.report(norms: Fixture.decaying(steps: 50)), rows: 30)
        change(&s)
        return Fixture.render(s, colors: colors)
    }

    @Test(arguments: [ColorTier.x256, .eight, .none])
    func replayingTheANSIGivesTheBufferBack(tier: ColorTier) {
        let first = frame(colors: tier)
        let second = frame({ _ = update(&$0, .key(.char("c"))) }, colors: tier)
        var term = ReplayTerminal(width: 100, height: 30)
        term.feed(AnsiFrame.encode(first, after: nil))
        #expect(term.matches(first))
        let diff = AnsiFrame.encode(second, after: first)
        #expect(diff.count < AnsiFrame.encode(second, after: nil).count / 2, "a frame after another sends only what changed")
        term.feed(diff)
        #expect(term.matches(second))
        #expect(AnsiFrame.encode(second, after: second).isEmpty)
    }

    @Test func castIsAsciicastV2WithOutputAndResizeEvents() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-\(UUID().uuidString).cast").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rec = SessionRecording(file: try OutputFile(path: path), title: "rnnscope vanishing",
                                   timestamp: Date(timeIntervalSince1970: 1_700_000_000))
        let a = frame(), b = frame { _ = update(&$0, .key(.char("c"))) }
        try rec.record(a, at: 100.0)
        try rec.record(b, at: 100.25)
        var small = Fixture.state(width: 80, height: 24, report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        small.a.running = true
        try rec.record(Fixture.render(small), at: 101.5)
        #expect(!FileManager.default.fileExists(atPath: path), "nothing is in place before the session ends")
        try rec.finish(width: 80, height: 24)

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2)
        #expect(header["width"] as? Int == 100 && header["height"] as? Int == 30)
        #expect(header["timestamp"] as? Int == 1_700_000_000)
        let events = try lines.dropFirst().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any]) }
        #expect(events.map { $0[1] as? String } == ["o", "o", "r", "o"])
        #expect(events.map { $0[0] as? Double } == [0, 0.25, 1.5, 1.5])
        #expect(events[2][2] as? String == "80x24")
        var term = ReplayTerminal(width: 100, height: 30)
        for e in events.prefix(2) { term.feed(try #require(e[2] as? String)) }
        #expect(term.matches(b))
    }
}
