import Kernels
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
        // Rows are `ld` apart, not n: the column sweeps of the reduction and of QR
        // step down a column n·8 bytes at a time, and at n = 1024 or 2048 every
        // such access fell in the same few cache sets (one iteration at H = 1024
        // took 7× as long as at 1023). One spare column spreads them out.
        let ld = n + 1
        var h = [Double](repeating: 0, count: n * ld)
        for i in 0..<n { for j in 0..<n { h[i * ld + j] = a[i * n + j] } }
        let result = h.withUnsafeMutableBufferPointer { buf -> [(re: Double, im: Double)]? in
            let p = buf.baseAddress!
            balance(p, n, ld: ld)
            reduceToHessenberg(p, n, ld: ld)
            return hessenbergEigenvalues(p, n, ld: ld)
        }
        return result.map(byModulus)
    }

    /// Sorted by decreasing modulus, a conjugate pair adjacent (positive imaginary part first).
    static func byModulus(_ values: [(re: Double, im: Double)]) -> [(re: Double, im: Double)] {
        values.sorted { x, y in
            let mx = Double.hypot(x.re, x.im), my = Double.hypot(y.re, y.im)
            if mx != my { return mx > my }
            if x.re != y.re { return x.re > y.re }
            return x.im > y.im
        }
    }

    /// The size above which `spectralRadius` uses restarted Arnoldi: every
    /// claim's network (H ≤ 128) keeps the exact all-eigenvalue figure.
    public static let krylovAbove = 128

    /// ρ(A) = max |λ|. nil if QR did not converge or the matrix is non-finite.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func spectralRadius<T: RNNFloat>(_ a: [T], n: Int) -> Double? {
        var cold: [Double] = []
        return spectralRadius(a, n: n, warmStart: &cold)
    }

    /// ρ(A), starting Arnoldi from `warmStart` when it holds n entries (the
    /// vector a previous call left there for a similar matrix, such as the same
    /// W_hh a few training iterations earlier): the same ρ to the same
    /// tolerance, usually from far fewer products. On return it holds the top
    /// Ritz vector for the next call ([] when Arnoldi was not used).
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func spectralRadius<T: RNNFloat>(_ a: [T], n: Int, warmStart: inout [Double]) -> Double? {
        precondition(n >= 0 && a.count == n * n, "spectralRadius: expected \(n)×\(n) = \(n * n) entries, got \(a.count)")
        // Above 128 units only the outermost eigenvalue is sought (Krylov, on
        // the matrix as it is: a Float one is read as Float), which is already
        // cheaper there (2.4 ms at 129 against 3.1 ms for every eigenvalue at
        // 128, 33 ms at 255); every eigenvalue is computed below that, or if it fails.
        if n > krylovAbove {
            let warm = warmStart.count == n
            if !warm { warmStart = [Double](repeating: 0, count: n) }
            let rho = warmStart.withUnsafeMutableBufferPointer { krylovWork(a, n: n, warm: $0.baseAddress!).rho }
            if let rho { return rho }
            warmStart = []
        } else {
            warmStart = []
        }
        guard let values = eigenvalues(doubles(a), n: n) else { return nil }
        return values.reduce(0) { max($0, Double.hypot($1.re, $1.im)) }
    }

    /// ρ (nil if Arnoldi did not converge), the products A v it took and its cycles,
    /// for `bench --spectral`. Above `krylovAbove` only.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func spectralRadiusWork<T: RNNFloat>(_ a: [T], n: Int) -> (rho: Double?, products: Int, cycles: Int) {
        var cold: [Double] = []
        return spectralRadiusWork(a, n: n, warmStart: &cold)
    }

    /// The same, started from `warmStart` as `spectralRadius(_:n:warmStart:)` is.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func spectralRadiusWork<T: RNNFloat>(_ a: [T], n: Int, warmStart: inout [Double])
        -> (rho: Double?, products: Int, cycles: Int) {
        precondition(n > krylovAbove && a.count == n * n)
        if warmStart.count != n { warmStart = [Double](repeating: 0, count: n) }
        let run = warmStart.withUnsafeMutableBufferPointer { krylovWork(a, n: n, warm: $0.baseAddress!) }
        if run.rho == nil { warmStart = [] }
        return (run.rho, run.products, run.cycles)
    }

    /// Restarted Arnoldi on a Float or Double matrix (`warm`: see `krylovRun`).
    private static func krylovWork<T: RNNFloat>(_ a: [T], n: Int, warm: UnsafeMutablePointer<Double>? = nil) -> KrylovRun {
        a.withUnsafeBufferPointer { p -> KrylovRun in
            let raw = UnsafeRawPointer(p.baseAddress!)
            // A Float matrix is read as Float, unless its entries are so small that the
            // split products, which read subnormal Floats as 0, could lose them.
            if T.self == Float.self {
                let f = raw.assumingMemoryBound(to: Float.self), scale = DoubleKernels.maxAbs(f, count: n * n)
                if scale >= 0x1p-100 || !scale.isFinite { return krylovRun(f, n: n, warm: warm, scale: scale) }
            }
            if T.self == Double.self { return krylovRun(raw.assumingMemoryBound(to: Double.self), n: n, warm: warm) }
            return doubles(a).withUnsafeBufferPointer { krylovRun($0.baseAddress!, n: n, warm: warm) }
        }
    }

    /// Balancing (EISPACK `balanc`): a diagonal similarity D⁻¹AD, with D made of
    /// powers of 2 (so exact in floating point), that equalises the off-diagonal
    /// norms of each row and its column. It does not change the eigenvalues but
    /// reduces the norm the QR rounding errors are proportional to.
    private static func balance(_ a: UnsafeMutablePointer<Double>, _ n: Int, ld: Int) {
        let radix = 2.0, radix2 = radix * radix
        var converged = false
        var sweeps = 0
        while !converged && sweeps < 100 {  // converges in a handful of sweeps; the cap is only a guard
            converged = true
            sweeps += 1
            for i in 0..<n {
                var c = 0.0, r = 0.0
                for j in 0..<n where j != i {
                    c += abs(a[j * ld + i])
                    r += abs(a[i * ld + j])
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
                    for j in 0..<n { a[i * ld + j] *= fInv }
                    for j in 0..<n { a[j * ld + i] *= f }
                }
            }
        }
    }

    /// Reduction to upper Hessenberg form by stabilised elementary similarity
    /// transformations (Gaussian elimination with partial pivoting, EISPACK
    /// `elmhes`): half the work of Householder and just as accurate in practice
    /// once the matrix is balanced. Entries below the subdiagonal are set to 0.
    private static func reduceToHessenberg(_ a: UnsafeMutablePointer<Double>, _ n: Int, ld: Int) {
        guard n > 2 else { return }
        for m in 1..<(n - 1) {
            // Pivot: the largest entry in column m-1 at or below row m.
            var x = 0.0
            var pivot = m
            for j in m..<n where abs(a[j * ld + m - 1]) > abs(x) {
                x = a[j * ld + m - 1]
                pivot = j
            }
            if pivot != m {  // interchange rows and columns pivot <-> m (a similarity)
                for j in (m - 1)..<n { swap(&a[pivot * ld + j], &a[m * ld + j]) }
                for j in 0..<n { swap(&a[j * ld + pivot], &a[j * ld + m]) }
            }
            guard x != 0 else { continue }
            // The similarity L⁻¹AL with L = I + Σ_i y_i e_i e_mᵀ: first every row
            // i -= y_i · row m (L⁻¹ from the left), then column m += Σ_i y_i · column i
            // (L from the right), done row by row as a dot product so that memory
            // is read along rows, not down columns.
            let rm = a + m * ld
            var ys = [Double](repeating: 0, count: n)
            for i in (m + 1)..<n {
                var y = a[i * ld + m - 1]
                guard y != 0 else { continue }
                y /= x
                ys[i] = y
                a[i * ld + m - 1] = 0
                let ri = a + i * ld
                var j = m
                while j < n { ri[j] -= y * rm[j]; j += 1 }
            }
            ys.withUnsafeBufferPointer { yp in
                for r in 0..<n {
                    let row = a + r * ld
                    // Four partial sums: one chain of dependent adds would wait on each add.
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                    var i = m + 1
                    while i + 3 < n {
                        s0 += yp[i] * row[i]; s1 += yp[i + 1] * row[i + 1]
                        s2 += yp[i + 2] * row[i + 2]; s3 += yp[i + 3] * row[i + 3]
                        i += 4
                    }
                    while i < n { s0 += yp[i] * row[i]; i += 1 }
                    row[m] += (s0 + s1) + (s2 + s3)
                }
            }
        }
    }

    /// Eigenvalues of an upper Hessenberg matrix by shifted QR with the Francis
    /// implicit double shift (EISPACK `hqr`). The active block deflates when a
    /// subdiagonal entry becomes negligible, giving one real eigenvalue or a 2×2
    /// block (a real pair or a complex-conjugate pair). Ad-hoc "exceptional"
    /// shifts every 10 stalled iterations break the rare cycles of the standard
    /// shift. Destroys `a`. nil if the total budget of 30·n iterations runs out.
    static func hessenbergEigenvalues(_ a: UnsafeMutablePointer<Double>, _ n: Int, ld: Int) -> [(re: Double, im: Double)]? {
        @inline(__always) func at(_ i: Int, _ j: Int) -> Double { a[i * ld + j] }
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
                    a[l * ld + l - 1] = 0
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
                for i in 0...nn { a[i * ld + i] -= x }
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
                a[i * ld + i - 2] = 0
                if i != m + 2 { a[i * ld + i - 3] = 0 }
            }

            chaseBulge(a, ld: ld, rows: l...nn, from: m, p: p, q: q, r: r)
        }
        return (0..<n).map { (re: wr[$0], im: wi[$0]) }
    }

    /// One double-shift QR sweep's bulge, started at row m with the first column (p, q, r)
    /// of (H − s1)(H − s2), chased down the active block `rows` (l...nn) by 3×3
    /// Householder reflections (EISPACK `hqr`'s inner loop).
    private static func chaseBulge(_ a: UnsafeMutablePointer<Double>, ld: Int, rows: ClosedRange<Int>, from m: Int,
                                   p: Double, q: Double, r: Double) {
        @inline(__always) func at(_ i: Int, _ j: Int) -> Double { a[i * ld + j] }
        @inline(__always) func sign(_ x: Double, _ s: Double) -> Double { s >= 0 ? abs(x) : -abs(x) }
        let l = rows.lowerBound, nn = rows.upperBound
        var p = p, q = q, r = r, x = 0.0, y = 0.0
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
                if l != m { a[k * ld + k - 1] = -at(k, k - 1) }
            } else {
                a[k * ld + k - 1] = -s * x
            }
            p += s
            x = p / s
            y = q / s
            let z = r / s
            q /= p
            r /= p
            // Apply the reflector to rows k, k+1 (, k+2) and columns k, k+1 (, k+2).
            // Plain pointer loops: this is the O(n²)-per-sweep inner loop, and it
            // must stay fast in debug builds too. The rows, eight entries at a time
            // (the same arithmetic in each lane, so the same bits): the compiler
            // cannot, the rows being one array.
            let r0 = a + k * ld, r1 = r0 + ld
            var j = k
            if k != nn - 1 {
                let r2 = r1 + ld
                while j &+ 8 <= nn &+ 1 {
                    let a0 = DoubleKernels.load(r0 + j), a1 = DoubleKernels.load(r1 + j), a2 = DoubleKernels.load(r2 + j)
                    let t = a0 + q * a1 + r * a2
                    DoubleKernels.store(a2 - t * z, r2 + j)
                    DoubleKernels.store(a1 - t * y, r1 + j)
                    DoubleKernels.store(a0 - t * x, r0 + j)
                    j &+= 8
                }
                while j <= nn {
                    let t = r0[j] + q * r1[j] + r * r2[j]
                    r2[j] -= t * z
                    r1[j] -= t * y
                    r0[j] -= t * x
                    j += 1
                }
            } else {
                while j <= nn {
                    let t = r0[j] + q * r1[j]
                    r1[j] -= t * y
                    r0[j] -= t * x
                    j += 1
                }
            }
            let last = min(nn, k + 3)
            var c = a + l * ld + k  // &a[i][k] for i = l
            var i = l
            if k != nn - 1 {
                while i <= last {
                    let t = x * c[0] + y * c[1] + z * c[2]
                    c[2] -= t * r
                    c[1] -= t * q
                    c[0] -= t
                    c += ld
                    i += 1
                }
            } else {
                while i <= last {
                    let t = x * c[0] + y * c[1]
                    c[1] -= t * q
                    c[0] -= t
                    c += ld
                    i += 1
                }
            }
        }
    }

    // MARK: - Largest singular value

    /// σ_max(A) = ‖A‖₂ of a rows×cols matrix, in Double.
    ///
    /// Algorithm: σ_max² = λ_max(AᵀA), found by Lanczos on AᵀA (see `lanczosLargest`):
    /// like power iteration it needs only the products AᵀA v (one pass over A
    /// each, `DoubleKernels.gramVec`), but it keeps the best vector of the whole
    /// Krylov space, so nearly equal top singular values (where power iteration
    /// crawls) cost tens of steps, not thousands. Stops when the Ritz residual
    /// is below 1e-8·θ — AᵀA is symmetric, so θ is then within 1e-8·θ of an
    /// eigenvalue, the largest, which Lanczos finds first: σ_max to 5e-9 — or
    /// after 1000 products. Deterministic: a fixed pseudo-random start vector.
    ///
    /// The zero matrix gives 0; a non-finite entry gives NaN.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func largestSingularValue<T: RNNFloat>(_ a: [T], rows: Int, cols: Int) -> Double {
        var cold: [Double] = []
        return largestSingularValue(a, rows: rows, cols: cols, warmStart: &cold)
    }

    /// σ_max(A), starting Lanczos from `warmStart` when it holds `cols` entries
    /// (the right singular vector a previous call left there for a similar
    /// matrix): the same σ_max to the same tolerance, from fewer products.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func largestSingularValue<T: RNNFloat>(_ a: [T], rows: Int, cols: Int, warmStart: inout [Double]) -> Double {
        var products = 0
        return largestSingularValue(a, rows: rows, cols: cols, warmStart: &warmStart, products: &products)
    }

    /// σ_max and the products AᵀA v Lanczos took, for `bench --spectral`.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func largestSingularValueWork<T: RNNFloat>(_ a: [T], rows: Int, cols: Int, warmStart: inout [Double])
        -> (sigma: Double, products: Int) {
        var products = 0
        let sigma = largestSingularValue(a, rows: rows, cols: cols, warmStart: &warmStart, products: &products)
        return (sigma, products)
    }

    private static func largestSingularValue<T: RNNFloat>(_ a: [T], rows: Int, cols: Int, warmStart: inout [Double],
                                                          products: inout Int) -> Double {
        precondition(rows >= 0 && cols >= 0 && a.count == rows * cols,
                     "largestSingularValue: expected \(rows)×\(cols) = \(rows * cols) entries, got \(a.count)")
        if T.self == Float.self, let sigma = a.withUnsafeBufferPointer({ p -> Double? in
            // A Float matrix is read as it is: in Double, AᵀA of Float entries cannot
            // overflow (|a|² ≤ 1.2e77). Entries so small that the split products, which
            // read subnormal Floats as 0, could lose them take the scaled path below.
            let f = UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: Float.self)
            let maxAbs = DoubleKernels.maxAbs(f, count: rows * cols)
            guard maxAbs.isFinite else { return .nan }
            guard maxAbs >= 0x1p-100 else { return maxAbs == 0 ? 0 : nil }
            return largestSingularValue(of: f, rows: rows, cols: cols, warmStart: &warmStart, products: &products)
        }) {
            return sigma
        }
        var b = doubles(a)
        let maxAbs = b.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: rows * cols) }
        guard maxAbs.isFinite else { return .nan }
        if maxAbs == 0 { return 0 }
        // Work on A / max|a_ij| so that AᵀA can neither overflow nor underflow.
        for i in b.indices { b[i] /= maxAbs }
        return b.withUnsafeBufferPointer {
            largestSingularValue(of: $0.baseAddress!, rows: rows, cols: cols, warmStart: &warmStart, products: &products)
        } * maxAbs
    }

    /// σ_max of a nonzero finite matrix whose AᵀA does not overflow.
    private static func largestSingularValue<E: MatrixEntry>(of bp: UnsafePointer<E>, rows: Int, cols: Int,
                                                           warmStart: inout [Double], products: inout Int) -> Double {
        let k = min(cols, 64)
        var x = startVector(cols)
        if warmStart.count == cols, warmStart.allSatisfy({ $0.isFinite }), warmStart.contains(where: { $0 != 0 }) {
            // 1% of the fixed start vector keeps every direction in it (as JacobianNorm does).
            for i in 0..<cols { x[i] = warmStart[i] + 0.01 * x[i] }
        }
        var buffer = [Double](repeating: 0, count: LanczosScratch.count(n: cols, dimension: k) + cols)
        let lambda = x.withUnsafeMutableBufferPointer { xx in
                buffer.withUnsafeMutableBufferPointer { buf in
                    let xp = xx.baseAddress!
                    let scratch = LanczosScratch(buf.baseAddress!, n: cols, dimension: k)
                    let partial = buf.baseAddress! + LanczosScratch.count(n: cols, dimension: k)  // gramVec's second sum
                    let apply = { (v: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) in
                        DoubleKernels.gramVec(bp, rows, cols, v, y, scratch: partial)  // y = Aᵀ(A v), one pass over A
                    }
                    var result = lanczosLargest(n: cols, scratch: scratch, x: xp, tolerance: 1e-8,
                                                minSteps: 2, maxSteps: 1000, apply: apply)
                    products += result.steps
                    if result.value == 0 {
                        // The start vector lay in the null space of A: restart from the largest
                        // row of A, which A does not annihilate (A·rowᵀ has the entry ‖row‖² > 0).
                        largestRow(bp, rows, cols, into: xp)
                        result = lanczosLargest(n: cols, scratch: scratch, x: xp, tolerance: 1e-8,
                                                minSteps: 2, maxSteps: 1000, apply: apply)
                        products += result.steps
                    }
                    return result.value
                }
        }
        warmStart = lambda > 0 && lambda.isFinite ? x : []
        return max(lambda, 0).squareRoot()
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

    /// The fixed start vector of every iteration: unit norm, entries from a
    /// fixed-seed Gaussian stream, so it is deterministic and has no special structure.
    static func startVector(_ n: Int) -> [Double] {
        var rng = SeededRandom(seed: 0x5EED_0F_5BEC)
        var v = (0..<n).map { _ in rng.normal() }
        let s = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if s > 0 { for i in 0..<n { v[i] /= s } }
        return v
    }

    /// dst[0..<count] = Double(src[i]). Float and Double take direct, non-generic
    /// paths: called from another module, the generic conversion would cost a
    /// protocol-witness call per element.
    static func copyToDouble<T: RNNFloat>(_ src: UnsafePointer<T>, _ count: Int, _ dst: UnsafeMutablePointer<Double>) {
        if T.self == Double.self {
            dst.update(from: UnsafeRawPointer(src).assumingMemoryBound(to: Double.self), count: count)
        } else if T.self == Float.self {
            let f = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
            for i in 0..<count { dst[i] = Double(f[i]) }
        } else {
            for i in 0..<count { dst[i] = Double(src[i]) }
        }
    }

    /// A [Double] copy of a matrix of any RNNFloat (see `copyToDouble`).
    static func doubles<T: RNNFloat>(_ a: [T]) -> [Double] {
        a.withUnsafeBufferPointer { src in
            [Double](unsafeUninitializedCapacity: src.count) { dst, count in
                if let s = src.baseAddress, let d = dst.baseAddress { copyToDouble(s, src.count, d) }
                count = src.count
            }
        }
    }

    /// y = A x for a row-major m×n matrix (`DoubleKernels`: vector lanes, both cores when large).
    static func matVec(_ a: UnsafePointer<Double>, _ m: Int, _ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        DoubleKernels.matVec(a, m, n, x, y)
    }

    /// y = Aᵀ x for a row-major m×n matrix, accumulated row by row (contiguous access).
    static func matTVec(_ a: UnsafePointer<Double>, _ m: Int, _ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        DoubleKernels.matTVec(a, m, n, x, y)
    }

    /// x · y, with four partial sums so the loop is not one long dependency chain.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= n {
            s0 += x[j] * y[j]
            s1 += x[j + 1] * y[j + 1]
            s2 += x[j + 2] * y[j + 2]
            s3 += x[j + 3] * y[j + 3]
            j += 4
        }
        while j < n { s0 += x[j] * y[j]; j += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// y += c x
    @inline(__always)
    static func axpy(_ c: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        var j = 0
        while j < n { y[j] += c * x[j]; j += 1 }
    }

    /// The Euclidean norm, scaled so that it neither overflows nor underflows.
    static func norm(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        var scale = 0.0
        for i in 0..<n {
            let a = abs(x[i])
            if a.isNaN { return .nan }
            if a > scale { scale = a }
        }
        guard scale > 0, scale.isFinite else { return scale }
        var s = 0.0
        for i in 0..<n {
            let t = x[i] / scale
            s += t * t
        }
        return scale * s.squareRoot()
    }

    /// Scales x to unit norm; false (x untouched) if it is zero or not finite.
    @discardableResult
    static func normalize(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        let s = norm(x, n)
        guard s > 0, s.isFinite else { return false }
        for i in 0..<n { x[i] /= s }
        return true
    }

    /// Writes the (normalised) row of A with the largest norm into v.
    private static func largestRow<E: MatrixEntry>(_ a: UnsafePointer<E>, _ m: Int, _ n: Int, into v: UnsafeMutablePointer<Double>) {
        var best = 0, bestNorm = -1.0
        let row = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { row.deallocate() }
        for i in 0..<m {
            for j in 0..<n { row[j] = a[i * n + j].double }
            let s = norm(row, n)
            if s > bestNorm { best = i; bestNorm = s }
        }
        for j in 0..<n { v[j] = bestNorm > 0 ? a[best * n + j].double / bestNorm : 0 }
    }

    // MARK: - Lanczos

    /// λ_max of a symmetric positive semidefinite n×n operator M, given only as
    /// `apply(x, y)`: y = M x.
    ///
    /// Algorithm: Lanczos with full reorthogonalisation and explicit restarts.
    /// Power iteration keeps only the last vector of the Krylov space
    /// span{x, Mx, M²x, …}; Lanczos builds an orthonormal basis Q of it, in which
    /// M is tridiagonal (T = QᵀMQ), and takes the top eigenpair (θ, s) of T: the
    /// best Rayleigh quotient over the whole space, so θ is never worse than the
    /// power-iteration estimate and its convergence depends on the gap through a
    /// Chebyshev polynomial rather than (λ₂/λ₁)^k. That matters here: the top two
    /// singular values of random RNN Jacobians are often within 1%.
    /// Each step reorthogonalises against the whole basis (dimension ≤ 64, cheap
    /// next to the products), which plain three-term Lanczos would need to avoid
    /// spurious copies of converged eigenvalues. When the basis is full it restarts
    /// from the current Ritz vector Qs.
    ///
    /// Stops when the residual ‖Mx − θx‖ = β_j |s_j| ≤ tolerance·θ (then an
    /// eigenvalue lies within that distance of θ), when the Krylov space is
    /// invariant (β_j ≈ 0: θ is exact), or after `maxSteps` products. At least
    /// `minSteps` products are taken: a start vector that is almost an eigenvector
    /// of a smaller eigenvalue has a small residual, but the second basis vector
    /// w/β, being normalised, brings in the missing direction at full size.
    ///
    /// On entry x is a nonzero start vector; on return the unit Ritz vector.
    /// Returns θ ≤ λ_max (0 if M x = 0 for the start vector) and the number of products.
    static func lanczosLargest(
        n: Int, scratch z: LanczosScratch, x: UnsafeMutablePointer<Double>,
        tolerance: Double, minSteps: Int, maxSteps: Int,
        apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    ) -> (value: Double, steps: Int) {
        let k = z.dimension
        let w = z.w
        var steps = 0
        var theta = 0.0
        while true {  // one pass per restart
            guard normalize(x, n) else { return (0, steps) }
            for i in 0..<n { z.basis[i] = x[i] }
            var j = 0          // basis vectors q_0 … q_{j-1} in use
            var done = false
            while !done {
                let q = z.basis + j * n
                apply(q, w)
                steps += 1
                var a = dot(q, w, n)
                axpy(-a, q, w, n)
                if j > 0 { axpy(-z.beta[j - 1], z.basis + (j - 1) * n, w, n) }
                // Full reorthogonalisation: one classical Gram–Schmidt pass, c = Qᵀw, w −= Q c.
                DoubleKernels.rowDots(z.basis, lda: n, rows: 0..<(j + 1), n: n, x: w, y: z.projections)
                DoubleKernels.subtractCombination(z.basis, ldv: n, count: j + 1, z.projections, from: w, n: n)
                a += z.projections[j]
                z.alpha[j] = a
                let b = norm(w, n)
                z.beta[j] = b
                j += 1
                theta = tridiagonalTopEigenpair(z, size: j)
                let residual = b * abs(z.ritz[j - 1])
                let invariant = b <= 1e-13 * theta || b == 0
                done = invariant || steps >= maxSteps || !theta.isFinite
                    || (steps >= minSteps && residual <= tolerance * theta)
                if !done && j == k { break }  // basis full: restart from the Ritz vector
                if !done { for i in 0..<n { z.basis[j * n + i] = w[i] / b } }
            }
            // Ritz vector x = Q s.
            for i in 0..<n { x[i] = 0 }
            for i in 0..<j { axpy(z.ritz[i], z.basis + i * n, x, n) }
            if done {
                normalize(x, n)
                return (theta, steps)
            }
        }
    }

    /// The largest eigenvalue θ of the symmetric tridiagonal T (diagonal α, off-diagonal
    /// β) of the given size, and its unit eigenvector in `z.ritz`.
    ///
    /// θ by bisection on the Sturm count (the number of negative pivots of T − xI
    /// is the number of eigenvalues below x): robust, and accurate to a few ulps.
    /// The eigenvector by two steps of inverse iteration with θI − T, which is
    /// positive semidefinite for θ ≥ λ_max, so the LDLᵀ solve needs no pivoting.
    static func tridiagonalTopEigenpair(_ z: LanczosScratch, size m: Int) -> Double {
        let alpha = z.alpha, beta = z.beta, s = z.ritz
        if m == 1 {
            s[0] = 1
            return alpha[0]
        }
        // Gershgorin interval containing every eigenvalue.
        var lo = Double.infinity, hi = -Double.infinity
        for i in 0..<m {
            let r = (i > 0 ? abs(beta[i - 1]) : 0) + (i < m - 1 ? abs(beta[i]) : 0)
            lo = min(lo, alpha[i] - r)
            hi = max(hi, alpha[i] + r)
        }
        guard lo.isFinite, hi.isFinite else { return .nan }
        let scale = max(abs(lo), abs(hi))
        if scale == 0 {
            for i in 0..<m { s[i] = i == 0 ? 1 : 0 }
            return 0
        }
        let pivmin = scale * 1e-290  // replaces an exactly-zero pivot
        func countBelow(_ x: Double) -> Int {
            var count = 0
            var q = alpha[0] - x
            for i in 0..<m {
                if i > 0 { q = alpha[i] - x - beta[i - 1] * beta[i - 1] / q }
                if abs(q) < pivmin { q = -pivmin }
                if q < 0 { count += 1 }
            }
            return count
        }
        // Invariant: lo < λ_max ≤ hi.
        for _ in 0..<128 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi || hi - lo <= 4 * Double.ulpOfOne * scale { break }
            if countBelow(mid) == m { hi = mid } else { lo = mid }
        }
        // Inverse iteration: solve (hi·I − T) y = s twice, starting from s = 1.
        // LDLᵀ: d_0 = hi − α_0, l_{i-1} = −β_{i-1}/d_{i-1}, d_i = hi − α_i − β_{i-1}²/d_{i-1}.
        let d = z.pivots, l = z.multipliers
        d[0] = max(hi - alpha[0], pivmin)
        for i in 1..<m {
            l[i - 1] = -beta[i - 1] / d[i - 1]
            d[i] = max(hi - alpha[i] - beta[i - 1] * beta[i - 1] / d[i - 1], pivmin)
        }
        for i in 0..<m { s[i] = 1 }
        for _ in 0..<2 {
            for i in 1..<m { s[i] -= l[i - 1] * s[i - 1] }
            for i in 0..<m { s[i] /= d[i] }
            for i in stride(from: m - 2, through: 0, by: -1) { s[i] -= l[i] * s[i + 1] }
            var big = 0.0
            for i in 0..<m { big = max(big, abs(s[i])) }
            guard big > 0, big.isFinite else { break }
            for i in 0..<m { s[i] /= big }
        }
        normalize(s, m)
        return 0.5 * (lo + hi)
    }
}

/// Scratch memory for `Spectral.lanczosLargest`, carved out of one caller-owned
/// buffer of `count(n:dimension:)` Doubles (so repeated calls need no allocation).
struct LanczosScratch {
    let dimension: Int                          // Krylov dimension before a restart
    let basis: UnsafeMutablePointer<Double>     // dimension × n: q_0, q_1, …
    let w: UnsafeMutablePointer<Double>         // n
    let alpha: UnsafeMutablePointer<Double>     // dimension: diagonal of T
    let beta: UnsafeMutablePointer<Double>      // dimension: off-diagonal of T
    let ritz: UnsafeMutablePointer<Double>      // dimension: top eigenvector s of T
    let pivots: UnsafeMutablePointer<Double>    // dimension: LDLᵀ scratch
    let multipliers: UnsafeMutablePointer<Double>
    let projections: UnsafeMutablePointer<Double> // dimension: Qᵀw

    static func count(n: Int, dimension k: Int) -> Int { k * n + n + 6 * k }

    init(_ p: UnsafeMutablePointer<Double>, n: Int, dimension k: Int) {
        dimension = k
        basis = p
        w = p + k * n
        alpha = w + n
        beta = alpha + k
        ritz = beta + k
        pivots = ritz + k
        multipliers = pivots + k
        projections = multipliers + k
    }
}

/// ‖diag(d) W‖₂ for a sequence of diagonal vectors d: the one-step Jacobian
/// factor of an RNN, ∂h_t/∂h_{t-1} = diag(act'(a_t)) W_hh.
///
/// Algorithm: the largest eigenvalue of (DW)ᵀ(DW) by the Lanczos method
/// (`Spectral.lanczosLargest`: power iteration that keeps the whole Krylov
/// space, so clustered top singular values converge in tens of steps rather
/// than thousands), warm-started from the previous call's singular vector:
/// consecutive timesteps have similar Jacobians, so a few steps suffice. 1% of
/// the fixed start vector is mixed into the warm start so that the answer's
/// direction is never exactly missing from it.
///
/// Each call copies W and d into Double once (O(n²), cheap next to the
/// iteration), so the hot loops are plain non-generic Double code whatever T is
/// and wherever the call comes from. All buffers are allocated in `init`, so
/// `norm` does not allocate.
public struct JacobianNorm<T: RNNFloat>: Sendable {
    public let hidden: Int
    private let dimension: Int     // Krylov dimension before a restart
    private let start: [Double]    // fixed start vector (unit norm)
    /// [v: warm start (n) | u (n) | W (n²) | d (n) | Lanczos scratch]
    private var buffer: [Double]
    /// Products with (DW)ᵀ(DW) taken by the last `norm` call (for tests and benchmarks).
    private(set) var lastSteps = 0

    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public init(hidden n: Int) {
        precondition(n >= 0)
        hidden = n
        dimension = min(n, 32)
        start = Spectral.startVector(n)
        buffer = [Double](repeating: 0, count: 3 * n + n * n + LanczosScratch.count(n: n, dimension: min(n, 32)))
        for i in 0..<n { buffer[i] = start[i] }
    }

    /// w: W_hh row-major n×n; d: pointer to n values act'(a_t). Returns ‖diag(d) W‖₂.
    /// Stops when the Ritz residual for σ² is below 1e-5 relative (σ is then within
    /// ~5e-6 relative at worst, ~1e-10 typically), or after 200 products.
    /// 0 if DW = 0; NaN if any input is non-finite.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public mutating func norm(w weights: UnsafePointer<T>, d: UnsafePointer<T>) -> T {
        let n = hidden
        if n == 0 { lastSteps = 0; return 0 }
        let (lambda, steps) = Self.largestEigenvalue(
            n: n, dimension: dimension, start: start, buffer: &buffer, weights: weights, d: d)
        lastSteps = steps
        if lambda.isNaN { return .nan }
        if lambda <= 0 || !lambda.isFinite {  // DW = 0, or overflow: forget the warm start
            for i in 0..<n { buffer[i] = start[i] }
            return lambda.isFinite ? 0 : .nan
        }
        return T(lambda.squareRoot())
    }

    /// λ_max((DW)ᵀ(DW)) and the number of products taken; NaN for non-finite input.
    private static func largestEigenvalue(
        n: Int, dimension k: Int, start: [Double], buffer: inout [Double],
        weights: UnsafePointer<T>, d: UnsafePointer<T>
    ) -> (Double, Int) {
        buffer.withUnsafeMutableBufferPointer { buf -> (Double, Int) in
            let v = buf.baseAddress!, u = v + n, wd = u + n, dd = wd + n * n
            let scratch = LanczosScratch(dd + n, n: n, dimension: k)
            Spectral.copyToDouble(weights, n * n, wd)
            Spectral.copyToDouble(d, n, dd)
            // Reject non-finite input up front, and spot a zero D or W.
            var maxD = 0.0, maxW = 0.0
            for i in 0..<n {
                guard dd[i].isFinite else { return (.nan, 0) }
                maxD = max(maxD, abs(dd[i]))
            }
            for i in 0..<(n * n) {
                guard wd[i].isFinite else { return (.nan, 0) }
                maxW = max(maxW, abs(wd[i]))
            }
            if maxD == 0 || maxW == 0 { return (0, 0) }

            // y = (DW)ᵀ(DW) x = Wᵀ (D² (W x)).
            let apply = { (x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) in
                Spectral.matVec(wd, n, n, x, u)
                for i in 0..<n { u[i] *= dd[i] * dd[i] }
                Spectral.matTVec(wd, n, n, u, y)
            }
            for i in 0..<n { v[i] += 0.01 * start[i] }
            var result = Spectral.lanczosLargest(n: n, scratch: scratch, x: v, tolerance: 1e-5,
                                                 minSteps: 2, maxSteps: 200, apply: apply)
            var steps = result.steps
            if result.value == 0 {
                // The start vector lay in the null space of DW: retry from the largest row of
                // DW, which DW does not annihilate; if there is none, DW = 0.
                var best = -1, bestNorm = 0.0
                for i in 0..<n {
                    let s = abs(dd[i]) * Spectral.norm(wd + i * n, n)
                    if s > bestNorm { best = i; bestNorm = s }
                }
                guard best >= 0 else { return (0, steps) }
                for j in 0..<n { v[j] = dd[best] * wd[best * n + j] }
                result = Spectral.lanczosLargest(n: n, scratch: scratch, x: v, tolerance: 1e-5,
                                                 minSteps: 2, maxSteps: 200, apply: apply)
                steps += result.steps
            }
            return (result.value, steps)
        }
    }
}
