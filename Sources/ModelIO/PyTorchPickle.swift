import RNNSim
import Foundation

/// `torch.save` writes a pickle (in a zip archive since PyTorch 1.6), which
/// rnnscope does not read: a file that is not safetensors and looks like one
/// is named as such, with the call that writes safetensors instead.
public enum PyTorchPickle {
    /// Whether the bytes start like a `torch.save` file: a zip archive, or a bare pickle (protocol 2 to 5).
    public static func looksLikePickle(_ bytes: Data) -> Bool {
        let head = [UInt8](bytes.prefix(4))
        if head == [0x50, 0x4B, 0x03, 0x04] { return true }
        return head.count >= 2 && head[0] == 0x80 && (2...5).contains(head[1])
    }

    /// Reads a safetensors file; one that fails to parse and looks like a pickle gets one
    /// line saying so and showing `instead`, the call that saves it as safetensors.
    public static func safeTensors(contentsOf url: URL, instead: String) throws -> SafeTensorsFile {
        do {
            return try SafeTensorsFile(contentsOf: url)
        } catch let error as SafeTensorsError {
            // A file that cannot be opened keeps the reader's own message (it names the file and the reason).
            guard let head = try? InputFile(url.path).read(at: 0, count: 4), looksLikePickle(head) else { throw error }
            throw ModelFileError("this is a PyTorch pickle (torch.save), not safetensors; save it with \(instead)")
        }
    }
}
