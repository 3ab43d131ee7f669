import Foundation
import Testing
@testable import RNNSim

/// The copy task (sequence to sequence in one network) and `task.reverse`.
@Suite struct CopyTaskTests {
    /// For each row: the source's length, its symbols as shown step by step, and the targets.
    static func decode(_ batch: Batch<Float>, row: Int) -> (n: Int, shown: [Int?], marked: [Bool], targets: [Int32]) {
        let I = batch.inputWidth, K = CopyTask.symbols, B = batch.size
        guard case .classes(let c) = batch.targets else { return (0, [], [], []) }
        var shown: [Int?] = [], marked: [Bool] = [], targets: [Int32] = []
        for t in 0..<batch.steps {
            let x = batch.inputs[((t * B + row) * I)..<((t * B + row) * I + I)]
            shown.append((0..<K).first { x[x.startIndex + $0] == 1 })
            marked.append(x[x.startIndex + K] == 1)
            targets.append(c[t * B + row])
        }
        return (shown.compactMap { $0 }.count, shown, marked, targets)
    }

    @Test(arguments: [false, true])
    func theTargetsNameTheSourceInItsOrder(reversed: Bool) {
        let task = CopyTask(steps: 40, reversed: reversed)
        var rng = SeededRandom(seed: 9)
        let batch = task.batch(size: 16, rng: &rng)
        #expect(batch.inputWidth == 5 && task.outputWidth == 4 && task.defaultLoss == .xentAll)
        var lengths = Set<Int>()
        for row in 0..<16 {
            let d = Self.decode(batch, row: row)
            let n = d.n
            lengths.insert(n)
            #expect((10...20).contains(n))
            let source = d.shown[0..<n].map { $0! }
            let inOrder = reversed ? Array(source.reversed()) : source
            // n marked steps right after the source, each naming the next symbol; nothing scored elsewhere
            #expect(d.marked == (0..<40).map { (n..<(2 * n)).contains($0) })
            #expect(Array(d.targets[n..<(2 * n)]) == inOrder.map(Int32.init))
            #expect(d.targets.enumerated().allSatisfy { (n..<(2 * n)).contains($0.offset) || $0.element == CopyTask.unscored })
            // reversed: symbol i is 2i + 1 steps before its output
            if reversed { for i in 0..<n { #expect(task.targetStep(i, of: n) - task.sourceStep(i, of: n) == 2 * i + 1) } }
            else { for i in 0..<n { #expect(task.targetStep(i, of: n) - task.sourceStep(i, of: n) == n) } }
        }
        #expect(lengths.count > 3, "the lengths vary: \(lengths)")
    }

    @Test func aConstantGuessScoresChance() throws {
        // Uniform symbols: predicting 1/4 each gives log 4 on every scored step, the rest are ignored.
        let task = CopyTask(steps: 12, reversed: true)
        var rng = SeededRandom(seed: 1)
        let batch = task.batch(size: 64, rng: &rng)
        guard case .classes(let c) = batch.targets else { Issue.record("class targets"); return }
        let y = [Float](repeating: 0, count: c.count * 4), dy = UnsafeMutablePointer<Float>.allocate(capacity: y.count)
        defer { dy.deallocate() }
        let loss = y.withUnsafeBufferPointer {
            Loss.evaluate(.xentAll, y: $0.baseAddress!, dy: dy, rows: c.count, outputs: 4, targets: batch.targets, rowOffset: 0)
        }
        #expect(abs(loss - task.chanceLoss) < 1e-6)
    }

    @Test func settingsCheckTheCopyTasksKeys() throws {
        var s = Settings()
        try s.set(assignment: "task.kind=copy")
        try s.set(assignment: "task.steps=40")
        try s.set(assignment: "task.reverse=true")
        try s.validate()
        let t = try #require(try Trainer.makeTask(s) as? CopyTask)
        #expect(t.reversed && t.steps == 40)
        s.steps = 41
        #expect(throws: SettingsError.self) { try s.validate() }
        s.steps = 40
        s.loss = .mseAll
        #expect(throws: SettingsError.self) { try s.validate() }
        var adding = Settings()
        adding.reverse = true
        #expect((try? adding.validate()) == nil, "task.reverse is the copy task's")
        #expect(throws: SettingsError.self) { try adding.set(assignment: "task.reverse=yes") }
    }
}
