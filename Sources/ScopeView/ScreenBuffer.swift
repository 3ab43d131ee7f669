import RNNSim

/// A colour as the view asks for it: the terminal default, a semantic role that
/// the palette resolves for the terminal's colour tier, or a resolved colour number
/// (0–7 or 0–255, the curses colour numbers).
public enum Ink: Hashable, Sendable {
    case standard
    case role(Role)
    case color(Int)
}

/// What a cell means, not how it looks: the palette decides per colour tier.
public enum Role: Hashable, Sendable {
    case title, titleBar, accent, secondary, good, warn, bad
    case keyName, keyLabel, selection, marker, cursor
    /// A heat level of the gradient-norm scale, 0 (vanishing) … `Palette.heatLevels − 1` (exploding).
    case heat(Int)
}

/// How a cell is drawn. The attributes are the ones every terminal has.
public struct Style: Hashable, Sendable {
    public var foreground: Ink = .standard
    public var background: Ink = .standard
    public var bold = false
    public var reverse = false
    public var dim = false
    public var underline = false

    public init(foreground: Ink = .standard, background: Ink = .standard,
                bold: Bool = false, reverse: Bool = false, dim: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
        self.underline = underline
    }

    public static let plain = Style()
    public static func role(_ r: Role, bold: Bool = false) -> Style { Style(foreground: .role(r), bold: bold) }
}

public struct Cell: Hashable, Sendable {
    public var character: Character
    public var style: Style
    public init(_ character: Character = " ", _ style: Style = .plain) {
        self.character = character
        self.style = style
    }
}

/// A rectangle of cells, in screen coordinates.
public struct Rect: Hashable, Sendable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The top `n` rows, and what is left below them.
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: n), Rect(x: x, y: y + n, width: width, height: height - n))
    }
    /// The bottom `n` rows, and what is left above them.
    public func splitBottom(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), height)
        return (Rect(x: x, y: y + height - n, width: width, height: n), Rect(x: x, y: y, width: width, height: height - n))
    }
    /// The left `n` columns, and what is left to their right.
    public func splitLeft(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), width)
        return (Rect(x: x, y: y, width: n, height: height), Rect(x: x + n, y: y, width: width - n, height: height))
    }
    /// The right `n` columns, and what is left to their left.
    public func splitRight(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), width)
        return (Rect(x: x + width - n, y: y, width: n, height: height), Rect(x: x, y: y, width: width - n, height: height))
    }
    public func inset(dx: Int, dy: Int) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }
}

/// The whole screen as values: widgets render into it, tests read it back as
/// lines, and the terminal layer copies it out. Writes outside the buffer are
/// dropped, so a widget given too little room is cut off, never out of bounds.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Every character written is folded to ASCII (ρ → rho, ‖ → ||, others → ?).
    public var asciiOnly: Bool

    public init(width: Int, height: Int, asciiOnly: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.asciiOnly = asciiOnly
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    /// An expected buffer written as text (ratatui's `Buffer::with_lines`):
    /// the width is the longest line, shorter lines are padded with blanks.
    public init(lines: [String]) {
        let w = lines.map(\.count).max() ?? 0
        self.init(width: w, height: lines.count)
        for (y, line) in lines.enumerated() {
            for (x, c) in line.enumerated() { cells[y * width + x].character = c }
        }
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
    }

    /// The text of each row, without styles.
    public var lines: [String] { (0..<height).map(line) }

    public func line(_ y: Int) -> String {
        String(cells[(y * width)..<((y + 1) * width)].map(\.character))
    }

    /// Writes one character, clipped to the buffer.
    public mutating func set(_ x: Int, _ y: Int, _ character: Character, _ style: Style = .plain) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = Cell(TextFold.cellSafe(character, asciiOnly: asciiOnly), style)
    }

    /// Changes only the style of a cell (a cursor column, a highlight).
    public mutating func restyle(_ x: Int, _ y: Int, _ change: (inout Style) -> Void) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        change(&cells[y * width + x].style)
    }

    /// Writes `text` from (x, y) rightwards, stopping before `limit` (default: the
    /// right edge). Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        let end = min(limit ?? width, width)
        var cx = x
        for c in asciiOnly ? TextFold.ascii(text) : text {
            if cx >= end { break }
            if c.isNewline { continue }
            // Text from outside (titles, notes, keys, a corpus sample) shows a
            // control character as its escape (\e, \u{9b}), as messages do.
            if let first = c.unicodeScalars.first, TextSafety.isUnsafe(first) {
                for e in TextSafety.escaped(String(c)) {
                    if cx >= end { break }
                    set(cx, y, e, style)
                    cx += 1
                }
                continue
            }
            set(cx, y, c, style)
            cx += 1
        }
        return cx
    }

    /// How many cells `text` takes once written (after ASCII folding).
    public func displayWidth(_ text: String) -> Int {
        asciiOnly ? TextFold.ascii(text).count : text.count
    }

    public mutating func fill(_ rect: Rect, _ character: Character = " ", style: Style = .plain) {
        let x0 = max(rect.x, 0), x1 = min(rect.maxX, width)
        let y0 = max(rect.y, 0), y1 = min(rect.maxY, height)
        guard x0 < x1, y0 < y1 else { return }
        let cell = Cell(TextFold.cellSafe(character, asciiOnly: asciiOnly), style)
        for y in y0..<y1 {
            for x in x0..<x1 { cells[y * width + x] = cell }
        }
    }

    /// Maps every style through `transform` (the palette resolving roles).
    public mutating func mapStyles(_ transform: (Style) -> Style) {
        var cache: [Style: Style] = [:]
        // Neighbouring cells mostly share a style: check the last one before hashing.
        var lastIn = Style.plain, lastOut = transform(.plain)
        cells.withUnsafeMutableBufferPointer { cells in
            for i in cells.indices {
                let s = cells[i].style
                if s != lastIn {
                    lastIn = s
                    if let r = cache[s] {
                        lastOut = r
                    } else {
                        lastOut = transform(s)
                        cache[s] = lastOut
                    }
                }
                cells[i].style = lastOut
            }
        }
    }
}
