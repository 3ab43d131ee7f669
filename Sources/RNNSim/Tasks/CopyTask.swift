import RealModule

/// Sequence to sequence in one recurrent network, as an encoder–decoder reads a
/// sentence and then writes its translation: a source of n symbols (n drawn
/// from T/4…T/2 for each sequence, as sentences differ in length), then n steps
/// that show only a "write" marker and must name the source's symbols in their
/// order, output i at step n + i naming symbol i; the steps after 2n are empty.
///
/// `reversed` shows the source back to front (Sutskever, Vinyals & Le 2014,
/// "Sequence to Sequence Learning with Neural Networks", §3.3). In order, every
/// target symbol is n steps after its source symbol, a distance that changes
/// with the length; reversed, symbol i is shown 2i + 1 steps before its output
/// whatever the length, so the first outputs have a short path for the
/// gradient to start learning on. The mean distance is n either way.
///
/// Input width K + 1: one-hot symbols in channels 0..<K, the marker in channel K.
/// Output K classes, scored only where a symbol is to be named (every other
/// target is −100, the ignored class), with cross-entropy at every step.
public struct CopyTask: SequenceTask {
    /// Symbols in the alphabet.
    public static let symbols = 4
    /// One source and one target step at least.
    public static let minimumSteps = 2
    /// The class target that is not scored (`BPTTOptions.ignoreIndex`'s default).
    public static let unscored: Int32 = -100

    public let name = "copy"
    public let steps: Int
    public let reversed: Bool
    public let inputWidth = CopyTask.symbols + 1
    public let outputWidth = CopyTask.symbols
    public let defaultLoss = LossKind.xentAll
    /// Uniform symbols: the best input-blind guess scores log K.
    public let chanceLoss = Double.log(Double(CopyTask.symbols))

    /// T must be even (settings check it).
    public init(steps: Int, reversed: Bool) {
        self.steps = max(steps, Self.minimumSteps)
        self.reversed = reversed
    }

    /// The longest source, T/2: it and its target fill the sequence.
    public var length: Int { steps / 2 }

    /// The shortest source: sentences differ in length, so that in order the
    /// distance from a source symbol to its target is n, not one fixed lag.
    public var shortest: Int { max(1, length / 2) }

    /// The step at which source symbol i of a source of n is shown.
    public func sourceStep(_ i: Int, of n: Int) -> Int { reversed ? n - 1 - i : i }

    /// The step at which target symbol i of a source of n is to be named.
    public func targetStep(_ i: Int, of n: Int) -> Int { n + i }

    public func batch(size: Int, rng: inout SeededRandom) -> Batch<Float> {
        let t = steps, b = size, K = Self.symbols, I = inputWidth
        var inputs = [Float](repeating: 0, count: t * b * I)
        var classes = [Int32](repeating: Self.unscored, count: t * b)
        for row in 0..<b {
            let n = shortest + rng.int(below: length - shortest + 1)
            for i in 0..<n {
                let symbol = rng.int(below: K)
                inputs[(sourceStep(i, of: n) * b + row) * I + symbol] = 1
                classes[targetStep(i, of: n) * b + row] = Int32(symbol)
                inputs[(targetStep(i, of: n) * b + row) * I + K] = 1  // the write marker
            }
        }
        return Batch(steps: t, size: b, inputWidth: I, inputs: inputs, targets: .classes(classes))
    }
}
