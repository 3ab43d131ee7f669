/// A screen buffer as the bytes a terminal would need to show it: cursor moves
/// (CUP) and SGR colours. Used to record a session; pure, so a recording can be
/// checked against the buffers it came from.
public enum AnsiFrame {
    static let esc = "\u{1B}["

    /// What turns a terminal showing `previous` into `current`: only the changed cells,
    /// or the whole screen after clearing it when there is no previous frame of this size.
    /// Styles must be resolved (`render` leaves only `.standard` and `.color(n)`).
    public static func encode(_ current: ScreenBuffer, after previous: ScreenBuffer?) -> String {
        let base = previous.flatMap { $0.width == current.width && $0.height == current.height ? $0 : nil }
        var out = base == nil ? esc + "0m" + esc + "2J" : ""
        var pen: Style? = base == nil ? .plain : nil
        // Where the cursor is after the last character written (nil: unknown).
        var cursor: (x: Int, y: Int)? = nil
        for y in 0..<current.height {
            for x in 0..<current.width {
                let cell = current[x, y]
                if let base, base[x, y] == cell { continue }
                // Blank default cells need no writing on a freshly cleared screen.
                if base == nil && cell == Cell() { continue }
                if cursor.map({ $0.x != x || $0.y != y }) ?? true { out += esc + "\(y + 1);\(x + 1)H" }
                if pen != cell.style {
                    out += sgr(cell.style)
                    pen = cell.style
                }
                out.append(cell.character)
                cursor = x + 1 < current.width ? (x + 1, y) : nil
            }
        }
        if pen != .plain && !out.isEmpty { out += esc + "0m" }
        return out
    }

    /// One SGR sequence that sets exactly this style (starting from a reset).
    static func sgr(_ s: Style) -> String {
        var codes = ["0"]
        if s.bold { codes.append("1") }
        if s.dim { codes.append("2") }
        if s.underline { codes.append("4") }
        if s.reverse { codes.append("7") }
        if case .color(let n) = s.foreground { codes.append(n < 8 ? "\(30 + n)" : "38;5;\(n)") }
        if case .color(let n) = s.background { codes.append(n < 8 ? "\(40 + n)" : "48;5;\(n)") }
        return esc + codes.joined(separator: ";") + "m"
    }
}
