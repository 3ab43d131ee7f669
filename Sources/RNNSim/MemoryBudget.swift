import Foundation

/// What a training run or a `grads` call will allocate, estimated from its
/// sizes before anything is allocated, and the one cap it is checked against.
///
/// The estimate counts everything that grows with the sizes: the hidden states
/// of every layer and step, the backward pass's windows and full-length buffers,
/// the readout and its gradient at the scored steps, the inputs and targets of a
/// batch at their real widths (a character model's one-hot inputs are as wide
/// as its vocabulary), the parameters with their gradients and optimiser state,
/// the packed W_hh and the spectral workspaces, and any bytes the caller adds
/// (a corpus, a file's bytes and its header's bookkeeping). Sizes are multiplied
/// in Double, so sizes from a hostile file cannot overflow.
public struct MemoryEstimate: Sendable, Equatable {
    public var steps: Int
    public var batch: Int
    public var inputs: Int
    public var hidden: Int
    public var outputs: Int
    public var layers: Int
    /// The recurrent cell: a gated one keeps its gates for every step and layer.
    public var cell: CellKind = .rnn
    /// 4 for a Float run, 8 for `grads` (which also keeps the Float copies it read).
    public var scalarBytes: Int = 4
    /// Targets are class indices (xent) rather than O-wide reals (mse).
    public var classTargets = false
    /// The readout is scored at every step (mse-all, xent-all), not the last only.
    public var everyStep = true
    /// Optimiser state per parameter (Adam: 2).
    public var optimiserSlots = 2
    /// Bytes beyond the network: a corpus, a file read whole, a header parsed.
    public var extraBytes: Double = 0

    public init(steps: Int, batch: Int, inputs: Int, hidden: Int, outputs: Int, layers: Int) {
        (self.steps, self.batch, self.inputs, self.hidden, self.outputs, self.layers) = (steps, batch, inputs, hidden, outputs, layers)
    }

    /// The parts, largest first is not implied: (what, bytes).
    public var parts: [(what: String, bytes: Double)] {
        let T = Double(steps), B = Double(batch), I = Double(inputs), H = Double(hidden), O = Double(outputs), L = Double(layers)
        let s = Double(scalarBytes)
        let window = min(T, max(32, (512 / Double(max(batch, 1))).rounded(.down)))
        let G = Double(cell.gates), kept = Double(cell.floatsPerUnit.kept), passed = Double(cell.floatsPerUnit.gradients)
        let parameters = G * H * (I + H + 2) + (L - 1) * G * H * (2 * H + 2) + O * (H + 1)
        let readoutRows = everyStep ? T * B : B
        // grads holds the batch it read as Float, then converts it to Double.
        let batchCopies = scalarBytes == 8 ? 1.5 : 1
        return [
            ("hidden states", s * (kept * L * (T + 1) * B * H + passed * (2 * window * B * H + min(2, L - 1) * T * B * H) + B * H)),
            ("readout", s * 2 * readoutRows * O),
            ("inputs", batchCopies * s * T * B * I),
            ("targets", batchCopies * (classTargets ? 4 * T * B : s * T * B * O)),
            ("parameters", s * parameters * (2 + Double(optimiserSlots)) + 4 * s * G * H * H + 16 * T * L),
            ("other", extraBytes),
        ]
    }

    public var bytes: Double { parts.reduce(0) { $0 + $1.bytes } }
}

public struct MemoryLimitError: Error, CustomStringConvertible, Equatable {
    public var needed: Double
    public var limit: Double
    public var largest: String
    public var lower: String
    /// Whether the limit is already all the memory the process may use (nothing to raise).
    public var atMost = false
    public var description: String {
        "needs about \(MemoryBudget.format(needed)) (most of it \(largest)), over the \(MemoryBudget.format(limit)) memory limit; "
            + (atMost ? "lower \(lower): that is all the memory this machine (or its control group) gives this process"
                      : "lower \(lower), or raise the limit with \(MemoryBudget.variable)=SIZE (e.g. \(MemoryBudget.variable)=16G)")
    }
}

public enum MemoryBudget {
    /// The environment variable that raises (or lowers) the cap: bytes, or a
    /// number with K, M, G or T (powers of 1024).
    public static let variable = "RNNSCOPE_MEMORY_LIMIT"
    public static let defaultLimit: Double = 2 * 1024 * 1024 * 1024

    /// The memory this process may use: the machine's, or less where a control
    /// group (a container, a systemd slice, a lab's job limit) caps it. No cap may be
    /// above it: a cap of 2^64 − 1 bytes is no cap, and the run then dies in the
    /// allocator, or to the kernel's out-of-memory killer, instead of a refusal.
    public static var physicalMemory: Double {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return defaultLimit }
        return min(Double(pages) * Double(size), controlGroupLimit() ?? .infinity)
    }

    /// The tightest memory limit on this process's control groups, from its own group
    /// up to the root: cgroup v2's `memory.max`, v1's `memory.limit_in_bytes`; nil
    /// where none is set (`max`, or v1's 2^63-ish "unlimited") or none can be read.
    static func controlGroupLimit(membership: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
                                  root: String = "/sys/fs/cgroup") -> Double? {
        guard let membership else { return nil }
        var tightest: Double?
        for line in membership.split(separator: "\n") {
            // hierarchy-ID:controllers:path; v2 is "0::/path", v1 names its controllers
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            let file: String, base: String
            if fields[0] == "0" && fields[1].isEmpty {
                (base, file) = (root, "memory.max")
            } else if fields[1].split(separator: ",").contains("memory") {
                (base, file) = (root + "/memory", "memory.limit_in_bytes")
            } else {
                continue
            }
            var parts = fields[2].split(separator: "/").map(String.init)
            while true {
                let dir = ([base] + parts).joined(separator: "/")
                if let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8),
                   let bytes = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes > 0, bytes < 0x1p60 {
                    tightest = min(tightest ?? bytes, bytes)
                }
                if parts.isEmpty { break }
                parts.removeLast()
            }
        }
        return tightest
    }

    /// The cap in force: `RNNSCOPE_MEMORY_LIMIT` if set, else 2 GiB (or the memory
    /// this process may use, if less). A value above that memory is refused.
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment,
                             physical: Double = physicalMemory) throws -> Double {
        guard let text = environment[variable] else { return min(defaultLimit, physical) }
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        // 8G, 8GB, 8GiB and 8589934592 all mean the same.
        var digits = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        if digits.hasSuffix("B") { digits = digits.dropLast() }
        if digits.hasSuffix("I") { digits = digits.dropLast() }
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        // Digits and one point only, so that 1e30, inf and 0x… are not sizes; read as a
        // Double, which cannot overflow (20 nines with T is 1e32, refused below).
        guard let value = Double(digits), value.isFinite, value > 0, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            throw SettingsError(key: variable, message: "\(TextSafety.quoted(text)) is not a size; give bytes or a number with K, M, G or T, e.g. 8G")
        }
        let bytes = value * scale
        guard bytes <= physical else {
            throw SettingsError(key: variable, message: "\(TextSafety.quoted(text)) is more than this machine's memory, or its control group's limit (\(format(physical))); give at most that")
        }
        return bytes
    }

    /// Throws, saying what the call would need and what to lower, when the
    /// estimate is over the cap. `lower` names the settings by the part they drive.
    public static func check(_ estimate: MemoryEstimate, lower: [String: String], otherwise: String) throws {
        let physical = physicalMemory  // read once: the control group's files
        let cap = try limit(physical: physical)
        let needed = estimate.bytes
        guard needed > cap else { return }
        let largest = estimate.parts.max { $0.bytes < $1.bytes }!.what
        throw MemoryLimitError(needed: needed, limit: cap, largest: largest, lower: lower[largest] ?? otherwise,
                               atMost: cap >= physical)
    }

    public static func format(_ bytes: Double) -> String {
        if bytes >= 0x1p30 { return String(format: bytes >= 1e12 ? "%.3g GiB" : "%.1f GiB", bytes / 0x1p30) }
        if bytes >= 0x1p20 { return String(format: "%.0f MiB", (bytes / 0x1p20).rounded(.up)) }
        return String(format: "%.0f KiB", (bytes / 0x1p10).rounded(.up))
    }
}
