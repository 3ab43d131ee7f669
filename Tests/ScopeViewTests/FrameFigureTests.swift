import Foundation
import Testing
@testable import ScopeView
import RNNSim

/// The SVG read back cell by cell: what it draws where, in which colours.
struct DrawnSVG {
    var characters: [[Character]]
    var foreground: [[String?]]
    var background: [[String]]

    init(_ svg: String, width: Int, height: Int) throws {
        let cw = FrameFigure.cellWidth, ch = FrameFigure.cellHeight
        characters = Array(repeating: Array(repeating: " ", count: width), count: height)
        foreground = Array(repeating: Array(repeating: nil, count: width), count: height)
        background = Array(repeating: Array(repeating: FrameFigure.defaultBackground, count: width), count: height)
        for line in svg.split(separator: "\n") {
            if let m = line.wholeMatch(of: #/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" fill="(#[0-9a-f]{6})"/>/#) {
                let x0 = Int(m.1)! / cw, y = Int(m.2)! / ch, n = Int(m.3)! / cw
                #expect(Int(m.4)! == ch)
                for x in x0..<(x0 + n) { background[y][x] = String(m.5) }
            } else if let m = line.wholeMatch(of: #/<text x="([\d ]+)" y="(\d+)" fill="(#[0-9a-f]{6})"[^>]*>(.*)</text>/#) {
                let xs = m.1.split(separator: " ").map { Int($0)! / cw }
                let y = (Int(m.2)! - FrameFigure.baseline) / ch
                let text = Array(String(m.4).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&"))
                #expect(xs.count == text.count, "one x per character: \(line)")
                for (x, c) in zip(xs, text) {
                    characters[y][x] = c
                    foreground[y][x] = String(m.3)
                }
            }
        }
    }
}

@Suite struct FrameFigureTests {
    var frame: ScreenBuffer {
        Fixture.render(Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)), rows: 40))
    }

    @Test(arguments: [ColorTier.x256, .eight, .none])
    func svgDrawsEveryCellOfTheBufferInItsColours(tier: ColorTier) throws {
        let buf = Fixture.render(Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50)), rows: 40),
                                 colors: tier)
        let svg = FrameFigure.svg(buf)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("width=\"900\" height=\"576\""))
        let drawn = try DrawnSVG(svg, width: buf.width, height: buf.height)
        var coloured = 0
        for y in 0..<buf.height {
            for x in 0..<buf.width {
                let cell = buf[x, y]
                #expect(drawn.characters[y][x] == cell.character, "cell (\(x), \(y))")
                let (fg, bg) = FrameFigure.colours(cell.style)
                #expect(drawn.background[y][x] == bg, "background of (\(x), \(y))")
                if cell.character != " " {
                    #expect(drawn.foreground[y][x] == fg, "foreground of (\(x), \(y)) '\(cell.character)'")
                    if ![FrameFigure.defaultForeground, FrameFigure.defaultBackground].contains(fg) { coloured += 1 }
                }
            }
        }
        // The heatmap and the chart are in colour wherever the terminal has colours; without, only reverse shows.
        #expect(tier == .none ? coloured == 0 : coloured > 500)
    }

    @Test func coloursAreXtermsAndReverseSwapsThem() {
        #expect(FrameFigure.hex(.color(196)) == "#ff0000")
        #expect(FrameFigure.hex(.color(19)) == "#0000af")
        #expect(FrameFigure.hex(.color(245)) == "#8a8a8a")
        #expect(FrameFigure.hex(.color(1)) == "#cd0000")
        #expect(FrameFigure.hex(.standard) == nil)
        let s = Style(foreground: .color(0), background: .color(30), reverse: true)
        #expect(FrameFigure.colours(s) == ("#008787", "#000000"))
        #expect(FrameFigure.colours(Style(reverse: true)) == (FrameFigure.defaultBackground, FrameFigure.defaultForeground))
    }

    @Test func markupInTheTextIsEscaped() throws {
        var buf = ScreenBuffer(width: 12, height: 1)
        buf.put("a<b & \"c\">", x: 0, y: 0, style: Style(foreground: .color(2), bold: true))
        let svg = FrameFigure.svg(buf)
        #expect(!svg.contains("a<b"))
        #expect(svg.contains("a&lt;b"))
        #expect(svg.contains("font-weight=\"bold\""))
        let drawn = try DrawnSVG(svg, width: 12, height: 1)
        #expect(String(drawn.characters[0]) == buf.line(0))
    }

    @Test func textCopyIsTheLinesWithoutTrailingBlanks() {
        let buf = frame
        let text = FrameFigure.text(buf)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == buf.height)
        for (line, row) in zip(lines, buf.lines) {
            #expect(!line.hasSuffix(" "))
            #expect(row.hasPrefix(line) && row.dropFirst(line.count).allSatisfy { $0 == " " })
        }
    }

    @Test func fileNameCarriesScenarioAndIteration() {
        #expect(FrameExport.baseName(scenario: "vanishing", iteration: 1049) == "rnnscope-vanishing-it1049")
        #expect(FrameExport.baseName(scenario: "my run/ρ", iteration: 3) == "rnnscope-my_run__-it3")
    }

    @Test func exportWritesBothFilesWhole() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-frame-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let buf = frame
        try FrameExport.write(buf, directory: dir.path, baseName: "rnnscope-vanishing-it10")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["rnnscope-vanishing-it10.svg", "rnnscope-vanishing-it10.txt"])
        #expect(try String(contentsOf: dir.appendingPathComponent(names[0]), encoding: .utf8) == FrameFigure.svg(buf))
        #expect(try String(contentsOf: dir.appendingPathComponent(names[1]), encoding: .utf8) == FrameFigure.text(buf))
        #expect(throws: OutputFileError.self) {
            try FrameExport.write(buf, directory: dir.appendingPathComponent("missing").path, baseName: "x")
        }
    }

    @Test func eAsksForTheFrameAndTheStatusLineNamesIt() {
        var s = Fixture.state(report: Fixture.report(iteration: 37, norms: Fixture.decaying(steps: 50)))
        #expect(update(&s, .key(.char("e"))) == [.exportFrame(baseName: "rnnscope-vanishing-it37")])
        _ = update(&s, .exported(baseName: "rnnscope-vanishing-it37", error: nil))
        #expect(s.ui.status?.text == "wrote rnnscope-vanishing-it37.svg and rnnscope-vanishing-it37.txt")
        #expect(Fixture.render(s).text.contains("wrote rnnscope-vanishing-it37.svg"))
        _ = update(&s, .exported(baseName: "x", error: "x.svg: permission denied"))
        #expect(s.ui.status?.text == "could not write the frame: x.svg: permission denied")
    }
}
