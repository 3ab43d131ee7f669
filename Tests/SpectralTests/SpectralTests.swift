import Foundation
import Testing
@testable import Spectral
import Kernels

// Expected values marked "numpy" were computed once with numpy 2.4 from the very
// same matrices (regenerated here from their seeds) and pasted as literals.

/// A rows×cols row-major matrix of standard normals from `SeededRandom(seed:)`, times `scale`.
private func gaussian(rows: Int, cols: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = SeededRandom(seed: seed)
    return (0..<(rows * cols)).map { _ in rng.normal() * scale }
}

private func isClose(_ x: Double, _ y: Double, rel: Double) -> Bool {
    abs(x - y) <= rel * max(abs(x), abs(y))
}

/// C = A B for row-major n×n matrices.
private func matMul(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for k in 0..<n {
            let aik = a[i * n + k]
            for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
        }
    }
    return c
}

private func transpose(_ a: [Double], rows: Int, cols: Int) -> [Double] {
    var t = [Double](repeating: 0, count: rows * cols)
    for i in 0..<rows {
        for j in 0..<cols { t[j * rows + i] = a[i * cols + j] }
    }
    return t
}

@Suite struct SpectralTests {

    // MARK: eigenvalues

    @Test func eigenvaluesOfTriangularMatrixAreItsDiagonal() throws {
        let a: [Double] = [
            3, 1, -2, 4,
            0, -1, 5, 0.5,
            0, 0, 0.5, -3,
            0, 0, 0, 2,
        ]
        let ev = try #require(Spectral.eigenvalues(a, n: 4))
        // Sorted by decreasing modulus.
        let expected: [Double] = [3, 2, -1, 0.5]
        #expect(ev.count == 4)
        for (e, x) in zip(ev, expected) {
            #expect(abs(e.re - x) < 1e-12)
            #expect(e.im == 0)
        }
        // Lower triangular too, and the trivial sizes.
        let lower = transpose(a, rows: 4, cols: 4)
        let evl = try #require(Spectral.eigenvalues(lower, n: 4))
        for (e, x) in zip(evl, expected) { #expect(abs(e.re - x) < 1e-12 && e.im == 0) }
        #expect(try #require(Spectral.eigenvalues([-2.5], n: 1)).map(\.re) == [-2.5])
        #expect(try #require(Spectral.eigenvalues([], n: 0)).isEmpty)
    }

    @Test func scaledRotationHasAComplexPairOfModulusR() throws {
        let r = 0.9, theta = 0.7
        let a = [r * cos(theta), -r * sin(theta), r * sin(theta), r * cos(theta)]
        let ev = try #require(Spectral.eigenvalues(a, n: 2))
        #expect(ev.count == 2)
        #expect(abs(ev[0].re - r * cos(theta)) < 1e-14 && abs(ev[0].im - r * sin(theta)) < 1e-14)
        #expect(abs(ev[1].re - r * cos(theta)) < 1e-14 && abs(ev[1].im + r * sin(theta)) < 1e-14)
        #expect(abs(try #require(Spectral.spectralRadius(a, n: 2)) - r) < 1e-14)
        // Same in Float (converted to Double inside).
        let af = a.map { Float($0) }
        #expect(abs(try #require(Spectral.spectralRadius(af, n: 2)) - r) < 1e-6)
        // A pure 90° rotation: ±i, the case plain (unshifted) QR cannot split.
        let rot = try #require(Spectral.eigenvalues([0, -1, 1, 0], n: 2))
        #expect(abs(rot[0].re) < 1e-15 && abs(rot[0].im - 1) < 1e-15)
        #expect(abs(rot[1].re) < 1e-15 && abs(rot[1].im + 1) < 1e-15)
    }

    @Test func companionMatrixEigenvaluesAreThePolynomialRoots() throws {
        // p(x) = (x-1)(x-2)(x-3)(x-4)(x²-2x+5): roots 1, 2, 3, 4, 1±2i.
        var coeffs: [Double] = [1]  // highest degree first
        func multiply(by factor: [Double]) {
            var out = [Double](repeating: 0, count: coeffs.count + factor.count - 1)
            for (i, c) in coeffs.enumerated() {
                for (j, f) in factor.enumerated() { out[i + j] += c * f }
            }
            coeffs = out
        }
        for root in [1.0, 2, 3, 4] { multiply(by: [1, -root]) }
        multiply(by: [1, -2, 5])
        let n = coeffs.count - 1
        #expect(n == 6)
        // Frobenius companion matrix: first row -c_{n-1} … -c_0, ones on the subdiagonal.
        var a = [Double](repeating: 0, count: n * n)
        for j in 0..<n { a[j] = -coeffs[j + 1] }
        for i in 1..<n { a[i * n + i - 1] = 1 }

        let ev = try #require(Spectral.eigenvalues(a, n: n))
        let expected: [(re: Double, im: Double)] = [(4, 0), (3, 0), (1, 2), (1, -2), (2, 0), (1, 0)]
        #expect(ev.count == n)
        for (e, x) in zip(ev, expected) {
            #expect(abs(e.re - x.re) < 1e-9 && abs(e.im - x.im) < 1e-9, "got \(e), expected \(x)")
        }
    }

    @Test func randomGaussian50SpectralRadiusMatchesNumpy() throws {
        let a = gaussian(rows: 50, cols: 50, seed: 50, scale: 1 / 50.0.squareRoot())
        let rho = try #require(Spectral.spectralRadius(a, n: 50))
        #expect(isClose(rho, 1.047836283577931, rel: 1e-12))  // numpy: max(abs(eigvals(A)))
        // Eigenvalues sum to the trace and come in conjugate pairs.
        let ev = try #require(Spectral.eigenvalues(a, n: 50))
        let trace = (0..<50).reduce(0) { $0 + a[$1 * 50 + $1] }
        #expect(abs(ev.reduce(0) { $0 + $1.re } - trace) < 1e-11)
        #expect(abs(ev.reduce(0) { $0 + $1.im }) < 1e-11)
    }

    @Test func eigenvalues200x200AreFastAndRight() throws {
        let a = gaussian(rows: 200, cols: 200, seed: 200, scale: 1 / 200.0.squareRoot())
        let clock = ContinuousClock()
        var ev: [(re: Double, im: Double)]?
        let elapsed = clock.measure { ev = Spectral.eigenvalues(a, n: 200) }
        let values = try #require(ev)
        // Well under a second even in debug on an idle machine; generous bound for a busy one.
        #expect(elapsed < .seconds(2), "200×200 eigenvalues took \(elapsed)")
        #expect(values.count == 200)
        let rho = values.map { Double.hypot($0.re, $0.im) }.max()!
        #expect(isClose(rho, 1.023917826947784, rel: 1e-12))  // numpy
        #expect(abs(values.reduce(0) { $0 + $1.re } - -0.32870000207034195) < 1e-10)  // numpy trace
    }

    @Test func nonFiniteMatrixHasNoSpectralRadius() {
        #expect(Spectral.spectralRadius([1, .nan, 0, 1] as [Double], n: 2) == nil)
        #expect(Spectral.spectralRadius([Float.infinity, 0, 0, 1], n: 2) == nil)
        #expect(Spectral.eigenvalues([1, 2, .infinity, 3], n: 2) == nil)
    }

    // MARK: largest singular value

    @Test func sigmaMaxOfDiagonalMatrix() {
        let a: [Double] = [
            3, 0, 0, 0,
            0, -7, 0, 0,
            0, 0, 2, 0,
            0, 0, 0, 0.5,
        ]
        #expect(isClose(Spectral.largestSingularValue(a, rows: 4, cols: 4), 7, rel: 1e-12))
        #expect(isClose(Spectral.largestSingularValue(a.map { Float($0) }, rows: 4, cols: 4), 7, rel: 1e-12))
    }

    @Test func sigmaMaxOfRankOneMatrixIsProductOfNorms() {
        let u: [Double] = [1, -2, 3, 0.5, 2]
        let v: [Double] = [0.3, -1, 2]
        let a = u.flatMap { ui in v.map { ui * $0 } }  // 5×3
        let expected = u.reduce(0) { $0 + $1 * $1 }.squareRoot() * v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(isClose(Spectral.largestSingularValue(a, rows: 5, cols: 3), expected, rel: 1e-12))
        #expect(isClose(Spectral.largestSingularValue(transpose(a, rows: 5, cols: 3), rows: 3, cols: 5), expected, rel: 1e-12))
    }

    @Test func sigmaMaxOfOrthogonalMatrixIsOne() {
        var rng = SeededRandom(seed: 30)
        let q = Spectral.randomOrthogonal(n: 30, rng: &rng)
        #expect(abs(Spectral.largestSingularValue(q, rows: 30, cols: 30) - 1) < 1e-12)
        #expect(abs(Spectral.largestSingularValue(q.map { Float($0) }, rows: 30, cols: 30) - 1) < 1e-6)
        // A permutation-with-signs (orthogonal, all singular values exactly 1).
        let p: [Double] = [0, -1, 0, 0, 0, 1, 1, 0, 0]
        #expect(abs(Spectral.largestSingularValue(p, rows: 3, cols: 3) - 1) < 1e-15)
    }

    @Test func sigmaMaxOfRectangularMatrixMatchesNumpy() {
        let a = gaussian(rows: 7, cols: 4, seed: 7)
        let expected = 4.521588378345383  // numpy: svd(A)[1][0]
        #expect(isClose(Spectral.largestSingularValue(a, rows: 7, cols: 4), expected, rel: 1e-9))
        #expect(isClose(Spectral.largestSingularValue(transpose(a, rows: 7, cols: 4), rows: 4, cols: 7), expected, rel: 1e-9))
    }

    /// Q₁ diag(σ) Q₂ᵀ with random orthogonal Q₁, Q₂: a matrix with known singular values.
    private func withSingularValues(_ sigma: [Double], seed: UInt64) -> [Double] {
        let n = sigma.count
        var rng = SeededRandom(seed: seed)
        let q1 = Spectral.randomOrthogonal(n: n, rng: &rng)
        let q2 = Spectral.randomOrthogonal(n: n, rng: &rng)
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n { s[i * n + i] = sigma[i] }
        return matMul(matMul(q1, s, n: n), transpose(q2, rows: n, cols: n), n: n)
    }

    @Test func sigmaMaxWithClusteredTopSingularValues() {
        // σ₁ = 2, σ₂ = 1.999, σ₃ = 1.998: plain power iteration would need ~10⁴ steps here.
        let sigma: [Double] = (0..<60).map { i in
            let x = Double(i)
            return i < 3 ? 2 - 0.001 * x : 1.9 * (60 - x) / 57
        }
        let a = withSingularValues(sigma, seed: 12)
        #expect(isClose(Spectral.largestSingularValue(a, rows: 60, cols: 60), 2, rel: 1e-9))
    }

    @Test func sigmaMaxWhenTheStartVectorIsInTheNullSpace() {
        // A = u pᵀ with p ⊥ the fixed start vector s, so A s ≈ 0: the answer must still be ‖u‖‖p‖.
        let n = 5
        let s = Spectral.startVector(n)
        var p = [Double](repeating: 0, count: n)
        p[1] = 1
        for i in 0..<n { p[i] -= s[1] * s[i] }
        let u: [Double] = [2, -1, 0.5]
        let a = u.flatMap { ui in p.map { ui * $0 } }  // 3×5
        let expected = u.reduce(0) { $0 + $1 * $1 }.squareRoot() * p.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(isClose(Spectral.largestSingularValue(a, rows: 3, cols: n), expected, rel: 1e-12))
    }

    @Test func sigmaMaxOfZeroAndNonFiniteMatrices() {
        #expect(Spectral.largestSingularValue([Double](repeating: 0, count: 6), rows: 2, cols: 3) == 0)
        #expect(Spectral.largestSingularValue([Float](repeating: 0, count: 4), rows: 2, cols: 2) == 0)
        #expect(Spectral.largestSingularValue([1, .nan, 0, 1] as [Double], rows: 2, cols: 2).isNaN)
        #expect(Spectral.largestSingularValue([1, 0, 0, -Float.infinity], rows: 2, cols: 2).isNaN)
        // Huge entries do not overflow (AᵀA would, without scaling).
        #expect(isClose(Spectral.largestSingularValue([3e200, 0, 0, -4e200] as [Double], rows: 2, cols: 2), 4e200, rel: 1e-12))
    }

    // MARK: random orthogonal

    @Test func randomOrthogonalIsOrthogonalAndDeterministic() {
        let n = 40
        var rng = SeededRandom(seed: 40)
        let q = Spectral.randomOrthogonal(n: n, rng: &rng)
        let qtq = matMul(transpose(q, rows: n, cols: n), q, n: n)
        let qqt = matMul(q, transpose(q, rows: n, cols: n), n: n)
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let id: Double = i == j ? 1 : 0
                worst = max(worst, abs(qtq[i * n + j] - id), abs(qqt[i * n + j] - id))
            }
        }
        #expect(worst < 1e-12)

        var again = SeededRandom(seed: 40)
        #expect(Spectral.randomOrthogonal(n: n, rng: &again) == q)
        var other = SeededRandom(seed: 41)
        #expect(Spectral.randomOrthogonal(n: n, rng: &other) != q)
        // The generator advanced, so the next draw differs too.
        #expect(Spectral.randomOrthogonal(n: n, rng: &rng) != q)
    }

    @Test func randomOrthogonalMatchesSignFixedQROfTheSameGaussian() {
        // numpy: G = the 6×6 Gaussian below; q, r = qr(G); q *= sign(diag(r)).
        var rng = SeededRandom(seed: 6)
        let q = Spectral.randomOrthogonal(n: 6, rng: &rng)
        let firstRow = [0.22514496990292665, 0.02138978563967529, -0.15594369921224238,
                        0.5947214801747502, 0.2360815891475992, -0.7177085944573877]
        let diagonal = [0.22514496990292665, -0.815736309322384, 0.3379702580960653,
                        0.15999938760479177, 0.5467106611872059, 0.05377166203831782]
        for j in 0..<6 {
            #expect(abs(q[j] - firstRow[j]) < 1e-12)
            #expect(abs(q[j * 6 + j] - diagonal[j]) < 1e-12)
        }
        // And it is built from G = gaussian(6, 6, seed: 6): R = QᵀG is upper triangular with R_jj > 0.
        let g = gaussian(rows: 6, cols: 6, seed: 6)
        let r = matMul(transpose(q, rows: 6, cols: 6), g, n: 6)
        for i in 0..<6 {
            #expect(r[i * 6 + i] > 0)
            for j in 0..<i { #expect(abs(r[i * 6 + j]) < 1e-12) }
        }
    }

    // MARK: Jacobian factor ‖diag(d) W‖₂

    /// 20 derivative vectors along a smooth trajectory a_t = 0.7 a_{t-1} + noise:
    /// tanh' = 1 - tanh² for the first 14, then relu' ∈ {0, 1} for the last 6.
    private func derivativeSequence(n: Int, seed: UInt64) -> [[Double]] {
        var rng = SeededRandom(seed: seed)
        var a = (0..<n).map { _ in rng.normal() }
        var out: [[Double]] = []
        for t in 0..<20 {
            for i in 0..<n { a[i] = 0.7 * a[i] + 0.6 * rng.normal() }
            out.append(t < 14 ? a.map { 1 - tanh($0) * tanh($0) } : a.map { $0 > 0 ? 1 : 0 })
        }
        return out
    }

    private func checkJacobianSequence<T: RNNFloat>(_: T.Type, n: Int, rel: Double) {
        let w = gaussian(rows: n, cols: n, seed: 99, scale: 1.3 / Double(n).squareRoot()).map { T($0) }
        var jn = JacobianNorm<T>(hidden: n)
        for (t, d64) in derivativeSequence(n: n, seed: 7).enumerated() {
            let d = d64.map { T($0) }
            var dw = [T](repeating: 0, count: n * n)  // diag(d) W, explicitly
            for i in 0..<n {
                for j in 0..<n { dw[i * n + j] = d[i] * w[i * n + j] }
            }
            let expected = Spectral.largestSingularValue(dw, rows: n, cols: n)
            let got = Double(jn.norm(w: w, d: d))
            #expect(isClose(got, expected, rel: rel), "step \(t): \(got) vs \(expected)")
            #expect(jn.lastSteps >= 1 && jn.lastSteps <= 200)
        }
    }

    @Test func jacobianNormMatchesExplicitProductDouble() {
        checkJacobianSequence(Double.self, n: 32, rel: 1e-7)
    }

    @Test func jacobianNormMatchesExplicitProductFloat() {
        checkJacobianSequence(Float.self, n: 32, rel: 1e-5)
    }

    @Test func jacobianNormWithClusteredTopSingularValues() {
        // Linear activation (d = 1) on W with σ₁ = 2, σ₂ = 1.98: the hard case for power iteration.
        let n = 40
        var sigma = (0..<n).map { i -> Double in 1.5 * Double(n - i) / Double(n) }
        sigma[0] = 2
        sigma[1] = 1.98
        let w = withSingularValues(sigma, seed: 40)
        var jn = JacobianNorm<Double>(hidden: n)
        #expect(isClose(jn.norm(w: w, d: [Double](repeating: 1, count: n)), 2, rel: 1e-7))
        // Halving d halves the norm; the warm start is then exactly the answer's direction.
        #expect(isClose(jn.norm(w: w, d: [Double](repeating: 0.5, count: n)), 1, rel: 1e-7))
        var jf = JacobianNorm<Float>(hidden: n)
        #expect(isClose(Double(jf.norm(w: w.map { Float($0) }, d: [Float](repeating: 1, count: n))), 2, rel: 1e-5))
    }

    @Test func jacobianNormWarmStartSavesSteps() {
        // A slowly varying trajectory: warm-started calls take fewer steps in total than cold ones.
        let n = 64
        let w = gaussian(rows: n, cols: n, seed: 64, scale: 1.3 / 8)
        var rng = SeededRandom(seed: 65)
        var a = (0..<n).map { _ in rng.normal() }
        var warm = JacobianNorm<Double>(hidden: n)
        var warmSteps = 0, coldSteps = 0
        for _ in 0..<20 {
            for i in 0..<n { a[i] = 0.95 * a[i] + 0.05 * rng.normal() }
            let d = a.map { 1 - tanh($0) * tanh($0) }
            var cold = JacobianNorm<Double>(hidden: n)
            let x = warm.norm(w: w, d: d)
            let y = cold.norm(w: w, d: d)
            #expect(isClose(x, y, rel: 1e-7))
            warmSteps += warm.lastSteps
            coldSteps += cold.lastSteps
        }
        #expect(warmSteps < coldSteps, "warm \(warmSteps) vs cold \(coldSteps) steps")
    }

    @Test func lanczosRestartsWithASmallBasis() {
        // λ_max of diag(λ) through a 3-vector Krylov basis: many restarts from the Ritz vector.
        let n = 40
        let lambda = (0..<n).map { i in 4 - 0.01 * Double(i) }  // clustered top: 4, 3.99, 3.98, …
        var buffer = [Double](repeating: 0, count: LanczosScratch.count(n: n, dimension: 3))
        var x = Spectral.startVector(n)
        let result = buffer.withUnsafeMutableBufferPointer { buf in
            x.withUnsafeMutableBufferPointer { xx in
                Spectral.lanczosLargest(
                    n: n, scratch: LanczosScratch(buf.baseAddress!, n: n, dimension: 3), x: xx.baseAddress!,
                    tolerance: 1e-10, minSteps: 2, maxSteps: 5000
                ) { v, y in for i in 0..<n { y[i] = lambda[i] * v[i] } }
            }
        }
        #expect(result.steps > 3 && result.steps < 5000)
        #expect(isClose(result.value, 4, rel: 1e-9))
        #expect(abs(abs(x[0]) - 1) < 1e-3)  // the Ritz vector is e₀
    }

    @Test func jacobianNormSpecialCases() {
        let n = 16
        let w = gaussian(rows: n, cols: n, seed: 16, scale: 1 / 4.0)
        var jn = JacobianNorm<Double>(hidden: n)
        // Linear activation: d = 1 gives σ_max(W).
        let ones = [Double](repeating: 1, count: n)
        #expect(isClose(jn.norm(w: w, d: ones), Spectral.largestSingularValue(w, rows: n, cols: n), rel: 1e-6))
        // d = 0 (e.g. every relu unit off): exactly 0, and the next call is still right.
        #expect(jn.norm(w: w, d: [Double](repeating: 0, count: n)) == 0)
        #expect(isClose(jn.norm(w: w, d: ones), Spectral.largestSingularValue(w, rows: n, cols: n), rel: 1e-6))
        // Non-finite input: NaN, no trap, and recovery afterwards.
        var bad = ones
        bad[3] = .nan
        #expect(jn.norm(w: w, d: bad).isNaN)
        var badW = w
        badW[5] = .infinity
        #expect(jn.norm(w: badW, d: ones).isNaN)
        #expect(isClose(jn.norm(w: w, d: ones), Spectral.largestSingularValue(w, rows: n, cols: n), rel: 1e-6))

        var jf = JacobianNorm<Float>(hidden: n)
        #expect(jf.norm(w: w.map { Float($0) }, d: [Float](repeating: 0, count: n)) == 0)
        #expect(jf.norm(w: w.map { Float($0) }, d: [Float](repeating: .infinity, count: n)).isNaN)
    }

    @Test func jacobianNormWarmStartFollowsASwitchingTopDirection() {
        // Diagonal W: ‖diag(d) W‖₂ = max |d_i w_i| exactly, and the previous singular
        // vector is an exact basis vector orthogonal to the new answer whenever the
        // argmax moves, the worst case for a warm start.
        let n = 8
        var w = [Double](repeating: 0, count: n * n)
        for i in 0..<n { w[i * n + i] = 1 + Double(i) / 8 }
        var jn = JacobianNorm<Double>(hidden: n)
        for (t, k) in [7, 0, 3, 7, 1, 6, 2, 2, 5].enumerated() {
            var d = [Double](repeating: 1, count: n)
            d[k] = 2.5
            let expected = (0..<n).map { abs(d[$0] * w[$0 * n + $0]) }.max()!
            let got = jn.norm(w: w, d: d)
            #expect(isClose(got, expected, rel: 1e-6), "step \(t) (boost \(k)): \(got) vs \(expected)")
        }
    }
}
