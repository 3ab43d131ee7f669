/// Telling a lone Esc from the start of a sequence curses did not recognise (a key
/// of another terminal, a mouse report): such a sequence is swallowed whole, never
/// read as Esc followed by `[` and more keys.
public enum EscapeSequence {
    public enum Reading: Equatable {
        /// Not a sequence: Esc on its own, and the character read after it is a key of its own.
        case loneEscape
        /// Read on: the sequence is not finished.
        case more
        /// The sequence ends here; ignore all of it.
        case complete
    }

    /// What the characters read right after an Esc amount to so far.
    public static func reading(_ after: [Unicode.Scalar]) -> Reading {
        guard let introducer = after.first else { return .loneEscape }
        switch introducer {
        case "[":
            // CSI: parameter and intermediate bytes, then one final byte in @…~ (ECMA-48 5.4).
            guard after.count >= 2, let last = after.last else { return .more }
            return (0x40...0x7E).contains(last.value) ? .complete : (after.count >= 32 ? .complete : .more)
        case "O":
            // SS3: one character follows (F1–F4 and keypad keys on some terminals).
            return after.count >= 2 ? .complete : .more
        default:
            return .loneEscape
        }
    }
}
