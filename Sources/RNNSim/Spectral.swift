import Foundation
import RealModule

/// Linear-algebra diagnostics for the recurrent weights: eigenvalues and the
/// spectral radius ρ(W_hh) (long-run growth of h_t without the nonlinearity),
/// the largest singular value ‖W_hh‖₂ (worst one-step amplification of a
/// gradient), and Haar-random orthogonal initialisation.
///
/// All matrices are row-major flat arrays; everything is computed in Double.
public enum Spectral {

    // MARK: - Eigenvalues

    /// All eigenvalues (re, im) of a general real n×n matrix, sorted by decreasing
    /// modulus (a complex-conjugate pair is adjacent, positive imaginary part first).
    ///
    /// Algorithm: the classic EISPACK `balanc` / `elmhes` / `hqr` pipeline (as in
    /// Numerical Recipes §11.5–11.6). Balancing makes rows and columns of similar
    /// norm, which is what the rounding-error bounds of QR depend on; reduction
    /// to upper Hessenberg form makes each QR step O(n²) instead of O(n³); the
    /// Francis implicit double shift keeps complex-conjugate shifts in real
    /// arithmetic. Eigenvalues only, so no vectors are accumulated.
    ///
    /// Returns nil if QR has not converged within 30·n iterations (callers then
    /// show "n/a"), or if the matrix has a non-finite entry.
    public static func eigenvalues(_ a: [Double], n: Int) -> [(re: Double, im: Double)]? {
        precondition(n >= 0 && a.count == n * n, "eigenvalues: expected \(n)×\(n) = \(n * n) entries, got \(a.count)")
        guard a.allSatisfy({ $0.isFinite }) else { return nil }
        if n == 0 { return [] }
        var h = a
        let result = h.withUnsafeMutableBufferPointer { buf -> [(re: Double, im: Double)]? in
            let p = buf.baseAddress!
            balance(p, n)
            reduceToHessenberg(p, n)
            return hessenbergEigenvalues(p, n)
        }
        guard let values = result else { return nil }
        return values.sorted { x, y in
            let mx = Double.hypot(x.re, x.im), my = Double.hypot(y.re, y.im)
            if mx != my { return mx > my }
            if x.re != y.re { return x.re > y.re }
            return x.im > y.im
        }
    }

    /// ρ(A) = max |λ|. nil if QR did not converge or the matrix is non-finite.
    public static func spectralRadius<T: RNNFloat>(_ a: [T], n: Int) -> Double? {
        precondition(n >= 0 && a.count == n * n, "spectralRadius: expected \(n)×\(n) = \(n * n) entries, got \(a.count)")
        let d = a.map { Double($0) }
        guard let values = eigenvalues(d, n: n) else { return nil }
        return values.reduce(0) { max($0, Double.hypot($1.re, $1.im)) }
    }

    /// Balancing (EISPACK `balanc`): a diagonal similarity D⁻¹AD, with D made of
    /// powers of 2 (so exact in floating point), that equalises the off-diagonal
    /// norms of each row and its column. It does not change the eigenvalues but
    /// reduces the norm the QR rounding errors are proportional to.
    private static func balance(_ a: UnsafeMutablePointer<Double>, _ n: Int) {
        let radix = 2.0, radix2 = radix * radix
        var converged = false
        var sweeps = 0
        while !converged && sweeps < 100 {  // converges in a handful of sweeps; the cap is only a guard
            converged = true
            sweeps += 1
            for i in 0..<n {
                var c = 0.0, r = 0.0
                for j in 0..<n where j != i {
                    c += abs(a[j * n + i])
                    r += abs(a[i * n + j])
                }
                guard c != 0, r != 0 else { continue }
                let s = c + r
                var f = 1.0
                var g = r / radix
                while c < g { f *= radix; c *= radix2 }
                g = r * radix
                while c > g { f /= radix; c /= radix2 }
                if (c + r) / f < 0.95 * s {
                    converged = false
                    let fInv = 1 / f
                    for j in 0..<n { a[i * n + j] *= fInv }
                    for j in 0..<n { a[j * n + i] *= f }
                }
            }
        }
    }

    /// Reduction to upper Hessenberg form by stabilised elementary similarity
    /// transformations (Gaussian elimination with partial pivoting, EISPACK
    /// `elmhes`): half the work of Householder and just as accurate in practice
    /// once the matrix is balanced. Entries below the subdiagonal are set to 0.
    private static func reduceToHessenberg(_ a: UnsafeMutablePointer<Double>, _ n: Int) {
        guard n > 2 else { return }
        for m in 1..<(n - 1) {
            // Pivot: the largest entry in column m-1 at or below row m.
            var x = 0.0
            var pivot = m
            for j in m..<n where abs(a[j * n + m - 1]) > abs(x) {
                x = a[j * n + m - 1]
                pivot = j
            }
            if pivot != m {  // interchange rows and columns pivot <-> m (a similarity)
                for j in (m - 1)..<n { swap(&a[pivot * n + j], &a[m * n + j]) }
                for j in 0..<n { swap(&a[j * n + pivot], &a[j * n + m]) }
            }
            guard x != 0 else { continue }
            for i in (m + 1)..<n {
                var y = a[i * n + m - 1]
                guard y != 0 else { continue }
                y /= x
                a[i * n + m - 1] = 0
                for j in m..<n { a[i * n + j] -= y * a[m * n + j] }   // row i -= y · row m
                for j in 0..<n { a[j * n + m] += y * a[j * n + i] }   // column m += y · column i
            }
        }
    }

    /// Eigenvalues of an upper Hessenberg matrix by shifted QR with the Francis
    /// implicit double shift (EISPACK `hqr`). The active block deflates when a
    /// subdiagonal entry becomes negligible, giving one real eigenvalue or a 2×2
    /// block (a real pair or a complex-conjugate pair). Ad-hoc "exceptional"
    /// shifts every 10 stalled iterations break the rare cycles of the standard
    /// shift. Destroys `a`. nil if the total budget of 30·n iterations runs out.
    private static func hessenbergEigenvalues(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> [(re: Double, im: Double)]? {
        @inline(__always) func at(_ i: Int, _ j: Int) -> Double { a[i * n + j] }
        @inline(__always) func sign(_ x: Double, _ s: Double) -> Double { s >= 0 ? abs(x) : -abs(x) }

        var wr = [Double](repeating: 0, count: n)
        var wi = [Double](repeating: 0, count: n)
        var anorm = 0.0  // scale for the deflation test when two diagonal entries vanish
        for i in 0..<n {
            for j in max(i - 1, 0)..<n { anorm += abs(at(i, j)) }
        }
        var nn = n - 1        // last row of the active block
        var shift = 0.0       // accumulated exceptional shifts
        var its = 0           // iterations spent on the current eigenvalue
        var budget = 30 * n   // total iterations allowed

        while nn >= 0 {
            // Look for a single small subdiagonal entry: l is the first row of the
            // unreduced block that ends at nn.
            var l = nn
            while l >= 1 {
                var s = abs(at(l - 1, l - 1)) + abs(at(l, l))
                if s == 0 { s = anorm }
                if abs(at(l, l - 1)) + s == s {
                    a[l * n + l - 1] = 0
                    break
                }
                l -= 1
            }
            var x = at(nn, nn)
            if l == nn {  // one real root deflated
                wr[nn] = x + shift
                wi[nn] = 0
                nn -= 1
                its = 0
                continue
            }
            var y = at(nn - 1, nn - 1)
            var w = at(nn, nn - 1) * at(nn - 1, nn)
            if l == nn - 1 {  // a 2×2 block deflated: solve its characteristic quadratic
                let p = 0.5 * (y - x)
                let q = p * p + w
                var z = abs(q).squareRoot()
                x += shift
                if q >= 0 {  // real pair, computed without cancellation
                    z = p + sign(z, p)
                    wr[nn - 1] = x + z
                    wr[nn] = z != 0 ? x - w / z : x + z
                    wi[nn - 1] = 0
                    wi[nn] = 0
                } else {  // complex-conjugate pair
                    wr[nn - 1] = x + p
                    wr[nn] = x + p
                    wi[nn - 1] = z
                    wi[nn] = -z
                }
                nn -= 2
                its = 0
                continue
            }

            // No deflation yet: one double-shift QR sweep on rows/columns l...nn.
            if budget == 0 { return nil }
            budget -= 1
            if its > 0 && its % 10 == 0 {  // exceptional shift
                shift += x
                for i in 0...nn { a[i * n + i] -= x }
                let s = abs(at(nn, nn - 1)) + abs(at(nn - 1, nn - 2))
                x = 0.75 * s
                y = x
                w = -0.4375 * s * s
            }
            its += 1

            // Find where to start the bulge: the lowest m ≥ l with two consecutive
            // small subdiagonal entries, and the first column of (H - s1)(H - s2).
            var m = nn - 2
            var p = 0.0, q = 0.0, r = 0.0
            while true {
                let z = at(m, m)
                r = x - z
                var s = y - z
                p = (r * s - w) / at(m + 1, m) + at(m, m + 1)
                q = at(m + 1, m + 1) - z - r - s
                r = at(m + 2, m + 1)
                s = abs(p) + abs(q) + abs(r)
                p /= s
                q /= s
                r /= s
                if m == l { break }
                let u = abs(at(m, m - 1)) * (abs(q) + abs(r))
                let v = abs(p) * (abs(at(m - 1, m - 1)) + abs(z) + abs(at(m + 1, m + 1)))
                if u + v == v { break }
                m -= 1
            }
            for i in (m + 2)...nn {
                a[i * n + i - 2] = 0
                if i != m + 2 { a[i * n + i - 3] = 0 }
            }

            // Chase the bulge down with 3×3 Householder reflections.
            for k in m..<nn {
                if k != m {
                    p = at(k, k - 1)
                    q = at(k + 1, k - 1)
                    r = k != nn - 1 ? at(k + 2, k - 1) : 0
                    x = abs(p) + abs(q) + abs(r)
                    if x != 0 {
                        p /= x
                        q /= x
                        r /= x
                    }
                }
                let s = sign((p * p + q * q + r * r).squareRoot(), p)
                guard s != 0 else { continue }
                if k == m {
                    if l != m { a[k * n + k - 1] = -at(k, k - 1) }
                } else {
                    a[k * n + k - 1] = -s * x
                }
                p += s
                x = p / s
                y = q / s
                let z = r / s
                q /= p
                r /= p
                for j in k...nn {  // row transformation
                    var t = at(k, j) + q * at(k + 1, j)
                    if k != nn - 1 {
                        t += r * at(k + 2, j)
                        a[(k + 2) * n + j] -= t * z
                    }
                    a[(k + 1) * n + j] -= t * y
                    a[k * n + j] -= t * x
                }
                for i in l...min(nn, k + 3) {  // column transformation
                    var t = x * at(i, k) + y * at(i, k + 1)
                    if k != nn - 1 {
                        t += z * at(i, k + 2)
                        a[i * n + k + 2] -= t * r
                    }
                    a[i * n + k + 1] -= t * q
                    a[i * n + k] -= t
                }
            }
        }
        return (0..<n).map { (re: wr[$0], im: wi[$0]) }
    }

    // MARK: - Largest singular value

    /// σ_max(A) = ‖A‖₂ of a rows×cols matrix, in Double.
    ///
    /// Algorithm: power iteration on AᵀA (v ← AᵀAv / ‖AᵀAv‖), which costs two
    /// matrix-vector products per step and needs no factorisation; the top
    /// singular value is all the display needs. The estimate ‖Aᵀu‖/‖u‖ with
    /// u = Av is a lower bound on σ_max that converges like (σ₂/σ₁)^{4k}. It stops
    /// when the geometric-tail bound of the remaining change is below 1e-10
    /// relative, or after 1000 steps. The start vector is a fixed pseudo-random
    /// one (deterministic, and generically not orthogonal to the answer).
    ///
    /// The zero matrix gives 0; a non-finite entry gives NaN.
    public static func largestSingularValue<T: RNNFloat>(_ a: [T], rows: Int, cols: Int) -> Double {
        precondition(rows >= 0 && cols >= 0 && a.count == rows * cols,
                     "largestSingularValue: expected \(rows)×\(cols) = \(rows * cols) entries, got \(a.count)")
        var maxAbs = 0.0
        for x in a {
            let d = Double(x)
            guard d.isFinite else { return .nan }
            if abs(d) > maxAbs { maxAbs = abs(d) }
        }
        if maxAbs == 0 { return 0 }
        // Work on A / max|a_ij| so that the squares in AᵀA can neither overflow nor underflow.
        let b = a.map { Double($0) / maxAbs }
        var v = startVector(cols)
        var u = [Double](repeating: 0, count: rows)
        var w = [Double](repeating: 0, count: cols)
        var sigma = 0.0
        var monitor = ConvergenceMonitor(tolerance: 1e-10)
        var restarted = false

        b.withUnsafeBufferPointer { bb in
            v.withUnsafeMutableBufferPointer { vv in
                u.withUnsafeMutableBufferPointer { uu in
                    w.withUnsafeMutableBufferPointer { ww in
                        let bp = bb.baseAddress!, vp = vv.baseAddress!, up = uu.baseAddress!, wp = ww.baseAddress!
                        var step = 0
                        while step < 1000 {
                            matVec(bp, rows, cols, vp, up)
                            let nu = norm(up, rows)
                            if nu == 0 {
                                // v fell in the null space of A: restart once from the largest row of A,
                                // which A does not annihilate (A·rowᵀ has the entry ‖row‖² > 0).
                                if restarted { sigma = 0; return }
                                restarted = true
                                largestRow(bp, rows, cols, into: vp)
                                continue
                            }
                            matTVec(bp, rows, cols, up, wp)
                            let nw = norm(wp, cols)
                            guard nw > 0 else { sigma = 0; return }
                            sigma = nw / nu
                            for j in 0..<cols { vp[j] = wp[j] / nw }
                            step += 1
                            if monitor.converged(sigma) { return }
                        }
                    }
                }
            }
        }
        return sigma * maxAbs
    }

    // MARK: - Orthogonal initialisation

    /// A Haar-random orthogonal n×n matrix (row-major), as `torch.nn.init.orthogonal_`:
    /// fill G with standard normals (row by row from `rng`), take its QR
    /// factorisation by Householder reflections, and multiply column j of Q by
    /// sign(R_jj). The sign fix makes the factorisation unique (R with a positive
    /// diagonal), which is what makes Q exactly Haar-distributed rather than
    /// biased by the reflection convention.
    public static func randomOrthogonal(n: Int, rng: inout SeededRandom) -> [Double] {
        precondition(n >= 0)
        if n == 0 { return [] }
        var r = (0..<(n * n)).map { _ in rng.normal() }  // overwritten by R
        var q = [Double](repeating: 0, count: n * n)
        for i in 0..<n { q[i * n + i] = 1 }
        var house = [Double](repeating: 0, count: n)
        var diagSign = [Double](repeating: 1, count: n)

        for k in 0..<n {
            // Householder vector for column k below the diagonal: (I - 2hhᵀ/hᵀh) x = -sign(x_k)‖x‖ e_k.
            var normX = 0.0
            for i in k..<n { normX = Double.hypot(normX, r[i * n + k]) }
            let alpha = r[k * n + k] >= 0 ? -normX : normX  // R_kk, chosen to avoid cancellation
            diagSign[k] = alpha < 0 ? -1 : 1
            if normX == 0 { continue }  // column already zero (probability 0 for Gaussian input)
            for i in 0..<n { house[i] = i < k ? 0 : r[i * n + k] }
            house[k] -= alpha
            var hh = 0.0
            for i in k..<n { hh += house[i] * house[i] }
            if hh == 0 { continue }
            // R ← H R (columns k..<n), Q ← Q H (Q accumulates H₀H₁…).
            for j in k..<n {
                var t = 0.0
                for i in k..<n { t += house[i] * r[i * n + j] }
                let f = 2 * t / hh
                for i in k..<n { r[i * n + j] -= f * house[i] }
            }
            for i in 0..<n {
                var t = 0.0
                for j in k..<n { t += q[i * n + j] * house[j] }
                let f = 2 * t / hh
                for j in k..<n { q[i * n + j] -= f * house[j] }
            }
        }
        for i in 0..<n {
            for j in 0..<n { q[i * n + j] *= diagSign[j] }
        }
        return q
    }

    // MARK: - Helpers shared with JacobianNorm

    /// The fixed start vector of every power iteration: unit norm, entries from a
    /// fixed-seed Gaussian stream, so it is deterministic and has no special structure.
    static func startVector(_ n: Int) -> [Double] {
        var rng = SeededRandom(seed: 0x5EED_0F_5BEC)
        var v = (0..<n).map { _ in rng.normal() }
        let s = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if s > 0 { for i in 0..<n { v[i] /= s } }
        return v
    }

    /// y = A x for a row-major m×n matrix.
    @inline(__always)
    static func matVec(_ a: UnsafePointer<Double>, _ m: Int, _ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        for i in 0..<m {
            let row = a + i * n
            var t = 0.0
            for j in 0..<n { t += row[j] * x[j] }
            y[i] = t
        }
    }

    /// y = Aᵀ x for a row-major m×n matrix, accumulated row by row (contiguous access).
    @inline(__always)
    static func matTVec(_ a: UnsafePointer<Double>, _ m: Int, _ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        for j in 0..<n { y[j] = 0 }
        for i in 0..<m {
            let row = a + i * n
            let xi = x[i]
            if xi == 0 { continue }
            for j in 0..<n { y[j] += row[j] * xi }
        }
    }

    /// The Euclidean norm, scaled so that it neither overflows nor underflows.
    @inline(__always)
    static func norm(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        var scale = 0.0
        for i in 0..<n { scale = max(scale, abs(x[i])) }
        guard scale > 0, scale.isFinite else { return scale.isNaN ? .nan : scale }
        var s = 0.0
        for i in 0..<n {
            let t = x[i] / scale
            s += t * t
        }
        return scale * s.squareRoot()
    }

    /// Writes the (normalised) row of A with the largest norm into v.
    private static func largestRow(_ a: UnsafePointer<Double>, _ m: Int, _ n: Int, into v: UnsafeMutablePointer<Double>) {
        var best = 0, bestNorm = -1.0
        for i in 0..<m {
            let s = norm(a + i * n, n)
            if s > bestNorm { best = i; bestNorm = s }
        }
        for j in 0..<n { v[j] = bestNorm > 0 ? a[best * n + j] / bestNorm : 0 }
    }
}

/// Stopping rule for a power iteration whose estimate converges geometrically:
/// with successive changes δ_k and observed ratio ρ = δ_k/δ_{k-1}, the change
/// still to come is about δ_k/(1-ρ). Stop when that is below `tolerance`
/// relative. ρ is clamped to 0.99 so that a stalled or growing sequence (e.g. a
/// start vector almost orthogonal to the answer) demands a 100× smaller step.
struct ConvergenceMonitor: Sendable {
    let tolerance: Double
    let minimumSteps: Int
    private var previous = 0.0
    private var previousDelta = Double.infinity
    private var steps = 0

    init(tolerance: Double, minimumSteps: Int = 3) {
        self.tolerance = tolerance
        self.minimumSteps = minimumSteps
    }

    /// Feed the newest estimate; true when the iteration should stop
    /// (converged, or the estimate is no longer finite).
    mutating func converged(_ estimate: Double) -> Bool {
        guard estimate.isFinite else { return true }
        steps += 1
        defer { previous = estimate }
        if steps == 1 { return false }
        let delta = abs(estimate - previous)
        defer { previousDelta = delta }
        if delta == 0 { return true }
        let rho = min(delta / previousDelta, 0.99)
        return steps >= minimumSteps && delta <= tolerance * abs(estimate) * (1 - rho)
    }
}

/// ‖diag(d) W‖₂ for a sequence of diagonal vectors d: the one-step Jacobian
/// factor of an RNN, ∂h_t/∂h_{t-1} = diag(act'(a_t)) W_hh.
///
/// Algorithm: power iteration on (DW)ᵀ(DW), as in `Spectral.largestSingularValue`,
/// warm-started from the previous call's right singular vector: consecutive
/// timesteps have similar Jacobians, so a few steps suffice. So that a stale
/// vector cannot trap the iteration (e.g. when the top singular direction
/// switches to one the previous vector is orthogonal to), 10% of the fixed
/// start vector is mixed in at every call. Computed in Double; the buffers are
/// allocated once in `init`, so `norm` does not allocate.
public struct JacobianNorm<T: RNNFloat>: Sendable {
    public let hidden: Int
    private var v: [Double]         // warm start: right singular vector of the previous call
    private var u: [Double]         // D W v
    private var w: [Double]         // (DW)ᵀ u
    private let start: [Double]     // fixed start vector (unit norm)

    public init(hidden n: Int) {
        precondition(n >= 0)
        hidden = n
        start = Spectral.startVector(n)
        v = start
        u = [Double](repeating: 0, count: n)
        w = [Double](repeating: 0, count: n)
    }

    /// w: W_hh row-major n×n; d: pointer to n values act'(a_t). Returns ‖diag(d) W‖₂
    /// (stops when the tail bound of the change is < 1e-6 relative, or after 200
    /// steps). 0 if DW = 0; NaN if any input is non-finite.
    public mutating func norm(w weights: UnsafePointer<T>, d: UnsafePointer<T>) -> T {
        let n = hidden
        if n == 0 { return 0 }
        // One O(n²) scan: reject non-finite input up front, and spot a zero D or W.
        var maxD = 0.0, maxW = 0.0
        for i in 0..<n {
            let x = Double(d[i])
            guard x.isFinite else { return .nan }
            maxD = max(maxD, abs(x))
        }
        for k in 0..<(n * n) {
            let x = Double(weights[k])
            guard x.isFinite else { return .nan }
            maxW = max(maxW, abs(x))
        }
        if maxD == 0 || maxW == 0 { return 0 }

        let sigma = Self.powerIteration(weights, d, n, v: &v, u: &u, w: &w, start: start)
        if !sigma.isFinite || sigma == 0 {  // overflow in Double, or DW = 0: forget the warm start
            for i in 0..<n { v[i] = start[i] }
            return sigma.isFinite ? 0 : .nan
        }
        return T(sigma)
    }

    private static func powerIteration(
        _ weights: UnsafePointer<T>, _ d: UnsafePointer<T>, _ n: Int,
        v: inout [Double], u: inout [Double], w: inout [Double], start: [Double]
    ) -> Double {
        var sigma = 0.0
        v.withUnsafeMutableBufferPointer { vv in
            u.withUnsafeMutableBufferPointer { uu in
                w.withUnsafeMutableBufferPointer { ww in
                    let vp = vv.baseAddress!, up = uu.baseAddress!, wp = ww.baseAddress!
                    // Warm start, blended with the fixed start vector.
                    for i in 0..<n { vp[i] += 0.1 * start[i] }
                    let s = Spectral.norm(vp, n)
                    for i in 0..<n { vp[i] = s > 0 && s.isFinite ? vp[i] / s : start[i] }

                    var monitor = ConvergenceMonitor(tolerance: 1e-6)
                    var restarted = false
                    var step = 0
                    while step < 200 {
                        // u = D (W v)
                        for i in 0..<n {
                            let row = weights + i * n
                            var t = 0.0
                            for j in 0..<n { t += Double(row[j]) * vp[j] }
                            up[i] = Double(d[i]) * t
                        }
                        let nu = Spectral.norm(up, n)
                        if nu == 0 {
                            // v is in the null space of DW: restart once from the largest row of DW.
                            guard !restarted, largestRow(weights, d, n, into: vp) else { sigma = 0; return }
                            restarted = true
                            continue
                        }
                        // w = Wᵀ (D u), accumulated row by row (contiguous access).
                        for j in 0..<n { wp[j] = 0 }
                        for i in 0..<n {
                            let di = Double(d[i]) * up[i]
                            if di == 0 { continue }
                            let row = weights + i * n
                            for j in 0..<n { wp[j] += Double(row[j]) * di }
                        }
                        let nw = Spectral.norm(wp, n)
                        guard nw > 0 else { sigma = 0; return }
                        sigma = nw / nu
                        for j in 0..<n { vp[j] = wp[j] / nw }
                        step += 1
                        if monitor.converged(sigma) { return }
                    }
                }
            }
        }
        return sigma
    }

    /// Writes the normalised largest row of DW into v; false if DW = 0.
    private static func largestRow(_ weights: UnsafePointer<T>, _ d: UnsafePointer<T>, _ n: Int,
                                   into v: UnsafeMutablePointer<Double>) -> Bool {
        var best = -1, bestNorm = 0.0
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += Double(weights[i * n + j]) * Double(weights[i * n + j]) }
            s = abs(Double(d[i])) * s.squareRoot()
            if s > bestNorm { best = i; bestNorm = s }
        }
        guard best >= 0 else { return false }
        let di = Double(d[best])
        for j in 0..<n { v[j] = di * Double(weights[best * n + j]) / bestNorm }
        return true
    }
}
