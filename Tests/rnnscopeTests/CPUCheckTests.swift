import BuildFeatures
import CPUFeatures
import Foundation
import Testing

/// A copy of the binary on a CPU without the extensions it was compiled for
/// says so in one line and exits 2, instead of dying of SIGILL.
@Suite struct CPUCheckTests {
    static let names = (0..<Int(rnnscope_cpu_feature_count())).map { String(cString: rnnscope_cpu_feature_name(Int32($0))) }

    /// Every entry has a name of its own, and this machine (which built the
    /// binary) has everything the build may use.
    @Test func theBuildingMachineHasWhatTheBuildUses() {
        #if arch(x86_64)
        #expect(Self.names.count == 29)
        #expect(Set(Self.names).count == Self.names.count && !Self.names.contains(""))
        let built = rnnscope_build_cpu_features(), host = rnnscope_host_cpu_features()
        #expect(built != 0, "a build for x86-64 uses SSE at least as far as sse4.2 on any CPU of the last decade")
        #expect(built & ~host == 0)
        #endif
    }

    static let qemu = ["/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let builtWithAVX512 = Self.names.first == "avx512f" && rnnscope_build_cpu_features() & 1 == 1

    /// The built binary under an emulated Haswell (AVX2, no AVX-512), as a
    /// lecturer's laptop would run a copy built on an AVX-512 machine: even
    /// `--version` used to die of SIGILL while the settings were being parsed.
    @Test(.enabled(if: qemu != nil && builtWithAVX512, "needs qemu-x86_64 (apt-get install qemu-user) and a build with AVX-512"))
    func aCopyOnACPUWithoutAVX512SaysSoInOneLine() throws {
        for args in [["--version"], ["check", "vanishing"]] {
            let r = try Binary.run(["-cpu", "Haswell", Binary.url.path] + args, executable: URL(fileURLWithPath: Self.qemu!))
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("qemu-x86_64: warning") }  // qemu's own
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("rnnscope: this copy was built for a CPU with avx512f, avx512bw, avx512dq, avx512vl") == true,
                    "\(lines)")
            #expect(lines.first?.contains("RNNSCOPE_CPU=haswell") == true)
        }
    }
}
