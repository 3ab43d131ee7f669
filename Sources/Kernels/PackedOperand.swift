/// A matrix that is op(B) of many products in a row: W_hh, once per timestep
/// (W_hhᵀ in the forward recurrence, W_hh in the backward one). For Float it is
/// packed into the broadcast kernel's panels once per pass instead of once per
/// product, which at batch sizes of 32 and more is a fifth of the work.
///
/// Products with a single row of A read B in place (their kernels need no
/// panels), except that for op(B) = Bᵀ (W_hhᵀ, the forward step at batch 1)
/// B is transposed once per load, so that the step too is a sum of rows of
/// op(B) (the broadcast kernel) and needs no horizontal sums: the dot kernel
/// spent a quarter of its time reducing 16 lanes to one (batch 1, H 128, T 100:
/// 0.135 → 0.125 ms). Other precisions use `Gemm.run` unchanged.
///
/// Read in place, B (W_hh, somewhere in the parameters' array) may start off a
/// cache line, and then every 64-byte load of it spans two: such a B is copied
/// once per load to a buffer that starts on one (`AlignedMemory`).
package final class PackedOperand<T: RNNFloat> {
    /// op(B) is k × n.
    package let k: Int, n: Int
    package let transB: Bool
    /// The matrix as last loaded; only valid while the caller's pointer is.
    private var b: UnsafePointer<T>?
    private var ldb = 0
    /// op(B) in panels (Float, rows of A ≥ 2), or nil.
    private let panels: UnsafeMutablePointer<Float>?
    /// op(B) = Bᵀ as a k × n row-major copy (Float, a single row of A), or nil.
    private let transposed: UnsafeMutablePointer<Float>?
    /// op(B) = B as a k × n copy on a cache line, for a B read in place that is not (Float, a single row of A), or nil.
    private let aligned: UnsafeMutablePointer<Float>?

    /// `rows` is the number of rows of A every product will have.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    package init(k: Int, n: Int, transB: Bool, rows: Int) {
        self.k = k
        self.n = n
        self.transB = transB
        let packs = T.self == Float.self && rows >= 2 && n >= 16 && k > 0
        panels = packs ? AlignedMemory.allocate(Float.self, capacity: FloatKernels.packedFloats(k: k, n: n)) : nil
        // Whole vectors of columns only, which the broadcast kernel reads in place: H 100 keeps the dot kernel.
        let flips = T.self == Float.self && rows == 1 && transB && n % 16 == 0 && k > 0
        transposed = flips ? AlignedMemory.allocate(Float.self, capacity: k * n) : nil
        let inPlace = T.self == Float.self && rows == 1 && !transB && n % 16 == 0 && k > 0
        aligned = inPlace ? AlignedMemory.allocate(Float.self, capacity: k * n) : nil
    }

    deinit { panels?.deallocate(); transposed?.deallocate(); aligned?.deallocate() }

    /// Takes (and for Float packs or transposes) the matrix B, stored with row stride ldb.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    package func load(_ b: UnsafePointer<T>, ldb: Int) {
        self.b = b
        self.ldb = ldb
        if let aligned, !AlignedMemory.isAligned(b) || (ldb &* 4) % AlignedMemory.alignment != 0 {
            let source = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
            for row in 0..<k { (aligned + row &* n).update(from: source + row &* ldb, count: n) }
            self.b = UnsafeRawPointer(aligned).assumingMemoryBound(to: T.self)
            self.ldb = n
        }
        if let panels {
            FloatKernels.pack(transB: transB, UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb,
                              k: k, n: n, into: panels)
        }
        if let transposed {
            FloatKernels.packTransposed(UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb, p0: 0, kc: k, j: 0, w: n,
                                        width: n, into: transposed)
        }
    }

    /// C[m × n] = A[m × k] · op(B) + beta · C, beta 0 or 1; on this thread
    /// alone when `split` is false (the caller is one of several already).
    /// Float callers run with subnormals flushed (`Denormals.flushed`), as
    /// BPTT's passes do throughout.
    /// `descending`: a single row reads B's rows last to first (`FloatKernels.gemm`);
    /// callers alternate it by timestep, so that each step starts on the rows
    /// the last one read last, still in L1 (read in one order every step, none
    /// of W_hh at H 128 stays), and the bits depend on the timestep alone.
    @inline(__always)
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    package func product(m: Int, a: UnsafePointer<T>, lda: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int, split: Bool = true,
                         descending: Bool = false) {
        if let panels, m >= 2, !split, k > 0 {
            FloatKernels.packedProduct(rows: 0..<m, cols: 0..<n, n: n, k: k, a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
                                       lda: lda, panels: panels,
                                       c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc, accumulate: beta != 0)
        } else if let panels, m >= 2 {
            FloatKernels.packedGemm(m: m, n: n, k: k, a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
                                    panels: panels, accumulate: beta != 0,
                                    c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc)
        } else if T.self == Float.self, m == 1, k > 0 {
            // Straight to the kernel: the caller runs flushed (see `product`), which is all
            // `gemm` would otherwise check each step's vectors for tiny values to decide.
            let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
            let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
            // op(B) as the kernel reads it: W_hhᵀ's copy, else B as loaded
            let (bp, ld, tb) = transposed.map { (UnsafePointer($0), n, false) }
                ?? (UnsafeRawPointer(b!).assumingMemoryBound(to: Float.self), ldb, transB)
            let parts = FloatKernels.threads(m: 1, n: n, k: k)
            if parts == 1 && !tb {
                // One core, B read in place: the row kernel itself (the dispatch was 4% of batch 1 at H 128)
                FloatKernels.rowTimesMatrix(transA: false, transB: false, row: 0, cols: 0..<n, k: k, a: a, lda: lda,
                                            b: bp, ldb: ld, c: c, ldc: ldc, accumulate: beta != 0, descending: descending)
            } else {
                FloatKernels.product(parts, flush: true, transA: false, transB: tb, m: 1, n: n, k: k, a: a, lda: lda,
                                     b: bp, ldb: ld, c: c, ldc: ldc, accumulate: beta != 0, descending: descending)
            }
        } else {
            Gemm.run(transA: false, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b!, ldb: ldb,
                     beta: beta, c: c, ldc: ldc, descending: m == 1 && descending)
        }
    }
}

extension FloatKernels {
    /// Floats in op(B) [k × n] packed: for each k block of `kc` steps (starting at
    /// p0, kb steps long), at p0 · n′ (n′ = n rounded up to `nr`), its panels of
    /// `nr` columns, kb · nr floats each, as `broadcastProduct` packs them.
    static func packedFloats(k: Int, n: Int) -> Int { k &* ((n &+ nr &- 1) / nr &* nr) }

    static func pack(transB: Bool, _ b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int, into dst: UnsafeMutablePointer<Float>) {
        let NR = nr, paddedN = (n &+ NR &- 1) / NR &* NR
        var p0 = 0
        while p0 < k {
            let kb = min(kc, k &- p0)
            var t = 0
            while t &* NR < n {
                let j = t &* NR, w = min(NR, n &- j)
                let panel = dst + (p0 &* paddedN &+ t &* kb &* NR)
                if transB {
                    packTransposed(b, ldb, p0: p0, kc: kb, j: j, w: w, width: (w &+ 15) & ~15, into: panel)
                } else {
                    packRows(b, ldb, p0: p0, kc: kb, j: j, w: w, width: (w &+ 15) & ~15, into: panel)
                }
                t &+= 1
            }
            p0 &+= kb
        }
    }

    /// C (+)= A · op(B) with op(B) already in `panels` (see `packedFloats`):
    /// the broadcast kernel without packing B, split over the cores as `gemm` would.
    static func packedGemm(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>,
        accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            if !accumulate { scale(m, n, 0, c, ldc) }
            return
        }
        let parts = threads(m: m, n: n, k: k)
        let flush = needsFlush(transA: false, m: m, n: n, k: k, a: a, lda: lda, c: c, ldc: ldc, accumulate: accumulate)
        let job = ProductJob(kernel: .packed, transA: false, transB: false, m: m, n: n, k: k, a: a, lda: lda,
                             b: panels, ldb: 0, c: c, ldc: ldc, accumulate: accumulate,
                             parts: parts, byRows: m >= 2 &* n, flush: flush)
        if flush { Denormals.flushed { KernelThreads.run(job) } } else { KernelThreads.run(job) }
    }

    /// The rows × cols block of a packed product (cols start at a panel boundary).
    static func packedProduct(
        rows: Range<Int>, cols: Range<Int>, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        panels: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let NR = nr, paddedN = (n &+ NR &- 1) / NR &* NR
        let aPack = KernelScratch.floats(min(mc, (rows.count &+ mr &- 1) / mr &* mr) &* min(kc, k))
        var p0 = 0
        while p0 < k {
            let kb = min(kc, k &- p0)
            multiplyPanels(transA: false, rows: rows, cols: cols, p0: p0, kb: kb, a: a, lda: lda,
                           panels: panels + (p0 &* paddedN &+ cols.lowerBound / NR &* kb &* NR),
                           aPack: aPack, c: c, ldc: ldc, accumulate: accumulate || p0 > 0)
            p0 &+= kb
        }
    }
}
