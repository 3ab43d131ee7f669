import Foundation
import Testing
@testable import RNNSim

/// The vectorised Float activations against the C library's, over the whole range.
@Suite struct ElementwiseTests {
    static let samples: [Float] = {
        var xs: [Float] = [0, -0, 1e-30, -1e-30, 0.624, 0.625, 0.626, -0.625, 9, -9, 20, -20, 44, 45, 88, 89, 100, -100, 1e30, -1e30,
                           .infinity, -.infinity]
        var x: Float = -30
        while x <= 30 { xs.append(x); x += 0.0137 }
        return xs
    }()

    static func run(_ act: Activation, _ xs: [Float]) -> [Float] {
        var v = xs
        v.withUnsafeMutableBufferPointer { FloatElementwise.activate(act, $0.baseAddress!, $0.count) }
        return v
    }

    /// `grads` runs in Double: ‖∂L/∂h_t‖ of 7.6e-173 (a tanh RNN vanishing over 150 steps) was 0
    /// and one of 1.5e246 (a ReLU RNN with W_hh = 1.5·I over 700) was Inf, as their squares left
    /// Double's range. 0, Inf and NaN stay what they are.
    @Test(arguments: [1e-170, 1e-300, 1e200, 1.5, 0])
    func aDoubleNormKeepsItsDigitsWhereItsSquaresLeaveDoublesRange(x: Double) {
        let v: [Double] = [x, -2 * x, 0, 2 * x]
        #expect(Clipping.globalNorm(v) == 3 * x)
        #expect(Clipping.globalNorm([1, .infinity]) == .infinity && Clipping.globalNorm([.nan, 1e300]).isNaN)
    }

    @Test func tanhWithinTwoUlp() {
        let got = Self.run(.tanh, Self.samples)
        for (x, y) in zip(Self.samples, got) {
            let want = Foundation.tanh(Double(x))
            #expect(abs(Double(y) - want) <= 2.5 * Double(Float(want).ulp) + 1e-45, "tanh(\(x)) = \(y), want \(want)")
        }
    }

    @Test func sigmoidWithinFewUlp() {
        let got = Self.run(.sigmoid, Self.samples)
        for (x, y) in zip(Self.samples, got) {
            let want = 1 / (1 + Foundation.exp(-Double(x)))
            // Results below the smallest normal float may flush to zero.
            #expect(abs(Double(y) - want) <= 4 * Double(Float(want).ulp) + Double(Float.leastNormalMagnitude), "σ(\(x)) = \(y), want \(want)")
        }
    }

    /// The exponent of 2ⁿ is built from float bits: check it over the whole
    /// normal range, at every rounding boundary of x/ln2 and below the flush point.
    @Test func expWithinTwoUlpOverTheNormalRange() {
        var xs: [Float] = [-87.33, -87.3365, -90, -1000, 0, 0.5 * Float(M_LN2), -0.5 * Float(M_LN2), 87.9]
        var x: Float = -87
        while x <= 87.9 { xs.append(x); x += 0.0731 }
        for start in stride(from: 0, to: xs.count, by: 16) {
            let lanes = (0..<16).map { xs[min(start + $0, xs.count - 1)] }
            let got = FloatElementwise.exp(SIMD16<Float>(lanes))
            for (i, x) in lanes.enumerated() {
                let want = Foundation.exp(Double(x))
                if want < Double(Float.leastNormalMagnitude) {
                    #expect(got[i] == 0, "e^\(x) = \(got[i]), want 0 (flushed)")
                } else {
                    #expect(abs(Double(got[i]) - want) <= 2 * Double(Float(want).ulp), "e^\(x) = \(got[i]), want \(want)")
                }
            }
        }
    }

    @Test func reluAndNaNPropagation() {
        let xs: [Float] = (0..<40).map { Float($0) - 20 } + [.nan]
        for act in [Activation.tanh, .sigmoid, .relu] {
            let got = Self.run(act, xs)
            #expect(got.last!.isNaN, "\(act) must keep NaN so that divergence is seen")
            if act == .relu { #expect(Array(got.dropLast()) == xs.dropLast().map { max($0, 0) }) }
        }
    }

    @Test func normKeepsVanishedGradients() {
        let v = [Float](repeating: 1e-30, count: 100)  // squares underflow in float32
        let n = v.withUnsafeBufferPointer { Elementwise.norm($0.baseAddress!, $0.count) }
        #expect(abs(n - 1e-29) <= 1e-35)
    }

    @Test func backpropMatchesTheScalarDefinition() {
        var rng = SeededRandom(seed: 9)
        let h = (0..<37).map { _ in Float(rng.uniform(-1, 1)) }, dh = (0..<37).map { _ in Float(rng.normal()) }
        for act in Activation.allCases {
            var da = [Float](repeating: 0, count: 37)
            h.withUnsafeBufferPointer { hp in dh.withUnsafeBufferPointer { dp in da.withUnsafeMutableBufferPointer { ap in
                FloatElementwise.backprop(act, h: hp.baseAddress!, dh: dp.baseAddress!, da: ap.baseAddress!, 37)
            } } }
            #expect(da == zip(h, dh).map { act.derivative(output: $0) * $1 })
        }
    }
}
