import Testing
@testable import ScopeView

@Suite struct ScreenBufferTests {
    @Test func writesAreClippedAtEveryEdge() {
        var buf = ScreenBuffer(lines: ["xxxx", "xxxx"])
        buf.put("abcdef", x: 2, y: 0)
        buf.put("zz", x: -1, y: 1)
        buf.put("no", x: 0, y: 2)
        buf.set(4, 1, "!")
        #expect(buf == ScreenBuffer(lines: ["xxab", "zxxx"]))
    }

    @Test func putStopsAtTheLimitAndReturnsTheNextColumn() {
        var buf = ScreenBuffer(width: 6, height: 1)
        let end = buf.put("abcdef", x: 1, y: 0, limit: 4)
        #expect(end == 4)
        #expect(buf.lines == [" abc  "])
    }

    @Test func linesPadsShortRowsWithBlanks() {
        let buf = ScreenBuffer(lines: ["ab", "abcd"])
        #expect(buf.width == 4)
        #expect(buf.lines == ["ab  ", "abcd"])
    }

    @Test func fillIsClipped() {
        var buf = ScreenBuffer(width: 3, height: 2)
        buf.fill(Rect(x: 1, y: -1, width: 5, height: 2), "#")
        #expect(buf.lines == [" ##", "   "])
    }

    @Test func asciiModeFoldsTheMathsIntoWords() {
        var buf = ScreenBuffer(width: 30, height: 1, asciiOnly: true)
        buf.put("ρ(W_hh)·σ ‖∂L/∂h_t‖ ≤ 1", x: 0, y: 0)
        #expect(buf.lines == ["rho(W_hh)*sigma ||dL/dh_t|| <="])
        buf.set(0, 0, "█")
        #expect(buf[0, 0].character == "?")
        // The gate path's letters: Greek capital Π, and f̄ (f with a combining macron) keeps its f.
        var gate = ScreenBuffer(width: 30, height: 1, asciiOnly: true)
        gate.put("Π f, forget gate f̄, ∏ z̄", x: 0, y: 0)
        #expect(gate.lines == ["prod f, forget gate f, prod z "])
    }

    @Test func wideAndControlCharactersNeverBreakTheGrid() {
        var buf = ScreenBuffer(width: 10, height: 1)
        buf.put("a漢\u{7}b\u{1B}", x: 0, y: 0)
        // A control character is shown as its escape, as in messages; cut at the edge.
        #expect(buf.lines == ["a?\\u{7}b\\e"])
    }

    @Test func rectSplitsCoverTheWhole() {
        let r = Rect(x: 2, y: 3, width: 10, height: 6)
        let (top, rest) = r.splitTop(2)
        #expect(top == Rect(x: 2, y: 3, width: 10, height: 2))
        #expect(rest == Rect(x: 2, y: 5, width: 10, height: 4))
        let (right, left) = r.splitRight(4)
        #expect(right.x == 8 && left.width == 6)
        #expect(r.splitBottom(10).0 == r)
    }

    @Test func ringKeepsTheNewest() {
        var ring = Ring<Int>(capacity: 3)
        for i in 1...5 { ring.append(i) }
        #expect(ring.count == 3)
        #expect(ring.suffix(3) == [3, 4, 5])
        #expect(ring.suffix(2) == [4, 5])
        #expect(ring.last == 5)
    }

    @Test func lossHistoryHalvesWhenFull() {
        var h = LossHistory(capacity: 4)
        for v in [1.0, 3, 5, 7] { h.append(v) }
        #expect(h.values == [2, 6])
        #expect(h.stride == 2)
        h.append(1)
        h.append(.nan)  // not plotted
        h.append(3)
        #expect(h.values == [2, 6, 2])
    }
}

@Suite struct GlyphAndPaletteTests {
    @Test func brailleDotsFollowTheUnicodeNumbering() {
        #expect(Glyphs.brailleBars(left: 0, right: 0) == "\u{2800}")
        #expect(Glyphs.brailleBars(left: 4, right: 4) == "\u{28FF}")
        #expect(Glyphs.brailleBars(left: 1, right: 0) == "\u{2840}")  // dot 7, bottom left
        #expect(Glyphs.brailleBars(left: 0, right: 1) == "\u{2880}")  // dot 8, bottom right
        #expect(Glyphs.brailleBars(left: 2, right: 0) == "\u{2844}")  // dots 3 and 7
    }

    @Test func asciiGlyphsAreAscii() {
        let g = Glyphs.ascii
        let all: [Character] = [g.horizontal, g.vertical, g.topLeft, g.topRight, g.bottomLeft, g.bottomRight,
                                g.axisCorner, g.axisTick, g.axisCut, g.cutLine, g.nonFinite, g.zero, g.cursorMark]
            + g.eighths + g.heatRamp
        #expect(all.allSatisfy { $0.isASCII })
        #expect(g.heatRamp.count == Palette.heatLevels)
        #expect(Glyphs.unicode.heatRamp.count == Palette.heatLevels)
    }

    @Test func colourTierFollowsTheTerminalAndNoColor() {
        #expect(ColorTier.detect(hasColors: true, colors: 256, noColor: nil) == .x256)
        #expect(ColorTier.detect(hasColors: true, colors: 8, noColor: nil) == .eight)
        #expect(ColorTier.detect(hasColors: true, colors: 88, noColor: "") == .eight)
        #expect(ColorTier.detect(hasColors: true, colors: 256, noColor: "1") == ColorTier.none)
        #expect(ColorTier.detect(hasColors: false, colors: 256, noColor: nil) == ColorTier.none)
        #expect(ColorTier.detect(hasColors: true, colors: 2, noColor: nil) == ColorTier.none)
    }

    @Test(arguments: [Role.title, .titleBar, .accent, .secondary, .good, .warn, .bad, .keyName, .keyLabel,
                      .selection, .marker, .cursor, .heat(0), .heat(7)])
    func everyRoleResolvesWithinItsTier(_ role: Role) {
        let style = Style(foreground: .role(role), background: .role(role))
        let none = Palette(.none).resolve(style)
        #expect(none.foreground == .standard && none.background == .standard)
        for (tier, limit) in [(ColorTier.eight, 8), (.x256, 256)] {
            let r = Palette(tier).resolve(style)
            for ink in [r.foreground, r.background] {
                switch ink {
                case .standard: break
                case .color(let n): #expect(n >= 0 && n < limit)
                case .role: Issue.record("role left unresolved in \(tier)")
                }
            }
        }
    }

    @Test func monochromeKeepsEmphasisWithAttributes() {
        let bad = Palette(.none).resolve(Style(foreground: .role(.bad)))
        #expect(bad.bold && bad.reverse)
        let label = Palette(.none).resolve(Style(background: .role(.keyLabel)))
        #expect(label.reverse)
    }
}
