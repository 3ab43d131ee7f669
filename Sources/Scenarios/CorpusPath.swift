import Foundation
import RNNSim

/// `task.corpus` as a scenario file names it: a file in the scenario's folder or
/// below. A stranger's scenario must not read `/etc/shadow` or `../../.ssh/id_rsa`
/// and show pieces of it in the samples; a corpus elsewhere is given on the
/// command line (`--set task.corpus=PATH`), which this does not limit.
enum CorpusPath {
    /// The path to read, relative to the working directory as the file's folder is;
    /// or why the file may not name it.
    static func resolve(_ written: String, folder: String?) -> Result<String, Refusal> {
        if written.isEmpty { return .failure(Refusal(message: "the path is empty; leave task.corpus out for the built-in corpus")) }
        if written.hasPrefix("/") || written.hasPrefix("~") {
            return .failure(Refusal(message: "a scenario file names its corpus inside its own folder; \(written.hasPrefix("~") ? "~" : "an absolute path") is refused there (give it on the command line: --set task.corpus=PATH)"))
        }
        let joined = folder.map { $0 + "/" + written } ?? written
        let base = folder ?? "."
        // Compared with links resolved, so that a link inside the folder cannot lead out of it.
        let root = real(base) ?? lexical(base)
        let target = real(joined) ?? lexical(joined)
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard target.hasPrefix(prefix) else {
            return .failure(Refusal(message: "\(written) is outside the scenario's folder; a scenario file names its corpus inside its own folder or below (give another on the command line: --set task.corpus=PATH)"))
        }
        return .success(joined)
    }

    struct Refusal: Error { var message: String }

    private static func real(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A path that does not exist yet: its folder's links resolved, `..` taken away.
    private static func lexical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let standard = (absolute as NSString).standardizingPath
        let folder = standard.pathFolder
        return (real(folder) ?? folder) + "/" + (standard as NSString).lastPathComponent
    }
}
