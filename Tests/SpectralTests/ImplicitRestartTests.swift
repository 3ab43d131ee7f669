import Foundation
import Testing
@testable import Spectral
import Kernels

/// The implicit restart of Arnoldi, proved on its own: each shifted QR step is
/// an orthogonal similarity that keeps H Hessenberg; an exact shift deflates
/// (that is what filters the unwanted Ritz values out); and after a restart the
/// kept basis is still an Arnoldi factorisation A V_k = V_k H_k + f e_kᵀ.
@Suite struct ImplicitRestartTests {
    static func hessenberg(_ m: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var h = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in max(i - 1, 0)..<m { h[i * m + j] = rng.normal() } }
        return h
    }

    static func product(_ a: [Double], _ b: [Double], _ m: Int, transposeA: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m {
            var s = 0.0
            for k in 0..<m { s += (transposeA ? a[k * m + i] : a[i * m + k]) * b[k * m + j] }
            c[i * m + j] = s
        } }
        return c
    }

    /// Applies the shifts to a copy of h; returns H⁺ and Q (not transposed).
    static func shifted(_ h: [Double], _ m: Int, _ shifts: [(re: Double, im: Double)]) -> (h: [Double], q: [Double]) {
        var hp = h, qt = [Double](repeating: 0, count: m * m)
        for i in 0..<m { qt[i * m + i] = 1 }
        hp.withUnsafeMutableBufferPointer { hb in qt.withUnsafeMutableBufferPointer { qb in
            for mu in shifts {
                if mu.im == 0 { ImplicitShifts.applyReal(mu.re, h: hb.baseAddress!, qt: qb.baseAddress!, m: m) }
                else { ImplicitShifts.applyPair(re: mu.re, im: mu.im, h: hb.baseAddress!, qt: qb.baseAddress!, m: m) }
            }
        } }
        var q = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { q[i * m + j] = qt[j * m + i] } }
        return (hp, q)
    }

    @Test(arguments: [[(0.3, 0.0)], [(0.2, 0.9)], [(1.1, 0.0), (-0.4, 0.7), (0.05, 0.0)]] as [[(Double, Double)]])
    func aShiftedStepIsAnOrthogonalSimilarityThatKeepsHessenbergForm(shifts: [(Double, Double)]) {
        let m = 12
        let h = Self.hessenberg(m, seed: 5)
        let (hp, q) = Self.shifted(h, m, shifts.map { (re: $0.0, im: $0.1) })
        let qtq = Self.product(q, q, m, transposeA: true)
        let similar = Self.product(Self.product(q, h, m, transposeA: true), q, m)
        var orthogonality = 0.0, similarity = 0.0
        for i in 0..<m { for j in 0..<m {
            orthogonality = max(orthogonality, abs(qtq[i * m + j] - (i == j ? 1 : 0)))
            similarity = max(similarity, abs(similar[i * m + j] - hp[i * m + j]))
        } }
        #expect(orthogonality <= 1e-14, "QᵀQ − I: \(orthogonality)")
        #expect(similarity <= 1e-12, "QᵀHQ − H⁺: \(similarity)")
        // Hessenberg exactly; Q's lower bandwidth is the number of shifts (a pair counts two).
        let bandwidth = shifts.reduce(0) { $0 + ($1.1 == 0 ? 1 : 2) }
        for i in 0..<m { for j in 0..<m {
            if i > j + 1 { #expect(hp[i * m + j] == 0, "H⁺[\(i), \(j)]") }
            if i > j + bandwidth { #expect(q[i * m + j] == 0, "Q[\(i), \(j)]") }
        } }
    }

    /// Shifting by an exact eigenvalue (a real one, then a conjugate pair) splits
    /// it off at the bottom: the subdiagonal entry above it vanishes.
    @Test func anExactShiftDeflates() throws {
        let m = 12
        let h = Self.hessenberg(m, seed: 8)
        let values = try #require(Spectral.eigenvalues(h, n: m))
        let real = try #require(values.first { $0.im == 0 })
        let pair = try #require(values.first { $0.im > 0 })
        let scale = h.map(abs).max()!
        let afterReal = Self.shifted(h, m, [real]).h
        #expect(abs(afterReal[(m - 1) * m + m - 2]) <= 1e-10 * scale, "H⁺[m−1, m−2] = \(afterReal[(m - 1) * m + m - 2])")
        let afterPair = Self.shifted(h, m, [pair]).h
        #expect(abs(afterPair[(m - 2) * m + m - 3]) <= 1e-10 * scale, "H⁺[m−2, m−3] = \(afterPair[(m - 2) * m + m - 3])")
        // Not a tautology: an inexact shift leaves the entry well away from zero.
        let afterOther = Self.shifted(h, m, [(re: real.re + 0.5, im: 0)]).h
        #expect(abs(afterOther[(m - 1) * m + m - 2]) > 1e-6 * scale)
    }

    /// An m-step Arnoldi factorisation of a Gaussian A (modified Gram–Schmidt, twice),
    /// restarted: the kept k (or k + 1) vectors are orthonormal and satisfy
    /// A V_k = V_k H_k + v_k h_{k,k−1} e_kᵀ, and H_k holds the k outermost Ritz values.
    @Test(arguments: [10, 11, 12])
    func aRestartLeavesAnArnoldiFactorisationOfTheOuterRitzValues(keep: Int) throws {
        let n = 80, m = 24
        var rng = SeededRandom(seed: 13)
        let a = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
        var basis = [Double](repeating: 0, count: (m + 1) * n), h = [Double](repeating: 0, count: (m + 1) * m)
        var v0 = (0..<n).map { _ in rng.normal() }
        let s0 = v0.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<n { v0[i] /= s0; basis[i] = v0[i] }
        for j in 0..<m {
            var w = (0..<n).map { r in (0..<n).reduce(0.0) { $0 + a[r * n + $1] * basis[j * n + $1] } }
            for _ in 0..<2 { for i in 0...j {
                let c = (0..<n).reduce(0.0) { $0 + basis[i * n + $1] * w[$1] }
                h[i * m + j] += c
                for r in 0..<n { w[r] -= c * basis[i * n + r] }
            } }
            let beta = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            h[(j + 1) * m + j] = beta
            for r in 0..<n { basis[(j + 1) * n + r] = w[r] / beta }
        }
        let ritz = try #require(Spectral.ritzValues(h, ld: m, m))
        let k = try #require(Spectral.restart(basis: &basis, h: &h, n: n, m: m, keep: keep, ritz: ritz))
        #expect(k == keep || (k == keep + 1 && ritz[keep - 1].im > 0))
        // V_{k+1} orthonormal
        for i in 0...k { for j in 0...k {
            let d = (0..<n).reduce(0.0) { $0 + basis[i * n + $1] * basis[j * n + $1] }
            #expect(abs(d - (i == j ? 1 : 0)) <= 1e-12, "v\(i) · v\(j) = \(d)")
        } }
        // A v_j = Σ_i v_i H[i, j] (+ v_k H[k, k−1] for j = k − 1), for every kept j
        var worst = 0.0
        for j in 0..<k { for r in 0..<n {
            let av = (0..<n).reduce(0.0) { $0 + a[r * n + $1] * basis[j * n + $1] }
            let vh = (0...k).reduce(0.0) { $0 + basis[$1 * n + r] * h[$1 * m + j] }
            worst = max(worst, abs(av - vh))
        } }
        #expect(worst <= 1e-12, "A V_k − V_{k+1} H: \(worst)")
        for i in 0...k { for j in 0..<m where i > j + 1 || j >= k || i == k && j != k - 1 { #expect(h[i * m + j] == 0) } }
        // H_k's eigenvalues are the kept (outermost) Ritz values.
        let kept = try #require(Spectral.ritzValues(h, ld: m, k))
        for (x, y) in zip(kept, ritz.prefix(k)) {
            #expect(abs(x.re - y.re) <= 1e-10 && abs(x.im - y.im) <= 1e-10, "kept \(x), Ritz \(y)")
        }
    }

    @Test func hessenbergEigenvectorsSolveTheEigenproblem() throws {
        let m = 30
        let h = Self.hessenberg(m, seed: 21)
        let values = try #require(Spectral.eigenvalues(h, n: m))
        for theta in [values.first { $0.im == 0 }, values.first { $0.im > 0 }, values.first] {
            let theta = try #require(theta)
            let y = try #require(Spectral.hessenbergEigenvector(h, ld: m, m, theta))
            var worst = 0.0
            for i in 0..<m {
                var re = -(theta.re * y.re[i] - theta.im * y.im[i]), im = -(theta.re * y.im[i] + theta.im * y.re[i])
                for j in 0..<m { re += h[i * m + j] * y.re[j]; im += h[i * m + j] * y.im[j] }
                worst = max(worst, Double.hypot(re, im))
            }
            #expect(worst <= 1e-10, "‖Hy − θy‖ = \(worst) for θ = \(theta)")
        }
    }
}
