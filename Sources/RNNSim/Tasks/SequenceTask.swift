/// A source of training sequences: each call draws a fresh minibatch from the
/// given generator, so a seed fixes the whole stream of batches.
public protocol SequenceTask: Sendable {
    /// Short name as used in settings (`task.kind`).
    var name: String { get }
    var steps: Int { get }
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// The loss this task is trained with unless the settings say otherwise.
    var defaultLoss: LossKind { get }
    /// The loss of the best input-blind predictor (a constant): the "chance"
    /// baseline a run must beat to have learned anything.
    var chanceLoss: Double { get }
    func batch(size: Int, rng: inout SeededRandom) -> Batch<Float>
}
