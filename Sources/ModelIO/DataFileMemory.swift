import RNNSim
import Foundation

/// What a data file costs, from its tensors' shapes alone, before any tensor is
/// converted: a few kilobytes of file can declare shapes of billions of values.
extension DataFile {
    /// The data's sizes for `layout`, as `read` will take them: nil when the
    /// shapes are not a data file's (`read` then names what is wrong).
    static func sizes(_ file: SafeTensorsFile, for layout: ParameterLayout, batchFirst: Bool) -> (steps: Int, batch: Int)? {
        guard let x = file.tensors["inputs"], x.shape.count == (layout.vocabulary != nil ? 2 : 3),
              x.shape[0] > 0, x.shape[1] > 0 else { return nil }
        return batchFirst ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
    }

    /// Bytes that reading the whole data holds at once: each tensor as read
    /// (integers as Int64, reals as Float), the copy it is kept as (reals in
    /// `scalarBytes`), and with `batchFirst` one more copy while it is turned time-major.
    static func readingBytes(_ file: SafeTensorsFile, batchFirst: Bool, scalarBytes: Int) -> Double {
        var bytes = 0.0
        for tensor in file.tensors.values {
            let count = tensor.shape.reduce(1.0) { $0 * Double(max($1, 0)) }
            bytes += count * Double(tensor.dtype.isInteger ? 8 + 4 : 4 + scalarBytes) * (batchFirst ? 1.5 : 1)
        }
        return bytes
    }

    /// Refuses, before anything is converted, data whose values would pass the memory cap.
    static func checkReading(_ file: SafeTensorsFile, batchFirst: Bool, scalarBytes: Int) throws {
        var e = MemoryEstimate(steps: 0, batch: 0, inputs: 0, hidden: 0, outputs: 0, layers: 1)
        e.optimiserSlots = 0
        e.extraBytes = readingBytes(file, batchFirst: batchFirst, scalarBytes: scalarBytes)
        do {
            try MemoryBudget.check(e, lower: [:], otherwise: "the size of the tensors in the data file")
        } catch let error as MemoryLimitError {
            throw ModelFileError("reading this data \(error)")
        }
    }

    /// One pass of `model` over the whole data in `scalarBytes` precision (8 for
    /// `grads`): hidden states over every step and sequence, the readout, the
    /// inputs at the model's width (an embedding's output for token ids), h0, the
    /// embedding table with its gradient, and the data as read. Nil when the
    /// shapes are not a data file's.
    public static func memoryEstimate(_ file: SafeTensorsFile, for layout: ParameterLayout, loss: LossKind?,
                                      batchFirst: Bool, scalarBytes: Int) -> MemoryEstimate? {
        guard let (T, B) = sizes(file, for: layout, batchFirst: batchFirst) else { return nil }
        let s = layout.shape
        let lossKind = loss ?? file.tensors["targets"].map(DataFile.impliedLoss) ?? .mseAll
        var e = MemoryEstimate(steps: T, batch: B, inputs: s.inputs, hidden: s.hidden, outputs: s.outputs, layers: s.layers)
        e.cell = s.cell
        e.scalarBytes = scalarBytes
        e.optimiserSlots = 0
        e.classTargets = lossKind.isCrossEntropy
        e.everyStep = !lossKind.lastStepOnly
        let table = Double(layout.vocabulary ?? 0) * Double(s.inputs)
        let state = Double(s.layers) * Double(B) * Double(s.hidden)
        let h0 = (file.tensors["h0"] == nil ? 0 : state) + (file.tensors["c0"] == nil ? 0 : state)
        // The table, h0 and c0 as read, as computed on and as their gradients.
        e.extraBytes = (table + h0) * Double(4 + 2 * scalarBytes) + readingBytes(file, batchFirst: batchFirst, scalarBytes: scalarBytes)
        return e
    }
}
