// swift-tools-version:6.0
import Foundation
import PackageDescription

/// A release build the tests can import (`@testable`): `swift test -c release` then
/// reuses the build `swift build -c release` made instead of compiling everything
/// again in debug (the numerical tests also run several times faster optimised).
/// Measured at no cost to the kernels' speed (within 2%, the run-to-run noise).
let testable: [SwiftSetting] = [.unsafeFlags(["-enable-testing"], .when(configuration: .release))]
/// The CPU the simulation modules are compiled for: the building machine's own
/// (`native`, its widest vectors) unless RNNSCOPE_CPU names another, such as
/// `haswell` for a copy that runs on any x86 machine with AVX2 and FMA
/// (docs/performance.md#a-copy-for-another-machine). The binary refuses, in one
/// line, to run on a CPU without what it was compiled for (BuildFeatures).
let cpu = Context.environment["RNNSCOPE_CPU"] ?? "native"
guard !cpu.isEmpty, cpu.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
    fatalError("RNNSCOPE_CPU=\(cpu) is not a CPU name: native, haswell, skylake-avx512, znver4, …")
}
/// That CPU's vector width (see the Kernels target), and the kernels' bodies
/// visible to the modules that call them.
let forCPU: [SwiftSetting] = testable + [.unsafeFlags(["-target-cpu", cpu, "-cross-module-optimization"])]
/// The same CPU for C, whose predefined macros then name the extensions the build may use.
#if arch(x86_64)
let forCPUinC: [CSetting] = [.unsafeFlags(["-march=\(cpu)"])]
#else
let forCPUinC: [CSetting] = []
#endif

// The simulation modules are compiled for one CPU's vector width (`forCPU`,
// above), and the release binary links the Swift runtime statically; README's
// "Speed" section says why.

/// Whether that CPU has AVX-512 (32 vector registers of 16 floats): for
/// `native` the building machine's flags, otherwise the LLVM names that have it.
func hasAVX512(_ cpu: String) -> Bool {
    if cpu == "native" {
        #if os(Linux) && arch(x86_64)
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).contains("avx512f")
        #else
        return false
        #endif
    }
    return ["skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake", "icelake-client", "icelake-server",
            "rocketlake", "tigerlake", "sapphirerapids", "emeraldrapids", "graniterapids", "graniterapids-d",
            "diamondrapids", "znver4", "znver5", "x86-64-v4", "knl", "knm"].contains(cpu)
}

// The broadcast kernel's main tile (Sources/Kernels/TileShape.swift): 12 rows ×
// 2 vectors with AVX-512, 6 × 1 where a 16-float vector takes two registers of
// sixteen (AVX2) or four (NEON), unless RNNSCOPE_TILE names another shape
// (docs/performance.md#tile-shapes).
let tileShapes = ["12x2", "8x3", "6x4", "4x6", "6x1"]
let tile = Context.environment["RNNSCOPE_TILE"] ?? (hasAVX512(cpu) ? "12x2" : "6x1")
guard tileShapes.contains(tile) else {
    fatalError("RNNSCOPE_TILE=\(tile) is not a tile shape: one of \(tileShapes.joined(separator: ", "))")
}

let package = Package(
    name: "rnnscope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rnnscope", targets: ["rnnscope"]),
        .library(name: "RNNSim", targets: ["RNNSim", "Kernels", "Spectral", "ModelIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // The number type (RNNFloat), the seeded random stream, and the compute kernels:
        // blocked GEMM with AVX-512 micro-kernels, packing, the worker pool that splits
        // rows across cores, Double kernels for the checks. Allocation-free in the hot path.
        .target(
            name: "Kernels",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            exclude: ["microkernels.py"],
            // The micro-kernels are written for AVX-512 (SIMD16<Float> in zmm registers,
            // FMA); without a CPU they compile to SSE. `native`, the default, is the build
            // machine's own CPU, so a build never uses instructions the machine that built it lacks.
            swiftSettings: forCPU + [.define("TILE_\(tile)")]
        ),
        // Eigen- and singular-value solvers: ρ(W_hh) by restarted Arnoldi with implicit
        // shifts, σ_max by Lanczos, the Jacobian-product norm, random orthogonal matrices.
        .target(name: "Spectral", dependencies: ["Kernels", .product(name: "RealModule", package: "swift-numerics")], swiftSettings: forCPU),
        // The maths of a recurrent network: network and parameters, cells (forward beside
        // backward), the one BPTT loop, tasks, losses, optimisers, training, settings;
        // and the one way a file is read and written (bounded reads, atomic outputs).
        .target(name: "RNNSim", dependencies: ["Kernels", "Spectral", .product(name: "RealModule", package: "swift-numerics")], swiftSettings: forCPU),
        // The user's model and data as files: safetensors read and written, PyTorch
        // state-dict names and shapes, pickled checkpoints refused with advice, data files.
        .target(name: "ModelIO", dependencies: ["RNNSim"], swiftSettings: testable),
        // Scenario files and their claims.
        .target(name: "Scenarios", dependencies: ["RNNSim", "Kernels", "Spectral", "TOMLKit"], swiftSettings: testable),
        // The run stream (JSON lines from `train --jsonl` or the Python package): its
        // header and records, read while the file grows.
        .target(name: "RunStream", dependencies: ["RNNSim"], swiftSettings: testable),
        // App state, update(state, event) and render(state) into a screen buffer: no curses.
        .target(name: "ScopeView", dependencies: ["RNNSim", "Kernels", "Spectral", "ModelIO", "Scenarios", "RunStream"], swiftSettings: testable),
        // The x86 extensions the running CPU has (compiled for any x86-64), and those
        // this build may use (compiled for the simulation modules' CPU): the command
        // compares them before anything else runs.
        .target(name: "CPUFeatures"),
        .target(name: "BuildFeatures", dependencies: ["CPUFeatures"], cSettings: forCPUinC),
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW", providers: [.apt(["libncurses-dev"])]),
        // The only code that touches curses.
        .target(name: "Terminal", dependencies: ["ScopeView", "CNCursesW"], swiftSettings: testable),
        .executableTarget(
            name: "rnnscope",
            dependencies: [
                "RNNSim", "Kernels", "Spectral", "ModelIO", "Scenarios", "RunStream", "ScopeView", "Terminal",
                "CPUFeatures", "BuildFeatures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // A release binary carries the Swift runtime and Foundation inside it:
            // only the code it uses is loaded, so a run starts with about 15 MiB
            // resident instead of 21 (what the long-sequence memory target needs).
            swiftSettings: testable + [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
        ),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "SpectralTests", dependencies: ["Spectral", "RNNSim"]),
        .testTarget(name: "RNNSimTests", dependencies: ["RNNSim", "Kernels", "Spectral", "ModelIO"], exclude: ["Fixtures"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios"]),
        .testTarget(name: "RunStreamTests", dependencies: ["RunStream"]),
        .testTarget(name: "ScopeViewTests", dependencies: ["ScopeView", "Kernels", "ModelIO"], exclude: ["Frames"]),
        // Runs the built `rnnscope` binary (which `swift test` always builds); not
        // linked against it, so the test bundle keeps the shared Swift runtime.
        .testTarget(name: "rnnscopeTests", dependencies: ["RNNSim", "Kernels", "ModelIO", "CPUFeatures", "BuildFeatures"]),
    ]
)
