/// The user's own data as a task: each minibatch is `size` sequences drawn at
/// random (without replacement) from the data's batch dimension, or all of them,
/// in order, when it holds no more than that.
public struct DataFileTask: SequenceTask {
    public let data: Batch<Float>
    public let defaultLoss: LossKind

    public init(data: Batch<Float>, loss: LossKind) {
        self.data = data
        defaultLoss = loss
    }

    public var name: String { "data file" }
    public var steps: Int { data.steps }
    public var inputWidth: Int { data.inputWidth }
    public var outputWidth: Int {
        if case .real(let v) = data.targets { return v.count / (data.steps * data.size) }
        return 0
    }
    /// There is no input-blind baseline to quote for arbitrary data.
    public var chanceLoss: Double { .nan }

    /// Sequences per minibatch for a requested size: all of them when the data holds fewer.
    public func batchSize(for requested: Int) -> Int { min(requested, data.size) }

    /// Minibatches per epoch when the data is taken in order (`--epochs`): the
    /// sequences that do not fill a last minibatch are left out, as
    /// DataLoader(batch_size=n, shuffle=False, drop_last=True) leaves them.
    public func batchesPerEpoch(size: Int) -> Int { data.size / batchSize(for: size) }

    /// The `index`-th minibatch in order (0-based, across epochs): sequences
    /// j·n ..< (j+1)·n of the data, j = index mod batchesPerEpoch.
    public func sequentialBatch(_ index: Int, size: Int) -> Batch<Float> {
        let n = batchSize(for: size)
        guard n < data.size else { return data }
        let j = index % batchesPerEpoch(size: size)
        return data.sequences(Array((j * n)..<((j + 1) * n)))
    }

    /// A minibatch drawn at random: n distinct sequences, drawn afresh each call
    /// (each iteration), not epochs.
    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let n = batchSize(for: size)
        guard n < data.size else { return data }
        // The first n of a Fisher–Yates shuffle.
        var order = Array(0..<data.size)
        for i in 0..<n { order.swapAt(i, i + rng.int(below: data.size - i)) }
        return data.sequences(Array(order[0..<n]))
    }
}
