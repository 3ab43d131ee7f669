import RNNSim

/// A frame taken out of the terminal: the screen buffer as an SVG that looks like
/// the terminal (colours as on screen, text as text on a monospace grid) and as plain text.
/// Pure: the caller decides where the files go.
public enum FrameFigure {
    /// One cell in SVG units. 15 px monospace advances 9 px (DejaVu Sans Mono, Menlo, Consolas: 0.6 em).
    public static let cellWidth = 9, cellHeight = 18, fontSize = 15
    /// The terminal's own colours, for `.standard` (a dark terminal, as most lecture screens are).
    public static let defaultForeground = "#d0d0d0", defaultBackground = "#1c1c1c"

    /// The buffer as an SVG document. Every character sits at its own x (SVG's per-glyph
    /// positions), so the grid holds whatever the fallback font's widths. Styles must be
    /// resolved (`render` leaves only `.standard` and `.color(n)`).
    public static func svg(_ buf: ScreenBuffer) -> String {
        let w = buf.width * cellWidth, h = buf.height * cellHeight
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" \
            font-family="'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="\(fontSize)">
            <rect width="100%" height="100%" fill="\(defaultBackground)"/>

            """
        for y in 0..<buf.height {
            // Backgrounds first, a rectangle per run of one colour, then the text over them.
            var x = 0
            while x < buf.width {
                let bg = colours(buf[x, y].style).background
                var end = x + 1
                while end < buf.width && colours(buf[end, y].style).background == bg { end += 1 }
                if bg != defaultBackground {
                    out += "<rect x=\"\(x * cellWidth)\" y=\"\(y * cellHeight)\" width=\"\((end - x) * cellWidth)\" height=\"\(cellHeight)\" fill=\"\(bg)\"/>\n"
                }
                x = end
            }
            x = 0
            while x < buf.width {
                let cell = buf[x, y]
                if cell.character == " " { x += 1; continue }
                let look = TextLook(cell.style)
                var end = x + 1
                while end < buf.width && buf[end, y].character != " " && TextLook(buf[end, y].style) == look { end += 1 }
                let xs = (x..<end).map { String($0 * cellWidth) }.joined(separator: " ")
                let text = String((x..<end).map { buf[$0, y].character })
                out += "<text x=\"\(xs)\" y=\"\(y * cellHeight + baseline)\"\(look.attributes)>\(escaped(text))</text>\n"
                x = end
            }
        }
        return out + "</svg>\n"
    }

    /// The buffer as plain text: one line per row, trailing blanks dropped.
    public static func text(_ buf: ScreenBuffer) -> String {
        buf.lines.map { line in
            var l = Substring(line)
            while l.last == " " { l = l.dropLast() }
            return String(l)
        }.joined(separator: "\n") + "\n"
    }

    /// The text baseline within a cell: the descenders fit below it.
    static let baseline = 14

    /// Foreground and background as drawn: reverse swaps them, `.standard` is the terminal's own.
    public static func colours(_ style: Style) -> (foreground: String, background: String) {
        let fg = hex(style.foreground) ?? defaultForeground, bg = hex(style.background) ?? defaultBackground
        return style.reverse ? (bg, fg) : (fg, bg)
    }

    /// The xterm colour of a curses colour number (0–255), nil for the terminal default.
    public static func hex(_ ink: Ink) -> String? {
        guard case .color(let n) = ink, (0...255).contains(n) else { return nil }
        let (r, g, b) = xtermRGB(n)
        return "#" + [r, g, b].map { v in
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// xterm's 256-colour table: the 16 system colours, a 6×6×6 cube, 24 greys.
    static func xtermRGB(_ n: Int) -> (Int, Int, Int) {
        let system = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                      (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        if n < 16 { return system[n] }
        if n >= 232 {
            let v = 8 + 10 * (n - 232)
            return (v, v, v)
        }
        let level = [0, 95, 135, 175, 215, 255], i = n - 16
        return (level[i / 36], level[i / 6 % 6], level[i % 6])
    }

    static func escaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// What a run of text shares: colour and the attributes SVG can show.
    struct TextLook: Equatable {
        var fill: String
        var bold: Bool, dim: Bool, underline: Bool

        init(_ style: Style) {
            fill = FrameFigure.colours(style).foreground
            bold = style.bold
            dim = style.dim
            underline = style.underline
        }

        var attributes: String {
            var a = " fill=\"\(fill)\""
            if bold { a += " font-weight=\"bold\"" }
            if dim { a += " fill-opacity=\"0.6\"" }
            if underline { a += " text-decoration=\"underline\"" }
            return a
        }
    }
}

/// Where `e` and `--svg` put a frame: the SVG and its plain-text copy.
public enum FrameExport {
    /// `rnnscope-<scenario>-it<N>`; a character a file name should not carry becomes `_`.
    public static func baseName(scenario: String, iteration: Int) -> String {
        let safe = String(scenario.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        return "rnnscope-\(safe)-it\(iteration)"
    }

    /// Writes `<base>.svg` and `<base>.txt` in `directory`; each file whole or not at all.
    public static func write(_ buf: ScreenBuffer, directory: String, baseName: String) throws {
        let base = directory.hasSuffix("/") ? directory + baseName : directory + "/" + baseName
        try OutputFile.write(FrameFigure.svg(buf), to: base + ".svg")
        try OutputFile.write(FrameFigure.text(buf), to: base + ".txt")
    }
}
