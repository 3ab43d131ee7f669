import RNNSim
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether two paths a command was given name one file: `grads --out` equal to
/// its `--model` would replace the model with gradients, `train --csv x --svg x`
/// would write two files to one place. Existing files are compared by device and
/// inode (symbolic links and hard links followed); a file not yet written by the
/// absolute path its links resolve to, with its folder's own links resolved.
public enum SamePath {
    public static func identity(_ path: String) -> String {
        var info = stat()
        if stat(path, &info) == 0 { return "inode \(info.st_dev):\(info.st_ino)" }
        let target = (try? OutputFile.resolveLinks(path)) ?? path
        let absolute = target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target
        let directory = absolute.pathFolder
        let name = (absolute as NSString).lastPathComponent
        guard let real = realpath(directory, nil) else { return "path " + (absolute as NSString).standardizingPath }
        defer { free(real) }
        return "path " + String(cString: real) + "/" + name
    }

    /// The first pair of named paths that are one file: an output among the
    /// inputs, or two outputs. Each pair is (flag, path).
    public static func clash(outputs: [(flag: String, path: String?)], inputs: [(flag: String, path: String?)]) -> (output: String, other: String, input: Bool)? {
        let outs = outputs.compactMap { o in o.path.map { (o.flag, identity($0)) } }
        let ins = inputs.compactMap { i in i.path.map { (i.flag, identity($0)) } }
        for (n, (flag, id)) in outs.enumerated() {
            if let input = ins.first(where: { $0.1 == id }) { return (flag, input.0, true) }
            if let other = outs[..<n].first(where: { $0.1 == id }) { return (flag, other.0, false) }
        }
        return nil
    }
}
