import Kernels
/// Implicitly shifted QR steps on a small upper Hessenberg matrix, with the
/// similarity accumulated: H ← Q_stepᵀ H Q_step, Q ← Q Q_step. This is what restarts
/// Arnoldi without throwing its work away (Sorensen's implicit restart, as
/// ARPACK's `dnapps`): a step with shift μ multiplies the Krylov start vector by
/// (A − μI), so shifting by every unwanted Ritz value filters those directions
/// out while the first k columns of V Q stay an Arnoldi factorisation of the
/// wanted ones — no new products needed to rebuild them.
///
/// A real shift is one Givens bulge chase; a complex-conjugate pair is one
/// Francis double step (3×3 Householder reflectors), which keeps the arithmetic
/// real. Each step adds one (a pair: two) to Q's lower bandwidth, so after p
/// shifts Q[i, j] = 0 for i > j + p.
///
/// h and qt are m×m, row-major, rows m apart; qt holds Qᵀ, so that Q's columns
/// (what the restart reads, and what each step updates) are contiguous rows.
enum ImplicitShifts {
    /// One QR step with the real shift μ.
    static func applyReal(_ mu: Double, h: UnsafeMutablePointer<Double>, qt: UnsafeMutablePointer<Double>, m: Int) {
        guard m >= 2 else { return }
        // The first column of H − μI decides the first rotation; each later one
        // returns the bulge it leaves at (i + 2, i) to Hessenberg form.
        var x = h[0] - mu, y = h[m]
        for i in 0..<(m - 1) {
            let r = Double.hypot(x, y)
            let c = r == 0 ? 1 : x / r, s = r == 0 ? 0 : y / r
            rotateRows(h, m, i, from: max(i - 1, 0), c, s)
            if i > 0 { h[(i + 1) * m + i - 1] = 0 }  // the bulge, now chased on
            rotateColumns(h, m, i, rows: min(i + 2, m - 1) + 1, c, s)
            rotateRows(qt, m, i, from: 0, c, s)
            if i < m - 2 { x = h[(i + 1) * m + i]; y = h[(i + 2) * m + i] }
        }
    }

    /// One Francis double step with the shifts re ± i·im: the same as two complex
    /// steps, in real arithmetic.
    static func applyPair(re: Double, im: Double, h: UnsafeMutablePointer<Double>, qt: UnsafeMutablePointer<Double>, m: Int) {
        guard m >= 3 else { return }
        @inline(__always) func at(_ i: Int, _ j: Int) -> Double { h[i * m + j] }
        // First column of (H − μI)(H − μ̄I) = H² − sH + tI
        let s = 2 * re, t = re * re + im * im
        var x = at(0, 0) * at(0, 0) + at(0, 1) * at(1, 0) - s * at(0, 0) + t
        var y = at(1, 0) * (at(0, 0) + at(1, 1) - s)
        var z = at(1, 0) * at(2, 1)
        for i in 0..<(m - 1) {
            let size = min(3, m - i)  // the last reflector is 2×2
            let tail = size == 3 ? (y * y + z * z).squareRoot() : abs(y)
            if tail > 0 {
                // P = I − β v vᵀ maps (x, y, z) onto (α, 0, 0)
                let length = Double.hypot(x, tail)
                let alpha = x >= 0 ? -length : length  // away from x: no cancellation in x − α
                let v = (x - alpha, y, size == 3 ? z : 0)
                let beta = 2 / (v.0 * v.0 + v.1 * v.1 + v.2 * v.2)
                reflectRows(h, m, i, size, from: max(i - 1, 0), v, beta)
                if i > 0 { for r in (i + 1)..<(i + size) { h[r * m + i - 1] = 0 } }  // the bulge, chased on
                reflectColumns(h, m, i, size, rows: min(i + 3, m - 1) + 1, v, beta)
                reflectRows(qt, m, i, size, from: 0, v, beta)
            }
            if i < m - 2 {
                x = at(i + 1, i); y = at(i + 2, i); z = i + 3 < m ? at(i + 3, i) : 0
            }
        }
    }

    /// Rows i, i + 1 ← [c s; −s c] · (rows i, i + 1), columns from `first` on.
    @inline(__always)
    private static func rotateRows(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ i: Int, from first: Int, _ c: Double, _ s: Double) {
        let p = a + i * m, r = p + m
        for j in first..<m {
            let u = p[j], w = r[j]
            p[j] = c * u + s * w
            r[j] = c * w - s * u
        }
    }

    /// Columns i, i + 1 ← (columns i, i + 1) · [c s; −s c]ᵀ, rows 0..<rows.
    @inline(__always)
    private static func rotateColumns(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ i: Int, rows: Int, _ c: Double, _ s: Double) {
        for k in 0..<rows {
            let p = a + k * m + i
            let u = p[0], w = p[1]
            p[0] = c * u + s * w
            p[1] = c * w - s * u
        }
    }

    /// Rows i..<i + size ← P · rows, columns from `first` on (P = I − β v vᵀ).
    @inline(__always)
    private static func reflectRows(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ i: Int, _ size: Int, from first: Int,
                                    _ v: (Double, Double, Double), _ beta: Double) {
        let r0 = a + i * m, r1 = r0 + m
        if size == 3 {
            let r2 = r1 + m
            // Eight entries at a time, the same arithmetic in each lane (so the same
            // bits): the bulk of a restart, which the compiler cannot vectorise, the
            // rows being one array.
            var j = first
            while j &+ 8 <= m {
                let a0 = DoubleKernels.load(r0 + j), a1 = DoubleKernels.load(r1 + j), a2 = DoubleKernels.load(r2 + j)
                let d = beta * (v.0 * a0 + v.1 * a1 + v.2 * a2)
                DoubleKernels.store(a0 - d * v.0, r0 + j)
                DoubleKernels.store(a1 - d * v.1, r1 + j)
                DoubleKernels.store(a2 - d * v.2, r2 + j)
                j &+= 8
            }
            for j in j..<m {
                let d = beta * (v.0 * r0[j] + v.1 * r1[j] + v.2 * r2[j])
                r0[j] -= d * v.0; r1[j] -= d * v.1; r2[j] -= d * v.2
            }
        } else {
            for j in first..<m {
                let d = beta * (v.0 * r0[j] + v.1 * r1[j])
                r0[j] -= d * v.0; r1[j] -= d * v.1
            }
        }
    }

    /// Columns i..<i + size ← columns · P, rows 0..<rows.
    @inline(__always)
    private static func reflectColumns(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ i: Int, _ size: Int, rows: Int,
                                       _ v: (Double, Double, Double), _ beta: Double) {
        for k in 0..<rows {
            let p = a + k * m + i
            if size == 3 {
                let d = beta * (p[0] * v.0 + p[1] * v.1 + p[2] * v.2)
                p[0] -= d * v.0; p[1] -= d * v.1; p[2] -= d * v.2
            } else {
                let d = beta * (p[0] * v.0 + p[1] * v.1)
                p[0] -= d * v.0; p[1] -= d * v.1
            }
        }
    }
}
