import RealModule

/// The temporal order problem of Hochreiter & Schmidhuber (1997), "Long Short-Term
/// Memory", experiment 6a, with positions scaled from the paper's 100 steps to T.
///
/// Alphabet {E, B, X, Y, a, b, c, d}, one-hot (input width 8). A sequence starts
/// with E and ends with B; every other step is a random distractor from {a, b, c, d}
/// except t1 ∈ [T/10, T/5] and t2 ∈ [T/2, 3T/5], which hold X or Y. The class of
/// the order seen (XX, XY, YX, YY) must be named at the last step.
public struct TemporalOrder: SequenceTask {
    /// Below 8 steps the two windows and the E/B ends no longer fit apart.
    /// Settings validate against this; the initialiser clamps rather than traps.
    public static let minimumSteps = 8

    /// Symbol i is one-hot channel i.
    public static let alphabet: [Character] = ["E", "B", "X", "Y", "a", "b", "c", "d"]
    static let symbolE = 0, symbolB = 1, symbolX = 2, symbolY = 3, firstDistractor = 4

    /// Class index of each order: 2·[first is Y] + [second is Y].
    public static let classNames = ["XX", "XY", "YX", "YY"]

    public let name = "temporal-order"
    public let steps: Int
    public let inputWidth = 8
    public let outputWidth = 4
    public let defaultLoss = LossKind.xentLast
    /// Four equally likely classes: the uniform guess scores log 4.
    public let chanceLoss = Double.log(4)

    /// Where t1 and t2 may fall. The paper's windows are [10, 20] and [50, 60] of
    /// 100 steps; integer division keeps exactly those at T = 100, and the clamps
    /// keep both clear of the E and B ends and of each other for short T.
    public let firstWindow: ClosedRange<Int>
    public let secondWindow: ClosedRange<Int>

    public init(steps: Int) {
        let t = max(steps, Self.minimumSteps)
        self.steps = t
        let lo1 = max(1, t / 10)
        let hi1 = max(lo1, t / 5)
        let lo2 = max(hi1 + 1, t / 2)
        let hi2 = min(t - 2, max(lo2, 3 * t / 5))
        firstWindow = lo1...hi1
        secondWindow = lo2...hi2
    }

    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let t = steps, b = size
        var inputs = [Float](repeating: 0, count: t * b * 8)
        var classes = [Int32](repeating: 0, count: t * b)
        for row in 0..<b {
            var symbols = [Int](repeating: Self.symbolE, count: t)
            for step in 1..<(t - 1) { symbols[step] = Self.firstDistractor + rng.int(below: 4) }
            symbols[t - 1] = Self.symbolB
            let t1 = firstWindow.lowerBound + rng.int(below: firstWindow.count)
            let t2 = secondWindow.lowerBound + rng.int(below: secondWindow.count)
            let firstIsY = rng.int(below: 2), secondIsY = rng.int(below: 2)
            symbols[t1] = Self.symbolX + firstIsY
            symbols[t2] = Self.symbolX + secondIsY
            // Only the last step is scored (xent-last); the class fills every step
            // so the targets are also meaningful under xent-all.
            let label = Int32(2 * firstIsY + secondIsY)
            for step in 0..<t {
                inputs[(step * b + row) * 8 + symbols[step]] = 1
                classes[step * b + row] = label
            }
        }
        return Batch(steps: t, size: b, inputWidth: 8, inputs: inputs, targets: .classes(classes))
    }
}
