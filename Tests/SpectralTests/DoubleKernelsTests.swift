import Foundation
import Testing
@testable import Spectral
import Kernels

/// The Double products of the spectral measurements against plain scalar
/// loops, for lengths around the 8- and 16-lane steps, Float and Double
/// matrices, and split (both cores) against unsplit.
@Suite struct DoubleKernelsTests {
    private func gaussian(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    /// |x − y| ≤ 1e-13 · Σ|terms|: what reordering a sum of Doubles can change.
    private func close(_ x: Double, _ y: Double, scale: Double) -> Bool { abs(x - y) <= 1e-13 * scale }

    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257])
    func rowDotsEqualScalarDots(n: Int) {
        for m in [1, 3, 4, 5, 9] {
            let a = gaussian(m * n, seed: UInt64(n * 10 + m)), x = gaussian(n, seed: 7)
            let af = a.map { Float($0) }
            var y = [Double](repeating: .nan, count: m), yf = y
            a.withUnsafeBufferPointer { DoubleKernels.rowDots($0.baseAddress!, lda: n, rows: 0..<m, n: n, x: x, y: &y) }
            af.withUnsafeBufferPointer { DoubleKernels.rowDots($0.baseAddress!, lda: n, rows: 0..<m, n: n, x: x, y: &yf) }
            for i in 0..<m {
                var s = 0.0, sf = 0.0, scale = 0.0
                for j in 0..<n {
                    s += a[i * n + j] * x[j]
                    sf += Double(af[i * n + j]) * x[j]
                    scale += abs(a[i * n + j] * x[j])
                }
                #expect(close(y[i], s, scale: scale), "m \(m) n \(n) row \(i): \(y[i]) vs \(s)")
                #expect(close(yf[i], sf, scale: scale), "Float m \(m) n \(n) row \(i): \(yf[i]) vs \(sf)")
            }
            // A block of rows gives each row the bits it gets alone.
            for i in 0..<m {
                var single = [Double](repeating: .nan, count: m)  // y[r] is written for each r in rows
                a.withUnsafeBufferPointer { DoubleKernels.rowDots($0.baseAddress!, lda: n, rows: i..<(i + 1), n: n, x: x, y: &single) }
                #expect(single[i] == y[i])
            }
        }
    }

    @Test(arguments: [1, 7, 8, 31, 32, 33, 65, 100])
    func subtractCombinationEqualsScalarUpdates(n: Int) {
        for k in [0, 1, 2, 5, 12] {
            let v = gaussian(k * n, seed: UInt64(n + k)), c = gaussian(k, seed: 3), w0 = gaussian(n, seed: 4)
            var w = w0, wf = w0
            v.withUnsafeBufferPointer { DoubleKernels.subtractCombination($0.baseAddress!, ldv: n, count: k, c, from: &w, n: n) }
            let vf = v.map { Float($0) }
            vf.withUnsafeBufferPointer { DoubleKernels.subtractCombination($0.baseAddress!, ldv: n, count: k, c, from: &wf, n: n) }
            for i in 0..<n {
                var s = w0[i], sf = w0[i], scale = abs(w0[i])
                for j in 0..<k {
                    s -= c[j] * v[j * n + i]
                    sf -= c[j] * Double(vf[j * n + i])
                    scale += abs(c[j] * v[j * n + i])
                }
                #expect(close(w[i], s, scale: scale), "k \(k) n \(n) entry \(i): \(w[i]) vs \(s)")
                #expect(close(wf[i], sf, scale: scale))
            }
        }
    }

    /// Large enough to be split over the cores: the same bits as one pass on one core.
    @Test(arguments: [(363, 363), (400, 401), (517, 300)])
    func splitProductsEqualOnePass(m: Int, n: Int) {
        #expect(m * n >= DoubleKernels.splitAbove)
        let a = gaussian(m * n, seed: 11), af = a.map { Float($0) }
        let x = gaussian(n, seed: 12), u = gaussian(m, seed: 13)
        for float in [false, true] {
            var split = [Double](repeating: .nan, count: m), whole = split
            var splitT = [Double](repeating: .nan, count: n), wholeT = [Double](repeating: 0, count: n)
            let minusU = u.map { -$0 }
            if float {
                af.withUnsafeBufferPointer { p in
                    DoubleKernels.matVec(p.baseAddress!, m, n, x, &split)
                    DoubleKernels.rowDots(p.baseAddress!, lda: n, rows: 0..<m, n: n, x: x, y: &whole)
                    DoubleKernels.matTVec(p.baseAddress!, m, n, u, &splitT)
                    DoubleKernels.subtractCombination(p.baseAddress!, ldv: n, count: m, minusU, from: &wholeT, n: n)
                }
            } else {
                a.withUnsafeBufferPointer { p in
                    DoubleKernels.matVec(p.baseAddress!, m, n, x, &split)
                    DoubleKernels.rowDots(p.baseAddress!, lda: n, rows: 0..<m, n: n, x: x, y: &whole)
                    DoubleKernels.matTVec(p.baseAddress!, m, n, u, &splitT)
                    DoubleKernels.subtractCombination(p.baseAddress!, ldv: n, count: m, minusU, from: &wholeT, n: n)
                }
            }
            #expect(split == whole, "A x, \(float ? "Float" : "Double") \(m)×\(n)")
            #expect(splitT == wholeT, "Aᵀ u, \(float ? "Float" : "Double") \(m)×\(n)")
            // And Aᵀu is Aᵀu.
            for j in stride(from: 0, to: n, by: 37) {
                var s = 0.0, scale = 0.0
                for i in 0..<m {
                    let aij = float ? Double(af[i * n + j]) : a[i * n + j]
                    s += aij * u[i]
                    scale += abs(aij * u[i])
                }
                #expect(close(splitT[j], s, scale: scale))
            }
        }
    }

    /// AᵀA x in one pass equals A x followed by Aᵀ(A x), to rounding, for
    /// Float and Double, small (one piece) and large (two) matrices, with
    /// rows not a multiple of four and a gated cell's [4H, H] shape.
    @Test(arguments: [(9, 7), (33, 31), (363, 363), (401, 400), (1028, 257)])
    func gramProductEqualsTwoProducts(m: Int, n: Int) {
        let a = gaussian(m * n, seed: UInt64(m + n)), x = gaussian(n, seed: 3)
        let af = a.map { Float($0) }
        for float in [false, true] {
            var u = [Double](repeating: 0, count: m), want = [Double](repeating: 0, count: n)
            var y = [Double](repeating: .nan, count: n), scratch = y
            if float {
                af.withUnsafeBufferPointer {
                    DoubleKernels.matVec($0.baseAddress!, m, n, x, &u)
                    DoubleKernels.matTVec($0.baseAddress!, m, n, u, &want)
                    DoubleKernels.gramVec($0.baseAddress!, m, n, x, &y, scratch: &scratch)
                }
            } else {
                a.withUnsafeBufferPointer {
                    DoubleKernels.matVec($0.baseAddress!, m, n, x, &u)
                    DoubleKernels.matTVec($0.baseAddress!, m, n, u, &want)
                    DoubleKernels.gramVec($0.baseAddress!, m, n, x, &y, scratch: &scratch)
                }
            }
            // Σ|terms| of each y_j bounds what reordering can change.
            for j in 0..<n {
                var scale = 0.0
                for i in 0..<m { scale += abs(a[i * n + j] * u[i]) }
                #expect(close(y[j], want[j], scale: scale), "\(m)×\(n) float \(float) y[\(j)]: \(y[j]) vs \(want[j])")
            }
            // The same bits every time, whichever thread runs which piece.
            for _ in 0..<3 {
                var again = [Double](repeating: .nan, count: n)
                if float {
                    af.withUnsafeBufferPointer { DoubleKernels.gramVec($0.baseAddress!, m, n, x, &again, scratch: &scratch) }
                } else {
                    a.withUnsafeBufferPointer { DoubleKernels.gramVec($0.baseAddress!, m, n, x, &again, scratch: &scratch) }
                }
                #expect(again == y)
            }
        }
    }

    @Test func maxAbsFindsTheLargestAndRefusesNonFinite() {
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 64, 95, 100] {
            var a = gaussian(count, seed: UInt64(count))
            let expected = a.map { abs($0) }.max() ?? 0
            #expect(a.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: count) } == expected)
            // Float entries (read sixteen at a time), and through the generic entry as the solvers call it.
            let floats = a.map { Float($0) }
            let expectedFloat = Double(floats.map { abs($0) }.max() ?? 0)
            #expect(floats.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: count) } == expectedFloat)
            func generic<E: MatrixEntry>(_ p: UnsafePointer<E>) -> Double { DoubleKernels.maxAbs(p, count: count) }
            #expect(floats.withUnsafeBufferPointer { generic($0.baseAddress!) } == expectedFloat)
            for bad in [Double.nan, .infinity, -.infinity] {
                for at in Set([0, count / 2, count - 1]) where count > 0 {
                    let keep = a[at]
                    a[at] = bad
                    #expect(a.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: count) }.isNaN,
                            "\(bad) at \(at) of \(count)")
                    let f = a.map { Float($0) }
                    #expect(f.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: count) }.isNaN)
                    a[at] = keep
                }
            }
        }
        let negative: [Float] = [1, -3, 2, 0, 0, 0, 0, 0, -0.5]
        #expect(negative.withUnsafeBufferPointer { DoubleKernels.maxAbs($0.baseAddress!, count: 9) } == 3)
    }
}
