#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Subnormal (denormal) floats cost x86 cores a microcode assist per operation:
/// a product whose inputs are subnormal runs about 100 times slower. Gradients
/// that vanish through time become subnormal, so the GEMM flushes them to zero
/// (MXCSR flags FTZ and DAZ) while it runs, on every thread it uses, and puts
/// the caller's floating-point environment back afterwards.
///
/// The flush only ever replaces values below 2⁻¹²⁶ ≈ 1.2e-38 by zero, the same
/// way on every run, so results stay deterministic.
public enum Denormals {
    /// Runs `body` with subnormal inputs read as zero and subnormal results
    /// written as zero on the calling thread (x86-64; elsewhere `body` runs
    /// unchanged). Costs about 0.1–0.3 µs, so wrap a whole training iteration
    /// rather than each small operation: elementwise code benefits as well.
    @inline(__always)
    public static func flushed<R>(_ body: () throws -> R) rethrows -> R {
        #if arch(x86_64) && (canImport(Glibc) || canImport(Darwin))
        var saved = fenv_t()
        fegetenv(&saved)
        let ftzDaz: UInt32 = 0x8040
        if saved.__mxcsr & ftzDaz == ftzDaz { return try body() }
        var env = saved
        env.__mxcsr |= ftzDaz
        fesetenv(&env)
        defer { fesetenv(&saved) }
        return try body()
        #else
        return try body()
        #endif
    }

    /// Whether any of the `count` floats at p (stride `stride`) is nonzero but
    /// below 2⁻¹⁰⁰ in magnitude: subnormal, or small enough that products with
    /// ordinary weights turn subnormal.
    @inline(__always)
    static func anyTiny(_ p: UnsafePointer<Float>, count: Int, stride: Int = 1) -> Bool {
        let limit: Float = 0x1p-100
        var i = 0
        if stride == 1 {
            let hi = F16(repeating: limit), lo = F16(repeating: -limit), zero = F16()
            while i &+ 16 <= count {
                let v = load16(p + i)
                if any((v .< hi) .& (v .> lo) .& (v .!= zero)) { return true }
                i &+= 16
            }
        }
        while i < count {
            let m = abs(p[i &* stride])
            if m < limit && m > 0 { return true }
            i &+= 1
        }
        return false
    }

    /// `anyTiny` over the rows×cols block at p with row stride ld.
    static func anyTiny(_ p: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) -> Bool {
        if ld == cols { return anyTiny(p, count: rows &* cols) }
        for r in 0..<rows where anyTiny(p + r &* ld, count: cols) { return true }
        return false
    }
}
