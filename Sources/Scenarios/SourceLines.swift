/// Where each key of a TOML document is written: TOMLKit gives values but no
/// positions, so this scanner walks the source text itself and records, for every
/// table header and every `key = value`, the full key path and its 1-based line.
///
/// Paths are lists of segments: `[train]` + `lr = 1` is `["train", "lr"]`; the
/// n-th `[[expect]]` block (0-based) is `["expect", "n"]`; element i of an array is
/// `[..., "i"]`, so `sides = [{ variant = "a" }]` gives `[..., "sides", "0", "variant"]`.
/// Quoted keys keep their dots (`"a.b" = 1` is one segment), dotted keys split
/// (`network.hidden = 1` is two), whitespace around the dots is ignored.
///
/// It understands comments, the four string forms (basic, literal, and their
/// multi-line versions, with escapes), inline tables and (multi-line) arrays.
/// It assumes the text already parsed as TOML (TOMLKit reports syntax errors);
/// on text it does not understand it stops early rather than fail.
struct SourceLines: Sendable {
    private(set) var lines: [[String]: Int] = [:]
    /// Paths in the order they appear.
    private(set) var order: [[String]] = []

    init(_ text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.document(into: &self)
    }

    /// The line of exactly this path, if the text spells it out.
    func line(of path: [String]) -> Int? { lines[path] }

    /// The line of the path, or else of its nearest written ancestor (a key whose
    /// table is implicit, a value the text does not spell out).
    func nearestLine(of path: [String]) -> Int? {
        var p = path
        while !p.isEmpty {
            if let l = lines[p] { return l }
            p.removeLast()
        }
        return nil
    }

    fileprivate mutating func record(_ path: [String], _ line: Int) {
        if lines[path] == nil {
            lines[path] = line
            order.append(path)
        }
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        /// The current table: the path of the last header, with array indices resolved.
        var table: [String] = []
        /// How many elements each array of tables has so far, by its path.
        var arrayCounts: [[String]: Int] = [:]

        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }
        var current: Unicode.Scalar? { i < s.count ? s[i] : nil }
        func peek(_ k: Int) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

        mutating func advance() {
            if s[i] == "\n" { line += 1 }
            i += 1
        }

        /// Spaces and tabs (and a stray CR), not newlines.
        mutating func skipBlanks() {
            while let c = current, c == " " || c == "\t" || c == "\r" { advance() }
        }

        mutating func skipComment() {
            if current == "#" { while let c = current, c != "\n" { advance() } }
        }

        /// Blanks, newlines and comments: the space between array elements.
        mutating func skipSpace() {
            while let c = current {
                if c == " " || c == "\t" || c == "\r" || c == "\n" { advance() }
                else if c == "#" { skipComment() }
                else { break }
            }
        }

        mutating func skipToLineEnd() {
            while let c = current, c != "\n" {
                if c == "\"" || c == "'" { _ = string() } else { advance() }
            }
        }

        mutating func document(into out: inout SourceLines) {
            while !atEnd {
                skipSpace()
                guard let c = current else { return }
                if c == "[" {
                    let start = line
                    let isArray = peek(1) == "["
                    advance()
                    if isArray { advance() }
                    skipBlanks()
                    guard let written = key() else { return }
                    skipBlanks()
                    guard current == "]" else { return }
                    advance()
                    if isArray {
                        guard current == "]" else { return }
                        advance()
                    }
                    let path = resolve(written, isArray: isArray)
                    table = path
                    // Implicit tables of a dotted header are written where the header is
                    // (an unknown [foo.bar] is reported at its own line, not line 1).
                    for n in 1..<max(1, path.count) { out.record(Array(path[..<n]), start) }
                    out.record(path, start)
                    // For an array element, the array itself also points at its first header.
                    if isArray { out.record(Array(path.dropLast()), start) }
                    skipBlanks()
                    skipComment()
                } else {
                    let start = line
                    guard let k = key() else { return }
                    skipBlanks()
                    guard current == "=" else { return }
                    advance()
                    skipBlanks()
                    let path = table + k
                    // Implicit tables of a dotted key are "written" where the key is.
                    for n in (table.count + 1)...path.count { out.record(Array(path[..<n]), start) }
                    guard value(path, into: &out) else { return }
                    skipBlanks()
                    skipComment()
                }
            }
        }

        /// A header's written path with the index of every array of tables it
        /// passes through filled in: `[expect.x]` after two `[[expect]]` is expect.1.x.
        mutating func resolve(_ written: [String], isArray: Bool) -> [String] {
            var path: [String] = []
            for (n, segment) in written.enumerated() {
                path.append(segment)
                let last = n == written.count - 1
                if last && isArray {
                    let index = arrayCounts[path, default: 0]
                    arrayCounts[path] = index + 1
                    path.append(String(index))
                } else if let count = arrayCounts[path], count > 0 {
                    path.append(String(count - 1))
                }
            }
            return path
        }

        /// A possibly dotted key: bare or quoted segments separated by dots.
        mutating func key() -> [String]? {
            var segments: [String] = []
            while true {
                skipBlanks()
                guard let c = current else { return nil }
                if c == "\"" || c == "'" {
                    guard let text = string() else { return nil }
                    segments.append(text)
                } else {
                    var text = String.UnicodeScalarView()
                    while let c = current, Self.isBare(c) {
                        text.append(c)
                        advance()
                    }
                    if text.isEmpty { return nil }
                    segments.append(String(text))
                }
                skipBlanks()
                if current == "." { advance() } else { return segments }
            }
        }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        }

        /// Skips one value, recording the keys of inline tables and the elements of arrays.
        mutating func value(_ path: [String], into out: inout SourceLines) -> Bool {
            guard let c = current else { return false }
            switch c {
            case "\"", "'":
                return string() != nil
            case "{":
                advance()
                while true {
                    skipSpace()
                    guard let c = current else { return false }
                    if c == "}" { advance(); return true }
                    if c == "," { advance(); continue }
                    let start = line
                    guard let k = key() else { return false }
                    skipBlanks()
                    guard current == "=" else { return false }
                    advance()
                    skipBlanks()
                    let inner = path + k
                    for n in (path.count + 1)...inner.count { out.record(Array(inner[..<n]), start) }
                    guard value(inner, into: &out) else { return false }
                }
            case "[":
                advance()
                var index = 0
                while true {
                    skipSpace()
                    guard let c = current else { return false }
                    if c == "]" { advance(); return true }
                    if c == "," { advance(); continue }
                    let element = path + [String(index)]
                    out.record(element, line)
                    guard value(element, into: &out) else { return false }
                    index += 1
                }
            default:
                // A number, boolean or date: up to the next delimiter.
                var any = false
                while let c = current, c != ",", c != "]", c != "}", c != "#", c != "\n", c != "\r" {
                    // Dates may hold one space ("1979-05-27 07:32:00"); a blank before a
                    // delimiter or comment ends the value.
                    if c == " " || c == "\t" {
                        var k = 1
                        while let d = peek(k), d == " " || d == "\t" { k += 1 }
                        guard let d = peek(k), d != ",", d != "]", d != "}", d != "#", d != "\n", d != "\r" else { break }
                        guard any, ("0"..."9").contains(d) else { break }
                    }
                    any = true
                    advance()
                }
                return any
            }
        }

        /// One string of any of the four kinds; returns its (roughly unescaped) text,
        /// used only for quoted keys.
        mutating func string() -> String? {
            guard let quote = current else { return nil }
            let multi = peek(1) == quote && peek(2) == quote
            var text = String.UnicodeScalarView()
            if multi {
                advance(); advance(); advance()
                while let c = current {
                    if c == "\\" && quote == "\"" {
                        advance()
                        if !atEnd { advance() }
                        continue
                    }
                    if c == quote && peek(1) == quote && peek(2) == quote {
                        // Up to two more quotes may belong to the content ("""a"""").
                        var run = 0
                        while current == quote && run < 5 { advance(); run += 1 }
                        return String(text)
                    }
                    text.append(c)
                    advance()
                }
                return nil
            }
            advance()
            while let c = current {
                if c == "\n" { return nil }
                if c == "\\" && quote == "\"" {
                    advance()
                    if let e = current {
                        advance()
                        switch e {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        case "r": text.append("\r")
                        case "b": text.append("\u{8}")
                        case "f": text.append("\u{C}")
                        case "e": text.append("\u{1B}")
                        case "\"": text.append("\"")
                        case "\\": text.append("\\")
                        case "u", "U":  // \uXXXX, \UXXXXXXXX: the key as TOML reads it
                            var hex = ""
                            while hex.count < (e == "u" ? 4 : 8), let d = current, d.properties.isASCIIHexDigit {
                                hex.unicodeScalars.append(d)
                                advance()
                            }
                            if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) { text.append(scalar) }
                        default: text.append("\\"); text.append(e)
                        }
                    }
                    continue
                }
                if c == quote {
                    advance()
                    return String(text)
                }
                text.append(c)
                advance()
            }
            return nil
        }
    }
}
