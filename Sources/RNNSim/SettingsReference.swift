/// docs/reference/settings.md, generated from `Settings.keys` (the table `--set`, scenario
/// files, `train --help` and the JSONL header all read): `rnnscope reference settings` prints it.
public enum SettingsReference {
    public static func markdown() -> String {
        var out = """
        # Settings

        Generated from `Settings.keys` (`Sources/RNNSim/Settings.swift`) by `rnnscope reference settings`;
        a test fails while this page differs from what it prints. Each key is set by `--set key=value`
        or in a scenario file's table of that name (`[train]` `lr = 0.01`).

        | key | what it sets | accepts | default |
        |---|---|---|---|

        """
        let defaults = Settings()
        for k in Settings.keys {
            let value = k.value(in: defaults)
            func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
            out += "| `\(k.name)` | \(cell(k.summary)) | \(cell(k.accepts)) | \(value.isEmpty ? "–" : "`\(cell(value))`") |\n"
        }
        return out
    }
}
