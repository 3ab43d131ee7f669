/// The adding problem of Hochreiter & Schmidhuber (1997), in the form used by
/// Le, Jaitly & Hinton (2015), "A Simple Way to Initialize Recurrent Networks of
/// Rectified Linear Units" (the IRNN paper).
///
/// Input width 2: channel 0 holds a value uniform in [0, 1), channel 1 is a marker
/// that is 1 at exactly two steps, one uniform in the first half of the sequence
/// and one uniform in the second half. The single output must give the sum of the
/// two marked values at the last step. The marker in the first half is what makes
/// the task long-range: its value has to survive at least T/2 steps.
public struct AddingProblem: SequenceTask {
    /// Two halves need at least one step each. Settings validate against this;
    /// the initialiser clamps rather than traps.
    public static let minimumSteps = 2

    public let name = "adding"
    public let steps: Int
    public let inputWidth = 2
    public let outputWidth = 1
    public let defaultLoss = LossKind.mseLast
    /// Var(U + V) for independent U, V ~ U(0, 1) = 2 · 1/12: the MSE of always
    /// predicting the mean sum, 1.
    public let chanceLoss = 1.0 / 6.0

    public init(steps: Int) {
        self.steps = max(steps, Self.minimumSteps)
    }

    /// The first half is steps [0, T/2), the second [T/2, T).
    public var firstHalf: Range<Int> { 0..<(steps / 2) }
    public var secondHalf: Range<Int> { (steps / 2)..<steps }

    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let t = steps, b = size
        var inputs = [Float](repeating: 0, count: t * b * 2)
        // Only the last step is scored by mse-last; earlier targets stay 0.
        var targets = [Float](repeating: 0, count: t * b)
        for row in 0..<b {
            for step in 0..<t {
                inputs[(step * b + row) * 2] = Float(rng.uniform())
            }
            let first = firstHalf.lowerBound + rng.int(below: firstHalf.count)
            let second = secondHalf.lowerBound + rng.int(below: secondHalf.count)
            inputs[(first * b + row) * 2 + 1] = 1
            inputs[(second * b + row) * 2 + 1] = 1
            targets[(t - 1) * b + row] = inputs[(first * b + row) * 2] + inputs[(second * b + row) * 2]
        }
        return Batch(steps: t, size: b, inputWidth: 2, inputs: inputs, targets: .real(targets))
    }
}
