import BuildFeatures
import CPUFeatures

/// The extensions this build was compiled to use that the running CPU lacks.
/// A copy built on one machine and run on an older one would otherwise die of
/// SIGILL at its first such instruction, before a word is said.
enum CPUCheck {
    static func missing() -> [String] {
        let lacking = rnnscope_build_cpu_features() & ~rnnscope_host_cpu_features()
        return (0..<Int(rnnscope_cpu_feature_count())).filter { lacking >> UInt64($0) & 1 == 1 }
            .map { String(cString: rnnscope_cpu_feature_name(Int32($0))) }
    }

    /// The line that ends such a run: what is missing, and the two ways out
    /// (a copy for any AVX2 machine, or for any x86-64 where AVX2 is missing too).
    static func refusal(_ missing: [String]) -> String {
        let shown = missing.count > 4 ? missing.prefix(4).joined(separator: ", ") + " and \(missing.count - 4) more"
                                       : missing.joined(separator: ", ")
        let portable = missing.contains("avx2") ? "any x86-64 machine with RNNSCOPE_CPU=x86-64"
                                                : "any AVX2 machine with RNNSCOPE_CPU=haswell"
        return "rnnscope: this copy was built for a CPU with \(shown), which this one lacks; build it on this machine, "
            + "or build a copy for \(portable) swift build -c release"
    }
}
