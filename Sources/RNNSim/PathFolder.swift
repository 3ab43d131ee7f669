import Foundation

extension String {
    /// The folder part of a path ("" for a bare name), as NSString's deletingLastPathComponent
    /// gives it; that traps (SIGILL, no message) on a bare name of one character, `--csv a`
    /// or `watch s`, which has no folder to take away.
    public var pathFolder: String {
        contains("/") ? (self as NSString).deletingLastPathComponent : ""
    }
}
