import Testing
@testable import RNNSim

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

private func reals(_ batch: Batch<Float>) -> [Float] {
    guard case .real(let v) = batch.targets else { Issue.record("expected real targets"); return [] }
    return v
}

private func classes(_ batch: Batch<Float>) -> [Int32] {
    guard case .classes(let c) = batch.targets else { Issue.record("expected class targets"); return [] }
    return c
}

/// The index of the 1 in a one-hot vector, or nil if it is not one-hot.
private func hot(_ batch: Batch<Float>, step: Int, row: Int) -> Int? {
    let w = batch.inputWidth, base = (step * batch.size + row) * w
    let slice = batch.inputs[base..<(base + w)]
    guard slice.allSatisfy({ $0 == 0 || $0 == 1 }), slice.filter({ $0 == 1 }).count == 1 else { return nil }
    return slice.firstIndex(of: 1)! - base
}

@Suite struct AddingProblemTests {
    @Test func shapesAndMetadata() {
        let task = AddingProblem(steps: 50)
        var rng = SeededRandom(seed: 1)
        let b = task.batch(size: 7, rng: &rng)
        #expect(b.steps == 50 && b.size == 7 && b.inputWidth == 2)
        #expect(b.inputs.count == 50 * 7 * 2)
        #expect(reals(b).count == 50 * 7 * 1)
        #expect(task.inputWidth == 2 && task.outputWidth == 1)
        #expect(task.defaultLoss == .mseLast)
        #expect(abs(task.chanceLoss - 1.0 / 6.0) < 1e-12)
        #expect(task.name == "adding")
    }

    @Test(arguments: [2, 3, 10, 101])
    func twoMarkersOnePerHalfAndTargetIsTheirSum(steps: Int) {
        let task = AddingProblem(steps: steps)
        var rng = SeededRandom(seed: 42)
        let b = task.batch(size: 64, rng: &rng)
        let y = reals(b)
        for row in 0..<64 {
            var marked: [Int] = []
            for t in 0..<steps {
                let value = b.inputs[(t * 64 + row) * 2], marker = b.inputs[(t * 64 + row) * 2 + 1]
                #expect(value >= 0 && value < 1)
                #expect(marker == 0 || marker == 1)
                if marker == 1 { marked.append(t) }
                if t < steps - 1 { #expect(y[t * 64 + row] == 0) }
            }
            #expect(marked.count == 2)
            guard marked.count == 2 else { continue }
            #expect(marked[0] < steps / 2 && marked[1] >= steps / 2)
            let sum = b.inputs[(marked[0] * 64 + row) * 2] + b.inputs[(marked[1] * 64 + row) * 2]
            #expect(y[(steps - 1) * 64 + row] == sum)
        }
    }

    @Test func constantPredictorScoresChance() {
        let task = AddingProblem(steps: 20)
        var rng = SeededRandom(seed: 7)
        let b = task.batch(size: 20_000, rng: &rng)
        let last = reals(b)[(19 * 20_000)...]
        let mse = last.reduce(0.0) { $0 + Double(($1 - 1) * ($1 - 1)) } / Double(last.count)
        #expect(abs(mse - task.chanceLoss) < 0.01)
    }

    @Test func deterministicPerSeed() {
        let task = AddingProblem(steps: 30)
        var a = SeededRandom(seed: 5), a2 = SeededRandom(seed: 5), c = SeededRandom(seed: 6)
        let x = task.batch(size: 4, rng: &a), x2 = task.batch(size: 4, rng: &a2), z = task.batch(size: 4, rng: &c)
        #expect(x.inputs == x2.inputs && reals(x) == reals(x2))
        #expect(x.inputs != z.inputs)
    }

    @Test func tooFewStepsAreClamped() {
        #expect(AddingProblem(steps: 0).steps == AddingProblem.minimumSteps)
    }
}

@Suite struct EchoTaskTests {
    @Test func shapesValuesAndEchoIdentity() {
        let task = EchoTask(steps: 25, lag: 6)
        var rng = SeededRandom(seed: 3)
        let b = task.batch(size: 9, rng: &rng)
        let y = reals(b)
        #expect(b.inputs.count == 25 * 9 && y.count == 25 * 9 && b.inputWidth == 1)
        #expect(b.inputs.allSatisfy { $0 == 1 || $0 == -1 })
        for t in 0..<25 {
            for row in 0..<9 {
                let expected: Float = t >= 6 ? b.inputs[(t - 6) * 9 + row] : 0
                #expect(y[t * 9 + row] == expected)
            }
        }
        // Both signs occur: the inputs are not stuck.
        #expect(b.inputs.contains(1) && b.inputs.contains(-1))
    }

    @Test func metadataAndChance() {
        let task = EchoTask(steps: 20, lag: 5)
        #expect(task.defaultLoss == .mseAll && task.inputWidth == 1 && task.outputWidth == 1)
        #expect(task.chanceLoss == 15.0 / 20.0)
        #expect(task.name == "echo")
        // The zero predictor's empirical MSE over all steps matches.
        var rng = SeededRandom(seed: 11)
        let y = reals(task.batch(size: 500, rng: &rng))
        let mse = y.reduce(0.0) { $0 + Double($1 * $1) } / Double(y.count)
        #expect(abs(mse - task.chanceLoss) < 1e-12)
    }

    @Test func lagIsClampedIntoTheSequence() {
        #expect(EchoTask(steps: 10, lag: 50).lag == 9)
        #expect(EchoTask(steps: 10, lag: -2).lag == 0)
    }

    @Test func deterministicPerSeed() {
        let task = EchoTask(steps: 16, lag: 3)
        var a = SeededRandom(seed: 9), a2 = SeededRandom(seed: 9), c = SeededRandom(seed: 10)
        #expect(task.batch(size: 4, rng: &a).inputs == task.batch(size: 4, rng: &a2).inputs)
        var a3 = SeededRandom(seed: 9)
        #expect(task.batch(size: 4, rng: &a3).inputs != task.batch(size: 4, rng: &c).inputs)
    }
}

@Suite struct TemporalOrderTests {
    @Test func paperWindowsAtOneHundredSteps() {
        let task = TemporalOrder(steps: 100)
        #expect(task.firstWindow == 10...20)
        #expect(task.secondWindow == 50...60)
    }

    @Test(arguments: [8, 9, 13, 30, 100])
    func sequencesAreWellFormedAndClassMatchesSymbols(steps: Int) {
        let task = TemporalOrder(steps: steps)
        var rng = SeededRandom(seed: UInt64(steps))
        let b = task.batch(size: 40, rng: &rng)
        let c = classes(b)
        #expect(b.inputWidth == 8 && b.inputs.count == steps * 40 * 8 && c.count == steps * 40)
        #expect(task.firstWindow.lowerBound >= 1 && task.secondWindow.upperBound <= steps - 2)
        #expect(task.firstWindow.upperBound < task.secondWindow.lowerBound)
        var seenClasses = Set<Int32>()
        for row in 0..<40 {
            let symbols = (0..<steps).map { hot(b, step: $0, row: row) }
            #expect(symbols.allSatisfy { $0 != nil })
            let s = symbols.map { $0 ?? -1 }
            #expect(s.first == 0 && s.last == 1)  // E ... B
            let xy = s.indices.filter { s[$0] == 2 || s[$0] == 3 }
            #expect(xy.count == 2)
            guard xy.count == 2 else { continue }
            #expect(task.firstWindow.contains(xy[0]) && task.secondWindow.contains(xy[1]))
            for t in 1..<(steps - 1) where !xy.contains(t) { #expect((4...7).contains(s[t])) }
            let expected = Int32(2 * (s[xy[0]] - 2) + (s[xy[1]] - 2))
            for t in 0..<steps { #expect(c[t * 40 + row] == expected) }
            seenClasses.insert(expected)
        }
        #expect(seenClasses.count == 4)
    }

    @Test func metadataAndClamp() {
        let task = TemporalOrder(steps: 3)
        #expect(task.steps == TemporalOrder.minimumSteps && TemporalOrder.minimumSteps == 8)
        #expect(task.outputWidth == 4 && task.defaultLoss == .xentLast)
        #expect(abs(task.chanceLoss - 1.3862943611198906) < 1e-12)
        #expect(task.name == "temporal-order")
    }

    @Test func deterministicPerSeed() {
        let task = TemporalOrder(steps: 40)
        var a = SeededRandom(seed: 1), a2 = SeededRandom(seed: 1), c = SeededRandom(seed: 2)
        let x = task.batch(size: 8, rng: &a), x2 = task.batch(size: 8, rng: &a2), z = task.batch(size: 8, rng: &c)
        #expect(x.inputs == x2.inputs && classes(x) == classes(x2))
        #expect(x.inputs != z.inputs)
    }
}

@Suite struct CharLanguageModelTests {
    @Test func vocabularyAndMetadata() {
        let task = CharLanguageModel(text: "hello world", steps: 5)
        #expect(task.vocabulary == [" ", "d", "e", "h", "l", "o", "r", "w"])
        #expect(task.inputWidth == 8 && task.outputWidth == 8 && task.defaultLoss == .xentAll)
        #expect(abs(task.chanceLoss - 2.0794415416798357) < 1e-12)
        #expect(abs(task.perplexity(loss: task.chanceLoss) - 8) < 1e-9)
        #expect(abs(task.bitsPerCharacter(loss: task.chanceLoss) - 3) < 1e-12)
        #expect(task.unigramEntropy > 0 && task.unigramEntropy < task.chanceLoss)
        #expect(task.name == "char-lm")
    }

    /// Decodes row `row` of a batch back to the window of steps + 1 characters.
    private func window(_ task: CharLanguageModel, _ b: Batch<Float>, row: Int) -> [Unicode.Scalar] {
        let c = classes(b)
        var chars = (0..<b.steps).map { task.vocabulary[hot(b, step: $0, row: row) ?? 0] }
        chars.append(task.vocabulary[Int(c[(b.steps - 1) * b.size + row])])
        return chars
    }

    @Test func targetsAreInputsShiftedByOneAndWindowsComeFromTheText() {
        let text = Corpus.builtIn
        let task = CharLanguageModel(text: text, steps: 32)
        var rng = SeededRandom(seed: 4)
        let b = task.batch(size: 6, rng: &rng)
        let c = classes(b)
        #expect(b.inputs.count == 32 * 6 * task.vocabulary.count && c.count == 32 * 6)
        for row in 0..<6 {
            for t in 0..<31 {
                #expect(hot(b, step: t + 1, row: row) == Int(c[t * 6 + row]))
            }
            let w = String(String.UnicodeScalarView(window(task, b, row: row)))
            #expect(text.contains(w))
        }
    }

    @Test func shortTextWrapsAround() {
        let text = "abcab!"
        let task = CharLanguageModel(text: text, steps: 20)
        var rng = SeededRandom(seed: 8)
        let b = task.batch(size: 5, rng: &rng)
        let cyclic = Array(text.unicodeScalars)
        for row in 0..<5 {
            let w = window(task, b, row: row)
            #expect(w.count == 21)
            // Every window is the text read cyclically from some start.
            let matches = (0..<cyclic.count).contains { s in w.indices.allSatisfy { w[$0] == cyclic[(s + $0) % cyclic.count] } }
            #expect(matches)
        }
    }

    @Test func deterministicPerSeed() {
        let task = CharLanguageModel(text: Corpus.builtIn, steps: 16)
        var a = SeededRandom(seed: 1), a2 = SeededRandom(seed: 1), c = SeededRandom(seed: 2)
        let x = task.batch(size: 4, rng: &a), x2 = task.batch(size: 4, rng: &a2), z = task.batch(size: 4, rng: &c)
        #expect(x.inputs == x2.inputs && classes(x) == classes(x2))
        #expect(x.inputs != z.inputs)
    }

    private func randomModel(vocabulary v: Int, layers: Int = 2, scale: Double = 0.5) -> RNN<Float> {
        var model = RNN<Float>(shape: RNNShape(inputs: v, hidden: 12, layers: layers, outputs: v), activation: .tanh)
        var rng = SeededRandom(seed: 99)
        for i in model.parameters.indices { model.parameters[i] = Float(rng.normal() * scale) }
        return model
    }

    @Test(arguments: [0.01, 1.0, 5.0])
    func samplingGivesLengthCharactersFromTheVocabulary(temperature: Double) {
        let task = CharLanguageModel(text: Corpus.builtIn, steps: 16)
        let model = randomModel(vocabulary: task.vocabulary.count)
        var rng = SeededRandom(seed: 3)
        let s = task.sample(from: model, length: 200, temperature: temperature, prime: "The ", rng: &rng)
        #expect(s.unicodeScalars.count == 200)
        let vocab = Set(task.vocabulary)
        #expect(s.unicodeScalars.allSatisfy { vocab.contains($0) })
        var again = SeededRandom(seed: 3)
        #expect(task.sample(from: model, length: 200, temperature: temperature, prime: "The ", rng: &again) == s)
    }

    @Test func samplingDependsOnSeedAndTemperature() {
        let task = CharLanguageModel(text: Corpus.builtIn, steps: 16)
        let model = randomModel(vocabulary: task.vocabulary.count)
        var r1 = SeededRandom(seed: 1), r2 = SeededRandom(seed: 2)
        let hot1 = task.sample(from: model, length: 100, temperature: 5, prime: "", rng: &r1)
        let hot2 = task.sample(from: model, length: 100, temperature: 5, prime: "", rng: &r2)
        #expect(hot1 != hot2)
    }

    @Test(arguments: [(0.0, 1.0), (0.01, 1.0), (1.0, 0.7310585786), (5.0, 0.5498339973)])
    func temperatureScalesTheSoftmax(temperature: Double, expectedShareOfA: Double) {
        // Input-blind model whose logits are always (a: 1, b: 0), so
        // P(a) = 1 / (1 + exp(−1 / temperature)); temperature 0 is clamped to 0.01.
        let task = CharLanguageModel(text: "ab", steps: 2)
        var model = RNN<Float>(shape: RNNShape(inputs: 2, hidden: 1, outputs: 2), activation: .tanh)
        model.parameters[model.layout.readoutBias] = 1
        var rng = SeededRandom(seed: 21)
        let s = task.sample(from: model, length: 4000, temperature: temperature, prime: "", rng: &rng)
        let share = Double(s.unicodeScalars.filter { $0 == "a" }.count) / 4000
        #expect(abs(share - expectedShareOfA) < 0.03)
    }

    @Test func samplingMatchesAHandComputedStep() {
        // One linear layer, 2 hidden, vocabulary {a, b}, no recurrence; W_out = I,
        // so the logits are h = W_ih[:, input].
        let task = CharLanguageModel(text: "ab", steps: 2)
        var model = RNN<Float>(shape: RNNShape(inputs: 2, hidden: 2, layers: 1, outputs: 2), activation: .linear)
        let l = model.layout
        // Feeding "a" gives h = (0, 40); feeding "b" gives h = (40, 0): a near-certain
        // alternation that a greedy sampler must follow.
        model.parameters[l.weightIH(0) + 0 * 2 + 1] = 40  // h0 ← b
        model.parameters[l.weightIH(0) + 1 * 2 + 0] = 40  // h1 ← a
        model.parameters[l.readoutWeight + 0 * 2 + 0] = 1  // logit a ← h0
        model.parameters[l.readoutWeight + 1 * 2 + 1] = 1  // logit b ← h1
        var rng = SeededRandom(seed: 0)
        #expect(task.sample(from: model, length: 6, temperature: 1, prime: "a", rng: &rng) == "bababa")
        #expect(task.sample(from: model, length: 3, temperature: 1, prime: "zzb", rng: &rng) == "aba")
        #expect(task.sample(from: model, length: 3, temperature: 1, prime: "", rng: &rng) == "bab")
    }

    @Test func nonFiniteLogitsDoNotTrap() {
        let task = CharLanguageModel(text: "abc", steps: 4)
        var model = RNN<Float>(shape: RNNShape(inputs: 3, hidden: 4, layers: 1, outputs: 3), activation: .relu)
        for i in model.parameters.indices { model.parameters[i] = .infinity }
        var rng = SeededRandom(seed: 1)
        let s = task.sample(from: model, length: 10, temperature: 1, prime: "a", rng: &rng)
        #expect(s.unicodeScalars.count == 10)
        model.parameters[0] = .nan
        #expect(task.sample(from: model, length: 5, temperature: 1, prime: "", rng: &rng).unicodeScalars.count == 5)
    }

    @Test func mismatchedModelOrEmptyRequestsGiveEmptyStrings() {
        let task = CharLanguageModel(text: "abc", steps: 4)
        let model = RNN<Float>(shape: RNNShape(inputs: 5, hidden: 4, outputs: 5), activation: .tanh)
        var rng = SeededRandom(seed: 1)
        #expect(task.sample(from: model, length: 10, temperature: 1, prime: "", rng: &rng) == "")
        let ok = RNN<Float>(shape: RNNShape(inputs: 3, hidden: 4, outputs: 3), activation: .tanh)
        #expect(task.sample(from: ok, length: 0, temperature: 1, prime: "a", rng: &rng) == "")
    }
}

@Suite struct CorpusTests {
    @Test func builtInIsLargeEnoughAndVaried() throws {
        #expect(Corpus.builtIn.count >= 12_000)
        #expect(Corpus.builtIn.utf8.count <= 20_480)
        #expect(Set(Corpus.builtIn.unicodeScalars).count >= 30)
        #expect(Corpus.builtIn.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(try Corpus.load(path: nil) == Corpus.builtIn)
    }

    private func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscope-tasktests-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func missingFileErrorNamesThePath() {
        let path = "/nonexistent/rnnscope/corpus.txt"
        #expect(throws: CorpusError.missing(path: path)) { try Corpus.load(path: path) }
        do {
            _ = try Corpus.load(path: path)
        } catch {
            let message = String(describing: error)
            #expect(message.contains(path) && !message.contains("\n"))
        }
    }

    @Test func loadsAFileAndRejectsBadOnes() throws {
        let good = try temporaryFile("good.txt", Array("héllo, wörld\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try Corpus.load(path: good) == "héllo, wörld\n")

        let binary = try temporaryFile("bad.bin", [0x61, 0xFF, 0xFE, 0x62])
        defer { try? FileManager.default.removeItem(atPath: binary) }
        #expect(throws: CorpusError.notUTF8(path: binary)) { try Corpus.load(path: binary) }

        let dull = try temporaryFile("dull.txt", Array("aaaa".utf8))
        defer { try? FileManager.default.removeItem(atPath: dull) }
        #expect(throws: CorpusError.tooFewCharacters(path: dull, distinct: 1)) { try Corpus.load(path: dull) }

        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: CorpusError.unreadable(path: directory, reason: "it is a directory, not a regular file")) { try Corpus.load(path: directory) }
    }
}
