import CNCursesW
import ScopeView

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The curses screen: set up, copy a ScreenBuffer out, read keys, tear down.
/// The only place that draws; everything it draws was decided in ScopeView.
final class CursesScreen {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    let tier: ColorTier
    /// Whether the default colours (-1) may be used in pairs.
    private let defaultColors: Bool
    private var pairs: [Pair: Int16] = [:]
    private var nextPair: Int16 = 1
    private let maximumPairs: Int
    /// What is on the terminal now, so that only changed cells are sent.
    private var shown: ScreenBuffer?
    /// A key code read right after a lone Esc (a resize): returned by the next read.
    private var pending: CursesInput?

    private struct Pair: Hashable { let foreground: Int32, background: Int32 }

    /// Starts curses on stdin/stdout; nil when the terminal cannot be opened (unknown TERM).
    init?(noColor: String?) {
        guard let screen = rs_newterm() else { return nil }
        self.screen = screen
        set_term(screen)
        guard let window = rs_stdscr() else {
            endwin()
            delscreen(screen)
            return nil
        }
        self.window = window
        cbreak()         // keys arrive at once; Ctrl-C still raises SIGINT
        noecho()
        nonl()           // Enter arrives as CR, and output keeps its newlines
        keypad(window, true)
        curs_set(0)
        set_escdelay(25) // Esc on its own answers at once (htop's value)
        wtimeout(window, 0)

        // With NO_COLOR, colour is never started: start_color alone makes curses
        // paint every cell white on black instead of the terminal's own colours.
        var colors = false
        if !(noColor.map { !$0.isEmpty } ?? false) && has_colors() {
            colors = start_color() == OK
        }
        tier = ColorTier.detect(hasColors: colors, colors: Int(rs_colors()), noColor: noColor)
        defaultColors = tier != .none && use_default_colors() == OK
        maximumPairs = Int(rs_color_pairs())
    }

    var width: Int { Int(getmaxx(window)) }
    var height: Int { Int(getmaxy(window)) }

    /// Copies the buffer out and refreshes. After a resize (`invalidate`) every cell is sent.
    func draw(_ buffer: ScreenBuffer) {
        let previous = shown.flatMap { $0.width == buffer.width && $0.height == buffer.height ? $0 : nil }
        if previous == nil { werase(window) }
        var cell = cchar_t()
        var text = [wchar_t](repeating: 0, count: Int(CCHARW_MAX) + 1)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                let c = buffer[x, y]
                if let previous, previous[x, y] == c { continue }
                var n = 0
                for scalar in c.character.unicodeScalars where n < Int(CCHARW_MAX) {
                    text[n] = wchar_t(bitPattern: scalar.value)
                    n += 1
                }
                text[n] = 0
                let (attributes, pair) = resolve(c.style)
                setcchar(&cell, text, attributes, pair, nil)
                mvwadd_wch(window, Int32(y), Int32(x), &cell)
            }
        }
        wrefresh(window)
        shown = buffer
    }

    /// Forget what is on screen: the next draw sends every cell (after a resize).
    func invalidate() {
        shown = nil
        clearok(window, true)
    }

    /// One key, resize or nothing within `milliseconds` (0: only what is already waiting).
    func read(milliseconds: Int32) -> CursesInput? {
        if let p = pending {
            pending = nil
            return p
        }
        wtimeout(window, milliseconds)
        var ch: wint_t = 0
        let status = wget_wch(window, &ch)
        if status == ERR { return nil }
        if status == KEY_CODE_YES { return CursesInput(keyCode: Int32(ch)) }
        if ch == 27 { return readAfterEscape() }
        return CursesInput(character: UInt32(ch))
    }

    /// Esc alone, or a sequence curses did not know, taken whole and ignored. A sequence
    /// arrives in one write, so what belongs to it is already waiting (curses waited ESCDELAY).
    private func readAfterEscape() -> CursesInput {
        var after: [Unicode.Scalar] = []
        while true {
            wtimeout(window, after.isEmpty ? 0 : 10)
            var ch: wint_t = 0
            let status = wget_wch(window, &ch)
            if status == ERR { return after.isEmpty ? .key(.escape) : .ignored }
            if status == KEY_CODE_YES {
                // Esc, then a key curses knows (a resize): both count, in order.
                guard after.isEmpty else { return .ignored }
                pending = CursesInput(keyCode: Int32(ch))
                return .key(.escape)
            }
            guard let scalar = Unicode.Scalar(UInt32(ch)) else { return .ignored }
            after.append(scalar)
            switch EscapeSequence.reading(after) {
            case .loneEscape:
                // The next key was typed after Esc: give it back to be read on its own.
                unget_wch(wchar_t(bitPattern: scalar.value))
                return .key(.escape)
            case .complete: return .ignored
            case .more: continue
            }
        }
    }

    /// Back to the shell's terminal: leaves the alternate screen, shows the cursor.
    func end() {
        curs_set(1)
        endwin()
        delscreen(screen)
    }

    private func resolve(_ style: Style) -> (attr_t, Int16) {
        var a: attr_t = 0
        if style.bold { a |= attr_t(rs_a_bold()) }
        if style.reverse { a |= attr_t(rs_a_reverse()) }
        if style.dim { a |= attr_t(rs_a_dim()) }
        if style.underline { a |= attr_t(rs_a_underline()) }
        guard tier != .none else { return (a, 0) }
        let fg = number(style.foreground, isForeground: true), bg = number(style.background, isForeground: false)
        if fg == -1 && bg == -1 { return (a, 0) }
        return (a, pair(Pair(foreground: fg, background: bg)))
    }

    /// A curses colour number; -1 is the terminal's own colour where allowed.
    private func number(_ ink: Ink, isForeground: Bool) -> Int32 {
        if case .color(let n) = ink, n >= 0, n < Int(rs_colors()) { return Int32(n) }
        if defaultColors { return -1 }
        return isForeground ? 7 : 0
    }

    /// Colour pairs are allocated on first use; when they run out, the default pair is used.
    private func pair(_ p: Pair) -> Int16 {
        if let n = pairs[p] { return n }
        guard Int(nextPair) < min(maximumPairs, Int(Int16.max)) else { return 0 }
        let n = nextPair
        init_pair(n, Int16(p.foreground), Int16(p.background))
        pairs[p] = n
        nextPair += 1
        return n
    }
}

/// What curses read: a key the view knows, a resize, or something ignored.
enum CursesInput: Equatable {
    case key(Key)
    case resize
    case ignored

    init(keyCode code: Int32) {
        switch code {
        case KEY_UP: self = .key(.up)
        case KEY_DOWN: self = .key(.down)
        case KEY_LEFT: self = .key(.left)
        case KEY_RIGHT: self = .key(.right)
        case KEY_HOME: self = .key(.home)
        case KEY_END: self = .key(.end)
        case KEY_PPAGE: self = .key(.pageUp)
        case KEY_NPAGE: self = .key(.pageDown)
        case KEY_ENTER: self = .key(.enter)
        case KEY_BACKSPACE: self = .key(.backspace)
        case KEY_RESIZE: self = .resize
        case KEY_F0 + 1...KEY_F0 + 12: self = .key(.function(Int(code - KEY_F0)))
        default: self = .ignored
        }
    }

    init(character c: UInt32) {
        switch c {
        case 27: self = .key(.escape)
        case 10, 13: self = .key(.enter)
        case 9: self = .key(.tab)
        case 8, 127: self = .key(.backspace)
        case 0..<32: self = .ignored
        default:
            guard let scalar = Unicode.Scalar(c) else { self = .ignored; return }
            self = .key(.char(Character(scalar)))
        }
    }
}
