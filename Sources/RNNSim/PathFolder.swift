extension String {
    /// The folder part of a path: "" for a bare name, "/" for a name at the root,
    /// trailing slashes ignored ("x/a/" is in "x"). NSString's deletingLastPathComponent
    /// traps (SIGILL, no message) on a bare one-character name, `--csv a` or
    /// `watch s`, and on "a/" or "a//"; this takes the same folders without it.
    public var pathFolder: String {
        var path = Substring(self)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        guard let slash = path.lastIndex(of: "/") else { return "" }
        var folder = path[..<slash]
        while folder.count > 1 && folder.hasSuffix("/") { folder = folder.dropLast() }
        return folder.isEmpty ? "/" : String(folder)
    }
}
