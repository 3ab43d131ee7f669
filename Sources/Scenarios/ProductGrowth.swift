import RNNSim

/// The bare product of the lecture slide, dh ← dh·Wᵀ over T steps with no
/// network: measured by `product_growth` claims and by the tests.
public enum ProductGrowth {
    /// ‖dh_1‖ / ‖dh_T‖ for each draw. The same seed draws the same matrices at every scale.
    public static func measure(hidden H: Int, steps T: Int, draws: Int, scale: Double, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var out: [Double] = []
        for _ in 0..<draws {
            let w = (0..<(H * H)).map { _ in rng.normal() * scale }
            var dh = (0..<H).map { _ in rng.normal() }
            let first = norm(dh)
            for _ in 1..<T {
                // (dh·Wᵀ)_j = Σ_i dh_i W_ji
                var next = [Double](repeating: 0, count: H)
                for j in 0..<H {
                    var s = 0.0
                    for i in 0..<H { s += dh[i] * w[j * H + i] }
                    next[j] = s
                }
                dh = next
            }
            out.append(norm(dh) / first)
        }
        return out
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
