import RNNSim
import Foundation

/// A data file read for a model: the batch, the loss it is scored with, and how it was laid out.
/// Float for training; Double for `grads`, whose figures are those of float64 autograd
/// only if F64 data reaches them unrounded.
public struct DataSet<T: RNNFloat>: Sendable {
    public var batch: Batch<T>
    public var loss: LossKind
    /// Whether the loss came from the targets (no --loss given).
    public var lossFromTargets: Bool
    public var batchFirst: Bool
    /// Sequences whose every scored target is the ignore index: a minibatch of only
    /// these has PyTorch's loss NaN (0/0) and a zero gradient.
    public var unscoredSequences = 0

    /// What was read, in one line: T, B, batch-first, h0, the loss.
    public var summary: String {
        var parts = ["T \(batch.steps)", "B \(batch.size)", batchFirst ? "batch-first" : "time-major (not batch-first)"]
        parts.append(batch.tokens != nil ? "token ids in" : "I \(batch.inputWidth)")
        parts.append(batch.initialHidden != nil ? "h0 given" : "h0 = 0")
        if batch.initialMemory != nil { parts.append("c0 given") }
        parts.append("loss \(loss.rawValue)" + (lossFromTargets ? " (from the targets; --loss to change)" : ""))
        if unscoredSequences > 0 {
            parts.append("\(unscoredSequences) of the \(batch.size) sequences with every target ignored (a minibatch of only those: loss NaN and gradient 0, as in PyTorch)")
        }
        return parts.joined(separator: ", ")
    }
}

/// Data as safetensors: `inputs` [T, B, I] floats (or [T, B] integer token ids for a model
/// with an embedding), `targets` [T, B, O] floats or [T, B] integer class ids (or the
/// last step's only: [B, O] floats or [B] class ids, for mse-last and xent-last), and
/// optionally `h0` [layers, B, H] (and `c0` for an LSTM). With `batchFirst` inputs and targets are [B, T, …]
/// (h0 is [layers, B, H] either way, as in `nn.RNN`).
public enum DataFile {
    public static let names: Set<String> = ["inputs", "targets", "h0", "c0"]

    /// The loss the targets' own shape implies: mse-all for real targets, xent-all for
    /// class ids; mse-last and xent-last for the last step's only ([B, O], [B]).
    static func impliedLoss(_ targets: SafeTensor) -> LossKind {
        let integer = targets.dtype.isInteger
        if isLastStepOnly(targets) { return integer ? .xentLast : .mseLast }
        return integer ? .xentAll : .mseAll
    }

    /// [B, O] values or [B] class ids: one target per sequence, for its last step.
    static func isLastStepOnly(_ targets: SafeTensor) -> Bool { targets.shape.count == (targets.dtype.isInteger ? 1 : 2) }

    /// `loss` nil: the one the targets imply (`impliedLoss`).
    /// `ignoreIndex`: a class target that is not scored (nn.CrossEntropyLoss's ignore_index).
    public static func read(_ file: SafeTensorsFile, for layout: ParameterLayout, loss: LossKind?, batchFirst: Bool = false,
                            ignoreIndex: Int = -100) throws -> DataSet<Float> {
        try read(file, for: layout, loss: loss, batchFirst: batchFirst, ignoreIndex: ignoreIndex, as: Float.self)
    }

    /// The same, its real values in `F`'s precision.
    public static func read<F: RNNFloat>(_ file: SafeTensorsFile, for layout: ParameterLayout, loss: LossKind?, batchFirst: Bool = false,
                                         ignoreIndex: Int = -100, as _: F.Type) throws -> DataSet<F> {
        let shape = layout.shape
        if let stray = file.tensors.keys.sorted().first(where: { !names.contains($0) }) {
            // Sequence lengths or a mask, as pack_padded_sequence takes them: padding and
            // ignored targets give the same loss and gradients (the cell runs forwards).
            let lengths = ["len", "mask"].contains { stray.lowercased().contains($0) }
                ? "; rnnscope takes no lengths or masks: pad the sequences and give their padded steps the class target --ignore-index (-100), which gives the loss and gradients of packed sequences under xent-all" : ""
            throw ModelFileError("unexpected tensor \(TextSafety.quoted(stray)): a data file holds inputs, targets and optionally h0 (and c0 for an nn.LSTM)\(lengths)")
        }
        try checkReading(file, batchFirst: batchFirst, scalarBytes: MemoryLayout<F>.size)
        let order = batchFirst ? "[B, T" : "[T, B"
        guard let x = file.tensors["inputs"] else { throw ModelFileError("missing tensor 'inputs' \(order), …]") }
        let tokens = layout.vocabulary != nil
        let rank = tokens ? 2 : 3
        guard x.shape.count == rank, x.shape[0] > 0, x.shape[1] > 0 else {
            throw ModelFileError("tensor 'inputs' has shape \(x.shape); expected " + (tokens
                ? "token ids \(order)] for the model's nn.Embedding"
                : "\(order), I] with T, B > 0") + (x.shape.count == 5 - rank ? (tokens ? " (the model has an nn.Embedding: it reads token ids)"
                    // Real values [T, I]: one sequence, as nn.RNN takes it unbatched.
                    : x.dtype.isInteger ? " (token ids need an nn.Embedding in the model)" : " (one unbatched sequence [T, I] is \(batchFirst ? "[1, T, I] here: x.unsqueeze(0)" : "[T, 1, I] here: x.unsqueeze(1)"), its targets too)") : ""))
        }
        let (T, B) = batchFirst ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
        func timeMajor<E>(_ v: [E], width: Int) -> [E] { batchFirst ? swapFirstTwo(v, B, T, width) : v }

        var batchTokens: [Int32]? = nil
        var inputs: [F] = []
        if let V = layout.vocabulary {
            let ids: [Int64]
            do { ids = try x.integers() } catch {
                throw ModelFileError("tensor 'inputs' is \(x.dtype.rawValue); the model's nn.Embedding reads integer token ids")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= Int64(V) }) {
                throw ModelFileError("tensor 'inputs' holds token id \(bad); the nn.Embedding has \(V) rows (0…\(V - 1))")
            }
            batchTokens = timeMajor(ids.map { Int32($0) }, width: 1)
        } else {
            guard x.shape[2] == shape.inputs else {
                throw ModelFileError("tensor 'inputs' has \(x.shape[2]) features per step; the model takes I = \(shape.inputs)")
            }
            do { inputs = try x.values(F.self) } catch {
                throw ModelFileError("tensor 'inputs' is \(x.dtype.rawValue); the model takes real-valued inputs (integer token ids need an nn.Embedding in the model)")
            }
            if let why = x.notFinite(inputs) { throw ModelFileError("tensor 'inputs' \(why)") }
            inputs = timeMajor(inputs, width: shape.inputs)
        }

        guard let y = file.tensors["targets"] else { throw ModelFileError("missing tensor 'targets'") }
        let lossKind = loss ?? impliedLoss(y)
        let targets: Batch<F>.Targets
        let dims = batchFirst ? [B, T] : [T, B]
        // The last step's targets alone: every other step gets a placeholder no loss reads.
        let lastOnly = isLastStepOnly(y)
        // Said only of a tensor that is [B] or [B, O]; another shape is told by the checks below.
        let perSequence = y.shape == (y.dtype.isInteger ? [B] : [B, shape.outputs])
        if lastOnly && perSequence && !lossKind.lastStepOnly {
            throw ModelFileError("tensor 'targets' has shape \(y.shape), one target per sequence: that is mse-last or xent-last; "
                + "\(lossKind.rawValue) scores every step and needs " + (lossKind.isCrossEntropy ? "\(dims)" : "\(dims + [shape.outputs])"))
        }
        func lastStep<E>(_ v: [E], width: Int, fill: E) -> [E] {
            [E](repeating: fill, count: (T - 1) * B * width) + v
        }
        // Without --loss, the loss was only guessed from this tensor: a shape that fits
        // none is told against every loss, not against the guess.
        func unfitting(_ needs: String) -> ModelFileError {
            guard loss == nil else { return ModelFileError("tensor 'targets' has shape \(y.shape); \(lossKind.rawValue) needs \(needs)") }
            return ModelFileError("tensor 'targets' (\(y.dtype.rawValue)) has shape \(y.shape), which fits no loss: real targets \(dims + [shape.outputs]) (mse-all) "
                + "or \([B, shape.outputs]) (mse-last), integer class ids \(dims) (xent-all) or [\(B)] (xent-last)")
        }
        if lossKind.isCrossEntropy {
            guard y.shape == (lastOnly ? [B] : dims) else {
                throw unfitting("class ids \(dims)" + (lossKind.lastStepOnly ? " or [B] = [\(B)] for the last step" : ""))
            }
            let classes: [Int64]
            do { classes = try y.integers() } catch {
                throw ModelFileError("tensor 'targets' is \(y.dtype.rawValue); \(lossKind.rawValue) needs integer class ids")
            }
            guard shape.outputs >= 2 else {
                throw ModelFileError("\(lossKind.rawValue) needs a head with at least 2 classes; the model's has O = \(shape.outputs)")
            }
            if let bad = classes.first(where: { ($0 < 0 || $0 >= Int64(shape.outputs)) && $0 != Int64(ignoreIndex) }) {
                throw ModelFileError("tensor 'targets' holds class \(bad); the head has \(shape.outputs) classes (0…\(shape.outputs - 1)), and --ignore-index is \(ignoreIndex)")
            }
            guard classes.contains(where: { $0 != Int64(ignoreIndex) }) else {
                throw ModelFileError("every target is --ignore-index \(ignoreIndex): nothing to score")
            }
            let ids = classes.map { Int32($0) }
            targets = .classes(lastOnly ? lastStep(ids, width: 1, fill: 0) : timeMajor(ids, width: 1))
        } else {
            guard y.shape == (lastOnly ? [B, shape.outputs] : dims + [shape.outputs]) else {
                throw unfitting("\(dims + [shape.outputs])" + (lossKind.lastStepOnly ? " or [B, O] = \([B, shape.outputs]) for the last step" : ""))
            }
            let values: [F]
            do { values = try y.values(F.self) } catch {
                throw ModelFileError("tensor 'targets' is \(y.dtype.rawValue); \(lossKind.rawValue) needs real-valued targets")
            }
            if let why = y.notFinite(values) { throw ModelFileError("tensor 'targets' \(why)") }
            targets = .real(lastOnly ? lastStep(values, width: shape.outputs, fill: 0) : timeMajor(values, width: shape.outputs))
        }

        let h0: [[F]]? = try initialState("h0", file, shape: shape, size: B, batchFirst: batchFirst)
        if file.tensors["c0"] != nil && shape.cell != .lstm {
            throw ModelFileError("unexpected tensor 'c0': only an nn.LSTM has a cell state; the model is an \(shape.cell.moduleName)")
        }
        let c0: [[F]]? = try initialState("c0", file, shape: shape, size: B, batchFirst: batchFirst)
        var batch: Batch<F>
        if let batchTokens {
            batch = Batch(steps: T, size: B, tokens: batchTokens, targets: targets, initialHidden: h0, initialMemory: c0)
        } else {
            batch = Batch(steps: T, size: B, inputWidth: shape.inputs, inputs: inputs, targets: targets, initialHidden: h0, initialMemory: c0)
        }
        var set = DataSet(batch: batch, loss: lossKind, lossFromTargets: loss == nil, batchFirst: batchFirst)
        if case .classes(let ids) = targets {
            let scoredSteps = lossKind.lastStepOnly ? (T - 1)..<T : 0..<T
            set.unscoredSequences = (0..<B).filter { b in scoredSteps.allSatisfy { Int(ids[$0 * B + b]) == ignoreIndex } }.count
        }
        return set
    }

    /// h0 or c0 [layers, B, H] as `nn.RNN/LSTM/GRU(x, h0)` or `(x, (h0, c0))` take it, per layer; nil when absent.
    static func initialState<T: RNNFloat>(_ name: String, _ file: SafeTensorsFile, shape: RNNShape, size B: Int, batchFirst: Bool) throws -> [[T]]? {
        guard let h = file.tensors[name] else { return nil }
        let want = [shape.layers, B, shape.hidden]
        guard h.shape == want else {
            throw ModelFileError("tensor '\(name)' has shape \(h.shape); \(shape.cell.moduleName) takes \(name) [layers, B, H] = \(want)" + (batchFirst ? " (not batch-first, even with --batch-first)" : ""))
        }
        let values: [T]
        do { values = try h.values(T.self) } catch { throw ModelFileError("tensor '\(name)' is \(h.dtype.rawValue); it must hold real values") }
        if let why = h.notFinite(values) { throw ModelFileError("tensor '\(name)' \(why)") }
        let block = B * shape.hidden
        return (0..<shape.layers).map { Array(values[($0 * block)..<(($0 + 1) * block)]) }
    }

    public static func read(contentsOf url: URL, for layout: ParameterLayout, loss: LossKind?, batchFirst: Bool = false,
                            ignoreIndex: Int = -100) throws -> DataSet<Float> {
        try read(file(contentsOf: url), for: layout, loss: loss, batchFirst: batchFirst, ignoreIndex: ignoreIndex)
    }

    /// The file's tensors, not yet converted; a PyTorch pickle is named as such.
    public static func file(contentsOf url: URL) throws -> SafeTensorsFile {
        try PyTorchPickle.safeTensors(contentsOf: url, instead: "safetensors.torch.save_file({\"inputs\": x, \"targets\": y}, \"data.safetensors\")")
    }

    /// [d0, d1, width] → [d1, d0, width].
    static func swapFirstTwo<E>(_ v: [E], _ d0: Int, _ d1: Int, _ width: Int) -> [E] {
        var out: [E] = []
        out.reserveCapacity(v.count)
        for j in 0..<d1 {
            for i in 0..<d0 { out.append(contentsOf: v[((i * d1 + j) * width)..<((i * d1 + j + 1) * width)]) }
        }
        return out
    }
}

extension SafeTensor.DType {
    public var isInteger: Bool {
        switch self {
        case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool: true
        default: false
        }
    }
}
