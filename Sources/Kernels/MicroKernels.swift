// Register-blocked inner kernels for `FloatKernels.gemm`.
//
// Every function here is `@inline(__always)` and takes its tile shape (R, V or
// R, S) as plain integer arguments; the drivers call them only with literal
// shapes, so each call site is specialised into straight-line SIMD code whose
// accumulators live in registers and whose unused rows/columns fold away.
// The bodies are written out long-hand (one accumulator per variable) on purpose:
// that is what lets the optimiser keep every accumulator in a vector register.

typealias F16 = SIMD16<Float>
typealias F8 = SIMD8<Float>

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@inline(__always) func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self)
}

/// The first `count` (< 16) floats at `p`, zero-padded; never reads past them.
@inline(__always) func loadPartial16(_ p: UnsafePointer<Float>, _ count: Int) -> F16 {
    var v = F16()
    var l = 0
    while l < count { v[l] = p[l]; l &+= 1 }
    return v
}

// MARK: - Transposition

/// [x0, y0, x1, y1, ..., x7, y7]
@inline(__always) func interleaveLow(_ x: F16, _ y: F16) -> F16 {
    F16(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3], x[4], y[4], x[5], y[5], x[6], y[6], x[7], y[7])
}

/// [x8, y8, x9, y9, ..., x15, y15]
@inline(__always) func interleaveHigh(_ x: F16, _ y: F16) -> F16 {
    F16(x[8], y[8], x[9], y[9], x[10], y[10], x[11], y[11], x[12], y[12], x[13], y[13], x[14], y[14], x[15], y[15])
}

/// Transposes the 16×16 block whose rows are r0...r15, in place: afterwards
/// r_c holds lane c of every input row (lane q from input row q). Four rounds
/// of pairing row i with row i+8 (64 two-source shuffles in all).
@inline(__always) func transpose16(
    _ r0: inout F16, _ r1: inout F16, _ r2: inout F16, _ r3: inout F16,
    _ r4: inout F16, _ r5: inout F16, _ r6: inout F16, _ r7: inout F16,
    _ r8: inout F16, _ r9: inout F16, _ r10: inout F16, _ r11: inout F16,
    _ r12: inout F16, _ r13: inout F16, _ r14: inout F16, _ r15: inout F16
) {
    for _ in 0..<4 {
        let n0 = interleaveLow(r0, r8), n1 = interleaveHigh(r0, r8)
        let n2 = interleaveLow(r1, r9), n3 = interleaveHigh(r1, r9)
        let n4 = interleaveLow(r2, r10), n5 = interleaveHigh(r2, r10)
        let n6 = interleaveLow(r3, r11), n7 = interleaveHigh(r3, r11)
        let n8 = interleaveLow(r4, r12), n9 = interleaveHigh(r4, r12)
        let n10 = interleaveLow(r5, r13), n11 = interleaveHigh(r5, r13)
        let n12 = interleaveLow(r6, r14), n13 = interleaveHigh(r6, r14)
        let n14 = interleaveLow(r7, r15), n15 = interleaveHigh(r7, r15)
        r0 = n0; r1 = n1; r2 = n2; r3 = n3; r4 = n4; r5 = n5; r6 = n6; r7 = n7
        r8 = n8; r9 = n9; r10 = n10; r11 = n11; r12 = n12; r13 = n13; r14 = n14; r15 = n15
    }
}

/// Replaces v[0] by the vector whose lane q is the sum of the lanes of v[q],
/// for the sixteen vectors v[0..<16], always added in the same tree order.
///
/// Deliberately a separate, non-inlined function reading its input from
/// memory: written inline after the accumulation loop, LLVM rewrites any
/// shuffle/add reduction into a long sequence of narrow shuffles (several
/// times slower). Here it stays 64 `vpermt2ps` and 15 adds.
@inline(never) func reduce16(_ v: UnsafeMutablePointer<F16>) {
    var r0 = v[0], r1 = v[1], r2 = v[2], r3 = v[3], r4 = v[4], r5 = v[5], r6 = v[6], r7 = v[7]
    var r8 = v[8], r9 = v[9], r10 = v[10], r11 = v[11], r12 = v[12], r13 = v[13], r14 = v[14], r15 = v[15]
    transpose16(&r0, &r1, &r2, &r3, &r4, &r5, &r6, &r7, &r8, &r9, &r10, &r11, &r12, &r13, &r14, &r15)
    v[0] = (((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)))
        + (((r8 + r9) + (r10 + r11)) + ((r12 + r13) + (r14 + r15)))
}


// MARK: - Broadcast kernel (vectors along n)

extension FloatKernels {
    /// C[R × 16V] (+)= A[R × kc] · B[kc × 16V]; A's element (r, p) is at
    /// a[r·ars + p·aps] (so both op(A) layouts are covered), B's row p at b + p·bs.
    /// With `accumulate`, C's old values are the starting accumulators; the sum
    /// over p runs in order, one fused multiply-add per step.
    @inline(__always)
    static func vtile(
        _ R: Int, _ V: Int, _ kc: Int,
        _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int,
        _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0_0 = F16(); var c0_1 = F16(); var c0_2 = F16(); var c0_3 = F16(); var c0_4 = F16(); var c0_5 = F16(); var c0_6 = F16(); var c0_7 = F16();
        var c1_0 = F16(); var c1_1 = F16(); var c1_2 = F16(); var c1_3 = F16(); var c1_4 = F16(); var c1_5 = F16(); var c1_6 = F16(); var c1_7 = F16();
        var c2_0 = F16(); var c2_1 = F16(); var c2_2 = F16(); var c2_3 = F16(); var c2_4 = F16(); var c2_5 = F16(); var c2_6 = F16(); var c2_7 = F16();
        var c3_0 = F16(); var c3_1 = F16(); var c3_2 = F16(); var c3_3 = F16(); var c3_4 = F16(); var c3_5 = F16(); var c3_6 = F16(); var c3_7 = F16();
        var c4_0 = F16(); var c4_1 = F16(); var c4_2 = F16(); var c4_3 = F16(); var c4_4 = F16(); var c4_5 = F16(); var c4_6 = F16(); var c4_7 = F16();
        var c5_0 = F16(); var c5_1 = F16(); var c5_2 = F16(); var c5_3 = F16(); var c5_4 = F16(); var c5_5 = F16(); var c5_6 = F16(); var c5_7 = F16();
        var c6_0 = F16(); var c6_1 = F16(); var c6_2 = F16(); var c6_3 = F16(); var c6_4 = F16(); var c6_5 = F16(); var c6_6 = F16(); var c6_7 = F16();
        var c7_0 = F16(); var c7_1 = F16(); var c7_2 = F16(); var c7_3 = F16(); var c7_4 = F16(); var c7_5 = F16(); var c7_6 = F16(); var c7_7 = F16();
        var c8_0 = F16(); var c8_1 = F16(); var c8_2 = F16(); var c8_3 = F16(); var c8_4 = F16(); var c8_5 = F16(); var c8_6 = F16(); var c8_7 = F16();
        var c9_0 = F16(); var c9_1 = F16(); var c9_2 = F16(); var c9_3 = F16(); var c9_4 = F16(); var c9_5 = F16(); var c9_6 = F16(); var c9_7 = F16();
        var c10_0 = F16(); var c10_1 = F16(); var c10_2 = F16(); var c10_3 = F16(); var c10_4 = F16(); var c10_5 = F16(); var c10_6 = F16(); var c10_7 = F16();
        var c11_0 = F16(); var c11_1 = F16(); var c11_2 = F16(); var c11_3 = F16(); var c11_4 = F16(); var c11_5 = F16(); var c11_6 = F16(); var c11_7 = F16();
        if accumulate {
            if R > 0 {
                let cr = c + 0 &* ldc
                if V > 0 { c0_0 = load16(cr + 0) }
                if V > 1 { c0_1 = load16(cr + 16) }
                if V > 2 { c0_2 = load16(cr + 32) }
                if V > 3 { c0_3 = load16(cr + 48) }
                if V > 4 { c0_4 = load16(cr + 64) }
                if V > 5 { c0_5 = load16(cr + 80) }
                if V > 6 { c0_6 = load16(cr + 96) }
                if V > 7 { c0_7 = load16(cr + 112) }
            }
            if R > 1 {
                let cr = c + 1 &* ldc
                if V > 0 { c1_0 = load16(cr + 0) }
                if V > 1 { c1_1 = load16(cr + 16) }
                if V > 2 { c1_2 = load16(cr + 32) }
                if V > 3 { c1_3 = load16(cr + 48) }
                if V > 4 { c1_4 = load16(cr + 64) }
                if V > 5 { c1_5 = load16(cr + 80) }
                if V > 6 { c1_6 = load16(cr + 96) }
                if V > 7 { c1_7 = load16(cr + 112) }
            }
            if R > 2 {
                let cr = c + 2 &* ldc
                if V > 0 { c2_0 = load16(cr + 0) }
                if V > 1 { c2_1 = load16(cr + 16) }
                if V > 2 { c2_2 = load16(cr + 32) }
                if V > 3 { c2_3 = load16(cr + 48) }
                if V > 4 { c2_4 = load16(cr + 64) }
                if V > 5 { c2_5 = load16(cr + 80) }
                if V > 6 { c2_6 = load16(cr + 96) }
                if V > 7 { c2_7 = load16(cr + 112) }
            }
            if R > 3 {
                let cr = c + 3 &* ldc
                if V > 0 { c3_0 = load16(cr + 0) }
                if V > 1 { c3_1 = load16(cr + 16) }
                if V > 2 { c3_2 = load16(cr + 32) }
                if V > 3 { c3_3 = load16(cr + 48) }
                if V > 4 { c3_4 = load16(cr + 64) }
                if V > 5 { c3_5 = load16(cr + 80) }
                if V > 6 { c3_6 = load16(cr + 96) }
                if V > 7 { c3_7 = load16(cr + 112) }
            }
            if R > 4 {
                let cr = c + 4 &* ldc
                if V > 0 { c4_0 = load16(cr + 0) }
                if V > 1 { c4_1 = load16(cr + 16) }
                if V > 2 { c4_2 = load16(cr + 32) }
                if V > 3 { c4_3 = load16(cr + 48) }
                if V > 4 { c4_4 = load16(cr + 64) }
                if V > 5 { c4_5 = load16(cr + 80) }
                if V > 6 { c4_6 = load16(cr + 96) }
                if V > 7 { c4_7 = load16(cr + 112) }
            }
            if R > 5 {
                let cr = c + 5 &* ldc
                if V > 0 { c5_0 = load16(cr + 0) }
                if V > 1 { c5_1 = load16(cr + 16) }
                if V > 2 { c5_2 = load16(cr + 32) }
                if V > 3 { c5_3 = load16(cr + 48) }
                if V > 4 { c5_4 = load16(cr + 64) }
                if V > 5 { c5_5 = load16(cr + 80) }
                if V > 6 { c5_6 = load16(cr + 96) }
                if V > 7 { c5_7 = load16(cr + 112) }
            }
            if R > 6 {
                let cr = c + 6 &* ldc
                if V > 0 { c6_0 = load16(cr + 0) }
                if V > 1 { c6_1 = load16(cr + 16) }
                if V > 2 { c6_2 = load16(cr + 32) }
                if V > 3 { c6_3 = load16(cr + 48) }
                if V > 4 { c6_4 = load16(cr + 64) }
                if V > 5 { c6_5 = load16(cr + 80) }
                if V > 6 { c6_6 = load16(cr + 96) }
                if V > 7 { c6_7 = load16(cr + 112) }
            }
            if R > 7 {
                let cr = c + 7 &* ldc
                if V > 0 { c7_0 = load16(cr + 0) }
                if V > 1 { c7_1 = load16(cr + 16) }
                if V > 2 { c7_2 = load16(cr + 32) }
                if V > 3 { c7_3 = load16(cr + 48) }
                if V > 4 { c7_4 = load16(cr + 64) }
                if V > 5 { c7_5 = load16(cr + 80) }
                if V > 6 { c7_6 = load16(cr + 96) }
                if V > 7 { c7_7 = load16(cr + 112) }
            }
            if R > 8 {
                let cr = c + 8 &* ldc
                if V > 0 { c8_0 = load16(cr + 0) }
                if V > 1 { c8_1 = load16(cr + 16) }
                if V > 2 { c8_2 = load16(cr + 32) }
                if V > 3 { c8_3 = load16(cr + 48) }
                if V > 4 { c8_4 = load16(cr + 64) }
                if V > 5 { c8_5 = load16(cr + 80) }
                if V > 6 { c8_6 = load16(cr + 96) }
                if V > 7 { c8_7 = load16(cr + 112) }
            }
            if R > 9 {
                let cr = c + 9 &* ldc
                if V > 0 { c9_0 = load16(cr + 0) }
                if V > 1 { c9_1 = load16(cr + 16) }
                if V > 2 { c9_2 = load16(cr + 32) }
                if V > 3 { c9_3 = load16(cr + 48) }
                if V > 4 { c9_4 = load16(cr + 64) }
                if V > 5 { c9_5 = load16(cr + 80) }
                if V > 6 { c9_6 = load16(cr + 96) }
                if V > 7 { c9_7 = load16(cr + 112) }
            }
            if R > 10 {
                let cr = c + 10 &* ldc
                if V > 0 { c10_0 = load16(cr + 0) }
                if V > 1 { c10_1 = load16(cr + 16) }
                if V > 2 { c10_2 = load16(cr + 32) }
                if V > 3 { c10_3 = load16(cr + 48) }
                if V > 4 { c10_4 = load16(cr + 64) }
                if V > 5 { c10_5 = load16(cr + 80) }
                if V > 6 { c10_6 = load16(cr + 96) }
                if V > 7 { c10_7 = load16(cr + 112) }
            }
            if R > 11 {
                let cr = c + 11 &* ldc
                if V > 0 { c11_0 = load16(cr + 0) }
                if V > 1 { c11_1 = load16(cr + 16) }
                if V > 2 { c11_2 = load16(cr + 32) }
                if V > 3 { c11_3 = load16(cr + 48) }
                if V > 4 { c11_4 = load16(cr + 64) }
                if V > 5 { c11_5 = load16(cr + 80) }
                if V > 6 { c11_6 = load16(cr + 96) }
                if V > 7 { c11_7 = load16(cr + 112) }
            }
        }
        var ap = a
        var bp = b
        var p = 0
        while p < kc {
            let b0 = V > 0 ? load16(bp + 0) : F16()
            let b1 = V > 1 ? load16(bp + 16) : F16()
            let b2 = V > 2 ? load16(bp + 32) : F16()
            let b3 = V > 3 ? load16(bp + 48) : F16()
            let b4 = V > 4 ? load16(bp + 64) : F16()
            let b5 = V > 5 ? load16(bp + 80) : F16()
            let b6 = V > 6 ? load16(bp + 96) : F16()
            let b7 = V > 7 ? load16(bp + 112) : F16()
            if R > 0 {
                let x = F16(repeating: ap[0 &* ars])
                if V > 0 { c0_0 = c0_0.addingProduct(x, b0) }
                if V > 1 { c0_1 = c0_1.addingProduct(x, b1) }
                if V > 2 { c0_2 = c0_2.addingProduct(x, b2) }
                if V > 3 { c0_3 = c0_3.addingProduct(x, b3) }
                if V > 4 { c0_4 = c0_4.addingProduct(x, b4) }
                if V > 5 { c0_5 = c0_5.addingProduct(x, b5) }
                if V > 6 { c0_6 = c0_6.addingProduct(x, b6) }
                if V > 7 { c0_7 = c0_7.addingProduct(x, b7) }
            }
            if R > 1 {
                let x = F16(repeating: ap[1 &* ars])
                if V > 0 { c1_0 = c1_0.addingProduct(x, b0) }
                if V > 1 { c1_1 = c1_1.addingProduct(x, b1) }
                if V > 2 { c1_2 = c1_2.addingProduct(x, b2) }
                if V > 3 { c1_3 = c1_3.addingProduct(x, b3) }
                if V > 4 { c1_4 = c1_4.addingProduct(x, b4) }
                if V > 5 { c1_5 = c1_5.addingProduct(x, b5) }
                if V > 6 { c1_6 = c1_6.addingProduct(x, b6) }
                if V > 7 { c1_7 = c1_7.addingProduct(x, b7) }
            }
            if R > 2 {
                let x = F16(repeating: ap[2 &* ars])
                if V > 0 { c2_0 = c2_0.addingProduct(x, b0) }
                if V > 1 { c2_1 = c2_1.addingProduct(x, b1) }
                if V > 2 { c2_2 = c2_2.addingProduct(x, b2) }
                if V > 3 { c2_3 = c2_3.addingProduct(x, b3) }
                if V > 4 { c2_4 = c2_4.addingProduct(x, b4) }
                if V > 5 { c2_5 = c2_5.addingProduct(x, b5) }
                if V > 6 { c2_6 = c2_6.addingProduct(x, b6) }
                if V > 7 { c2_7 = c2_7.addingProduct(x, b7) }
            }
            if R > 3 {
                let x = F16(repeating: ap[3 &* ars])
                if V > 0 { c3_0 = c3_0.addingProduct(x, b0) }
                if V > 1 { c3_1 = c3_1.addingProduct(x, b1) }
                if V > 2 { c3_2 = c3_2.addingProduct(x, b2) }
                if V > 3 { c3_3 = c3_3.addingProduct(x, b3) }
                if V > 4 { c3_4 = c3_4.addingProduct(x, b4) }
                if V > 5 { c3_5 = c3_5.addingProduct(x, b5) }
                if V > 6 { c3_6 = c3_6.addingProduct(x, b6) }
                if V > 7 { c3_7 = c3_7.addingProduct(x, b7) }
            }
            if R > 4 {
                let x = F16(repeating: ap[4 &* ars])
                if V > 0 { c4_0 = c4_0.addingProduct(x, b0) }
                if V > 1 { c4_1 = c4_1.addingProduct(x, b1) }
                if V > 2 { c4_2 = c4_2.addingProduct(x, b2) }
                if V > 3 { c4_3 = c4_3.addingProduct(x, b3) }
                if V > 4 { c4_4 = c4_4.addingProduct(x, b4) }
                if V > 5 { c4_5 = c4_5.addingProduct(x, b5) }
                if V > 6 { c4_6 = c4_6.addingProduct(x, b6) }
                if V > 7 { c4_7 = c4_7.addingProduct(x, b7) }
            }
            if R > 5 {
                let x = F16(repeating: ap[5 &* ars])
                if V > 0 { c5_0 = c5_0.addingProduct(x, b0) }
                if V > 1 { c5_1 = c5_1.addingProduct(x, b1) }
                if V > 2 { c5_2 = c5_2.addingProduct(x, b2) }
                if V > 3 { c5_3 = c5_3.addingProduct(x, b3) }
                if V > 4 { c5_4 = c5_4.addingProduct(x, b4) }
                if V > 5 { c5_5 = c5_5.addingProduct(x, b5) }
                if V > 6 { c5_6 = c5_6.addingProduct(x, b6) }
                if V > 7 { c5_7 = c5_7.addingProduct(x, b7) }
            }
            if R > 6 {
                let x = F16(repeating: ap[6 &* ars])
                if V > 0 { c6_0 = c6_0.addingProduct(x, b0) }
                if V > 1 { c6_1 = c6_1.addingProduct(x, b1) }
                if V > 2 { c6_2 = c6_2.addingProduct(x, b2) }
                if V > 3 { c6_3 = c6_3.addingProduct(x, b3) }
                if V > 4 { c6_4 = c6_4.addingProduct(x, b4) }
                if V > 5 { c6_5 = c6_5.addingProduct(x, b5) }
                if V > 6 { c6_6 = c6_6.addingProduct(x, b6) }
                if V > 7 { c6_7 = c6_7.addingProduct(x, b7) }
            }
            if R > 7 {
                let x = F16(repeating: ap[7 &* ars])
                if V > 0 { c7_0 = c7_0.addingProduct(x, b0) }
                if V > 1 { c7_1 = c7_1.addingProduct(x, b1) }
                if V > 2 { c7_2 = c7_2.addingProduct(x, b2) }
                if V > 3 { c7_3 = c7_3.addingProduct(x, b3) }
                if V > 4 { c7_4 = c7_4.addingProduct(x, b4) }
                if V > 5 { c7_5 = c7_5.addingProduct(x, b5) }
                if V > 6 { c7_6 = c7_6.addingProduct(x, b6) }
                if V > 7 { c7_7 = c7_7.addingProduct(x, b7) }
            }
            if R > 8 {
                let x = F16(repeating: ap[8 &* ars])
                if V > 0 { c8_0 = c8_0.addingProduct(x, b0) }
                if V > 1 { c8_1 = c8_1.addingProduct(x, b1) }
                if V > 2 { c8_2 = c8_2.addingProduct(x, b2) }
                if V > 3 { c8_3 = c8_3.addingProduct(x, b3) }
                if V > 4 { c8_4 = c8_4.addingProduct(x, b4) }
                if V > 5 { c8_5 = c8_5.addingProduct(x, b5) }
                if V > 6 { c8_6 = c8_6.addingProduct(x, b6) }
                if V > 7 { c8_7 = c8_7.addingProduct(x, b7) }
            }
            if R > 9 {
                let x = F16(repeating: ap[9 &* ars])
                if V > 0 { c9_0 = c9_0.addingProduct(x, b0) }
                if V > 1 { c9_1 = c9_1.addingProduct(x, b1) }
                if V > 2 { c9_2 = c9_2.addingProduct(x, b2) }
                if V > 3 { c9_3 = c9_3.addingProduct(x, b3) }
                if V > 4 { c9_4 = c9_4.addingProduct(x, b4) }
                if V > 5 { c9_5 = c9_5.addingProduct(x, b5) }
                if V > 6 { c9_6 = c9_6.addingProduct(x, b6) }
                if V > 7 { c9_7 = c9_7.addingProduct(x, b7) }
            }
            if R > 10 {
                let x = F16(repeating: ap[10 &* ars])
                if V > 0 { c10_0 = c10_0.addingProduct(x, b0) }
                if V > 1 { c10_1 = c10_1.addingProduct(x, b1) }
                if V > 2 { c10_2 = c10_2.addingProduct(x, b2) }
                if V > 3 { c10_3 = c10_3.addingProduct(x, b3) }
                if V > 4 { c10_4 = c10_4.addingProduct(x, b4) }
                if V > 5 { c10_5 = c10_5.addingProduct(x, b5) }
                if V > 6 { c10_6 = c10_6.addingProduct(x, b6) }
                if V > 7 { c10_7 = c10_7.addingProduct(x, b7) }
            }
            if R > 11 {
                let x = F16(repeating: ap[11 &* ars])
                if V > 0 { c11_0 = c11_0.addingProduct(x, b0) }
                if V > 1 { c11_1 = c11_1.addingProduct(x, b1) }
                if V > 2 { c11_2 = c11_2.addingProduct(x, b2) }
                if V > 3 { c11_3 = c11_3.addingProduct(x, b3) }
                if V > 4 { c11_4 = c11_4.addingProduct(x, b4) }
                if V > 5 { c11_5 = c11_5.addingProduct(x, b5) }
                if V > 6 { c11_6 = c11_6.addingProduct(x, b6) }
                if V > 7 { c11_7 = c11_7.addingProduct(x, b7) }
            }
            ap += aps
            bp += bs
            p &+= 1
        }
        if R > 0 {
            let cr = c + 0 &* ldc
            if V > 0 { store16(c0_0, cr + 0) }
            if V > 1 { store16(c0_1, cr + 16) }
            if V > 2 { store16(c0_2, cr + 32) }
            if V > 3 { store16(c0_3, cr + 48) }
            if V > 4 { store16(c0_4, cr + 64) }
            if V > 5 { store16(c0_5, cr + 80) }
            if V > 6 { store16(c0_6, cr + 96) }
            if V > 7 { store16(c0_7, cr + 112) }
        }
        if R > 1 {
            let cr = c + 1 &* ldc
            if V > 0 { store16(c1_0, cr + 0) }
            if V > 1 { store16(c1_1, cr + 16) }
            if V > 2 { store16(c1_2, cr + 32) }
            if V > 3 { store16(c1_3, cr + 48) }
            if V > 4 { store16(c1_4, cr + 64) }
            if V > 5 { store16(c1_5, cr + 80) }
            if V > 6 { store16(c1_6, cr + 96) }
            if V > 7 { store16(c1_7, cr + 112) }
        }
        if R > 2 {
            let cr = c + 2 &* ldc
            if V > 0 { store16(c2_0, cr + 0) }
            if V > 1 { store16(c2_1, cr + 16) }
            if V > 2 { store16(c2_2, cr + 32) }
            if V > 3 { store16(c2_3, cr + 48) }
            if V > 4 { store16(c2_4, cr + 64) }
            if V > 5 { store16(c2_5, cr + 80) }
            if V > 6 { store16(c2_6, cr + 96) }
            if V > 7 { store16(c2_7, cr + 112) }
        }
        if R > 3 {
            let cr = c + 3 &* ldc
            if V > 0 { store16(c3_0, cr + 0) }
            if V > 1 { store16(c3_1, cr + 16) }
            if V > 2 { store16(c3_2, cr + 32) }
            if V > 3 { store16(c3_3, cr + 48) }
            if V > 4 { store16(c3_4, cr + 64) }
            if V > 5 { store16(c3_5, cr + 80) }
            if V > 6 { store16(c3_6, cr + 96) }
            if V > 7 { store16(c3_7, cr + 112) }
        }
        if R > 4 {
            let cr = c + 4 &* ldc
            if V > 0 { store16(c4_0, cr + 0) }
            if V > 1 { store16(c4_1, cr + 16) }
            if V > 2 { store16(c4_2, cr + 32) }
            if V > 3 { store16(c4_3, cr + 48) }
            if V > 4 { store16(c4_4, cr + 64) }
            if V > 5 { store16(c4_5, cr + 80) }
            if V > 6 { store16(c4_6, cr + 96) }
            if V > 7 { store16(c4_7, cr + 112) }
        }
        if R > 5 {
            let cr = c + 5 &* ldc
            if V > 0 { store16(c5_0, cr + 0) }
            if V > 1 { store16(c5_1, cr + 16) }
            if V > 2 { store16(c5_2, cr + 32) }
            if V > 3 { store16(c5_3, cr + 48) }
            if V > 4 { store16(c5_4, cr + 64) }
            if V > 5 { store16(c5_5, cr + 80) }
            if V > 6 { store16(c5_6, cr + 96) }
            if V > 7 { store16(c5_7, cr + 112) }
        }
        if R > 6 {
            let cr = c + 6 &* ldc
            if V > 0 { store16(c6_0, cr + 0) }
            if V > 1 { store16(c6_1, cr + 16) }
            if V > 2 { store16(c6_2, cr + 32) }
            if V > 3 { store16(c6_3, cr + 48) }
            if V > 4 { store16(c6_4, cr + 64) }
            if V > 5 { store16(c6_5, cr + 80) }
            if V > 6 { store16(c6_6, cr + 96) }
            if V > 7 { store16(c6_7, cr + 112) }
        }
        if R > 7 {
            let cr = c + 7 &* ldc
            if V > 0 { store16(c7_0, cr + 0) }
            if V > 1 { store16(c7_1, cr + 16) }
            if V > 2 { store16(c7_2, cr + 32) }
            if V > 3 { store16(c7_3, cr + 48) }
            if V > 4 { store16(c7_4, cr + 64) }
            if V > 5 { store16(c7_5, cr + 80) }
            if V > 6 { store16(c7_6, cr + 96) }
            if V > 7 { store16(c7_7, cr + 112) }
        }
        if R > 8 {
            let cr = c + 8 &* ldc
            if V > 0 { store16(c8_0, cr + 0) }
            if V > 1 { store16(c8_1, cr + 16) }
            if V > 2 { store16(c8_2, cr + 32) }
            if V > 3 { store16(c8_3, cr + 48) }
            if V > 4 { store16(c8_4, cr + 64) }
            if V > 5 { store16(c8_5, cr + 80) }
            if V > 6 { store16(c8_6, cr + 96) }
            if V > 7 { store16(c8_7, cr + 112) }
        }
        if R > 9 {
            let cr = c + 9 &* ldc
            if V > 0 { store16(c9_0, cr + 0) }
            if V > 1 { store16(c9_1, cr + 16) }
            if V > 2 { store16(c9_2, cr + 32) }
            if V > 3 { store16(c9_3, cr + 48) }
            if V > 4 { store16(c9_4, cr + 64) }
            if V > 5 { store16(c9_5, cr + 80) }
            if V > 6 { store16(c9_6, cr + 96) }
            if V > 7 { store16(c9_7, cr + 112) }
        }
        if R > 10 {
            let cr = c + 10 &* ldc
            if V > 0 { store16(c10_0, cr + 0) }
            if V > 1 { store16(c10_1, cr + 16) }
            if V > 2 { store16(c10_2, cr + 32) }
            if V > 3 { store16(c10_3, cr + 48) }
            if V > 4 { store16(c10_4, cr + 64) }
            if V > 5 { store16(c10_5, cr + 80) }
            if V > 6 { store16(c10_6, cr + 96) }
            if V > 7 { store16(c10_7, cr + 112) }
        }
        if R > 11 {
            let cr = c + 11 &* ldc
            if V > 0 { store16(c11_0, cr + 0) }
            if V > 1 { store16(c11_1, cr + 16) }
            if V > 2 { store16(c11_2, cr + 32) }
            if V > 3 { store16(c11_3, cr + 48) }
            if V > 4 { store16(c11_4, cr + 64) }
            if V > 5 { store16(c11_5, cr + 80) }
            if V > 6 { store16(c11_6, cr + 96) }
            if V > 7 { store16(c11_7, cr + 112) }
        }
    }

// MARK: - Dot-product kernel (vectors along k)

    /// C[R × S] (+)= A[R × k] · Bᵀ where A's rows (stride lda) and B's rows
    /// (stride ldb) are both contiguous along k: C[r, s] = Σ_p A[r, p]·B[s, p].
    /// Vectors run along k (16 at a time; the k mod 16 tail is done in scalar
    /// arithmetic and added at the end); the
    /// accumulators are then summed by `reduce16`, accumulator (r, s) landing in
    /// lane 8r + s (R = 2) or s (R = 1). Every output goes through the same
    /// `reduce16`, whatever the tile shape, so the bits do not depend on it.
    /// R is 1 (S ≤ 16) or 2 (S ≤ 8).
    @inline(__always)
    static func dtile(
        _ R: Int, _ S: Int, _ k: Int,
        _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var d0_0 = F16(); var d0_1 = F16(); var d0_2 = F16(); var d0_3 = F16(); var d0_4 = F16(); var d0_5 = F16(); var d0_6 = F16(); var d0_7 = F16(); var d0_8 = F16(); var d0_9 = F16(); var d0_10 = F16(); var d0_11 = F16(); var d0_12 = F16(); var d0_13 = F16(); var d0_14 = F16(); var d0_15 = F16();
        var d1_0 = F16(); var d1_1 = F16(); var d1_2 = F16(); var d1_3 = F16(); var d1_4 = F16(); var d1_5 = F16(); var d1_6 = F16(); var d1_7 = F16();
        let k16 = k & ~15
        var p = 0
        if R == 1 {
            // Four rows at a time: four sequential streams through B, one load
            // of a shared by four independent accumulation chains.
            if S > 0 {
                let row = b + 0 &* ldb
                var q = 0
                while q < k16 {
                    let x = load16(a + q)
                    if S > 0 { d0_0 = d0_0.addingProduct(x, load16(row + (q))) }
                    if S > 1 { d0_1 = d0_1.addingProduct(x, load16(row + (1 &* ldb &+ q))) }
                    if S > 2 { d0_2 = d0_2.addingProduct(x, load16(row + (2 &* ldb &+ q))) }
                    if S > 3 { d0_3 = d0_3.addingProduct(x, load16(row + (3 &* ldb &+ q))) }
                    q &+= 16
                }
            }
            if S > 4 {
                let row = b + 4 &* ldb
                var q = 0
                while q < k16 {
                    let x = load16(a + q)
                    if S > 4 { d0_4 = d0_4.addingProduct(x, load16(row + (q))) }
                    if S > 5 { d0_5 = d0_5.addingProduct(x, load16(row + (1 &* ldb &+ q))) }
                    if S > 6 { d0_6 = d0_6.addingProduct(x, load16(row + (2 &* ldb &+ q))) }
                    if S > 7 { d0_7 = d0_7.addingProduct(x, load16(row + (3 &* ldb &+ q))) }
                    q &+= 16
                }
            }
            if S > 8 {
                let row = b + 8 &* ldb
                var q = 0
                while q < k16 {
                    let x = load16(a + q)
                    if S > 8 { d0_8 = d0_8.addingProduct(x, load16(row + (q))) }
                    if S > 9 { d0_9 = d0_9.addingProduct(x, load16(row + (1 &* ldb &+ q))) }
                    if S > 10 { d0_10 = d0_10.addingProduct(x, load16(row + (2 &* ldb &+ q))) }
                    if S > 11 { d0_11 = d0_11.addingProduct(x, load16(row + (3 &* ldb &+ q))) }
                    q &+= 16
                }
            }
            if S > 12 {
                let row = b + 12 &* ldb
                var q = 0
                while q < k16 {
                    let x = load16(a + q)
                    if S > 12 { d0_12 = d0_12.addingProduct(x, load16(row + (q))) }
                    if S > 13 { d0_13 = d0_13.addingProduct(x, load16(row + (1 &* ldb &+ q))) }
                    if S > 14 { d0_14 = d0_14.addingProduct(x, load16(row + (2 &* ldb &+ q))) }
                    if S > 15 { d0_15 = d0_15.addingProduct(x, load16(row + (3 &* ldb &+ q))) }
                    q &+= 16
                }
            }
            p = k16
        }
        while p < k16 {
            let x0 = load16(a + p)
            let x1 = R > 1 ? load16(a + (lda &+ p)) : F16()
            if S > 0 {
                let y = load16(b + (0 &* ldb &+ p))
                d0_0 = d0_0.addingProduct(x0, y)
                if R > 1 { d1_0 = d1_0.addingProduct(x1, y) }
            }
            if S > 1 {
                let y = load16(b + (1 &* ldb &+ p))
                d0_1 = d0_1.addingProduct(x0, y)
                if R > 1 { d1_1 = d1_1.addingProduct(x1, y) }
            }
            if S > 2 {
                let y = load16(b + (2 &* ldb &+ p))
                d0_2 = d0_2.addingProduct(x0, y)
                if R > 1 { d1_2 = d1_2.addingProduct(x1, y) }
            }
            if S > 3 {
                let y = load16(b + (3 &* ldb &+ p))
                d0_3 = d0_3.addingProduct(x0, y)
                if R > 1 { d1_3 = d1_3.addingProduct(x1, y) }
            }
            if S > 4 {
                let y = load16(b + (4 &* ldb &+ p))
                d0_4 = d0_4.addingProduct(x0, y)
                if R > 1 { d1_4 = d1_4.addingProduct(x1, y) }
            }
            if S > 5 {
                let y = load16(b + (5 &* ldb &+ p))
                d0_5 = d0_5.addingProduct(x0, y)
                if R > 1 { d1_5 = d1_5.addingProduct(x1, y) }
            }
            if S > 6 {
                let y = load16(b + (6 &* ldb &+ p))
                d0_6 = d0_6.addingProduct(x0, y)
                if R > 1 { d1_6 = d1_6.addingProduct(x1, y) }
            }
            if S > 7 {
                let y = load16(b + (7 &* ldb &+ p))
                d0_7 = d0_7.addingProduct(x0, y)
                if R > 1 { d1_7 = d1_7.addingProduct(x1, y) }
            }
            if S > 8 {
                let y = load16(b + (8 &* ldb &+ p))
                d0_8 = d0_8.addingProduct(x0, y)
            }
            if S > 9 {
                let y = load16(b + (9 &* ldb &+ p))
                d0_9 = d0_9.addingProduct(x0, y)
            }
            if S > 10 {
                let y = load16(b + (10 &* ldb &+ p))
                d0_10 = d0_10.addingProduct(x0, y)
            }
            if S > 11 {
                let y = load16(b + (11 &* ldb &+ p))
                d0_11 = d0_11.addingProduct(x0, y)
            }
            if S > 12 {
                let y = load16(b + (12 &* ldb &+ p))
                d0_12 = d0_12.addingProduct(x0, y)
            }
            if S > 13 {
                let y = load16(b + (13 &* ldb &+ p))
                d0_13 = d0_13.addingProduct(x0, y)
            }
            if S > 14 {
                let y = load16(b + (14 &* ldb &+ p))
                d0_14 = d0_14.addingProduct(x0, y)
            }
            if S > 15 {
                let y = load16(b + (15 &* ldb &+ p))
                d0_15 = d0_15.addingProduct(x0, y)
            }
            p &+= 16
        }
        let sums = withUnsafeTemporaryAllocation(of: F16.self, capacity: 16) { buffer -> F16 in
            let v = buffer.baseAddress!
            if R == 1 {
                v[0] = d0_0
                v[1] = d0_1
                v[2] = d0_2
                v[3] = d0_3
                v[4] = d0_4
                v[5] = d0_5
                v[6] = d0_6
                v[7] = d0_7
                v[8] = d0_8
                v[9] = d0_9
                v[10] = d0_10
                v[11] = d0_11
                v[12] = d0_12
                v[13] = d0_13
                v[14] = d0_14
                v[15] = d0_15
            } else {
                v[0] = d0_0; v[8] = d1_0
                v[1] = d0_1; v[9] = d1_1
                v[2] = d0_2; v[10] = d1_2
                v[3] = d0_3; v[11] = d1_3
                v[4] = d0_4; v[12] = d1_4
                v[5] = d0_5; v[13] = d1_5
                v[6] = d0_6; v[14] = d1_6
                v[7] = d0_7; v[15] = d1_7
            }
            reduce16(v)
            return v[0]
        }
        if R == 1 && S == 16 {
            store16(accumulate ? load16(c) + sums : sums, c)
        } else if R == 2 && S == 8 {
            let c1 = c + ldc
            let v0 = accumulate ? UnsafeRawPointer(c).loadUnaligned(as: F8.self) + sums.lowHalf : sums.lowHalf
            let v1 = accumulate ? UnsafeRawPointer(c1).loadUnaligned(as: F8.self) + sums.highHalf : sums.highHalf
            UnsafeMutableRawPointer(c).storeBytes(of: v0, as: F8.self)
            UnsafeMutableRawPointer(c1).storeBytes(of: v1, as: F8.self)
        } else {
            var r = 0
            while r < R {
                let cr = c + r &* ldc
                var s = 0
                while s < S {
                    let v = sums[r &* 8 &+ s]
                    cr[s] = accumulate ? cr[s] + v : v
                    s &+= 1
                }
                r &+= 1
            }
        }
        // The last k mod 16 products, in scalar arithmetic, added afterwards (kept
        // out of the vector code so that it stays free of lane-by-lane shuffles).
        if k16 < k {
            var r = 0
            while r < R {
                var s = 0
                while s < S {
                    let ar = a + r &* lda, bs = b + s &* ldb
                    var t: Float = 0
                    var q = k16
                    while q < k { t = t.addingProduct(ar[q], bs[q]); q &+= 1 }
                    c[r &* ldc &+ s] += t
                    s &+= 1
                }
                r &+= 1
            }
        }
    }
}

// MARK: - Shape dispatch
//
// Each tile shape gets
// its own small non-inlined function, so the optimiser inlines the generic body
// into exactly one place per shape and folds it to straight-line code for that
// shape; a jump table picks the function at run time.

extension FloatKernels {
    /// Largest V (vectors of 16 columns) `vtileAny` accepts for R rows.
    @inline(__always) static func vtileMaxV(_ R: Int) -> Int { min(8, 24 / R) }

    typealias VTile = (
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int,
        _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) -> Void

    typealias DTile = (
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) -> Void

    /// `vtile` for any R in 1...12 and V in 1...vtileMaxV(R).
    static func vtileAny(
        _ R: Int, _ V: Int, _ kc: Int,
        _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int,
        _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        switch R &* 16 &+ V {
        case 17: vtile1x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 18: vtile1x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 19: vtile1x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 20: vtile1x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 21: vtile1x5(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 22: vtile1x6(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 23: vtile1x7(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 24: vtile1x8(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 33: vtile2x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 34: vtile2x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 35: vtile2x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 36: vtile2x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 37: vtile2x5(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 38: vtile2x6(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 39: vtile2x7(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 40: vtile2x8(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 49: vtile3x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 50: vtile3x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 51: vtile3x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 52: vtile3x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 53: vtile3x5(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 54: vtile3x6(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 55: vtile3x7(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 56: vtile3x8(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 65: vtile4x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 66: vtile4x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 67: vtile4x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 68: vtile4x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 69: vtile4x5(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 70: vtile4x6(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 81: vtile5x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 82: vtile5x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 83: vtile5x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 84: vtile5x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 97: vtile6x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 98: vtile6x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 99: vtile6x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 100: vtile6x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 113: vtile7x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 114: vtile7x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 115: vtile7x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 129: vtile8x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 130: vtile8x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 131: vtile8x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 145: vtile9x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 146: vtile9x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 161: vtile10x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 162: vtile10x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 177: vtile11x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 178: vtile11x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 193: vtile12x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        case 194: vtile12x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        default: preconditionFailure("vtileAny: unsupported tile shape")
        }
    }

    /// `dtile` for R = 1 with S in 1...16, or R = 2 with S in 1...8.
    static func dtileAny(
        _ R: Int, _ S: Int, _ k: Int,
        _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        switch R &* 16 &+ S {
        case 17: dtile1x1(k, a, lda, b, ldb, c, ldc, accumulate)
        case 18: dtile1x2(k, a, lda, b, ldb, c, ldc, accumulate)
        case 19: dtile1x3(k, a, lda, b, ldb, c, ldc, accumulate)
        case 20: dtile1x4(k, a, lda, b, ldb, c, ldc, accumulate)
        case 21: dtile1x5(k, a, lda, b, ldb, c, ldc, accumulate)
        case 22: dtile1x6(k, a, lda, b, ldb, c, ldc, accumulate)
        case 23: dtile1x7(k, a, lda, b, ldb, c, ldc, accumulate)
        case 24: dtile1x8(k, a, lda, b, ldb, c, ldc, accumulate)
        case 25: dtile1x9(k, a, lda, b, ldb, c, ldc, accumulate)
        case 26: dtile1x10(k, a, lda, b, ldb, c, ldc, accumulate)
        case 27: dtile1x11(k, a, lda, b, ldb, c, ldc, accumulate)
        case 28: dtile1x12(k, a, lda, b, ldb, c, ldc, accumulate)
        case 29: dtile1x13(k, a, lda, b, ldb, c, ldc, accumulate)
        case 30: dtile1x14(k, a, lda, b, ldb, c, ldc, accumulate)
        case 31: dtile1x15(k, a, lda, b, ldb, c, ldc, accumulate)
        case 32: dtile1x16(k, a, lda, b, ldb, c, ldc, accumulate)
        case 33: dtile2x1(k, a, lda, b, ldb, c, ldc, accumulate)
        case 34: dtile2x2(k, a, lda, b, ldb, c, ldc, accumulate)
        case 35: dtile2x3(k, a, lda, b, ldb, c, ldc, accumulate)
        case 36: dtile2x4(k, a, lda, b, ldb, c, ldc, accumulate)
        case 37: dtile2x5(k, a, lda, b, ldb, c, ldc, accumulate)
        case 38: dtile2x6(k, a, lda, b, ldb, c, ldc, accumulate)
        case 39: dtile2x7(k, a, lda, b, ldb, c, ldc, accumulate)
        case 40: dtile2x8(k, a, lda, b, ldb, c, ldc, accumulate)
        default: preconditionFailure("dtileAny: unsupported tile shape")
        }
    }

    @inline(never) static func vtile1x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x5(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 5, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x6(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 6, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x7(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 7, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile1x8(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(1, 8, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x5(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 5, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x6(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 6, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x7(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 7, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile2x8(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(2, 8, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x5(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 5, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x6(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 6, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x7(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 7, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile3x8(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(3, 8, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x5(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 5, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile4x6(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(4, 6, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile5x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(5, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile5x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(5, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile5x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(5, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile5x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(5, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile6x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(6, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile6x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(6, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile6x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(6, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile6x4(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(6, 4, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile7x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(7, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile7x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(7, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile7x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(7, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile8x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(8, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile8x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(8, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile8x3(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(8, 3, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile9x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(9, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile9x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(9, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile10x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(10, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile10x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(10, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile11x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(11, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile11x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(11, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile12x1(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(12, 1, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func vtile12x2(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { vtile(12, 2, kc, a, ars, aps, b, bs, c, ldc, accumulate) }

    @inline(never) static func dtile1x1(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 1, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x2(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 2, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x3(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 3, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x4(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 4, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x5(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 5, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x6(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 6, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x7(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 7, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x8(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 8, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x9(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 9, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x10(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 10, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x11(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 11, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x12(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 12, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x13(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 13, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x14(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 14, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x15(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 15, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile1x16(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(1, 16, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x1(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 1, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x2(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 2, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x3(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 3, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x4(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 4, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x5(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 5, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x6(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 6, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x7(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 7, k, a, lda, b, ldb, c, ldc, accumulate) }

    @inline(never) static func dtile2x8(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) { dtile(2, 8, k, a, lda, b, ldb, c, ldc, accumulate) }

}
