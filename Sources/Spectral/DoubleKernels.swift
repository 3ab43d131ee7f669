import Kernels
/// The Double products of the spectral measurements (Arnoldi for ρ, Lanczos
/// for σ_max): y = A x by rows, the projections c = Vᵀw of Gram–Schmidt and
/// the update w −= V c. Eight lanes of Double per FMA, several rows per pass
/// so that each load of x feeds several rows, and both cores for the large
/// matrix–vector products.
///
/// A Float matrix is read as Float and widened in registers: Double(a) is
/// exact, so the product is the one of the Double matrix at half the memory
/// traffic (at H = 1024 the matrix then fits in the caches of the two cores).
///
/// Every y_i is summed in one fixed order (two 8-lane partial sums over
/// 16-element chunks, then the tail), whichever pass, piece or thread
/// computes it, so the bits never depend on the split.
enum DoubleKernels {
    typealias D8 = SIMD8<Double>

    /// y[i] = A[i, 0..<n] · x for i in `rows` (rows of A `lda` apart).
    static func rowDots<E: MatrixEntry>(_ a: UnsafePointer<E>, lda: Int, rows: Range<Int>, n: Int,
                                        x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        var i = rows.lowerBound
        // Four rows per pass: each 16 entries of x are loaded once for eight FMAs.
        while i &+ 4 <= rows.upperBound {
            let r0 = a + i &* lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda
            var s00 = D8(), s01 = D8(), s10 = D8(), s11 = D8(), s20 = D8(), s21 = D8(), s30 = D8(), s31 = D8()
            var j = 0
            while j &+ 16 <= n {
                let x0 = load(x + j), x1 = load(x + (j &+ 8))
                s00.addProduct(E.load8(r0 + j), x0); s01.addProduct(E.load8(r0 + (j &+ 8)), x1)
                s10.addProduct(E.load8(r1 + j), x0); s11.addProduct(E.load8(r1 + (j &+ 8)), x1)
                s20.addProduct(E.load8(r2 + j), x0); s21.addProduct(E.load8(r2 + (j &+ 8)), x1)
                s30.addProduct(E.load8(r3 + j), x0); s31.addProduct(E.load8(r3 + (j &+ 8)), x1)
                j &+= 16
            }
            y[i] = finish(s00, s01, r0, x, from: j, n)
            y[i &+ 1] = finish(s10, s11, r1, x, from: j, n)
            y[i &+ 2] = finish(s20, s21, r2, x, from: j, n)
            y[i &+ 3] = finish(s30, s31, r3, x, from: j, n)
            i &+= 4
        }
        while i < rows.upperBound {
            let r0 = a + i &* lda
            var s0 = D8(), s1 = D8()
            var j = 0
            while j &+ 16 <= n {
                s0.addProduct(E.load8(r0 + j), load(x + j)); s1.addProduct(E.load8(r0 + (j &+ 8)), load(x + (j &+ 8)))
                j &+= 16
            }
            y[i] = finish(s0, s1, r0, x, from: j, n)
            i &+= 1
        }
    }

    /// The two partial sums and the tail j..<n of one row's dot product, always in this order.
    @inline(__always)
    private static func finish<E: MatrixEntry>(_ s0: D8, _ s1: D8, _ r: UnsafePointer<E>, _ x: UnsafePointer<Double>,
                                               from j0: Int, _ n: Int) -> Double {
        var s = (s0 + s1).sum()
        var j = j0
        while j < n { s += r[j].double * x[j]; j &+= 1 }
        return s
    }

    /// w[0..<n] −= Σ_j c[j] · v_j for the k vectors v_j = v + j·ldv: the update
    /// of Gram–Schmidt, reading w once for all k vectors.
    static func subtractCombination<E: MatrixEntry>(_ v: UnsafePointer<E>, ldv: Int, count k: Int, _ c: UnsafePointer<Double>,
                                                    from w: UnsafeMutablePointer<Double>, n: Int) {
        var i = 0
        while i &+ 32 <= n {
            var w0 = load(w + i), w1 = load(w + (i &+ 8)), w2 = load(w + (i &+ 16)), w3 = load(w + (i &+ 24))
            for j in 0..<k {
                let vj = v + j &* ldv + i, cj = D8(repeating: -c[j])
                w0.addProduct(cj, E.load8(vj)); w1.addProduct(cj, E.load8(vj + 8))
                w2.addProduct(cj, E.load8(vj + 16)); w3.addProduct(cj, E.load8(vj + 24))
            }
            store(w0, w + i); store(w1, w + (i &+ 8)); store(w2, w + (i &+ 16)); store(w3, w + (i &+ 24))
            i &+= 32
        }
        while i &+ 8 <= n {
            var w0 = load(w + i)
            for j in 0..<k { w0.addProduct(D8(repeating: -c[j]), E.load8(v + j &* ldv + i)) }
            store(w0, w + i)
            i &+= 8
        }
        while i < n {
            var s = w[i]
            for j in 0..<k { s = s.addingProduct(-c[j], v[j &* ldv + i].double) }  // an FMA, as in the lanes
            w[i] = s
            i &+= 1
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> D8 { UnsafeRawPointer(p).loadUnaligned(as: D8.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Double>) -> D8 { UnsafeRawPointer(p).loadUnaligned(as: D8.self) }
    @inline(__always) static func store(_ v: D8, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: D8.self)
    }
}

/// The entry types a matrix of the spectral measurements may hold: read eight
/// at a time as Double.
protocol MatrixEntry {
    static func load8(_ p: UnsafePointer<Self>) -> SIMD8<Double>
    var double: Double { get }
}

extension Double: MatrixEntry {
    @inline(__always) static func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }
    @inline(__always) var double: Double { self }
}

extension Float: MatrixEntry {
    @inline(__always) static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Double> {
        SIMD8<Double>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self))
    }
    @inline(__always) var double: Double { Double(self) }
}

extension DoubleKernels {
    /// y = A x for a row-major m×n matrix; over both cores when it is large
    /// enough to pay for the hand-over (pieces of rows, each row summed as
    /// `rowDots` always sums it).
    static func matVec<E: MatrixEntry>(_ a: UnsafePointer<E>, _ m: Int, _ n: Int,
                                       _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        let parts = m &* n >= splitAbove ? KernelThreads.count : 1
        if parts <= 1 { return rowDots(a, lda: n, rows: 0..<m, n: n, x: x, y: y) }
        let job = RowDotsJob(a: UnsafeRawPointer(a), float: E.self == Float.self, transposed: false, m: m, n: n, x: x, y: y)
        Denormals.flushed { split(job, parts: parts) }
    }

    /// y = Aᵀ x for a row-major m×n matrix: y = Σ_i x_i a_i, over both cores
    /// when large (pieces of columns of A, each y_j summed in the same order).
    static func matTVec<E: MatrixEntry>(_ a: UnsafePointer<E>, _ m: Int, _ n: Int,
                                        _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        let parts = m &* n >= splitAbove ? KernelThreads.count : 1
        let minusX = UnsafeMutablePointer<Double>.allocate(capacity: m)
        defer { minusX.deallocate() }
        for i in 0..<m { minusX[i] = -x[i] }
        if parts <= 1 {
            y.update(repeating: 0, count: n)
            return subtractCombination(a, ldv: n, count: m, minusX, from: y, n: n)
        }
        let job = RowDotsJob(a: UnsafeRawPointer(a), float: E.self == Float.self, transposed: true, m: m, n: n,
                             x: UnsafePointer(minusX), y: y)
        Denormals.flushed { split(job, parts: parts) }
    }

    private static func split(_ job: RowDotsJob, parts: Int) {
        withUnsafePointer(to: job) { job in
            KernelThreads.runPieces(parts, context: UnsafeRawPointer(job)) { context, t, parts in
                DoubleKernels.runPiece(context, t, parts)
            }
        }
    }

    /// Piece t of a split `matVec`: its block of rows.
    static func runPiece(_ context: UnsafeRawPointer, _ t: Int, _ parts: Int) {
        let job = context.assumingMemoryBound(to: RowDotsJob.self).pointee
        if job.transposed {  // columns j0..<j1 of y = Aᵀx, from x already negated
            let cols = KernelThreads.piece(t, of: parts, job.n, quantum: 32)
            let y = job.y + cols.lowerBound
            y.update(repeating: 0, count: cols.count)
            if job.float {
                subtractCombination(job.a.assumingMemoryBound(to: Float.self) + cols.lowerBound, ldv: job.n, count: job.m,
                                    job.x, from: y, n: cols.count)
            } else {
                subtractCombination(job.a.assumingMemoryBound(to: Double.self) + cols.lowerBound, ldv: job.n, count: job.m,
                                    job.x, from: y, n: cols.count)
            }
            return
        }
        let rows = KernelThreads.piece(t, of: parts, job.m, quantum: 4)
        if job.float {
            rowDots(job.a.assumingMemoryBound(to: Float.self), lda: job.n, rows: rows, n: job.n, x: job.x, y: job.y)
        } else {
            rowDots(job.a.assumingMemoryBound(to: Double.self), lda: job.n, rows: rows, n: job.n, x: job.x, y: job.y)
        }
    }

    /// Entries from which a matrix–vector product is split over the cores.
    static let splitAbove = 1 << 17

    private struct RowDotsJob {
        var a: UnsafeRawPointer, float: Bool, transposed: Bool, m: Int, n: Int
        var x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>
    }
}

extension DoubleKernels {
    /// max |a_i| over `count` entries; NaN if any entry is not finite.
    static func maxAbs<E: MatrixEntry>(_ a: UnsafePointer<E>, count: Int) -> Double {
        if E.self == Float.self {
            return maxAbs(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), count: count)
        }
        // Two chains of compare-and-select (the standard library's pointwiseMax
        // was a call per vector: a quarter of a warm ρ and σ_max at H = 1024).
        var big0 = D8(), big1 = D8(), poison = D8()  // poison: Σ 0·a_i, NaN once an Inf or NaN is seen
        var i = 0
        while i &+ 16 <= count {
            let x0 = E.load8(a + i), x1 = E.load8(a + (i &+ 8))
            let m0 = x0.replacing(with: -x0, where: x0 .< 0), m1 = x1.replacing(with: -x1, where: x1 .< 0)
            big0.replace(with: m0, where: m0 .> big0)
            big1.replace(with: m1, where: m1 .> big1)
            poison.addProduct(x0, D8())
            poison.addProduct(x1, D8())
            i &+= 16
        }
        big0.replace(with: big1, where: big1 .> big0)
        var result = big0.max()
        var tail = 0.0
        while i < count { let x = a[i].double; result = max(result, abs(x)); tail += 0 * x; i &+= 1 }
        return (poison.sum() + tail).isNaN ? .nan : result
    }

    /// The same for Float entries, sixteen at a time in Float (|a| and max are
    /// exact, so the result is the same; widening each vector to Double was a
    /// call per vector).
    static func maxAbs(_ a: UnsafePointer<Float>, count: Int) -> Double {
        typealias F16 = SIMD16<Float>
        var big0 = F16(), big1 = F16(), poison = F16()
        var i = 0
        while i &+ 32 <= count {
            let x0 = UnsafeRawPointer(a + i).loadUnaligned(as: F16.self)
            let x1 = UnsafeRawPointer(a + (i &+ 16)).loadUnaligned(as: F16.self)
            let m0 = x0.replacing(with: -x0, where: x0 .< 0), m1 = x1.replacing(with: -x1, where: x1 .< 0)
            big0.replace(with: m0, where: m0 .> big0)
            big1.replace(with: m1, where: m1 .> big1)
            poison.addProduct(x0, F16())
            poison.addProduct(x1, F16())
            i &+= 32
        }
        big0.replace(with: big1, where: big1 .> big0)
        var result = Double(big0.max())
        var tail: Float = 0
        while i < count { result = max(result, Double(abs(a[i]))); tail += 0 * a[i]; i &+= 1 }
        return (poison.sum() + tail).isNaN ? .nan : result
    }
}

extension DoubleKernels {
    /// y = AᵀA x for a row-major m×n matrix in one pass over A, what σ_max's
    /// Lanczos on AᵀA asks for: AᵀA x = Σ_i a_i (a_i · x), so each block of
    /// four rows gives its dots with x and is then read again, from the L1
    /// cache, to add those multiples of itself to y. A x followed by Aᵀ(A x)
    /// streams A from memory twice; this streams it once.
    ///
    /// Large matrices run in two pieces of rows (on both cores), each summing
    /// into its own y, added in piece order: fixed pieces, so the bits do not
    /// depend on the machine. `scratch` holds n Doubles.
    static func gramVec<E: MatrixEntry>(_ a: UnsafePointer<E>, _ m: Int, _ n: Int, _ x: UnsafePointer<Double>,
                                        _ y: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        let parts = m &* n >= splitAbove ? 2 : 1
        let job = GramJob(a: UnsafeRawPointer(a), float: E.self == Float.self, m: m, n: n, x: x, sums: (y, scratch))
        withUnsafePointer(to: job) { job in
            let context = UnsafeRawPointer(job)
            if parts == 1 { return gramPiece(context, 0, 1) }
            Denormals.flushed {
                KernelThreads.runPieces(parts, context: context) { context, t, parts in DoubleKernels.gramPiece(context, t, parts) }
            }
        }
        if parts == 2 { for j in 0..<n { y[j] += scratch[j] } }
    }

    private struct GramJob {
        var a: UnsafeRawPointer, float: Bool, m: Int, n: Int
        var x: UnsafePointer<Double>, sums: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)
    }

    /// Piece t of `gramVec`: Σ a_i (a_i · x) over its rows, into its own sum.
    private static func gramPiece(_ context: UnsafeRawPointer, _ t: Int, _ parts: Int) {
        let job = context.assumingMemoryBound(to: GramJob.self).pointee
        let rows = KernelThreads.piece(t, of: parts, job.m, quantum: 4)
        let sum = t == 0 ? job.sums.0 : job.sums.1
        sum.update(repeating: 0, count: job.n)
        if job.float {
            gramRows(job.a.assumingMemoryBound(to: Float.self), rows: rows, n: job.n, x: job.x, into: sum)
        } else {
            gramRows(job.a.assumingMemoryBound(to: Double.self), rows: rows, n: job.n, x: job.x, into: sum)
        }
    }

    private static func gramRows<E: MatrixEntry>(_ a: UnsafePointer<E>, rows: Range<Int>, n: Int, x: UnsafePointer<Double>,
                                                 into sum: UnsafeMutablePointer<Double>) {
        var dots = (0.0, 0.0, 0.0, 0.0)
        withUnsafeMutableBytes(of: &dots) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            var i = rows.lowerBound
            while i < rows.upperBound {
                let count = min(4, rows.upperBound &- i)
                rowDots(a + i &* n, lda: n, rows: 0..<count, n: n, x: x, y: d)
                for r in 0..<count { d[r] = -d[r] }  // subtracting −(a_i · x) a_i adds it
                subtractCombination(a + i &* n, ldv: n, count: count, d, from: sum, n: n)
                i &+= count
            }
        }
    }
}
