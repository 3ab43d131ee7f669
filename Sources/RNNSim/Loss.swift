import RealModule

/// The training losses, as the PyTorch reference defines them:
/// `mse-last` = mean over B×O of (y_T − target_T)², `mse-all` = mean over T×B×O,
/// `xent-last` = softmax cross-entropy at the last step, mean over B, `xent-all` = mean over T×B.
public enum LossKind: String, CaseIterable, Sendable, Codable {
    case mseLast = "mse-last"
    case mseAll = "mse-all"
    case xentLast = "xent-last"
    case xentAll = "xent-all"

    /// Whether only the last timestep is scored.
    public var lastStepOnly: Bool { self == .mseLast || self == .xentLast }
    public var isCrossEntropy: Bool { self == .xentLast || self == .xentAll }
}

enum Loss {
    /// Loss of readout rows `y` [rows × O] against targets, and ∂L/∂y into `dy`.
    /// `rowOffset` is the first timestep·B row the readout rows correspond to
    /// (T−1)·B for the `-last` losses, 0 for `-all`). Targets may cover every
    /// step or only the scored rows (see `Batch.Targets`).
    static func evaluate<T: RNNFloat>(
        _ kind: LossKind, y: UnsafePointer<T>, dy: UnsafeMutablePointer<T>, rows: Int, outputs o: Int,
        targets: Batch<T>.Targets, rowOffset: Int, ignoreIndex: Int32 = -100
    ) -> Double {
        var total = 0.0
        switch (kind.isCrossEntropy, targets) {
        case (false, .real(let target)):
            // L = mean (y − target)², ∂L/∂y = 2 (y − target) / count
            let count = T(rows * o)
            target.withUnsafeBufferPointer { tgt in
                let base = tgt.baseAddress! + (target.count == rows * o ? 0 : rowOffset * o)
                for i in 0..<(rows * o) {
                    let diff = y[i] - base[i]
                    total += Double(diff * diff)
                    dy[i] = 2 * diff / count
                }
            }
            return total / Double(rows * o)
        case (true, .classes(let classes)):
            // L = mean −log softmax(y)[c] over the n rows whose c is not ignoreIndex,
            // ∂L/∂y = (softmax(y) − onehot(c)) / n there and 0 on the ignored rows
            // (nn.CrossEntropyLoss(ignore_index=…), reduction='mean'; n = 0 gives NaN, as there).
            let first = classes.count == rows ? 0 : rowOffset
            let scored = (0..<rows).reduce(0) { $0 + (classes[first + $1] == ignoreIndex ? 0 : 1) }
            let inverseRows = 1 / T(scored)
            for r in 0..<rows {
                let yr = y + r * o, dr = dy + r * o
                if classes[first + r] == ignoreIndex {
                    dr.update(repeating: 0, count: o)
                    continue
                }
                var maxLogit = yr[0]
                for j in 1..<o where yr[j] > maxLogit { maxLogit = yr[j] }
                var sum: T = 0
                for j in 0..<o {
                    let e = T.exp(yr[j] - maxLogit)
                    dr[j] = e
                    sum += e
                }
                let c = Int(classes[(classes.count == rows ? 0 : rowOffset) + r])
                // −log p_c = log Σ exp(y_j − m) − (y_c − m): the difference first, so that
                // logits near 1e38 (all equal, say) do not round log V away.
                total += Double(T.log(sum) + (maxLogit - yr[c]))
                for j in 0..<o { dr[j] = dr[j] / sum * inverseRows }
                dr[c] -= inverseRows
            }
            return scored == 0 ? .nan : total / Double(scored)
        default:
            preconditionFailure("loss \(kind.rawValue) does not match the batch's targets")
        }
    }

    /// Whether every target of the scored rows is `ignoreIndex`: PyTorch's mean is then
    /// 0/0 = NaN while every gradient is 0, and its optimiser steps on as usual.
    static func scoresNothing<T: RNNFloat>(_ kind: LossKind, targets: Batch<T>.Targets, rows: Int, rowOffset: Int,
                                           ignoreIndex: Int32) -> Bool {
        guard kind.isCrossEntropy, case .classes(let classes) = targets else { return false }
        let first = classes.count == rows ? 0 : rowOffset
        return classes[first..<(first + rows)].allSatisfy { $0 == ignoreIndex }
    }
}
