/// docs/reference/keys.md, generated from `Keymap.bindings`, the one table that also
/// drives the key bar, help and dispatch: `rnnscope reference keys` prints it.
public enum KeyReference {
    public static func markdown() -> String {
        var out = """
        # Keys

        Generated from the keymap (`Sources/ScopeView/Keymap.swift`) by `rnnscope reference keys`;
        a test fails while this page differs from what it prints.

        """
        for context in KeyContext.allCases {
            let rows = Keymap.bindings.filter { $0.context == context }
            guard !rows.isEmpty else { continue }
            out += "\n## \(context.rawValue)\n\n| keys | what it does |\n|---|---|\n"
            for b in rows {
                let keys = b.keys.map { "`\($0.label.replacingOccurrences(of: "|", with: "\\|"))`" }.joined(separator: " ")
                out += "| \(keys) | \(b.help.replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
        }
        return out
    }
}
