import Foundation
import Testing
@testable import Spectral
import Kernels

/// One Arnoldi step split by entries over the cores, against the plain
/// recipe: w = A v_j by `rowDots`, then c = Vᵀw and w −= V c on one core, a
/// second time if that left less than half of ‖A v_j‖² (DGKS).
@Suite struct ArnoldiStepTests {
    /// j + 1 orthonormal vectors (Gram–Schmidt on Gaussian ones) in rows of n.
    private func orthonormalBasis(_ count: Int, n: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var v = (0..<((count + 1) * n)).map { _ in rng.normal() }
        for k in 0..<count {
            for _ in 0..<2 {
                for i in 0..<k {
                    var d = 0.0
                    for r in 0..<n { d += v[i * n + r] * v[k * n + r] }
                    for r in 0..<n { v[k * n + r] -= d * v[i * n + r] }
                }
            }
            var s = 0.0
            for r in 0..<n { s += v[k * n + r] * v[k * n + r] }
            for r in 0..<n { v[k * n + r] /= s.squareRoot() }
        }
        return v
    }

    /// Each case once as it comes (A Gaussian: one pass is enough) and once
    /// with A v_j steered into the basis, so that the first pass cancels 99.99%
    /// of ‖w‖² and the second pass must run.
    @Test(arguments: [(300, 1), (300, 17), (363, 1), (363, 40), (517, 60)], [false, true])
    func splitStepMatchesThePlainRecipe(shape: (Int, Int), cancelling: Bool) throws {
        let (n, j) = shape
        var rng = SeededRandom(seed: UInt64(n * 100 + j))
        var a = (0..<(n * n)).map { _ in Float(rng.normal() / Double(n).squareRoot()) }
        var basis = orthonormalBasis(j + 1, n: n, seed: UInt64(j))
        if cancelling {
            // A ← A + 100·v_0 v_jᵀ: A v_j gains 100·v_0, which the basis holds.
            for r in 0..<n { for k in 0..<n { a[r * n + k] += Float(100 * basis[r] * basis[j * n + k]) } }
        }
        var expected = basis, want = [Double](repeating: 0, count: j + 1)
        var passes = 0
        // The plain recipe, on one core.
        expected.withUnsafeMutableBufferPointer { vb in
            let v = vb.baseAddress!, w = v + (j + 1) * n
            a.withUnsafeBufferPointer { DoubleKernels.rowDots($0.baseAddress!, lda: n, rows: 0..<n, n: n, x: v + j * n, y: w) }
            func squares() -> Double { (0..<n).reduce(0) { $0 + w[$1] * w[$1] } }
            let product = squares()
            var c = [Double](repeating: 0, count: j + 1)
            repeat {
                DoubleKernels.rowDots(v, lda: n, rows: 0..<(j + 1), n: n, x: w, y: &c)
                DoubleKernels.subtractCombination(v, ldv: n, count: j + 1, c, from: w, n: n)
                for i in 0...j { want[i] += c[i] }
                passes += 1
            } while passes == 1 && squares() < 0.5 * product
        }
        #expect(passes == (cancelling ? 2 : 1))
        var c = [Double](repeating: .nan, count: j + 1)
        var shares = [Double](repeating: .nan, count: ArnoldiStep.shareCount(n, dimension: j + 1))
        var first = [Double](repeating: .nan, count: j + 1)
        let second = basis.withUnsafeMutableBufferPointer { vb in
            a.withUnsafeBufferPointer {
                ArnoldiStep.extend($0.baseAddress!, n: n, basis: vb.baseAddress!, step: j, projections: &c, first: &first, shares: &shares)
            }
        }
        #expect(second == cancelling)
        #expect(ArnoldiStep.pieces(n) == (n * n >= DoubleKernels.splitAbove ? 2 : 1))
        // The basis is untouched; w and c agree with the recipe to rounding (the
        // shares of a split step are summed in another order).
        #expect(basis[0..<((j + 1) * n)] == expected[0..<((j + 1) * n)])
        let scale = cancelling ? 100.0 : 1.0  // rounding grows with ‖A v_j‖
        for i in 0...j { #expect(abs(c[i] - want[i]) <= 1e-13 * scale, "c[\(i)] = \(c[i]), expected \(want[i])") }
        var worst = 0.0
        for r in 0..<n { worst = max(worst, abs(basis[(j + 1) * n + r] - expected[(j + 1) * n + r])) }
        #expect(worst <= 1e-13 * scale, "w differs by \(worst)")
        // w is orthogonal to every basis vector, to rounding.
        for i in 0...j {
            var d = 0.0
            for r in 0..<n { d += basis[i * n + r] * basis[(j + 1) * n + r] }
            #expect(abs(d) <= 1e-14 * scale, "v_\(i) · w = \(d)")
        }
        // The same bits every time, whichever thread runs which piece.
        for _ in 0..<5 {
            var again = basis, c2 = [Double](repeating: .nan, count: j + 1)
            again.withUnsafeMutableBufferPointer { vb in
                a.withUnsafeBufferPointer {
                    _ = ArnoldiStep.extend($0.baseAddress!, n: n, basis: vb.baseAddress!, step: j, projections: &c2, first: &first, shares: &shares)
                }
            }
            #expect(again == basis && c2 == c)
        }
    }
}
