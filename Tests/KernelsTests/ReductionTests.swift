import Testing
@testable import Kernels

/// `reduce16`, which sums every dot tile's accumulators: lane q of the result
/// is v[q]'s sixteen lanes added in one documented tree, the same for every
/// lane, so an output's bits do not depend on which lane (tile shape) it is in.
@Suite struct ReductionTests {
    /// The tree `reduce16` documents, in scalar arithmetic.
    static func tree(_ x: F16) -> Float {
        (((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7])))
            + (((x[8] + x[9]) + (x[10] + x[11])) + ((x[12] + x[13]) + (x[14] + x[15])))
    }

    /// A Gaussian value scaled by 2^-20 … 2^20.
    static func spread(_ rng: inout SeededRandom) -> Float {
        Float(rng.normal()) * Float(sign: .plus, exponent: rng.int(below: 41) - 20, significand: 1)
    }

    @Test func eachLaneIsItsVectorsSumInTheDocumentedOrder() {
        var rng = SeededRandom(seed: 41)
        for round in 0..<200 {
            // Magnitudes spread over 2^±20, so that a different order would round differently.
            var vectors = (0..<16).map { _ in
                F16((0..<16).map { _ in Self.spread(&rng) })
            }
            let want = vectors.map(Self.tree)
            vectors.withUnsafeMutableBufferPointer { reduce16($0.baseAddress!) }
            for q in 0..<16 {
                #expect(vectors[0][q].bitPattern == want[q].bitPattern, "round \(round), lane \(q)")
            }
        }
    }

    /// The same vector in any lane gives the same bits.
    @Test func theLaneDoesNotChangeTheSum() {
        var rng = SeededRandom(seed: 43)
        let x = F16((0..<16).map { _ in Self.spread(&rng) })
        for q in 0..<16 {
            var vectors = [F16](repeating: F16(repeating: 1), count: 16)
            vectors[q] = x
            vectors.withUnsafeMutableBufferPointer { reduce16($0.baseAddress!) }
            #expect(vectors[0][q].bitPattern == Self.tree(x).bitPattern)
        }
    }
}
