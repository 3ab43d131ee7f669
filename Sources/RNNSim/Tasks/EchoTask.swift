/// The delayed-recall (echo) task y_t = x_{t−L} of Jaeger (2002), "Short term
/// memory in echo state networks" (GMD Report 152), where it measures a recurrent
/// network's memory span. The further back L reaches, the more steps a gradient
/// has to cross, so the task shows vanishing gradients directly.
///
/// Input width 1, values uniformly ±1; the target at step t is x_{t−L} for t ≥ L
/// and 0 before that; output width 1, scored at every step.
public struct EchoTask: SequenceTask {
    public static let minimumSteps = 1

    public let name = "echo"
    public let steps: Int
    /// The delay L, clamped into 0..<steps (settings should ask for 1 ≤ L < T).
    public let lag: Int
    public let inputWidth = 1
    public let outputWidth = 1
    public let defaultLoss = LossKind.mseAll

    public init(steps: Int, lag: Int) {
        self.steps = max(steps, Self.minimumSteps)
        self.lag = min(max(lag, 0), self.steps - 1)
    }

    /// The best constant is 0: error 1 on each of the T − L echoed steps, 0 on
    /// the first L, averaged over T.
    public var chanceLoss: Double { Double(steps - lag) / Double(steps) }

    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let t = steps, b = size
        var inputs = [Float](repeating: 0, count: t * b)
        for i in inputs.indices {
            inputs[i] = rng.int(below: 2) == 0 ? -1 : 1
        }
        // Time-major with width 1, so step s of row r is at s·B + r.
        var targets = [Float](repeating: 0, count: t * b)
        for step in lag..<t {
            for row in 0..<b {
                targets[step * b + row] = inputs[(step - lag) * b + row]
            }
        }
        return Batch(steps: t, size: b, inputWidth: 1, inputs: inputs, targets: .real(targets))
    }
}
