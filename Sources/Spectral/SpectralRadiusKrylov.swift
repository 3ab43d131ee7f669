import Kernels
import Foundation

extension Spectral {
    /// ρ(A) of a large n×n matrix (row-major Double) by implicitly restarted Arnoldi.
    ///
    /// All n eigenvalues cost O(n³) (`eigenvalues`: 5 s at n = 1024); ρ needs
    /// only the one of largest modulus, which a Krylov space finds first. Each
    /// cycle extends an Arnoldi factorisation A V_m = V_m H_m + β v e_mᵀ to m
    /// steps (classical Gram–Schmidt, applied again where it cancelled most of
    /// the product, which keeps V orthonormal to rounding; each step split over
    /// the cores, `ArnoldiStep`), takes the Ritz
    /// values — the eigenvalues of the small Hessenberg H_m — and stops when the
    /// Ritz pair θ, x = V_m y of largest |θ| has a residual ‖Ax − θx‖ = β |y_m|
    /// below `tolerance`·|θ|. Otherwise it restarts by shifting out the m − k
    /// Ritz values of smallest modulus (`ImplicitShifts`), which leaves a k-step
    /// factorisation of the k outermost: the next cycle costs m − k products,
    /// not m, and keeps everything found about the outer spectrum.
    /// A Krylov space that closes early (β ≈ 0) holds exact eigenvalues.
    ///
    /// nil when it has not converged within `cycles` (the caller then computes
    /// every eigenvalue): never a guess.
    ///
    /// The defaults were measured on Gaussian matrices (outer eigenvalues a few
    /// per cent apart) at n = 1023 and 1024: m = 100, k = 50 converges in
    /// 250–300 products where restarting from the top Ritz vector alone took
    /// 400; m = 80 or 64 take as many or more. A residual of 1e-7·|θ| gives ρ to
    /// 1e-6 relative on the tests' matrices, far-from-normal ones included (on
    /// Gaussian ones to about 1e-8).
    static func krylovSpectralRadius<E: MatrixEntry>(_ a: UnsafePointer<E>, n: Int, dimension: Int = 100, cycles: Int = 30,
                                                     tolerance: Double = 1e-7) -> Double? {
        krylovRun(a, n: n, dimension: dimension, cycles: cycles, tolerance: tolerance).rho
    }

    /// What one run of restarted Arnoldi found and what it took.
    struct KrylovRun {
        var rho: Double?
        var products = 0  // products A v
        var cycles = 0
    }

    /// `keep`: the Ritz values a restart keeps (default m/2; one more when it
    /// would split a conjugate pair). `warm`: a start vector (n entries) from a
    /// similar matrix, such as the last measurement of a slowly trained W_hh, in
    /// place of the fixed one; on return it holds the top Ritz vector found
    /// (unchanged if nil is returned). `scale`: max |a_ij| where the caller has it.
    static func krylovRun<E: MatrixEntry>(_ a: UnsafePointer<E>, n: Int, dimension: Int = 100, keep: Int? = nil,
                                          cycles: Int = 30, tolerance: Double = 1e-7,
                                          warm: UnsafeMutablePointer<Double>? = nil, scale known: Double? = nil) -> KrylovRun {
        var run = KrylovRun()
        let m = min(dimension, n - 1)
        guard m >= 4 else { return run }
        let k = min(max(keep ?? m / 2, 1), m - 2)  // at least one shift, room for a pair
        let scale = known ?? DoubleKernels.maxAbs(a, count: n * n)  // ‖A‖_max, for the test of a closed Krylov space
        guard scale.isFinite else { return run }
        guard scale > 0 else { run.rho = 0; return run }
        let closedBelow = 1e-12 * scale * Double(n).squareRoot()
        // Row j + 1 is written by step j before anything reads it, so the basis
        // (0.8 MB at n = 1024, where a warm start often needs 9 rows) is not zeroed.
        var basis = [Double](unsafeUninitializedCapacity: (m + 1) * n) { _, count in count = (m + 1) * n }
        var start = startVector(n)
        let warmNorm = warm.map { norm($0, n) } ?? 0
        let isWarm = warmNorm > 0 && warmNorm.isFinite
        if let warm, isWarm {
            // 1% of the fixed start vector keeps every direction in it (as JacobianNorm does).
            for i in 0..<n { start[i] = warm[i] / warmNorm + 0.01 * start[i] }
        }
        guard normalize(&start, n) else { return run }
        basis.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: start, count: n) }
        // Where to test for convergence: at m; a warm start, which may need far
        // fewer steps (in training, 48–56 at H = 1024), also every 8 steps up to 64
        // and at 80 in its first cycle, and 8, 16 and 32 steps into each later one.
        // A cold start also 16 and 32 steps into each restarted cycle: on Gaussian
        // matrices at H = 1024 (seeds 1–8) that ended 4 of 8 runs early, saving 17–34
        // of their 297–350 products; testing every 8 steps saved more products but
        // cost more time in tests. A test costs the Ritz values of the steps so far: O(steps³),
        // cheap early, and a failing one usually only the O(steps²) nearest pair.
        func stops(from built: Int) -> [Int] {
            let early: [Int]
            if isWarm { early = built == 0 ? [8, 16, 24, 32, 40, 48, 56, 64, 80] : [8, 16, 32] }
            else { early = built == 0 ? [] : [16, 32] }
            return early.map { built + $0 }.filter { $0 < m } + [m]
        }
        var c = [Double](repeating: 0, count: 2 * (m + 1))  // projections Vᵀw, and the first pass's
        var shares = [Double](repeating: 0, count: ArnoldiStep.shareCount(n, dimension: m))  // each piece's share of them
        var h = [Double](repeating: 0, count: (m + 1) * m)  // H, (m+1)×m row-major
        var built = 0  // steps of the factorisation so far
        var lastTop: (re: Double, im: Double)? = nil  // the outermost Ritz value of the last full test
        for _ in 0..<cycles {
            run.cycles += 1
            for stop in stops(from: built) {
                // Extend the Arnoldi factorisation from `built` to `stop` steps.
                var beta = 0.0
                let closed = basis.withUnsafeMutableBufferPointer { vb in
                    c.withUnsafeMutableBufferPointer { cb in shares.withUnsafeMutableBufferPointer { sb in
                        let v = vb.baseAddress!, c = cb.baseAddress!
                        while built < stop {
                            let j = built
                            let w = v + (j + 1) * n
                            ArnoldiStep.extend(a, n: n, basis: v, step: j, projections: c, first: c + m + 1,
                                               shares: sb.baseAddress!)
                            run.products += 1
                            built += 1
                            for i in 0...j { h[i * m + j] = c[i] }
                            beta = norm(w, n)
                            h[(j + 1) * m + j] = beta
                            if !(beta > closedBelow) { return true }  // closed (or NaN: below)
                            for i in 0..<n { w[i] /= beta }
                        }
                        return false
                    } }
                }
                beta = h[built * m + built - 1]
                guard beta.isFinite else { return run }
                let steps = built
                // Before m, a test that would fail is told cheaply: the Ritz pair nearest
                // the last full test's outermost one, by Rayleigh-quotient iteration on H
                // (O(steps²)), is not converged yet. Only a converged one takes the full
                // test (every Ritz value, O(steps³): most of a warm ρ at H = 256), which
                // alone can say it is the outermost.
                if stop < m && !closed, let guess = lastTop,
                   let near = nearestRitzPair(h, ld: m, steps, guess),
                   !(beta * near.last <= tolerance * Double.hypot(near.theta.re, near.theta.im)) {
                    lastTop = near.theta
                    continue
                }
                guard let ritz = ritzValues(h, ld: m, steps), let top = ritz.first else { return run }
                lastTop = top
                let rho = Double.hypot(top.re, top.im)
                if closed && warm == nil { run.rho = rho; return run }
                guard let y = hessenbergEigenvector(h, ld: m, steps, top) else {
                    if closed { run.rho = rho }  // exact, vector or not
                    return run
                }
                let last = Double.hypot(y.re[steps - 1], y.im[steps - 1])
                if closed || beta * last <= tolerance * rho {
                    if let warm { ritzVector(basis, n: n, steps: steps, y, into: warm) }
                    run.rho = rho
                    return run
                }
                if stop == m {
                    guard let kept = restart(basis: &basis, h: &h, n: n, m: m, keep: k, ritz: ritz) else { return run }
                    built = kept
                }
            }
        }
        return run
    }

    /// The Ritz values of the steps×steps Hessenberg top of h (rows `ld`
    /// apart), by decreasing modulus. Already Hessenberg: straight to QR.
    static func ritzValues(_ h: [Double], ld: Int, _ steps: Int) -> [(re: Double, im: Double)]? {
        var small = [Double](repeating: 0, count: steps * (steps + 1))
        for i in 0..<steps { for j in max(i - 1, 0)..<steps { small[i * (steps + 1) + j] = h[i * ld + j] } }
        return small.withUnsafeMutableBufferPointer { hessenbergEigenvalues($0.baseAddress!, steps, ld: steps + 1) }
            .map(byModulus)
    }

    /// Implicit restart of the m-step factorisation A V_m = V_m H_m + β v_m e_mᵀ
    /// in `basis` (v_0 … v_m) and `h`: the m − k unwanted Ritz values (the
    /// smallest in modulus) are applied as shifts, H⁺ = Qᵀ H_m Q, and the first
    /// k columns of V_m Q with H⁺'s top k×k are again an Arnoldi factorisation,
    /// whose residual is v⁺_k H⁺[k, k−1] + v_m β Q[m−1, k−1] (Q's lower bandwidth
    /// is m − k, so the residual touches column k − 1 only). Returns the steps
    /// kept (k, or k + 1 not to split a conjugate pair), nil if the residual
    /// vanished or is not finite (the caller answers densely).
    static func restart(basis: inout [Double], h: inout [Double], n: Int, m: Int, keep: Int,
                                ritz: [(re: Double, im: Double)]) -> Int? {
        var k = keep
        if ritz[k - 1].im > 0 { k += 1 }  // its conjugate is next: keep both
        let beta = h[m * m + m - 1]
        var hm = Array(h[0..<(m * m)])
        var qt = [Double](repeating: 0, count: m * m)  // Qᵀ
        for i in 0..<m { qt[i * m + i] = 1 }
        hm.withUnsafeMutableBufferPointer { hb in qt.withUnsafeMutableBufferPointer { qb in
            for mu in ritz[k...] {
                if mu.im == 0 {
                    ImplicitShifts.applyReal(mu.re, h: hb.baseAddress!, qt: qb.baseAddress!, m: m)
                } else if mu.im > 0 {  // with its conjugate
                    ImplicitShifts.applyPair(re: mu.re, im: mu.im, h: hb.baseAddress!, qt: qb.baseAddress!, m: m)
                }
            }
        } }
        // V⁺ = V_m Q, columns 0…k (column j of Q is zero below row j + m − k)
        var kept = [Double](repeating: 0, count: (k + 1) * n)
        let counts = (0...k).map { j in min(m, j + m - k + 1) }
        var minusQ = [Double](repeating: 0, count: (k + 1) * m)  // row j: −Q[0..<counts[j], j]
        for j in 0...k { for i in 0..<counts[j] { minusQ[j * m + i] = -qt[j * m + i] } }
        basis.withUnsafeBufferPointer { vb in kept.withUnsafeMutableBufferPointer { kb in
            minusQ.withUnsafeBufferPointer { qb in counts.withUnsafeBufferPointer { cb in
                let job = Combination(v: vb.baseAddress!, n: n, m: m, columns: k + 1, minusQ: qb.baseAddress!,
                                      counts: cb.baseAddress!, into: kb.baseAddress!)
                withUnsafePointer(to: job) { job in
                    let parts = ArnoldiStep.pieces(n), context = UnsafeRawPointer(job)
                    if parts == 1 { return Combination.piece(context, 0, 1) }
                    // Fixed pieces, flushed as ArnoldiStep's are: the bits depend on n only.
                    Denormals.flushed {
                        KernelThreads.runPieces(parts, context: context) { context, t, parts in Combination.piece(context, t, parts) }
                    }
                }
            } }
        } }
        // the new residual f = v⁺_k H⁺[k, k−1] + v_m β Q[m−1, k−1], into v⁺_k's place
        let along = hm[k * m + k - 1], back = beta * qt[(k - 1) * m + m - 1]
        var residual = 0.0
        basis.withUnsafeMutableBufferPointer { vb in kept.withUnsafeMutableBufferPointer { kb in
            let v = vb.baseAddress!, f = kb.baseAddress! + k * n, vm = v + m * n
            for i in 0..<n { f[i] = f[i] * along + vm[i] * back }
            residual = norm(f, n)
            guard residual > 0 && residual.isFinite else { return }
            for i in 0..<n { f[i] /= residual }
            v.update(from: kb.baseAddress!, count: (k + 1) * n)
        } }
        guard residual > 0 && residual.isFinite else { return nil }
        for i in h.indices { h[i] = 0 }
        for i in 0..<k { for j in max(i - 1, 0)..<k { h[i * m + j] = hm[i * m + j] } }
        h[k * m + k - 1] = residual
        return k
    }

    /// V_m Q's first `columns` columns (`restart`), split over the cores by
    /// entries: each piece takes blocks of 32 entries, so that each block of V
    /// (m × 32) is read from memory once and from L1 for every column of Q.
    private struct Combination {
        var v: UnsafePointer<Double>, n: Int, m: Int, columns: Int
        var minusQ: UnsafePointer<Double>, counts: UnsafePointer<Int>, into: UnsafeMutablePointer<Double>

        static func piece(_ context: UnsafeRawPointer, _ t: Int, _ parts: Int) {
            let job = context.assumingMemoryBound(to: Combination.self).pointee
            let entries = KernelThreads.piece(t, of: parts, job.n, quantum: 32)
            for block in stride(from: entries.lowerBound, to: entries.upperBound, by: 32) {
                let width = min(32, entries.upperBound - block)
                for j in 0..<job.columns {
                    DoubleKernels.subtractCombination(job.v + block, ldv: job.n, count: job.counts[j], job.minusQ + j * job.m,
                                                      from: job.into + j * job.n + block, n: width)
                }
            }
        }
    }

    /// x = V (Re y + Im y), normalised (left as it is if that is zero): a real
    /// vector in the span of a Ritz vector and, for a complex pair, its conjugate.
    private static func ritzVector(_ basis: [Double], n: Int, steps: Int, _ y: (re: [Double], im: [Double]),
                                   into x: UnsafeMutablePointer<Double>) {
        let minusY = (0..<steps).map { -(y.re[$0] + y.im[$0]) }
        let t = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { t.deallocate() }
        t.update(repeating: 0, count: n)
        basis.withUnsafeBufferPointer { DoubleKernels.subtractCombination($0.baseAddress!, ldv: n, count: steps, minusY, from: t, n: n) }
        let s = norm(t, n)
        if s > 0 && s.isFinite { for i in 0..<n { x[i] = t[i] / s } }
    }

    /// The eigenpair of the k×k upper Hessenberg top of h nearest `guess`, by three
    /// steps of Rayleigh-quotient iteration (θ ← y*Hy for the unit y that inverse
    /// iteration gives for θ): θ and |y_k|, the last entry of its unit vector.
    static func nearestRitzPair(_ h: [Double], ld: Int, _ k: Int, _ guess: (re: Double, im: Double))
        -> (theta: (re: Double, im: Double), last: Double)? {
        var theta = guess, last = Double.nan
        for _ in 0..<3 {
            guard let y = hessenbergEigenvector(h, ld: ld, k, theta) else { return nil }
            var sr = 0.0, si = 0.0  // Σ conj(y_i) (H y)_i
            for i in 0..<k {
                var hr = 0.0, hi = 0.0
                for j in max(i - 1, 0)..<k {
                    hr += h[i * ld + j] * y.re[j]
                    hi += h[i * ld + j] * y.im[j]
                }
                sr += y.re[i] * hr + y.im[i] * hi
                si += y.re[i] * hi - y.im[i] * hr
            }
            guard sr.isFinite && si.isFinite else { return nil }
            theta = (sr, si)
            last = Double.hypot(y.re[k - 1], y.im[k - 1])
        }
        return (theta, last)
    }

    /// A unit eigenvector (re, im parts) of the k×k upper Hessenberg top of h
    /// (rows `ld` apart) for its eigenvalue θ, by two steps of inverse iteration:
    /// (h − θI) z = b solved by Gaussian elimination with partial pivoting in
    /// complex arithmetic — O(k²), since each column has one entry below the
    /// diagonal; a zero pivot (θ exact) is nudged to ε‖h‖, which is what makes z
    /// large along the eigenvector.
    static func hessenbergEigenvector(_ h: [Double], ld: Int, _ k: Int, _ theta: (re: Double, im: Double)) -> (re: [Double], im: [Double])? {
        var hnorm = 0.0
        for i in 0..<k { for j in max(i - 1, 0)..<k { hnorm = max(hnorm, abs(h[i * ld + j])) } }
        let tiny = max(hnorm, 1e-300) * 1e-15
        // U: h − θI reduced to upper triangular form; f, swapped: the elimination, to repeat on b
        var ur = [Double](repeating: 0, count: k * k), ui = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in max(i - 1, 0)..<k { ur[i * k + j] = h[i * ld + j] }
            ur[i * k + i] -= theta.re
            ui[i * k + i] = -theta.im
        }
        var fr = [Double](repeating: 0, count: k), fi = [Double](repeating: 0, count: k)
        var swapped = [Bool](repeating: false, count: k)
        func nudge(_ d: Int) {
            if abs(ur[d * k + d]) + abs(ui[d * k + d]) < tiny { ur[d * k + d] = tiny; ui[d * k + d] = 0 }
        }
        for col in 0..<(k - 1) {
            let below = col + 1
            if abs(ur[below * k + col]) + abs(ui[below * k + col]) > abs(ur[col * k + col]) + abs(ui[col * k + col]) {
                for j in col..<k { ur.swapAt(below * k + j, col * k + j); ui.swapAt(below * k + j, col * k + j) }
                swapped[col] = true
            }
            nudge(col)
            let pr = ur[col * k + col], pi = ui[col * k + col], d = pr * pr + pi * pi
            let ar = ur[below * k + col], ai = ui[below * k + col]
            let gr = (ar * pr + ai * pi) / d, gi = (ai * pr - ar * pi) / d  // g = a / p
            fr[col] = gr; fi[col] = gi
            for j in col..<k {
                let xr = ur[col * k + j], xi = ui[col * k + j]
                ur[below * k + j] -= gr * xr - gi * xi
                ui[below * k + j] -= gr * xi + gi * xr
            }
        }
        nudge(k - 1)
        var zr = [Double](repeating: 1, count: k), zi = [Double](repeating: 0, count: k)
        for _ in 0..<2 {
            var br = zr, bi = zi
            for col in 0..<(k - 1) {
                if swapped[col] { br.swapAt(col, col + 1); bi.swapAt(col, col + 1) }
                br[col + 1] -= fr[col] * br[col] - fi[col] * bi[col]
                bi[col + 1] -= fr[col] * bi[col] + fi[col] * br[col]
            }
            for i in stride(from: k - 1, through: 0, by: -1) {
                var sr = br[i], si = bi[i]
                for j in (i + 1)..<k {
                    sr -= ur[i * k + j] * zr[j] - ui[i * k + j] * zi[j]
                    si -= ur[i * k + j] * zi[j] + ui[i * k + j] * zr[j]
                }
                let pr = ur[i * k + i], pi = ui[i * k + i], d = pr * pr + pi * pi
                zr[i] = (sr * pr + si * pi) / d
                zi[i] = (si * pr - sr * pi) / d
            }
            var s = 0.0
            for i in 0..<k { s += zr[i] * zr[i] + zi[i] * zi[i] }
            s = s.squareRoot()
            guard s > 0, s.isFinite else { return nil }
            for i in 0..<k { zr[i] /= s; zi[i] /= s }
        }
        return (zr, zi)
    }
}

