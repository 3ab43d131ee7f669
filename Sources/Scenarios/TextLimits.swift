/// Bounds on a scenario's text, checked before TOMLKit sees it: its parser and
/// the tree copied out of it recurse once per level of nesting, so a header of
/// 20,000 dotted parts (a 40 KB file) or arrays nested 100,000 deep overflow the
/// stack. A scenario's settings are two levels deep and its claims four, so
/// the bounds are far above anything a scenario needs.
///
/// The scan knows comments, the four string forms, headers, keys (bare, quoted,
/// dotted), arrays and inline tables; anything else is left to TOMLKit's own
/// syntax errors, except the one header shape its parser stops the process on.
enum TextLimits {
    /// Arrays and inline tables inside one another.
    static let maxNesting = 32
    /// Parts of one key or header (`a.b.c` is 3).
    static let maxKeyParts = 16
    /// Bytes of one key or header as written.
    static let maxKeyBytes = 256

    struct Exceeded: Error, Equatable {
        var line: Int
        var message: String
    }

    static func check(_ text: String) throws(Exceeded) {
        let bytes = Array(text.utf8)
        // TOMLKit reads the text as a C string: everything after a NUL byte would be
        // silently left out (a NUL in a comment dropped every setting below it).
        if let nul = bytes.firstIndex(of: 0) {
            let line = 1 + bytes[..<nul].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let column = 1 + nul - ((bytes[..<nul].lastIndex(of: 0x0A)).map { $0 + 1 } ?? 0)
            throw Exceeded(line: line, message: "a NUL byte at column \(column); a scenario file is text, and nothing after a NUL would be read")
        }
        var scanner = Scan(bytes)
        try scanner.document()
    }

    private struct Scan {
        let b: [UInt8]
        var i = 0
        var line = 1
        /// The open arrays (`[`) and inline tables (`{`), innermost last.
        var open: [UInt8] = []

        init(_ b: [UInt8]) { self.b = b }

        var current: UInt8? { i < b.count ? b[i] : nil }
        func at(_ k: Int) -> UInt8? { i + k < b.count ? b[i + k] : nil }

        mutating func advance() {
            if b[i] == UInt8(ascii: "\n") { line += 1 }
            i += 1
        }

        mutating func skipBlanks() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0D { advance() }
        }

        mutating func skipComment() {
            if current == UInt8(ascii: "#") { while let c = current, c != UInt8(ascii: "\n") { advance() } }
        }

        mutating func document() throws(Exceeded) {
            while current != nil {
                skipBlanks()
                skipComment()
                guard let c = current else { return }
                if c == UInt8(ascii: "\n") { advance(); continue }
                if c == UInt8(ascii: "[") {
                    advance()
                    if current == UInt8(ascii: "[") { advance() }
                    // TOMLKit's parser asserts (and the process aborts) on a header whose name
                    // starts with anything but a key (`[[[a]]]`, `[.a]`, `[=]`): said here instead.
                    skipBlanks()
                    if let k = current, !Self.isBare(k), k != UInt8(ascii: "\""), k != UInt8(ascii: "'"), k != UInt8(ascii: "]") {
                        throw Exceeded(line: line, message: "a table header's name must start with a key: [name] or [[name]]")
                    }
                    try key()
                    // The rest of the header line (`]`, `]]`, a comment) is TOMLKit's to judge.
                    while let c = current, c != UInt8(ascii: "\n") { advance() }
                } else {
                    let before = i
                    try key()
                    try value()
                    // Text that is neither a key nor a value (TOMLKit names it): past it, so the scan ends.
                    if i == before { while let c = current, c != UInt8(ascii: "\n") { advance() } }
                }
            }
        }

        /// A possibly dotted key, up to what follows it (`=`, `]`).
        mutating func key() throws(Exceeded) {
            let start = i, startLine = line
            var parts = 0
            while true {
                skipBlanks()
                guard let c = current else { return }
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    try skipString()
                } else {
                    let before = i
                    while let c = current, Self.isBare(c) { advance() }
                    if i == before { return }
                }
                parts += 1
                if parts > TextLimits.maxKeyParts {
                    throw Exceeded(line: startLine, message: "a key or header of more than \(TextLimits.maxKeyParts) dotted parts; a scenario's deepest key, expect.sides.variant, has 3")
                }
                if i - start > TextLimits.maxKeyBytes {
                    throw Exceeded(line: startLine, message: "a key or header longer than \(TextLimits.maxKeyBytes) bytes")
                }
                skipBlanks()
                guard current == UInt8(ascii: ".") else { return }
                advance()
            }
        }

        /// After `key`: `= value`, the value running over lines while an array or inline table is open.
        mutating func value() throws(Exceeded) {
            guard current == UInt8(ascii: "=") else { return }
            advance()
            while let c = current {
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    try skipString()
                case UInt8(ascii: "#"):
                    skipComment()
                case UInt8(ascii: "\n"):
                    if open.isEmpty { return }
                    advance()
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    open.append(c)
                    if open.count > TextLimits.maxNesting {
                        throw Exceeded(line: line, message: "arrays or inline tables nested more than \(TextLimits.maxNesting) deep")
                    }
                    advance()
                    if c == UInt8(ascii: "{") { try key(); try valueInTable() }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if !open.isEmpty { open.removeLast() }
                    advance()
                    if open.isEmpty { return }
                case UInt8(ascii: ","):
                    advance()
                    if open.last == UInt8(ascii: "{") { try key(); try valueInTable() }
                default:
                    advance()
                }
            }
        }

        /// The `= value` of a key inside an inline table: the value's own brackets
        /// nest inside the table's, which `value` keeps on `open`.
        mutating func valueInTable() throws(Exceeded) {
            guard current == UInt8(ascii: "=") else { return }
            advance()
        }

        /// A string of any of the four forms; stops at the end of the text.
        mutating func skipString() throws(Exceeded) {
            let quote = b[i]
            let triple = at(1) == quote && at(2) == quote
            if triple {
                advance(); advance(); advance()
                while let c = current {
                    if c == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") { try nulEscape(); advance(); if current != nil { advance() }; continue }
                    if c == quote && at(1) == quote && at(2) == quote {
                        advance(); advance(); advance()
                        // Up to two more quotes belong to the string (`""""` ends with one inside).
                        while current == quote { advance() }
                        return
                    }
                    advance()
                }
                return
            }
            advance()
            while let c = current, c != UInt8(ascii: "\n") {
                if c == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") { try nulEscape(); advance(); if current != nil && current != UInt8(ascii: "\n") { advance() }; continue }
                advance()
                if c == quote { return }
            }
        }

        /// At a backslash in a basic string: TOMLKit hands strings over as C strings, so
        /// `\u0000` cut the value there ("ok.txt\u0000x" read as ok.txt, silently).
        func nulEscape() throws(Exceeded) {
            let u = at(1), digits = u == UInt8(ascii: "u") ? 4 : u == UInt8(ascii: "U") ? 8 : 0
            guard digits > 0, (2...(1 + digits)).allSatisfy({ at($0) == UInt8(ascii: "0") }) else { return }
            throw Exceeded(line: line, message: "a \\\(digits == 4 ? "u0000" : "U00000000") escape (NUL) in a string; the TOML parser would cut the string there")
        }

        static func isBare(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }
    }
}
