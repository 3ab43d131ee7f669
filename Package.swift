// swift-tools-version:6.0
import PackageDescription

// The simulation module is compiled for the building machine's vector width
// (`-target-cpu native`, below), and the release binary links the Swift runtime
// statically; README's "Speed" section says why.
let package = Package(
    name: "rnnscope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rnnscope", targets: ["rnnscope"]),
        .library(name: "RNNSim", targets: ["RNNSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure maths: network, BPTT, tasks, optimisers, diagnostics, safetensors.
        .target(
            name: "RNNSim",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            // The GEMM kernels (Sources/RNNSim/Kernels) are written for AVX-512
            // (SIMD16<Float> in zmm registers, FMA); without this they compile to
            // SSE. `native` is the build machine's own CPU, so a build never uses
            // instructions the machine that built it lacks.
            swiftSettings: [.unsafeFlags(["-target-cpu", "native"])]
        ),
        // Scenario files and their claims.
        .target(name: "Scenarios", dependencies: ["RNNSim", "TOMLKit"]),
        // The run stream (JSON lines from `train --jsonl` or the Python package): its
        // header and records, read while the file grows.
        .target(name: "RunStream", dependencies: ["RNNSim"]),
        // App state, update(state, event) and render(state) into a screen buffer: no curses.
        .target(name: "ScopeView", dependencies: ["RNNSim", "Scenarios", "RunStream"]),
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW", providers: [.apt(["libncurses-dev"])]),
        // The only code that touches curses.
        .target(name: "Terminal", dependencies: ["ScopeView", "CNCursesW"]),
        .executableTarget(
            name: "rnnscope",
            dependencies: [
                "RNNSim", "Scenarios", "RunStream", "ScopeView", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // A release binary carries the Swift runtime and Foundation inside it:
            // only the code it uses is loaded, so a run starts with about 15 MiB
            // resident instead of 21 (what the long-sequence memory target needs).
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
        ),
        .testTarget(name: "RNNSimTests", dependencies: ["RNNSim"], exclude: ["Fixtures"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios"]),
        .testTarget(name: "RunStreamTests", dependencies: ["RunStream"]),
        .testTarget(name: "ScopeViewTests", dependencies: ["ScopeView"]),
        // Runs the built `rnnscope` binary (which `swift test` always builds); not
        // linked against it, so the test bundle keeps the shared Swift runtime.
        .testTarget(name: "rnnscopeTests", dependencies: ["RNNSim"]),
    ]
)
