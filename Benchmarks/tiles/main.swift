// The tile-shape benchmark (Benchmarks/tiles/tiles.sh compiles it with the
// kernels for each shape): the products a core runs in the batched recurrence,
// timed in thread CPU time, and a hash of the bits of 90 products that must be
// the same for every shape.
import Foundation

/// What Sources/Kernels/Scalar.swift declares, without swift-numerics.
public protocol RNNFloat: BinaryFloatingPoint, SIMDScalar {}
extension Float: RNNFloat {}
extension Double: RNNFloat {}

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func filled(_ count: Int, _ f: (Int) -> Float) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = f(i) }
    return p
}

/// The best of 7 timings of `reps` runs, in seconds per run.
func best(_ reps: Int, _ body: () -> Void) -> Double {
    var b = Double.infinity
    for _ in 0..<7 {
        let t0 = cpuSeconds()
        for _ in 0..<reps { body() }
        b = min(b, (cpuSeconds() - t0) / Double(reps))
    }
    return b
}

/// One step of a core's share of the recurrence: h [m × k] · (W packed as op(B) [k × n]).
func packedStep(_ label: String, m: Int, n: Int, k: Int, reps: Int) {
    let a = filled(m * k) { Float($0 % 7) * 0.1 }, w = filled(k * n) { Float($0 % 5) * 0.1 }
    let c = filled(m * n) { _ in 0 }
    let panels = UnsafeMutablePointer<Float>.allocate(capacity: FloatKernels.packedFloats(k: k, n: n))
    FloatKernels.pack(transB: true, w, ldb: k, k: k, n: n, into: panels)
    let s = best(reps) {
        FloatKernels.packedProduct(rows: 0..<m, cols: 0..<n, n: n, k: k, a: a, lda: k, panels: panels,
                                   c: c, ldc: n, accumulate: true)
    }
    print(String(format: "%@: %.1f us, %.0f GFLOP/s", label, s * 1e6, 2 * Double(m * n * k) / s / 1e9))
}

/// ∂W [m × n] += δᵀ [m × k] · h [k × n], δ stored [k × m].
func weightGradient(_ label: String, m: Int, n: Int, k: Int, reps: Int) {
    let a = filled(m * k) { Float($0 % 7) * 0.1 }, b = filled(k * n) { Float($0 % 5) * 0.1 }
    let c = filled(m * n) { _ in 0 }
    let s = best(reps) {
        FloatKernels.gemm(transA: true, transB: false, m: m, n: n, k: k, a: a, lda: m, b: b, ldb: n,
                          beta: 1, c: c, ldc: n)
    }
    print(String(format: "%@: %.2f ms, %.0f GFLOP/s", label, s * 1e3, 2 * Double(m * n * k) / s / 1e9))
}

/// FNV-1a over the bits of C after products of many shapes, transposes and both betas.
func bitsHash() -> String {
    var hash: UInt64 = 1469598103934665603
    var seed: UInt64 = 42
    func mix(_ x: Float) { hash = (hash ^ UInt64(x.bitPattern)) &* 1099511628211 }
    func random() -> Float {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: seed >> 11) % 2000 - 1000) / 997
    }
    for (m, n, k) in [(1, 128, 128), (2, 37, 300), (16, 1024, 256), (13, 50, 17), (32, 512, 512),
                      (100, 33, 70), (64, 96, 260), (200, 200, 200), (7, 1000, 9)] {
        for tA in [false, true] { for tB in [false, true] { for beta: Float in [0, 1] {
            let a = (0..<(m * k)).map { _ in random() }, b = (0..<(k * n)).map { _ in random() }
            var c = (0..<(m * n)).map { _ in random() }
            c.withUnsafeMutableBufferPointer { cp in
                FloatKernels.gemm(transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k,
                                  b: b, ldb: tB ? k : n, beta: beta, c: cp.baseAddress!, ldc: n)
            }
            c.forEach(mix)
            if !tA && !tB {
                let panels = UnsafeMutablePointer<Float>.allocate(capacity: FloatKernels.packedFloats(k: k, n: n))
                FloatKernels.pack(transB: false, b, ldb: n, k: k, n: n, into: panels)
                c.withUnsafeMutableBufferPointer { cp in
                    FloatKernels.packedGemm(m: m, n: n, k: k, a: a, lda: k, panels: panels, accumulate: beta != 0,
                                            c: cp.baseAddress!, ldc: n)
                }
                c.forEach(mix)
            }
        } } }
    }
    return String(hash, radix: 16)
}

print("tile \(FloatKernels.mr)x\(FloatKernels.nr / 16), bits \(bitsHash())")
packedStep("LSTM H 256, 16 rows", m: 16, n: 1024, k: 256, reps: 2000)
packedStep("Elman H 512, 32 rows", m: 32, n: 512, k: 512, reps: 2000)
packedStep("Elman H 256, 16 rows", m: 16, n: 256, k: 256, reps: 4000)
packedStep("GRU H 512, 16 rows", m: 16, n: 1536, k: 512, reps: 500)
weightGradient("dW LSTM H 256, T*B 3200", m: 1024, n: 256, k: 3200, reps: 10)
weightGradient("dW Elman H 512, T*B 6400", m: 512, n: 512, k: 6400, reps: 5)
