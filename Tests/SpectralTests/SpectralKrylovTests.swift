import Foundation
import Testing
@testable import Spectral
import Kernels

/// ρ(A) above `Spectral.krylovAbove` comes from restarted Arnoldi: checked to
/// 1e-6 relative against matrices whose spectrum is known by construction, and
/// against every eigenvalue computed densely for a Gaussian matrix (the case
/// of spectral initialisation, whose outer eigenvalues crowd the circle's edge).
@Suite struct SpectralKrylovTests {
    /// Q T Qᵀ with Q Haar-orthogonal and T upper triangular (or with one 2×2
    /// rotation block on the diagonal): its eigenvalues are T's diagonal blocks,
    /// and the random upper part makes it far from normal.
    static func similar(_ t: [Double], n: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        let q = Spectral.randomOrthogonal(n: n, rng: &rng)
        var qt = [Double](repeating: 0, count: n * n)  // Q T
        for i in 0..<n { for k in 0..<n where q[i * n + k] != 0 { for j in 0..<n { qt[i * n + j] += q[i * n + k] * t[k * n + j] } } }
        var a = [Double](repeating: 0, count: n * n)  // (Q T) Qᵀ
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for k in 0..<n { s += qt[i * n + k] * q[j * n + k] }
            a[i * n + j] = s
        } }
        return a
    }

    static func triangular(n: Int, diagonal: [Double], rotation: (r: Double, angle: Double)?, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var t = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            t[i * n + i] = diagonal[i]
            for j in (i + 1)..<n { t[i * n + j] = 0.3 * rng.normal() / Double(n).squareRoot() }
        }
        if let (r, angle) = rotation {  // eigenvalues r·e^{±iφ} in the top-left block
            t[0] = r * cos(angle); t[1] = r * sin(angle); t[n] = -r * sin(angle); t[n + 1] = r * cos(angle)
        }
        return t
    }

    @Test(arguments: [(300, false), (300, true), (512, false), (512, true)])
    func knownSpectrum(n: Int, complexPair: Bool) throws {
        var rng = SeededRandom(seed: UInt64(n))
        // The rest crowd up to 0.97: a gap of 3%, as near the edge of a real spectrum.
        var diagonal = (0..<n).map { _ in 0.97 * (2 * Double(rng.int(below: 1_000_001)) / 1_000_000 - 1) }
        diagonal[n - 1] = -1.25  // the outermost: negative, last on the diagonal
        let a = Self.similar(Self.triangular(n: n, diagonal: diagonal, rotation: complexPair ? (1.3, 0.7) : nil, seed: 9), n: n, seed: 4)
        let expected = complexPair ? 1.3 : 1.25
        let rho = try #require(Spectral.spectralRadius(a, n: n))
        #expect(abs(rho - expected) <= 1e-6 * expected, "n = \(n): ρ = \(rho), expected \(expected)")
        let krylov = try #require(a.withUnsafeBufferPointer { Spectral.krylovSpectralRadius($0.baseAddress!, n: n) })
        #expect(abs(krylov - expected) <= 1e-6 * expected, "n = \(n): the Krylov path itself converged to \(krylov)")
    }

    @Test func gaussianMatrixMatchesEveryEigenvalue() throws {
        let n = 300
        var rng = SeededRandom(seed: 21)
        let a = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
        let dense = try #require(Spectral.eigenvalues(a, n: n)).map { Double.hypot($0.re, $0.im) }.max()!
        let krylov = try #require(a.withUnsafeBufferPointer { Spectral.krylovSpectralRadius($0.baseAddress!, n: n) })
        #expect(abs(krylov - dense) <= 1e-6 * dense, "Krylov \(krylov), dense \(dense)")
        // It took more than one cycle, and each restart kept half the basis:
        // m products, then m − k (50) a cycle.
        let run = a.withUnsafeBufferPointer { Spectral.krylovRun($0.baseAddress!, n: n) }
        #expect(run.cycles >= 2 && run.products <= 100 + 50 * (run.cycles - 1), "\(run.products) products in \(run.cycles) cycles")
    }

    @Test func aMatrixWithAnInvariantSubspaceOrNothingAtAll() throws {
        let n = 300
        var a = [Double](repeating: 0, count: n * n)
        #expect(Spectral.spectralRadius(a, n: n) == 0)
        for i in 0..<n { a[i * n + i] = 0.5 }  // 0.5·I: the Krylov space closes at once
        let rho = try #require(Spectral.spectralRadius(a, n: n))
        #expect(abs(rho - 0.5) <= 1e-12)
    }

    /// The outermost |λ| of every eigenvalue, computed densely.
    static func denseRadius(_ a: [Double], n: Int) throws -> Double {
        try #require(Spectral.eigenvalues(a, n: n)).map { Double.hypot($0.re, $0.im) }.max()!
    }

    /// The kinds of matrix ρ is asked of, at sizes just above the dense threshold
    /// and not multiples of 8: Arnoldi agrees with every eigenvalue to 1e-6, read
    /// as Double and as Float (the trainer's weights), or says nil and the dense
    /// solver answers; `spectralRadius` itself always agrees.
    @Test(arguments: ["gaussian", "far-from-normal", "orthogonal", "identity-plus-noise", "complex-pair"], [130, 200, 257, 263, 300, 370])
    func krylovAgreesWithEveryEigenvalue(kind: String, n: Int) throws {
        var rng = SeededRandom(seed: UInt64(n) * 31 + UInt64(kind.count))
        let a: [Double]
        switch kind {
        case "gaussian":
            a = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
        case "far-from-normal":  // a Jordan-like coupled top pair 1.2, 1.1 over a random upper triangle, rotated
            var diagonal = (0..<n).map { _ in 0.9 * (2 * rng.uniform() - 1) }
            diagonal[0] = 1.2
            diagonal[1] = 1.1
            var t = Self.triangular(n: n, diagonal: diagonal, rotation: nil, seed: 3)
            t[1] = 1
            a = Self.similar(t, n: n, seed: 5)
        case "orthogonal":  // every |λ| = 0.8: Ritz values approach the circle from inside
            a = Spectral.randomOrthogonal(n: n, rng: &rng).map { 0.8 * $0 }
        case "identity-plus-noise":
            a = (0..<(n * n)).map { ($0 / n == $0 % n ? 1 : 0) + 0.05 * rng.normal() / Double(n).squareRoot() }
        default:  // a conjugate pair outside a Gaussian disk
            let t = Self.triangular(n: n, diagonal: (0..<n).map { _ in 0.9 * (2 * rng.uniform() - 1) },
                                    rotation: (1.1, 2.0), seed: 8)
            a = Self.similar(t, n: n, seed: 6)
        }
        let dense = try Self.denseRadius(a, n: n)
        let rho = try #require(Spectral.spectralRadius(a, n: n))
        #expect(abs(rho - dense) <= 1e-6 * dense, "\(kind) n = \(n): ρ = \(rho), dense \(dense)")
        if let krylov = a.withUnsafeBufferPointer({ Spectral.krylovSpectralRadius($0.baseAddress!, n: n) }) {
            #expect(abs(krylov - dense) <= 1e-6 * dense, "\(kind) n = \(n): Arnoldi \(krylov), dense \(dense)")
        } else {
            #expect(kind == "orthogonal", "\(kind) n = \(n): Arnoldi did not converge")
        }
        // The same matrix in Float, read as Float by Arnoldi.
        let f = a.map { Float($0) }
        let denseF = try Self.denseRadius(f.map { Double($0) }, n: n)
        let rhoF = try #require(Spectral.spectralRadius(f, n: n))
        #expect(abs(rhoF - denseF) <= 1e-6 * denseF, "\(kind) n = \(n) in Float: ρ = \(rhoF), dense \(denseF)")
    }

    @Test func nilRatherThanAGuessWhenItDoesNotConverge() throws {
        let n = 300
        var rng = SeededRandom(seed: 77)
        let a = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
        // One short cycle cannot reach a residual of 1e-7 on a crowded edge.
        let short = a.withUnsafeBufferPointer { Spectral.krylovRun($0.baseAddress!, n: n, dimension: 20, cycles: 1) }
        #expect(short.rho == nil && short.products == 20 && short.cycles == 1)
        // Non-finite: nil before any product.
        var bad = a
        bad[n * n - 1] = .nan
        let refused = bad.withUnsafeBufferPointer { Spectral.krylovRun($0.baseAddress!, n: n) }
        #expect(refused.rho == nil && refused.products == 0)
        #expect(Spectral.spectralRadius(bad, n: n) == nil)
    }

    /// A slowly trained W_hh: each measurement warm-started from the last one's
    /// Ritz vector agrees with a cold one to 1e-6 and takes fewer products in all;
    /// a warm start from an unrelated matrix still converges to the right ρ.
    @Test func warmStartAgreesAndSavesProducts() throws {
        let n = 300
        var rng = SeededRandom(seed: 91)
        var a = (0..<(n * n)).map { _ in Float(rng.normal() / Double(n).squareRoot()) }
        var warm: [Double] = [], sigmaWarm: [Double] = []
        var warmProducts = 0, coldProducts = 0
        for step in 0..<6 {
            for i in a.indices { a[i] += Float(1e-3 * rng.normal() / Double(n).squareRoot()) }
            let cold = a.withUnsafeBufferPointer { Spectral.krylovRun($0.baseAddress!, n: n) }
            let dense = try Self.denseRadius(a.map { Double($0) }, n: n)
            let coldRho = try #require(cold.rho)
            let before = warm.count == n ? warm : [Double](repeating: 0, count: n)
            var next = before
            let run = next.withUnsafeMutableBufferPointer { w in
                a.withUnsafeBufferPointer { Spectral.krylovRun($0.baseAddress!, n: n, warm: w.baseAddress!) }
            }
            let rho = try #require(run.rho)
            #expect(abs(rho - dense) <= 1e-6 * dense && abs(coldRho - dense) <= 1e-6 * dense,
                    "step \(step): warm \(rho), cold \(coldRho), dense \(dense)")
            #expect(next != before, "the Ritz vector is handed back")
            // The public entry point keeps the vector between calls and gives the same ρ.
            let viaPublic = try #require(Spectral.spectralRadius(a, n: n, warmStart: &warm))
            #expect(abs(viaPublic - dense) <= 1e-6 * dense)
            #expect(warm.count == n)
            let sigma = Spectral.largestSingularValue(a, rows: n, cols: n, warmStart: &sigmaWarm)
            let sigmaCold = Spectral.largestSingularValue(a, rows: n, cols: n)
            #expect(abs(sigma - sigmaCold) <= 1e-8 * sigmaCold && sigmaWarm.count == n)
            if step > 0 { warmProducts += run.products; coldProducts += cold.products }
        }
        #expect(warmProducts < coldProducts, "warm \(warmProducts) vs cold \(coldProducts) products")

        // A warm start left by a different matrix (an unrelated one) is only a start.
        var other: [Double] = []
        let b = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
        _ = Spectral.spectralRadius(b, n: n, warmStart: &other)
        let c = (0..<(n * n)).map { _ in 1.5 * rng.normal() / Double(n).squareRoot() }
        let rho = try #require(Spectral.spectralRadius(c, n: n, warmStart: &other))
        let dense = try Self.denseRadius(c, n: n)
        #expect(abs(rho - dense) <= 1e-6 * dense)
    }

    /// The cheap test between restarts: Rayleigh-quotient iteration from a guess
    /// near one Ritz value lands on it, with the last entry of its unit vector.
    @Test func nearestRitzPairFindsTheRitzValueNearTheGuess() throws {
        let k = 40, ld = 50
        var rng = SeededRandom(seed: 7)
        var h = [Double](repeating: 0, count: (ld + 1) * ld)
        for i in 0..<k { for j in max(i - 1, 0)..<k { h[i * ld + j] = rng.normal() / Double(k).squareRoot() } }
        let ritz = try #require(Spectral.ritzValues(h, ld: ld, k))
        for target in [ritz[0], ritz[3], ritz[k - 1]] {
            let guess = (re: target.re * 1.01 + 1e-3, im: target.im * 0.99)
            let near = try #require(Spectral.nearestRitzPair(h, ld: ld, k, guess))
            let modulus = Double.hypot(target.re, target.im)
            #expect(Double.hypot(near.theta.re - target.re, near.theta.im - target.im) <= 1e-10 * modulus,
                    "\(near.theta) against \(target)")
            let y = try #require(Spectral.hessenbergEigenvector(h, ld: ld, k, target))
            #expect(abs(near.last - Double.hypot(y.re[k - 1], y.im[k - 1])) <= 1e-8)
        }
    }

    /// A warm start from the eigenvector of what was the outermost eigenvalue,
    /// after another one has moved past it: ρ is the new outermost, not the
    /// old one the start vector converges to first.
    @Test(arguments: [false, true])
    func aWarmStartFollowsTheOutermostWhenAnotherOvertakes(complexPair: Bool) throws {
        let n = 300
        var diagonal = (0..<n).map { 0.9 * Double(n - $0) / Double(n) }
        diagonal[0] = 1.0  // outermost at first
        diagonal[1] = 0.98
        let before = Self.similar(Self.triangular(n: n, diagonal: diagonal, rotation: nil, seed: 5), n: n, seed: 6)
        var warm: [Double] = []
        let first = try #require(Spectral.spectralRadius(before, n: n, warmStart: &warm))
        #expect(abs(first - 1.0) <= 1e-6)
        diagonal[1] = 1.03  // the second one overtakes (or, with the pair, both become 1.03·e^{±0.4i})
        let after = Self.similar(Self.triangular(n: n, diagonal: diagonal, rotation: complexPair ? (1.03, 0.4) : nil, seed: 5),
                                 n: n, seed: 6)
        let rho = try #require(Spectral.spectralRadius(after, n: n, warmStart: &warm))
        #expect(abs(rho - 1.03) <= 1e-6 * 1.03, "ρ = \(rho)")
    }
}
