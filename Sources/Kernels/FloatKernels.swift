/// Tuned single-precision kernels. Same contract as `Gemm.run`.
///
/// Two register-blocked kernels (MicroKernels.swift) do all the arithmetic:
///
/// * the broadcast kernel `vtile` keeps an R×16V tile of C in zmm registers
///   (mr×nr in the main loop, 12×32 unless built for another shape:
///   24 accumulators, TileShape.swift), broadcasting one element of
///   op(A) per row and loading V vectors of a row of op(B) per step along k.
///   `broadcastProduct` feeds it packed panels of the operands (Packing.swift),
///   which also takes care of every transpose combination, or reads them in
///   place where they already suit it (a few rows of A, rows of B close
///   together); a single row of C
///   (`rowTimesMatrix`, both steps at batch 1: the forward one on a transposed
///   W_hh, see `PackedOperand`) reads B in place;
/// * the dot kernel `dtile`, for op(B) = Bᵀ with rows of A and of B both
///   contiguous along k, accumulates dot products in vectors along k and sums
///   each 16 outputs' vectors with `reduce16`. It needs no packing: readouts
///   with few outputs, and batch-1 steps whose W_hh rows are not whole vectors.
///
/// Products with at least `parallelWork` multiply-adds (or matrix-vector
/// products with a large matrix) are split into disjoint blocks of C over the
/// cores (see `KernelThreads`). Each element of C is always summed in the same
/// order, whatever the split (along k, or for a single row asked to read B
/// descending, from the last term: `gemm`), so results are bit-for-bit reproducible.
/// Subnormals are flushed to zero while a product runs (see `Denormals`).
package enum FloatKernels {
    /// k block of the broadcast kernel: the C tile is reloaded every `kc` steps.
    static let kc = 256
    /// Rows of C per block of the transposed path for products with few columns.
    static let transposedRows = 4096
    /// Rows of A per block of the broadcast path (a multiple of `mr`).
    static let mc = 16 &* mr
    /// Multiply-adds above which a product is spread over the cores.
    package static let parallelWork = 1 << 20
    /// Matrix-vector products whose matrix has at least this many elements (the
    /// batch-1 steps of the Elman cell from H = 182, of the gated cells from
    /// H = 105) are spread over the cores: each core then streams its half from
    /// its own L2 (Elman H = 256, T = 1000: 18.7 → 14.0 ms; H = 224, T = 100:
    /// 1.11 → 0.92 ms; GRU H = 128: 1.28 → 1.15 ms). Below that, handing over a
    /// piece costs about what it saves (Elman H = 192: no change).
    static let parallelMatrixVector = 1 << 15

    /// `descending`: a product with a single row of A reads the rows of B (as
    /// stored) from the last to the first, so that when a run of products with
    /// the same B alternates the order, each starts on the rows the last one read
    /// last, still in L1 (W_hh at H 128 is 64 KiB, more than L1's 48 KiB).
    /// With op(B) = Bᵀ each row of B is its own element of C: the bits are the
    /// same either way. With op(B) = B the rows of B are the terms of every
    /// element's sum, which is then taken from its last term to its first: one
    /// fixed order per call, the same on every split, but other bits.
    package static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, descending: Bool = false
    ) {
        if m <= 0 || n <= 0 { return }
        let accumulate = beta != 0
        if beta != 0 && beta != 1 { scale(m, n, beta, c, ldc) }
        if k <= 0 {
            if !accumulate { scale(m, n, 0, c, ldc) }
            return
        }
        let parts = threads(m: m, n: n, k: k)
        let flush = needsFlush(transA: transA, m: m, n: n, k: k, a: a, lda: lda, c: c, ldc: ldc, accumulate: accumulate)
        if flush {
            Denormals.flushed {
                product(parts, flush: true, transA: transA, transB: transB, m: m, n: n, k: k,
                        a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, descending: descending)
            }
        } else {
            product(parts, flush: false, transA: transA, transB: transB, m: m, n: n, k: k,
                    a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, descending: descending)
        }
    }

    /// How many cores a product of this size is spread over.
    @inline(__always)
    package static func threads(m: Int, n: Int, k: Int) -> Int {
        let big = m &* n &* k >= parallelWork || (m == 1 && n &* k >= parallelMatrixVector)
        return big ? KernelThreads.count : 1
    }

    /// Subnormals are flushed to zero inside every large product; a small one
    /// (a matrix-vector step) pays for that only if A or C holds tiny values,
    /// as vanishing gradients do.
    @inline(__always)
    static func needsFlush(
        transA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) -> Bool {
        m &* n &* k >= parallelMatrixVector  // every product split over the cores (threads > 1) is large enough
            || Denormals.anyTiny(a, rows: transA ? k : m, cols: transA ? m : k, ld: lda)
            || (accumulate && Denormals.anyTiny(c, rows: m, cols: n, ld: ldc))
    }

    /// Chooses the kernel and the split; `flush` is passed on to worker threads.
    package static func product(
        _ parts: Int, flush: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, descending: Bool = false
    ) {
        // Dot products along k: op(B) = Bᵀ (rows of W) against contiguous rows of
        // op(A), for a single row (matrix-vector) or a few columns (readouts).
        let aRowsContiguous = !transA || (m == 1 && lda == 1)
        if transB && aRowsContiguous && k >= 16 && (m == 1 || n <= 16) {
            let lda = transA ? k : lda  // m == 1: the single row is contiguous
            KernelThreads.run(ProductJob(kernel: .dot, transA: false, transB: true, m: m, n: n, k: k,
                                         a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate,
                                         parts: parts, byRows: n < 64, flush: flush, descending: descending && m == 1))
            return
        }

        // Fewer than 16 columns but many rows: compute Cᵀ = op(B)ᵀ·op(A)ᵀ, whose
        // rows are long, and transpose it into C. Each element is the same chain
        // of fused multiply-adds as computed directly, so the bits are the same.
        // Rows of C go `transposedRows` at a time, so the scratch stays small
        // however long the sequence (a readout of every step has T·B rows).
        if n < 16 && m >= 32 && m &* n &* k >= 1 << 16 {
            let t = KernelScratch.floats(n &* min(m, transposedRows), slot: 1)
            var i0 = 0
            while i0 < m {
                let mb = min(transposedRows, m &- i0)
                let ci = c + i0 &* ldc
                if accumulate {
                    for i in 0..<mb { for j in 0..<n { t[j &* mb &+ i] = ci[i &* ldc &+ j] } }
                }
                KernelThreads.run(ProductJob(kernel: .broadcast, transA: !transB, transB: !transA, m: n, n: mb, k: k,
                                             a: b, lda: ldb, b: a + (transA ? i0 : i0 &* lda), ldb: lda,
                                             c: t, ldc: mb, accumulate: accumulate,
                                             parts: parts, byRows: n >= 2 &* mb, flush: flush))
                for i in 0..<mb { for j in 0..<n { ci[i &* ldc &+ j] = t[j &* mb &+ i] } }
                i0 &+= mb
            }
            return
        }

        // The broadcast kernel: C is split by columns unless it is much taller than wide. Each
        // piece packs the whole of the operand the split does not cut, so a square Aᵀ·B (an
        // Elman ∂W_hh = Σ ∂a_tᵀ h_{t−1}) is split by rows: the pieces then each copy B's rows
        // (h, contiguous) rather than each transposing all of Aᵀ. H 512, B 64: 35.0–35.4 → 33.4–33.9 ms.
        let byRows = m >= 2 &* n || (transA && !transB && m >= n)
        KernelThreads.run(ProductJob(kernel: .broadcast, transA: transA, transB: transB, m: m, n: n, k: k,
                                     a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate,
                                     parts: parts, byRows: byRows, flush: flush, descending: descending && m == 1))
    }

    /// Piece t of a product: its block of rows or columns of C, by the job's kernel.
    static func runPiece(_ job: ProductJob, _ t: Int) {
        let rowQuantum = job.kernel == .dot ? 2 : mr, colQuantum = job.kernel == .dot ? 16 : nr
        let rows = job.byRows ? KernelThreads.piece(t, of: job.parts, job.m, quantum: rowQuantum) : 0..<job.m
        let cols = job.byRows ? 0..<job.n : KernelThreads.piece(t, of: job.parts, job.n, quantum: colQuantum)
        if rows.isEmpty || cols.isEmpty { return }
        switch job.kernel {
        case .dot:
            dotProduct(rows: rows, cols: cols, k: job.k, a: job.a, lda: job.lda, b: job.b, ldb: job.ldb,
                       c: job.c, ldc: job.ldc, accumulate: job.accumulate, descending: job.descending)
        case .broadcast:
            broadcastProduct(transA: job.transA, transB: job.transB, rows: rows, cols: cols, k: job.k,
                             a: job.a, lda: job.lda, b: job.b, ldb: job.ldb, c: job.c, ldc: job.ldc,
                             accumulate: job.accumulate, descending: job.descending)
        case .packed:
            packedProduct(rows: rows, cols: cols, n: job.n, k: job.k, a: job.a, lda: job.lda, panels: job.b,
                          c: job.c, ldc: job.ldc, accumulate: job.accumulate)
        }
    }

    /// C = factor · C (factor 0 writes zeros, whatever C held).
    package static func scale(_ m: Int, _ n: Int, _ factor: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        for i in 0..<m {
            let row = c + i &* ldc
            if factor == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= factor }
            }
        }
    }

    // MARK: - Dot-product path

    /// C[rows, cols] (+)= A[rows, :] · B[cols, :]ᵀ, rows of A and B contiguous.
    static func dotProduct(
        rows: Range<Int>, cols: Range<Int>, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, descending: Bool = false
    ) {
        // One row of A: 16 rows of B per step share each load of a. Otherwise
        // two rows of A against eight rows of B.
        let S = rows.count == 1 ? 16 : 8
        // The same blocks of S columns either way, so the same kernel computes each.
        let blocks = (cols.count &+ S &- 1) / S
        for index in 0..<blocks {
            let j = cols.lowerBound &+ (descending ? blocks &- 1 &- index : index) &* S
            let s = min(S, cols.upperBound &- j)
            let bj = b + j &* ldb
            var i = rows.lowerBound
            while i < rows.upperBound {
                let r = min(2, rows.upperBound &- i)
                let ai = a + i &* lda, cij = c + (i &* ldc &+ j)
                if r == 1 && s == 16 {
                    dtile1x16(k, ai, lda, bj, ldb, cij, ldc, accumulate)
                } else if r == 2 && s == 8 {
                    dtile2x8(k, ai, lda, bj, ldb, cij, ldc, accumulate)
                } else {
                    dtileAny(r, s, k, ai, lda, bj, ldb, cij, ldc, accumulate)
                }
                i &+= r
            }
        }
    }

    // MARK: - Broadcast path

    /// C[rows, cols] (+)= op(A)[rows, :] · op(B)[:, cols].
    ///
    /// Blocked Goto-style: for each block of `kc` steps along k, op(B)'s block is
    /// packed into panels of `nr` columns (contiguous, so it streams well from L2
    /// even for a few rows of A; B stored by rows with rows close together is read
    /// where it is), then for each block of `mc` rows op(A) is packed into panels
    /// of `mr` rows ([p][mr], so broadcasts read consecutive floats whatever
    /// op(A)'s layout; up to 16 rows stored by rows are read where they are), and
    /// each mr×nr tile of C is updated by `vtile` with its A panel held in L1
    /// while B panels stream from L2.
    static func broadcastProduct(
        transA: Bool, transB: Bool, rows: Range<Int>, cols: Range<Int>, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, descending: Bool = false
    ) {
        if rows.count == 1 {
            rowTimesMatrix(transA: transA, transB: transB, row: rows.lowerBound, cols: cols, k: k,
                           a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, descending: descending)
            return
        }
        if !transB && cols.count % 16 == 0 && k &* cols.count <= inPlaceFloats && rows.count &* k <= inPlaceFloats {
            inPlaceProduct(transA: transA, rows: rows, cols: cols, k: k, a: a, lda: lda, b: b, ldb: ldb,
                           c: c, ldc: ldc, accumulate: accumulate)
            return
        }
        let MR = mr, NR = nr
        let width = cols.count
        let panels = (width &+ NR &- 1) / NR
        let kcMax = min(kc, k)
        let mcMax = min(mc, (rows.count &+ MR &- 1) / MR &* MR)
        // B stored by rows in whole vectors, its rows at most 4 KiB apart (H ≤ 1024): each k
        // block's panels are read where they are, from L2, rather than copied by each piece
        // (∂W = Σ ∂aᵀ·h copied all of h on both cores). Rows 8 KiB apart or more fall on too
        // few of L2's sets to stay there: H 2048 ran 2–3% slower read in place.
        let bInPlace = !transB && cols.count % 16 == 0 && ldb <= 1024
        let aFloats = mcMax &* kcMax
        let bFloats = bInPlace ? 0 : panels &* NR &* kcMax
        let scratch = KernelScratch.floats(aFloats &+ bFloats)
        let aPack = scratch, bPack = scratch + aFloats

        var p0 = 0
        while p0 < k {
            let kb = min(kc, k &- p0)
            if bInPlace {
                multiplyPanels(transA: transA, rows: rows, cols: cols, p0: p0, kb: kb, a: a, lda: lda,
                               panels: b + (p0 &* ldb &+ cols.lowerBound), aPack: aPack, c: c, ldc: ldc, accumulate: accumulate || p0 > 0,
                               bRowStride: ldb)
                p0 &+= kb
                continue
            }
            for t in 0..<panels {
                let j = cols.lowerBound &+ t &* NR
                let w = min(NR, cols.upperBound &- j)
                let dst = bPack + t &* kb &* NR
                if transB {
                    packTransposed(b, ldb, p0: p0, kc: kb, j: j, w: w, width: (w &+ 15) & ~15, into: dst)
                } else {
                    packRows(b, ldb, p0: p0, kc: kb, j: j, w: w, width: (w &+ 15) & ~15, into: dst)
                }
            }
            multiplyPanels(transA: transA, rows: rows, cols: cols, p0: p0, kb: kb, a: a, lda: lda,
                           panels: bPack, aPack: aPack, c: c, ldc: ldc, accumulate: accumulate || p0 > 0)
            p0 &+= kb
        }
    }

    /// Operands of at most this many floats each (256 KiB) are read in place by
    /// `inPlaceProduct`, not packed.
    static let inPlaceFloats = 1 << 16

    /// C[rows, cols] (+)= op(A) · B with both read in place: for small products
    /// (batch 1's ∂W_hh, 100 steps of H 128, is 13 K floats a side), which stay in
    /// L2 and L1 anyway and whose packing took a third as long as their FMAs.
    /// op(B) = B stored by rows, and the columns whole vectors of 16. The same
    /// tiles in the same k blocks as the packed path, so the same bits.
    static func inPlaceProduct(
        transA: Bool, rows: Range<Int>, cols: Range<Int>, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let MR = mr, NR = nr
        let ars = transA ? 1 : lda, aps = transA ? lda : 1
        var p0 = 0
        while p0 < k {
            let kb = min(kc, k &- p0)
            let acc = accumulate || p0 > 0
            var i = rows.lowerBound
            while i < rows.upperBound {
                let r = tileRows(rows.upperBound &- i)
                let ap = a + (i &* ars &+ p0 &* aps)
                var j = cols.lowerBound
                while j < cols.upperBound {
                    let w = min(NR, cols.upperBound &- j)
                    let bp = b + (p0 &* ldb &+ j), cp = c + (i &* ldc &+ j)
                    if r == MR && w == NR {
                        vtileMain(kb, ap, ars, aps, bp, ldb, cp, ldc, acc)
                    } else {
                        vtileAny(r, w >> 4, kb, ap, ars, aps, bp, ldb, cp, ldc, acc)
                    }
                    j &+= w
                }
                i &+= r
            }
            p0 &+= kb
        }
    }

    /// C[rows, cols] (+)= op(A)[rows, p0..<p0+kb] · (the k block of op(B) in `panels`,
    /// `nr` columns per panel starting at column cols.lowerBound, kb·nr floats each; or,
    /// with `bRowStride`, op(B) itself from its row p0 and column cols.lowerBound):
    /// op(A) is packed `mc` rows at a time into `aPack` and every mr×nr tile of
    /// C is updated by `vtile`.
    @inline(__always)
    static func multiplyPanels(
        transA: Bool, rows: Range<Int>, cols: Range<Int>, p0: Int, kb: Int,
        a: UnsafePointer<Float>, lda: Int, panels bPack: UnsafePointer<Float>, aPack: UnsafeMutablePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate acc: Bool, bRowStride: Int = 0
    ) {
        let MR = mr, NR = nr
        let panels = (cols.count &+ NR &- 1) / NR
        // A few rows of A by rows (a recurrence step's rows on one core, 16 KiB at H 256):
        // read in place from L1, as packing them would copy them for nothing.
        let inPlace = !transA && rows.count <= 16
        var i0 = rows.lowerBound
        while i0 < rows.upperBound {
            let mb = min(mc, rows.upperBound &- i0)
            if !inPlace { packA(transA: transA, a, lda, i0: i0, rows: mb, p0: p0, kc: kb, into: aPack) }
            let (ars, aps) = inPlace ? (lda, 1) : (1, MR)
            var u = 0, panelIndex = 0
            while u < mb {
                let r = tileRows(mb &- u)
                // [p][MR], as packA wrote it; or row i0 + u of A itself
                let ap = inPlace ? a + ((i0 &+ u) &* lda &+ p0) : UnsafePointer(aPack + panelIndex &* MR &* kb)
                let i = i0 &+ u
                for t in 0..<panels {
                    let j = cols.lowerBound &+ t &* NR
                    let w = min(NR, cols.upperBound &- j)
                    let vectors = (w &+ 15) >> 4
                    let panel = bRowStride > 0 ? bPack + t &* NR : bPack + t &* kb &* NR
                    let bs = bRowStride > 0 ? bRowStride : vectors &* 16
                    let cp = c + (i &* ldc &+ j)
                    if w == vectors &* 16 {
                        if r == MR && vectors &* 16 == NR {
                            vtileMain(kb, ap, ars, aps, panel, bs, cp, ldc, acc)
                        } else {
                            vtileAny(r, vectors, kb, ap, ars, aps, panel, bs, cp, ldc, acc)
                        }
                    } else {
                        raggedTile(r, vectors, w, kb, ap, ars, aps, panel, bs, cp, ldc, acc)
                    }
                }
                u &+= r
                panelIndex &+= 1
            }
            i0 &+= mb
        }
    }

    /// One row of C: c (+)= op(A)[row, :] · op(B), as a sum of rows of op(B)
    /// scaled by the elements of a (B not transposed), 128 columns at a time
    /// with B read in place; or through packed panels of Bᵀ.
    static func rowTimesMatrix(
        transA: Bool, transB: Bool, row: Int, cols: Range<Int>, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, descending: Bool = false
    ) {
        let aRow = a + (transA ? row : row &* lda)
        let aps = transA ? lda : 1
        let cRow = c + row &* ldc
        let NR = 128
        let width = cols.count
        let panels = (width &+ NR &- 1) / NR
        let ragged = width % 16 != 0
        let kcMax = min(kc, k)
        let scratch: UnsafeMutablePointer<Float>? = transB || ragged ? KernelScratch.floats(kcMax &* NR) : nil
        // Descending (B in place only): the k blocks last to first, each read from its last row.
        let reverse = descending && !transB && !ragged
        let blocks = (k &+ kc &- 1) / kc
        for block in 0..<blocks {
            let p0 = (reverse ? blocks &- 1 &- block : block) &* kc
            let kb = min(kc, k &- p0)
            let acc = accumulate || block > 0
            let first = reverse ? p0 &+ kb &- 1 : p0, step = reverse ? -1 : 1
            for t in 0..<panels {
                let j = cols.lowerBound &+ t &* NR
                let w = min(NR, cols.upperBound &- j)
                let vectors = (w &+ 15) >> 4
                let cp = cRow + j
                if transB || w != vectors &* 16 {
                    let ap = aRow + p0 &* aps
                    let dst = scratch!
                    if transB {
                        packTransposed(b, ldb, p0: p0, kc: kb, j: j, w: w, width: vectors &* 16, into: dst)
                    } else {
                        packRows(b, ldb, p0: p0, kc: kb, j: j, w: w, width: vectors &* 16, into: dst)
                    }
                    if w == vectors &* 16 {
                        vtileAny(1, vectors, kb, ap, 0, aps, dst, vectors &* 16, cp, ldc, acc)
                    } else {
                        raggedTile(1, vectors, w, kb, ap, 0, aps, dst, vectors &* 16, cp, ldc, acc)
                    }
                } else {
                    let ap = aRow + first &* aps, bp = b + (first &* ldb &+ j)
                    if vectors == 8 {
                        vtile1x8(kb, ap, 0, step &* aps, bp, step &* ldb, cp, ldc, acc)
                    } else {
                        vtileAny(1, vectors, kb, ap, 0, step &* aps, bp, step &* ldb, cp, ldc, acc)
                    }
                }
            }
        }
    }

    /// A tile whose last vector of columns is incomplete: run the kernel on a
    /// zero-padded copy of the C tile (on the stack: R·V ≤ 24 vectors for every
    /// tile shape), then write back the real columns. The arithmetic per element
    /// is the same as for a whole tile.
    static func raggedTile(
        _ R: Int, _ V: Int, _ w: Int, _ kc: Int,
        _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int,
        _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        let tw = V &* 16
        let z = F16()
        // Zero-filled, so columns w..<16V stay zero when C is not read.
        var storage = (z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z)
        withUnsafeMutableBytes(of: &storage) { raw in
            let tile = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            if accumulate {
                for r in 0..<R { copyColumns(c + r &* ldc, tile + r &* tw, w) }
            }
            vtileAny(R, V, kc, a, ars, aps, b, bs, tile, tw, accumulate)
            for r in 0..<R { copyColumns(tile + r &* tw, c + r &* ldc, w) }
        }
    }

    /// dst[0..<w] = src[0..<w].
    @inline(__always)
    static func copyColumns(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ w: Int) {
        var q = 0
        while q &+ 16 <= w { store16(load16(src + q), dst + q); q &+= 16 }
        if q &+ 8 <= w {
            UnsafeMutableRawPointer(dst + q).storeBytes(of: UnsafeRawPointer(src + q).loadUnaligned(as: F8.self), as: F8.self)
            q &+= 8
        }
        while q < w { dst[q] = src[q]; q &+= 1 }
    }
}
