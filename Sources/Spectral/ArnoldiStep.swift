import Kernels
/// One step of Arnoldi: w = A v_j, made orthogonal to v_0 … v_j by classical
/// Gram–Schmidt applied twice (c = Vᵀw, w −= V c, and again), split over the
/// cores by entries. Each piece computes its rows of A v_j and its share of
/// every projection Vᵀw, so the cores meet three times per step — after the
/// product with the first projections, after each update — and Gram–Schmidt,
/// which reads the whole basis twice, runs on both cores instead of one.
///
/// The pieces are fixed (two for a large matrix, whatever the number of cores)
/// and their shares are added in piece order, so the bits depend neither on
/// the machine nor on which thread ran which piece.
enum ArnoldiStep {
    /// Pieces of a step of an n×n matrix.
    static func pieces(_ n: Int) -> Int { n &* n >= DoubleKernels.splitAbove ? 2 : 1 }

    /// Writes w = basis row j + 1 (not normalised) and c[0...j], the sum of
    /// both passes' projections (the column j of H above its diagonal).
    /// `first` (j + 1 Doubles) and `shares` (pieces(n)·(j + 1)) are scratch.
    static func extend<E: MatrixEntry>(_ a: UnsafePointer<E>, n: Int, basis: UnsafeMutablePointer<Double>, step j: Int,
                                       projections c: UnsafeMutablePointer<Double>, first: UnsafeMutablePointer<Double>,
                                       shares: UnsafeMutablePointer<Double>) {
        let parts = pieces(n)
        var job = Job(a: UnsafeRawPointer(a), float: E.self == Float.self, n: n, basis: basis, j: j, phase: 1,
                      c: UnsafePointer(c), shares: shares)
        // c = Σ shares: the first projections
        run(job, parts: parts)
        total(shares, parts: parts, count: j &+ 1, into: c)
        // w −= V c, with the second projections
        first.update(from: c, count: j &+ 1)
        job.phase = 2
        job.c = UnsafePointer(first)
        run(job, parts: parts)
        total(shares, parts: parts, count: j &+ 1, into: c)
        // w −= V c₂; c = c₁ + c₂
        job.phase = 3
        job.c = UnsafePointer(c)
        run(job, parts: parts)
        for i in 0...j { c[i] = first[i] + c[i] }
    }

    private static func run(_ job: Job, parts: Int) {
        if parts == 1 { return withUnsafePointer(to: job) { piece(UnsafeRawPointer($0), 0, 1) } }
        Denormals.flushed { split(job, parts: parts) }
    }

    private static func split(_ job: Job, parts: Int) {
        withUnsafePointer(to: job) { job in
            KernelThreads.runPieces(parts, context: UnsafeRawPointer(job)) { context, t, parts in
                ArnoldiStep.piece(context, t, parts)
            }
        }
    }

    private static func total(_ shares: UnsafeMutablePointer<Double>, parts: Int, count: Int, into c: UnsafeMutablePointer<Double>) {
        for i in 0..<count {
            var s = shares[i]
            for t in 1..<parts { s += shares[t &* count &+ i] }
            c[i] = s
        }
    }

    private struct Job {
        var a: UnsafeRawPointer, float: Bool, n: Int
        var basis: UnsafeMutablePointer<Double>, j: Int, phase: Int
        var c: UnsafePointer<Double>, shares: UnsafeMutablePointer<Double>
    }

    /// Piece t: its rows of the product (phase 1) or of the update w −= V c
    /// (phases 2 and 3), then (phases 1 and 2) its share of Vᵀw.
    private static func piece(_ context: UnsafeRawPointer, _ t: Int, _ parts: Int) {
        let job = context.assumingMemoryBound(to: Job.self).pointee
        let n = job.n, count = job.j &+ 1
        let rows = KernelThreads.piece(t, of: parts, n, quantum: 8)
        let v = job.basis, w = v + count &* n
        if job.phase == 1 {
            if job.float {
                DoubleKernels.rowDots(job.a.assumingMemoryBound(to: Float.self), lda: n, rows: rows, n: n, x: v + job.j &* n, y: w)
            } else {
                DoubleKernels.rowDots(job.a.assumingMemoryBound(to: Double.self), lda: n, rows: rows, n: n, x: v + job.j &* n, y: w)
            }
        } else {
            DoubleKernels.subtractCombination(v + rows.lowerBound, ldv: n, count: count, job.c,
                                              from: w + rows.lowerBound, n: rows.count)
        }
        if job.phase < 3 {
            DoubleKernels.rowDots(v + rows.lowerBound, lda: n, rows: 0..<count, n: rows.count,
                                  x: w + rows.lowerBound, y: job.shares + t &* count)
        }
    }
}
