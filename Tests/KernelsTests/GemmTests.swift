import Dispatch
import Testing
@testable import Kernels

/// The tuned Float GEMM (`FloatKernels.gemm`, reached through `Gemm.run`)
/// against the definition evaluated in Double, over every transpose
/// combination, both betas, ragged sizes, padded leading dimensions, the
/// matrix-vector and small-dimension special paths, and products big enough to
/// be split over threads; plus bit-for-bit reproducibility.
@Suite struct GemmTests {
    /// Deterministic uniform values in [-1, 1) (SplitMix64), independent of RNNSim's RNG.
    struct Values {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 23) - 1
        }
        mutating func fill(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
    }

    struct Case: CustomStringConvertible {
        var transA: Bool, transB: Bool
        var m: Int, n: Int, k: Int
        var beta: Float
        /// Extra columns of padding in each leading dimension.
        var pad: Int = 0
        var description: String {
            "tA=\(transA) tB=\(transB) m=\(m) n=\(n) k=\(k) beta=\(beta) pad=\(pad)"
        }
        var aRows: Int { transA ? k : m }
        var aCols: Int { transA ? m : k }
        var bRows: Int { transB ? n : k }
        var bCols: Int { transB ? k : n }
        var lda: Int { max(aCols, 1) + pad }
        var ldb: Int { max(bCols, 1) + pad }
        var ldc: Int { n + pad }
    }

    struct Operands {
        var a: [Float], b: [Float], c: [Float]
    }

    /// Random operands; padding holds a sentinel, and C holds NaN when beta is
    /// 0 (it must be overwritten, never read).
    static func operands(_ t: Case, seed: UInt64) -> Operands {
        var v = Values(seed: seed)
        var a = v.fill(t.aRows * t.lda), b = v.fill(t.bRows * t.ldb), c = v.fill(t.m * t.ldc)
        for r in 0..<t.aRows { for q in t.aCols..<t.lda { a[r * t.lda + q] = 1e30 } }
        for r in 0..<t.bRows { for q in t.bCols..<t.ldb { b[r * t.ldb + q] = 1e30 } }
        for r in 0..<t.m {
            for q in 0..<t.ldc { if q >= t.n { c[r * t.ldc + q] = -7 } else if t.beta == 0 { c[r * t.ldc + q] = .nan } }
        }
        return Operands(a: a, b: b, c: c)
    }

    /// C through the Float kernels (`Gemm.run`).
    /// `descending`: a single row reads B's rows last to first (`FloatKernels.gemm`).
    static func fast(_ t: Case, _ o: Operands, descending: Bool = false) -> [Float] {
        var c = o.c
        o.a.withUnsafeBufferPointer { a in
            o.b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    Gemm.run(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k,
                             a: a.baseAddress!, lda: t.lda, b: b.baseAddress!, ldb: t.ldb,
                             beta: t.beta, c: c.baseAddress!, ldc: t.ldc, descending: descending)
                }
            }
        }
        return c
    }

    /// Compares against `Gemm.reference` in Double. Returns a failure message or nil.
    static func check(_ t: Case, seed: UInt64 = 1) -> String? {
        let o = operands(t, seed: seed)
        let got = fast(t, o)
        let a = o.a.map(Double.init), b = o.b.map(Double.init)
        var want = o.c.map(Double.init)
        var scale = [Double](repeating: 0, count: t.m * t.ldc)  // Σ|a||b| + |c|: the size of the rounding
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                want.withUnsafeMutableBufferPointer { c in
                    Gemm.reference(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k,
                                   a: a.baseAddress!, lda: t.lda, b: b.baseAddress!, ldb: t.ldb,
                                   beta: Double(t.beta), c: c.baseAddress!, ldc: t.ldc)
                }
                let absA = a.map(abs), absB = b.map(abs)
                let c0 = o.c.map { t.beta == 0 || $0.isNaN ? 0 : Double(abs($0)) }
                absA.withUnsafeBufferPointer { aa in
                    absB.withUnsafeBufferPointer { bb in
                        scale.withUnsafeMutableBufferPointer { s in
                            for i in 0..<(t.m * t.ldc) { s[i] = c0[i] }
                            Gemm.reference(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k,
                                           a: aa.baseAddress!, lda: t.lda, b: bb.baseAddress!, ldb: t.ldb,
                                           beta: 1, c: s.baseAddress!, ldc: t.ldc)
                        }
                    }
                }
            }
        }
        for i in 0..<t.m {
            for j in 0..<t.ldc {
                let q = i * t.ldc + j
                if j >= t.n {
                    if got[q] != -7 { return "\(t): padding of C at (\(i), \(j)) overwritten with \(got[q])" }
                    continue
                }
                let err = abs(Double(got[q]) - want[q])
                if !(err <= 1e-4 * scale[q] + 1e-6) {
                    return "\(t): C[\(i), \(j)] = \(got[q]), expected \(want[q]) (scale \(scale[q]))"
                }
            }
        }
        return nil
    }

    static let transposes = [(false, false), (false, true), (true, false), (true, true)]

    @Test func smallAndRaggedShapes() {
        let sizes = [1, 3, 7, 15, 17, 33]
        var failures: [String] = []
        for (ta, tb) in Self.transposes {
            for beta: Float in [0, 1] {
                for m in sizes {
                    for n in sizes {
                        for k in [1, 7, 16, 17, 33] {
                            let pad = (m + n + k) % 3
                            if let f = Self.check(Case(transA: ta, transB: tb, m: m, n: n, k: k, beta: beta, pad: pad)) {
                                failures.append(f)
                            }
                        }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
    }

    @Test func largerOddShapes() {
        let shapes = [(65, 129, 33), (129, 65, 17), (33, 129, 129), (129, 33, 65), (65, 65, 300), (17, 129, 513)]
        var failures: [String] = []
        for (ta, tb) in Self.transposes {
            for beta: Float in [0, 1] {
                for (m, n, k) in shapes {
                    if let f = Self.check(Case(transA: ta, transB: tb, m: m, n: n, k: k, beta: beta, pad: 5)) {
                        failures.append(f)
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
    }

    /// One row of C: the per-timestep products at batch 1, including a column
    /// vector A (transA with lda 1) and a strided one.
    @Test func matrixVector() {
        var failures: [String] = []
        for (ta, tb) in Self.transposes {
            for beta: Float in [0, 1] {
                for (n, k) in [(1, 1), (7, 15), (17, 16), (33, 33), (128, 128), (129, 65), (200, 257), (300, 31)] {
                    for pad in [0, 3] {
                        if let f = Self.check(Case(transA: ta, transB: tb, m: 1, n: n, k: k, beta: beta, pad: pad)) {
                            failures.append(f)
                        }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
    }

    /// Shapes of an RNN iteration: readouts and input projections with few
    /// columns or a short k, and gradient products with a long k.
    @Test func rnnShapes() {
        let cases = [
            Case(transA: false, transB: true, m: 200, n: 8, k: 64, beta: 0),   // readout y = h W_outᵀ
            Case(transA: false, transB: true, m: 200, n: 64, k: 8, beta: 0),   // input projection x W_ihᵀ
            Case(transA: false, transB: false, m: 200, n: 64, k: 8, beta: 1),  // dh += dy W_out
            Case(transA: true, transB: false, m: 8, n: 64, k: 200, beta: 0),   // dW_out = dyᵀ h
            Case(transA: true, transB: false, m: 64, n: 8, k: 200, beta: 1),   // dW_ih += daᵀ x
            Case(transA: true, transB: false, m: 64, n: 5, k: 300, beta: 0),
            Case(transA: true, transB: true, m: 70, n: 3, k: 40, beta: 1),
            Case(transA: false, transB: false, m: 4, n: 64, k: 64, beta: 1),   // batch 4 step
            Case(transA: false, transB: true, m: 4, n: 64, k: 64, beta: 1),
            // readouts of every step of a long run: more rows than one transposed block
            Case(transA: false, transB: true, m: 9000, n: 8, k: 16, beta: 1),
            Case(transA: true, transB: false, m: 9000, n: 3, k: 24, beta: 0),
        ]
        var failures: [String] = []
        for t in cases {
            for pad in [0, 2] {
                var t = t
                t.pad = pad
                if let f = Self.check(t) { failures.append(f) }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
    }

    /// k = 0: C = beta·C, i.e. zeros for beta 0 (even over NaN), unchanged for 1.
    @Test func emptyInnerDimension() {
        for (ta, tb) in Self.transposes {
            for beta: Float in [0, 1] {
                for (m, n) in [(1, 5), (3, 17), (40, 3)] {
                    let t = Case(transA: ta, transB: tb, m: m, n: n, k: 0, beta: beta, pad: 2)
                    let o = Self.operands(t, seed: 3)
                    let got = Self.fast(t, o)
                    for i in 0..<m {
                        for j in 0..<n {
                            let q = i * t.ldc + j
                            #expect(beta == 0 ? got[q] == 0 : got[q] == o.c[q], "\(t) at (\(i), \(j))")
                        }
                        for j in n..<t.ldc { #expect(got[i * t.ldc + j] == -7) }
                    }
                }
            }
        }
    }

    /// Products big enough to be split over the cores.
    @Test func threadedShapes() {
        let cases = [
            Case(transA: false, transB: true, m: 64, n: 256, k: 256, beta: 1, pad: 3),    // forward step, batch 64
            Case(transA: false, transB: false, m: 64, n: 256, k: 256, beta: 1, pad: 0),   // backward step
            Case(transA: true, transB: false, m: 200, n: 136, k: 300, beta: 0, pad: 1),   // dW, long k
            Case(transA: false, transB: false, m: 700, n: 100, k: 40, beta: 1, pad: 0),   // tall: split by rows
            Case(transA: true, transB: true, m: 100, n: 129, k: 150, beta: 0, pad: 2),
            Case(transA: false, transB: true, m: 1, n: 600, k: 600, beta: 1, pad: 0),     // large matrix-vector
            Case(transA: false, transB: false, m: 1, n: 600, k: 600, beta: 0, pad: 1),
        ]
        var failures: [String] = []
        for t in cases {
            if let f = Self.check(t, seed: 7) { failures.append(f) }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
    }

    /// Same inputs, same bits; and a product split over threads equals the same
    /// product computed in small (single-threaded) row blocks, bit for bit:
    /// every element is summed in an order that does not depend on the split.
    @Test func deterministicAcrossRunsAndSplits() {
        // Wide (split by columns) and square (split by rows when A is transposed: ∂W_hh)
        for (ta, tb, m, n) in Self.transposes.flatMap({ [($0.0, $0.1, 96, 160), ($0.0, $0.1, 160, 144)] }) {
            for beta: Float in [0, 1] {
                let t = Case(transA: ta, transB: tb, m: m, n: n, k: 192, beta: beta, pad: 1)
                #expect(t.m * t.n * t.k >= FloatKernels.parallelWork)
                let o = Self.operands(t, seed: 11)
                let first = Self.fast(t, o)
                let second = Self.fast(t, o)
                #expect(first.map(\.bitPattern) == second.map(\.bitPattern), "\(t): two runs differ")

                // Rows 8 at a time: each call is far below the threading threshold.
                var blocks = o.c
                o.a.withUnsafeBufferPointer { a in
                    o.b.withUnsafeBufferPointer { b in
                        blocks.withUnsafeMutableBufferPointer { c in
                            for i0 in stride(from: 0, to: t.m, by: 8) {
                                let rows = min(8, t.m - i0)
                                let aBlock = a.baseAddress! + (ta ? i0 : i0 * t.lda)
                                Gemm.run(transA: ta, transB: tb, m: rows, n: t.n, k: t.k,
                                         a: aBlock, lda: t.lda, b: b.baseAddress!, ldb: t.ldb,
                                         beta: beta, c: c.baseAddress! + i0 * t.ldc, ldc: t.ldc)
                            }
                        }
                    }
                }
                #expect(first.map(\.bitPattern) == blocks.map(\.bitPattern), "\(t): threaded and blocked differ")
            }
        }
    }

    /// Subnormal inputs (vanishing gradients) are flushed to zero inside the
    /// product, which stays correct to within that flush, and the caller's
    /// floating-point environment is restored afterwards.
    @Test func subnormalInputs() {
        let tiny = Float.leastNormalMagnitude / 8  // subnormal
        for (m, n, k) in [(1, 128, 128), (4, 64, 64), (64, 128, 128)] {
            for tb in [false, true] {
                let t = Case(transA: false, transB: tb, m: m, n: n, k: k, beta: 1)
                var o = Self.operands(t, seed: 13)
                o.a = o.a.enumerated().map { $0.offset % 3 == 0 ? tiny : $0.element * 1e-30 }
                o.c = o.c.map { $0 * tiny }
                let got = Self.fast(t, o)
                // Reference in Double: the flushed terms are below 1e-36 in all.
                for i in 0..<m {
                    for j in 0..<n {
                        var want = Double(o.c[i * t.ldc + j]), scale = abs(want)
                        for p in 0..<k {
                            let bv = Double(tb ? o.b[j * t.ldb + p] : o.b[p * t.ldb + j])
                            want += Double(o.a[i * t.lda + p]) * bv
                            scale += abs(Double(o.a[i * t.lda + p]) * bv)
                        }
                        let err = abs(Double(got[i * t.ldc + j]) - want)
                        #expect(err <= 1e-4 * scale + 1e-36, "\(t): C[\(i), \(j)] = \(got[i * t.ldc + j]), expected \(want)")
                    }
                }
            }
        }
        // Not flushed out here: halving the smallest normal gives a subnormal.
        let smallest = Float.leastNormalMagnitude
        #expect(Self.halved(smallest) > 0)
        #expect(Denormals.flushed { Self.halved(smallest) } == 0 || !Self.isX86)
        #expect(Self.halved(smallest) > 0)
    }

    /// x / 2 done at run time, under whatever flush mode is in force: an optimised
    /// build would otherwise fold a constant's half at compile time.
    @_optimize(none)
    static func halved(_ x: Float) -> Float { x / 2 }

    static var isX86: Bool {
        #if arch(x86_64)
        return true
        #else
        return false
        #endif
    }

    /// The matrix-vector path split over threads equals one column block at a time.
    @Test func deterministicMatrixVector() {
        for tb in [false, true] {
            let t = Case(transA: false, transB: tb, m: 1, n: 640, k: 512, beta: 1)
            let o = Self.operands(t, seed: 5)
            let whole = Self.fast(t, o)
            #expect(whole.map(\.bitPattern) == Self.fast(t, o).map(\.bitPattern))
            var pieces = o.c
            o.a.withUnsafeBufferPointer { a in
                o.b.withUnsafeBufferPointer { b in
                    pieces.withUnsafeMutableBufferPointer { c in
                        for j0 in stride(from: 0, to: t.n, by: 64) {
                            let bBlock = b.baseAddress! + (tb ? j0 * t.ldb : j0)
                            Gemm.run(transA: false, transB: tb, m: 1, n: 64, k: t.k,
                                     a: a.baseAddress!, lda: t.lda, b: bBlock, ldb: t.ldb,
                                     beta: 1, c: c.baseAddress! + j0, ldc: t.ldc)
                        }
                    }
                }
            }
            #expect(whole.map(\.bitPattern) == pieces.map(\.bitPattern), "transB=\(tb)")
        }
    }

    /// A single row against the rows of B read last to first (which `PackedOperand`
    /// alternates where W_hh's rows are not whole vectors, to find the last
    /// product's rows still in L1) gives the same
    /// bits: the same blocks of columns, each its own sum. Ragged widths, one core
    /// and both (n·k ≥ 2^15).
    @Test func rowsOfBInEitherOrderGiveTheSameBits() {
        for (n, k) in [(16, 16), (100, 128), (128, 128), (200, 300), (640, 512)] {
            for beta: Float in [0, 1] {
                let t = Case(transA: false, transB: true, m: 1, n: n, k: k, beta: beta)
                let o = Self.operands(t, seed: 23)
                #expect(Self.fast(t, o, descending: true).map(\.bitPattern) == Self.fast(t, o).map(\.bitPattern), "\(t)")
            }
        }
    }

    /// A single row against Bᵀ through `PackedOperand` (the forward step at
    /// batch 1): B transposed once per load and read as a broadcast product,
    /// alternating its order, gives the bits of `Gemm.run` on the transpose
    /// written out in the same order (which
    /// `aRowTimesBDescendingSumsFromTheLastTerm` holds to the chain of fused
    /// multiply-adds); a width that is not whole vectors keeps the dot
    /// kernel's bits in either order.
    @Test func aSingleRowAgainstBTransposedIsABroadcastProductInEitherOrder() {
        for (n, k) in [(16, 16), (100, 128), (128, 128), (128, 100), (200, 300), (640, 512)] {
            for beta: Float in [0, 1] {
                let t = Case(transA: false, transB: true, m: 1, n: n, k: k, beta: beta)
                let o = Self.operands(t, seed: 23)
                let operand = PackedOperand<Float>(k: k, n: n, transB: true, rows: 1)
                for call in 0..<4 {
                    let descending = call % 2 == 1
                    let want = n % 16 == 0 ? Self.timesTransposed(t, o, descending: descending) : Self.fast(t, o)
                    var got = o.c
                    o.a.withUnsafeBufferPointer { a in
                        o.b.withUnsafeBufferPointer { b in
                            got.withUnsafeMutableBufferPointer { c in
                                operand.load(b.baseAddress!, ldb: t.ldb)
                                operand.product(m: 1, a: a.baseAddress!, lda: t.lda, beta: beta, c: c.baseAddress!, ldc: t.ldc,
                                                descending: descending)
                            }
                        }
                    }
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(t), call \(call)")
                }
            }
        }
    }

    /// C through `Gemm.run` with op(B) = Bᵀ written out as a k × n matrix (one row of A against Bᵀ:
    /// t.m 1 and t.transB, so that dropping the padding moves nothing that is read).
    static func timesTransposed(_ t: Case, _ o: Operands, descending: Bool) -> [Float] {
        precondition(t.m == 1 && t.transB)
        var bt = [Float](repeating: 0, count: t.k * t.n)
        for j in 0..<t.n { for p in 0..<t.k { bt[p * t.n + j] = o.b[j * t.ldb + p] } }
        var flipped = t
        (flipped.transB, flipped.pad) = (false, 0)
        return fast(flipped, Operands(a: o.a, b: bt, c: o.c), descending: descending)
    }

    /// A single row times B (in place) read descending sums every element from
    /// its last term: bit for bit the chain of fused multiply-adds
    /// c ← fma(a_p, b_pj, c) for p = k − 1 … 0, starting from c (beta 1) or 0.
    /// Widths of 8 vectors (the batch-1 step at H 128) and others, several k
    /// blocks, one core and both, and a packed operand alternating its order.
    @Test func aRowTimesBDescendingSumsFromTheLastTerm() {
        for (n, k) in [(128, 128), (128, 600), (64, 100), (256, 256), (640, 512)] {
            for beta: Float in [0, 1] {
                let t = Case(transA: false, transB: false, m: 1, n: n, k: k, beta: beta)
                let o = Self.operands(t, seed: 29)
                var want = o.c
                for j in 0..<n {
                    var s: Float = beta == 0 ? 0 : o.c[j]
                    for p in stride(from: k - 1, through: 0, by: -1) { s = s.addingProduct(o.a[p], o.b[p * t.ldb + j]) }
                    want[j] = s
                }
                #expect(Self.fast(t, o, descending: true).map(\.bitPattern) == want.map(\.bitPattern), "\(t)")
                let ascending = Self.fast(t, o)
                let operand = PackedOperand<Float>(k: k, n: n, transB: false, rows: 1)
                for call in 0..<4 {
                    var again = o.c
                    o.a.withUnsafeBufferPointer { a in
                        o.b.withUnsafeBufferPointer { b in
                            again.withUnsafeMutableBufferPointer { c in
                                operand.load(b.baseAddress!, ldb: t.ldb)
                                operand.product(m: 1, a: a.baseAddress!, lda: t.lda, beta: beta, c: c.baseAddress!, ldc: t.ldc,
                                                descending: call % 2 == 1)
                            }
                        }
                    }
                    let expected = call % 2 == 1 ? want : ascending
                    #expect(again.map(\.bitPattern) == expected.map(\.bitPattern), "\(t), call \(call)")
                }
            }
        }
    }

    /// A single row against B read in place (the backward step at batch 1), with
    /// B starting anywhere in a cache line and its rows whole lines apart or not:
    /// a B off a line is copied to one on each load, and every placement gives
    /// the bits of the descending chain of fused multiply-adds
    /// (`aRowTimesBDescendingSumsFromTheLastTerm`), load after load.
    @Test func aSingleRowAgainstBGivesTheSameBitsWhereverBStarts() {
        for (n, k, pad) in [(128, 128, 0), (64, 100, 0), (128, 128, 3), (256, 200, 16)] {
            let t = Case(transA: false, transB: false, m: 1, n: n, k: k, beta: 1, pad: pad)
            let o = Self.operands(t, seed: 31)
            var want = o.c
            for j in 0..<n {
                var s = o.c[j]
                for p in stride(from: k - 1, through: 0, by: -1) { s = s.addingProduct(o.a[p], o.b[p * t.ldb + j]) }
                want[j] = s
            }
            let operand = PackedOperand<Float>(k: k, n: n, transB: false, rows: 1)
            let line = AlignedMemory.alignment / MemoryLayout<Float>.stride
            let storage = AlignedMemory.allocate(Float.self, capacity: o.b.count + line)
            defer { storage.deallocate() }
            for offset in 0..<line {
                let b = storage + offset
                b.update(from: o.b, count: o.b.count)
                #expect(AlignedMemory.isAligned(b) == (offset == 0))
                for call in 0..<2 {
                    var got = o.c
                    o.a.withUnsafeBufferPointer { a in
                        got.withUnsafeMutableBufferPointer { c in
                            operand.load(b, ldb: t.ldb)
                            operand.product(m: 1, a: a.baseAddress!, lda: t.lda, beta: 1, c: c.baseAddress!, ldc: t.ldc,
                                            descending: true)
                        }
                    }
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(t), offset \(offset), call \(call)")
                }
            }
        }
    }

    /// C as the kernels must compute it: each element one chain of fused multiply-adds over
    /// k in order, from C (beta 1) or from zero.
    static func fmaChains(_ t: Case, _ o: Operands) -> [Float] {
        var want = o.c
        for i in 0..<t.m {
            for j in 0..<t.n {
                var s: Float = t.beta == 0 ? 0 : o.c[i * t.ldc + j]
                for p in 0..<t.k {
                    s = s.addingProduct(t.transA ? o.a[p * t.lda + i] : o.a[i * t.lda + p],
                                        t.transB ? o.b[j * t.ldb + p] : o.b[p * t.ldb + j])
                }
                want[i * t.ldc + j] = s
            }
        }
        return want
    }

    /// Small products with B stored by rows and whole vectors of columns read
    /// both operands in place (`inPlaceProduct`, batch 1's ∂W_hh): every element
    /// is still the chain of fused multiply-adds over k in order, bit for bit,
    /// across k blocks (k > kc) and both layouts of A.
    @Test func smallProductsReadInPlaceSumEachElementInOrder() {
        for (m, n, k, ta) in [(12, 32, 100, true), (16, 128, 100, true), (13, 48, 300, false), (24, 64, 33, false), (7, 16, 16, true)] {
            for beta: Float in [0, 1] {
                let t = Case(transA: ta, transB: false, m: m, n: n, k: k, beta: beta)
                #expect(k * n <= FloatKernels.inPlaceFloats && m * k <= FloatKernels.inPlaceFloats && n % 16 == 0)
                let o = Self.operands(t, seed: 31)
                #expect(Self.fast(t, o).map(\.bitPattern) == Self.fmaChains(t, o).map(\.bitPattern), "\(t)")
            }
        }
    }

    /// A few rows of A stored by rows (a recurrence step's rows on one core) read in place,
    /// and B stored by rows read in place (rows up to 1024 floats apart, whole vectors) or
    /// packed (transposed, ragged, or rows further apart), in products too large for
    /// `inPlaceProduct`: each element is still the chain of fused multiply-adds over k in
    /// order, bit for bit, across k blocks, and for many rows of A too.
    @Test func operandsReadInPlaceSumEachElementInOrder() {
        let cases = [(16, 256, 300, false), (16, 256, 300, true), (5, 250, 270, true), (9, 520, 140, false),
                     (7, 250, 300, false), (6, 1040, 70, false), (40, 256, 300, false), (40, 1040, 70, false)]
        for (m, n, k, tb) in cases {
            for beta: Float in [0, 1] {
                let t = Case(transA: false, transB: tb, m: m, n: n, k: k, beta: beta, pad: 1)
                #expect(k * n > FloatKernels.inPlaceFloats, "too large for inPlaceProduct")
                let o = Self.operands(t, seed: 37)
                #expect(Self.fast(t, o).map(\.bitPattern) == Self.fmaChains(t, o).map(\.bitPattern), "\(t)")
            }
        }
    }

    /// W_hh packed once per pass (`PackedOperand`) gives the same bits as
    /// `Gemm.run` packing it at every product (which `check` holds to the
    /// definition): several k blocks, ragged panels, threaded sizes, one row.
    @Test func packedOperandMatchesGemm() {
        for tb in [false, true] {
            for beta: Float in [0, 1] {
                for (m, n, k) in [(1, 64, 64), (2, 17, 16), (5, 40, 300), (12, 33, 33), (13, 40, 40), (16, 256, 256),
                                  (28, 64, 300), (32, 256, 256), (64, 129, 513)] {
                    let t = Case(transA: false, transB: tb, m: m, n: n, k: k, beta: beta, pad: 3)
                    #expect(Self.check(t, seed: 17) == nil)
                    let o = Self.operands(t, seed: 17)
                    // A single row against Bᵀ: the broadcast product with Bᵀ written out (`PackedOperand`'s copy)
                    let want = m == 1 && tb ? Self.timesTransposed(t, o, descending: false) : Self.fast(t, o)
                    // split: over the helper threads as Gemm.run would; not: on this thread alone
                    for split in [true, false] {
                        var got = o.c
                        let operand = PackedOperand<Float>(k: k, n: n, transB: tb, rows: m)
                        o.a.withUnsafeBufferPointer { a in
                            o.b.withUnsafeBufferPointer { b in
                                got.withUnsafeMutableBufferPointer { c in
                                    operand.load(b.baseAddress!, ldb: t.ldb)
                                    operand.product(m: m, a: a.baseAddress!, lda: t.lda, beta: beta, c: c.baseAddress!, ldc: t.ldc,
                                                    split: split)
                                }
                            }
                        }
                        #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(t) split: \(split)")
                    }
                }
            }
        }
    }

    /// Several threads at once: one holds the helper threads, the others run
    /// their pieces inline. Every product still gives the bits of a product
    /// run alone (pieces are disjoint blocks of C, whoever computes them).
    @Test func concurrentCallersGetTheSameBits() {
        let t = Case(transA: false, transB: true, m: 32, n: 256, k: 128, beta: 1, pad: 1)
        #expect(FloatKernels.threads(m: t.m, n: t.n, k: t.k) == KernelThreads.count)
        let o = Self.operands(t, seed: 23)
        let alone = Self.fast(t, o).map(\.bitPattern)
        let callers = 4, rounds = 10
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: callers * rounds)
        defer { results.deallocate() }
        let box = UncheckedResults(results)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds {
                box.pointer[caller * rounds + round] = Self.fast(t, o).map(\.bitPattern) == alone
            }
        }
        #expect(results.allSatisfy { $0 }, "\(results.filter { !$0 }.count) of \(callers * rounds) products differ")
    }

    struct UncheckedResults: @unchecked Sendable {
        let pointer: UnsafeMutableBufferPointer<Bool>
        init(_ p: UnsafeMutableBufferPointer<Bool>) { pointer = p }
    }
}
