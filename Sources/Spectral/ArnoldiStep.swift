import Kernels
/// One step of Arnoldi: w = A v_j, made orthogonal to v_0 … v_j by classical
/// Gram–Schmidt (c = Vᵀw, w −= V c), applied a second time only when the
/// first pass cancelled most of w: when ‖w‖ fell below ‖A v_j‖/√2 (the test of
/// Daniel, Gragg, Kaufman and Stewart, as ARPACK applies it). Otherwise one
/// pass already leaves w orthogonal to rounding, and the second would read the
/// whole basis twice for nothing: on Gaussian matrices a second pass is
/// rarely needed, and Gram–Schmidt was a quarter of a cold ρ.
///
/// Split over the cores by entries: each piece computes its rows of A v_j, its
/// share of every projection Vᵀw and of ‖w‖², so the cores meet after the
/// product with the first projections and after each update.
///
/// The pieces are fixed (two for a large matrix, whatever the number of cores)
/// and their shares are added in piece order, so the bits depend neither on
/// the machine nor on which thread ran which piece.
enum ArnoldiStep {
    /// Pieces of a step of an n×n matrix.
    static func pieces(_ n: Int) -> Int { n &* n >= DoubleKernels.splitAbove ? 2 : 1 }

    /// Scratch `shares` needs per piece: j + 1 projections and ‖w‖².
    static func shareCount(_ n: Int, dimension m: Int) -> Int { pieces(n) &* (m &+ 2) }

    /// Writes w = basis row j + 1 (not normalised) and c[0...j], the sum of
    /// the passes' projections (the column j of H above its diagonal).
    /// `first` (j + 1 Doubles) and `shares` (`shareCount`) are scratch.
    /// Returns whether a second pass was made.
    @discardableResult
    static func extend<E: MatrixEntry>(_ a: UnsafePointer<E>, n: Int, basis: UnsafeMutablePointer<Double>, step j: Int,
                                       projections c: UnsafeMutablePointer<Double>, first: UnsafeMutablePointer<Double>,
                                       shares: UnsafeMutablePointer<Double>) -> Bool {
        let parts = pieces(n), count = j &+ 1
        var job = Job(a: UnsafeRawPointer(a), float: E.self == Float.self, n: n, basis: basis, j: j, phase: .product,
                      c: UnsafePointer(c), shares: shares)
        // w = A v_j; c = Vᵀw, ‖w‖²
        run(job, parts: parts)
        let product = total(shares, parts: parts, count: count, into: c)
        // w −= V c, ‖w‖²
        first.update(from: c, count: count)
        job.phase = .update
        job.c = UnsafePointer(first)
        run(job, parts: parts)
        let once = total(shares, parts: parts, count: 0, into: c)
        if once >= 0.5 * product { return false }  // ‖w‖ ≥ ‖A v_j‖/√2: orthogonal enough
        // c₂ = Vᵀw, w −= V c₂; c = c₁ + c₂
        job.phase = .project
        run(job, parts: parts)
        _ = total(shares, parts: parts, count: count, into: c)
        job.phase = .update
        job.c = UnsafePointer(c)
        run(job, parts: parts)
        for i in 0...j { c[i] = first[i] + c[i] }
        return true
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

    /// c[0..<count] = the pieces' projections, in piece order; returns their ‖w‖².
    /// Piece t's shares are at t·(count + 1): its projections, then its ‖w‖².
    private static func total(_ shares: UnsafeMutablePointer<Double>, parts: Int, count: Int,
                              into c: UnsafeMutablePointer<Double>) -> Double {
        let stride = count &+ 1
        for i in 0..<count {
            var s = shares[i]
            for t in 1..<parts { s += shares[t &* stride &+ i] }
            c[i] = s
        }
        var squares = shares[count]
        for t in 1..<parts { squares += shares[t &* stride &+ count] }
        return squares
    }

    private struct Job {
        var a: UnsafeRawPointer, float: Bool, n: Int
        var basis: UnsafeMutablePointer<Double>, j: Int, phase: Phase
        var c: UnsafePointer<Double>, shares: UnsafeMutablePointer<Double>
    }

    private enum Phase {
        case product  // w = A v_j, then Vᵀw and ‖w‖²
        case update   // w −= V c, then ‖w‖²
        case project  // Vᵀw and ‖w‖²
    }

    /// Piece t: its rows of the product or of the update w −= V c, then its
    /// share of Vᵀw (not after an update) and of ‖w‖².
    private static func piece(_ context: UnsafeRawPointer, _ t: Int, _ parts: Int) {
        let job = context.assumingMemoryBound(to: Job.self).pointee
        let n = job.n, count = job.j &+ 1
        let rows = KernelThreads.piece(t, of: parts, n, quantum: 8)
        let v = job.basis, w = v + count &* n
        let projections = job.phase == .update ? 0 : count
        let share = job.shares + t &* (projections &+ 1)
        switch job.phase {
        case .product:
            if job.float {
                DoubleKernels.rowDots(job.a.assumingMemoryBound(to: Float.self), lda: n, rows: rows, n: n, x: v + job.j &* n, y: w)
            } else {
                DoubleKernels.rowDots(job.a.assumingMemoryBound(to: Double.self), lda: n, rows: rows, n: n, x: v + job.j &* n, y: w)
            }
        case .update:
            DoubleKernels.subtractCombination(v + rows.lowerBound, ldv: n, count: count, job.c,
                                              from: w + rows.lowerBound, n: rows.count)
        case .project:
            break
        }
        if projections > 0 {
            DoubleKernels.rowDots(v + rows.lowerBound, lda: n, rows: 0..<count, n: rows.count,
                                  x: w + rows.lowerBound, y: share)
        }
        var squares = 0.0
        for i in rows { squares += w[i] * w[i] }
        share[projections] = squares
    }
}
