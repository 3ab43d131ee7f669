import Spectral
import Foundation

/// A training run: a network, a task, an optimiser and the BPTT workspace.
/// `clip`, `clipValue` and `truncate` may change between iterations.
public final class Trainer {
    public let settings: Settings
    public let task: any SequenceTask
    public let loss: LossKind
    public private(set) var network: RNN<Float>
    public private(set) var iteration = 0
    /// The first iteration that produced Inf/NaN: from then on nothing is updated.
    public private(set) var divergedAt: Int?
    public var diverged: Bool { divergedAt != nil }
    public var options: BPTTOptions
    private var optimiser: Optimiser
    private let bptt: BPTT<Float>
    private var gradients: [Float]
    private var batches: SeededRandom
    /// The last iteration's weights before its update, batch and options: enough to run it
    /// again, unchanged, with measurements it did not take (`remeasureLastIteration`).
    private var last: (parameters: [Float], batch: Batch<Float>, options: BPTTOptions)?

    public init(settings: Settings) throws {
        try settings.validate()
        self.settings = settings
        task = try settings.userModel?.task(settings) ?? Self.makeTask(settings)
        try Self.checkMemory(settings, task: task)
        loss = settings.loss ?? task.defaultLoss
        let shape = RNNShape(inputs: task.inputWidth, hidden: settings.hidden, layers: settings.layers, outputs: task.outputWidth,
                             cell: settings.cell)
        let initialisation = Initialisation(kind: settings.initKind, rho: settings.rho, alpha: settings.alpha,
                                            inputStd: settings.inputStd, forgetBias: settings.forgetBias)
        // Weights and batches come from separate streams of the one seed, so that
        // changing the initialisation does not change the data.
        var root = SeededRandom(seed: settings.seed)
        let seed = root.next()
        // The user's model starts from its own weights; settings.userModel.settings(from:) made the sizes agree.
        network = settings.userModel?.network(settings) ?? initialisation.make(shape, activation: settings.activation, seed: seed)
        batches = root.split()
        let base = BPTTOptions(loss: loss, truncate: settings.truncate, clipNorm: settings.clip, clipValue: settings.clipValue)
        options = settings.userModel?.options(base) ?? base
        optimiser = Optimiser(kind: settings.optimizer, learningRate: settings.learningRate, momentum: settings.momentum,
                              parameterCount: network.layout.count)
        bptt = BPTT<Float>(shape: network.shape, steps: settings.steps, batchSize: settings.batch)
        gradients = [Float](repeating: 0, count: network.layout.count)
    }

    public static func makeTask(_ s: Settings) throws -> any SequenceTask {
        switch s.task {
        case .adding: return AddingProblem(steps: s.steps)
        case .echo: return EchoTask(steps: s.steps, lag: s.lag)
        case .temporalOrder: return TemporalOrder(steps: s.steps)
        case .copy: return CopyTask(steps: s.steps, reversed: s.reverse)
        case .charLM:
            let text = try s.text ?? Corpus.load(path: s.corpus)
            guard Set(text.unicodeScalars).count >= 2 else {
                throw SettingsError(key: "task.text", message: "the text needs at least 2 distinct characters to predict")
            }
            let task = CharLanguageModel(text: text, steps: s.steps, heldOut: s.heldOut)
            if s.heldOut > 0, task.heldOutText.count < 3 || Set(task.encoded).count < 2 {
                throw SettingsError(key: "task.heldout", message: "\(s.heldOut) leaves too little text on one side of the split (\(task.encoded.count) characters to train on, \(task.heldOutText.count) held out)")
            }
            return task
        }
    }

    /// Everything a run of these settings allocates, with the task's real widths;
    /// on the user's model, its embedding table and the data held whole as well.
    public static func memoryEstimate(_ s: Settings, task: any SequenceTask) -> MemoryEstimate {
        let loss = s.loss ?? task.defaultLoss
        let user = s.userModel
        // Token ids come in through the embedding: the network's inputs are its width.
        var e = MemoryEstimate(steps: s.steps, batch: s.batch, inputs: user?.shape.inputs ?? task.inputWidth, hidden: s.hidden,
                               outputs: task.outputWidth == 0 ? (user?.shape.outputs ?? 0) : task.outputWidth, layers: s.layers)
        e.cell = s.cell
        e.classTargets = loss.isCrossEntropy
        e.everyStep = !loss.lastStepOnly
        if let user {
            let table = Double(user.layout.vocabulary ?? 0) * Double(user.shape.inputs)
            e.extraBytes = 4 * table * Double(2 + e.optimiserSlots) + (user.dataBytes)
        }
        return e
    }

    /// Refuses, before anything is allocated, a run over the memory cap (`MemoryBudget`).
    public static func checkMemory(_ s: Settings, task: any SequenceTask) throws {
        let wide = task.inputWidth > 64 ? " (or a text with fewer distinct characters: \(task.inputWidth) here)" : ""
        let lower = ["hidden states": "task.steps, train.batch or network.hidden",
                     "inputs": "task.steps or train.batch" + wide,
                     "readout": "task.steps or train.batch" + wide,
                     "parameters": "network.hidden" + wide]
        // The user's model fixes H, and its data T: only what is left can be lowered.
        let userLower = s.userModel?.hasData == true ? "train.batch (T = \(s.steps) is the data's, H = \(s.hidden) the model's)"
            : "task.steps or train.batch (H = \(s.hidden) is the model's)"
        do {
            try MemoryBudget.check(memoryEstimate(s, task: task), lower: s.userModel == nil ? lower : [:],
                                   otherwise: s.userModel == nil ? "task.steps, train.batch or network.hidden" : userLower)
        } catch let error as MemoryLimitError {
            throw SettingsError(key: "memory", message: "this run \(error)")
        }
    }

    /// One iteration: draw a batch, forward, BPTT, clip, update.
    /// `spectrum` measures ρ and σ_max of W_hh (O(H³)) and a gated cell's gate statistics;
    /// `jacobians` the per-step Jacobian factors; `stepGradients` each step's term of ∂L/∂W_hh.
    @discardableResult
    public func step(spectrum: Bool = true, jacobians: Bool = false, stepGradients: Bool = false) -> IterationReport {
        let inOrder = sequentialBatches ? (task as? DataFileTask)?.sequentialBatch(iteration, size: settings.batch) : nil
        let batch = inOrder ?? task.batch(size: settings.batch, rng: &batches)
        var opts = options
        opts.recordJacobians = jacobians
        // A gated cell's gate statistics come with the spectrum: one cheap read of the stored gates.
        opts.recordGates = spectrum
        opts.recordStepGradients = stepGradients
        let (rho, sigma) = spectrum ? measureSpectrum() : (nanPerLayer, nanPerLayer)
        let summary = bptt.run(network, batch, opts, gradients: &gradients)
        iteration += 1
        last = (network.parameters, batch, opts)
        if summary.nonfinite && divergedAt == nil { divergedAt = iteration }
        if !diverged { optimiser.update(&network.parameters, gradients) }
        return report(summary, opts, rho: rho, sigma: sigma)
    }

    /// `--epochs`: a data file's minibatches in order (`DataFileTask.sequentialBatch`)
    /// rather than drawn at random, so that a run can be repeated in PyTorch.
    public var sequentialBatches = false

    /// The loss of the weights as they are now (after the last update) on the
    /// last iteration's batch: what a file saved now scores there, beside that
    /// iteration's own loss (before its update). Nil before the first iteration.
    public func lossAfterLastUpdate() -> Double? {
        guard let last else { return nil }
        var scratch = [Float](repeating: 0, count: network.layout.count)
        return bptt.run(network, last.batch, last.options, gradients: &scratch).loss
    }

    /// How often (in iterations) the live view and `train` measure `heldOutLoss`:
    /// about 40 ms at H = 128 on a 1,300-character split, so every 100 iterations
    /// costs under 1% of the run.
    public static let heldOutInterval = 100

    /// Mean cross-entropy (nats) on the held-out text of a char-LM with a held-out
    /// split (`task.heldout`), at the current weights; nil for any other task.
    public func heldOutLoss() -> Double? {
        guard let lm = task as? CharLanguageModel, lm.heldOutText.count >= 3 else { return nil }
        return lm.heldOutLoss(of: network)
    }

    /// Why a diverged run's weights are not saved, and what to change.
    /// At iteration 1 no update has happened: the weights and data as read overflow
    /// float32, and no learning rate or clipping changes that.
    public static func divergedRefusal(at iteration: Int) -> String {
        if iteration == 1 { return overflowAtStart }
        return "the run diverged at iteration \(iteration) (an Inf/NaN gradient; the weights stopped there give it again): lower train.lr or set train.clip"
    }

    public static let overflowAtStart = "Inf/NaN at iteration 1, before any update: the weights and data as they are overflow float32 (no learning rate or clipping changes that; grads computes in double precision)"


    /// A second run that continues this one exactly: the same weights, optimiser state,
    /// batch stream, iteration count and options (the split view's fork).
    public func fork() throws -> Trainer {
        let t = try Trainer(settings: settings)
        t.network = network
        t.optimiser = optimiser
        t.batches = batches
        t.iteration = iteration
        t.divergedAt = divergedAt
        t.options = options
        t.last = last
        return t
    }

    /// The last iteration again, from the weights it started with and on its batch, with
    /// ρ, σ_max, the per-step Jacobian norms and each step's term of ∂L/∂W_hh measured: the
    /// same loss and norms, nothing trained. Step-through shows the iteration on screen this way. Returns the options it
    /// ran with too (clipping or truncation may have changed since). Nil before the first.
    public func remeasureLastIteration() -> (report: IterationReport, options: BPTTOptions)? {
        guard let last else { return nil }
        var before = network
        before.parameters = last.parameters
        var opts = last.options
        opts.recordJacobians = true
        opts.recordStepGradients = true
        let (rho, sigma) = spectrum(of: before)
        var scratch = [Float](repeating: 0, count: network.layout.count)
        let summary = bptt.run(before, last.batch, opts, gradients: &scratch)
        return (report(summary, opts, rho: rho, sigma: sigma), last.options)
    }

    private func report(_ summary: BPTTSummary, _ opts: BPTTOptions, rho: [Double], sigma: [Double]) -> IterationReport {
        let gated = settings.cell.isGated, gates = opts.recordJacobians || opts.recordGates
        return IterationReport(
            iteration: iteration, loss: summary.loss, gradNorm: summary.gradNorm, clipScale: summary.clipScale,
            clipped: summary.clipScale < 1, valueClipped: summary.valueClipped, nonfinite: summary.nonfinite,
            spectralRadius: rho, largestSingularValue: sigma,
            hiddenGradNorms: bptt.hiddenGradNorms, jacobianNorms: opts.recordJacobians ? bptt.jacobianNorms : nanNorms,
            cellGradNorms: bptt.cellGradNorms,
            pathGateMeans: gated ? (gates ? bptt.pathGateMeans : nanNorms) : [],
            pathProducts: gated ? (gates ? bptt.pathProducts : nanNorms) : [],
            pathGateSaturation: gated ? (gates ? bptt.pathGateSaturation : nanPerLayer) : [],
            stepGradients: bptt.stepGradients)
    }

    private var nanPerLayer: [Double] { [Double](repeating: .nan, count: settings.layers) }
    private var nanNorms: [[Double]] { Array(repeating: [Double](repeating: .nan, count: settings.steps), count: settings.layers) }

    /// ρ(W_hh) and σ_max(W_hh) of every layer. A gated cell's W_hh stacks its
    /// gates' blocks [G·H, H]: it has a largest singular value but no eigenvalues (ρ is NaN).
    public func measureSpectrum() -> ([Double], [Double]) { spectrum(of: network) }

    /// Per layer, the top Ritz vectors the last measurement of ρ and σ_max ended
    /// with: W_hh changes little between measurements, so the next one starts there.
    private var spectralStarts: [[Double]] = []
    private var singularStarts: [[Double]] = []

    private func spectrum(of net: RNN<Float>) -> ([Double], [Double]) {
        let H = settings.hidden, G = settings.cell.gates
        if spectralStarts.count != settings.layers {
            spectralStarts = Array(repeating: [], count: settings.layers)
            singularStarts = spectralStarts
        }
        var rho: [Double] = [], sigma: [Double] = []
        for k in 0..<settings.layers {
            let w = net.recurrentWeights(layer: k)
            rho.append(G == 1 ? Spectral.spectralRadius(w, n: H, warmStart: &spectralStarts[k]) ?? .nan : .nan)
            sigma.append(Spectral.largestSingularValue(w, rows: G * H, cols: H, warmStart: &singularStarts[k]))
        }
        return (rho, sigma)
    }
}
