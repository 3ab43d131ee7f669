/// The characters the screen is drawn with: Unicode (box drawing, block
/// elements, braille) when the terminal speaks UTF-8, plain ASCII otherwise.
public struct Glyphs: Sendable, Equatable {
    public let isUnicode: Bool
    public let horizontal: Character
    public let vertical: Character
    public let topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    /// The chart's axis corner, tick and truncation-cut marks on the time axis.
    public let axisCorner: Character
    public let axisTick: Character
    public let axisCut: Character
    /// Where truncation cuts the graph, drawn down the empty part of a column.
    public let cutLine: Character
    /// A timestep whose ‖∂L/∂h_t‖ is Inf or NaN.
    public let nonFinite: Character
    /// A timestep no gradient reaches at all (exactly 0).
    public let zero: Character
    /// Bars in eighths of a cell: index 0 is empty, 8 is a full cell.
    public let eighths: [Character]
    /// Heat levels, weakest first (`Palette.heatLevels` of them).
    public let heatRamp: [Character]
    /// Under the step-through cursor, on the label row.
    public let cursorMark: Character
    public let ellipsis: String
    /// Whether the sparkline is braille (2×4 dots a cell) or bars.
    public var hasBraille: Bool { isUnicode }

    public static let unicode = Glyphs(
        isUnicode: true, horizontal: "─", vertical: "│",
        topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        axisCorner: "└", axisTick: "┴", axisCut: "┼", cutLine: "┆", nonFinite: "×", zero: "·",
        eighths: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        heatRamp: ["░", "░", "▒", "▒", "▓", "▓", "█", "█"],
        cursorMark: "▲", ellipsis: "…")

    public static let ascii = Glyphs(
        isUnicode: false, horizontal: "-", vertical: "|",
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        axisCorner: "+", axisTick: "+", axisCut: "K", cutLine: ":", nonFinite: "X", zero: ".",
        eighths: [" ", ".", ".", ":", ":", "|", "|", "#", "#"],
        heatRamp: [".", ":", "-", "=", "+", "*", "#", "@"],
        cursorMark: "^", ellipsis: "...")

    /// A braille cell from a 2×4 grid of dots, `dots[column][row]`, row 0 at the top.
    /// Unicode numbers the dots 1-2-3-7 down the left column and 4-5-6-8 down the right.
    public static func braille(_ dots: [[Bool]]) -> Character {
        let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        var value: UInt32 = 0
        for col in 0..<2 {
            for row in 0..<4 where dots[col][row] { value |= bits[col][row] }
        }
        return Character(Unicode.Scalar(0x2800 + value)!)
    }

    /// The dots of a braille cell (0 for the blank one), or nil for any other character.
    public static func brailleBits(_ c: Character) -> UInt32? {
        guard c.unicodeScalars.count == 1, let v = c.unicodeScalars.first?.value, (0x2800...0x28FF).contains(v) else { return nil }
        return v - 0x2800
    }

    /// A braille cell whose two columns are filled from the bottom up to `left` and `right` dots (0…4).
    public static func brailleBars(left: Int, right: Int) -> Character {
        let l = min(max(left, 0), 4), r = min(max(right, 0), 4)
        return braille([(0..<4).map { $0 >= 4 - l }, (0..<4).map { $0 >= 4 - r }])
    }
}
