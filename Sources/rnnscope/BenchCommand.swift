import Spectral
import ArgumentParser
import Foundation
import RNNSim

extension CellKind: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one training iteration, as the NumPy, PyTorch and JAX peer benchmarks do.",
        discussion: """
            One iteration: forward over T steps with tanh (or an LSTM or GRU cell), MSE on an I-wide linear \
            readout at the last step, full BPTT recording ‖∂L/∂h_t‖ for every t, global-norm clipping at 1.0, \
            an SGD update. Prints the median milliseconds per iteration; GFLOP/s counts 6·G·T·B·H² flops per \
            iteration per layer (G = 1 for rnn, 4 for lstm, 3 for gru).
            """)

    @Option(parsing: .unconditional, help: "Hidden units H.") var hidden: Int = 128
    @Option(parsing: .unconditional, help: "Timesteps T.") var steps: Int = 100
    @Option(parsing: .unconditional, help: "Batch size B.") var batch: Int = 1
    @Option(parsing: .unconditional, help: "Input (and readout) width I.") var inputs: Int = 8
    @Option(parsing: .unconditional, help: "Stacked layers.") var layers: Int = 1
    @Option(help: "The recurrent cell: rnn, lstm, gru or residual.") var cell: CellKind = .rnn
    @Option(parsing: .unconditional, help: "Timed iterations (default: as many as fit in 2 seconds, at least 5).") var iterations: Int?
    @Flag(help: "Print {\"ms_per_iteration\": …, \"gflops\": …}.") var json = false
    @Flag(help: "Instead: time ρ(W_hh) and σ_max(W_hh) of one H×H Gaussian matrix (N(0, 1/H)) from cold, and warm-started after a small change; then in a default run at this H, each measured after every iteration from the last one's vectors, as training measures them.")
    var spectral = false

    func validate() throws {
        guard (1...4096).contains(hidden) else { throw ValidationError("--hidden must be 1…4096, got \(hidden)") }
        guard (1...1_000_000).contains(steps) else { throw ValidationError("--steps must be 1…1000000, got \(steps)") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1…4096, got \(batch)") }
        guard (1...4096).contains(inputs) else { throw ValidationError("--inputs must be 1…4096, got \(inputs)") }
        guard (1...4).contains(layers) else { throw ValidationError("--layers must be 1…4, got \(layers)") }
        if let iterations, !(1...1_000_000).contains(iterations) {
            throw ValidationError("--iterations must be 1…1000000, got \(iterations)")
        }
        var estimate = MemoryEstimate(steps: steps, batch: batch, inputs: inputs, hidden: hidden, outputs: inputs, layers: layers)
        estimate.cell = cell
        estimate.everyStep = false
        estimate.optimiserSlots = 0
        do {
            try MemoryBudget.check(estimate, lower: [:], otherwise: "--steps, --batch or --hidden")
        } catch { throw ValidationError("this benchmark \(error)") }
    }

    func run() throws {
        if spectral { return try benchSpectral() }
        let shape = RNNShape(inputs: inputs, hidden: hidden, layers: layers, outputs: inputs, cell: cell)
        var net: RNN<Float> = Initialisation(kind: .spectral, rho: 1).make(shape, activation: .tanh, seed: 0)
        var rng = SeededRandom(seed: 1)
        let x = (0..<(steps * batch * inputs)).map { _ in Float(rng.normal()) }
        let y = (0..<(batch * inputs)).map { _ in Float(rng.normal()) }  // scored at the last step only
        let data = Batch<Float>(steps: steps, size: batch, inputWidth: inputs, inputs: x, targets: .real(y))
        let bptt = BPTT<Float>(shape: shape, steps: steps, batchSize: batch)
        var sgd = Optimiser(kind: .sgd, learningRate: 0.01, parameterCount: net.layout.count)
        var g = [Float](repeating: 0, count: net.layout.count)
        let options = BPTTOptions(loss: .mseLast, clipNorm: 1.0)

        func iteration() {
            let s = bptt.run(net, data, options, gradients: &g)
            if !s.nonfinite { sgd.update(&net.parameters, g) }
        }
        for _ in 0..<3 { iteration() }  // warm-up, as the peers do
        var times: [Double] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        while iterations.map({ times.count < $0 }) ?? (times.count < 5 || DispatchTime.now().uptimeNanoseconds < deadline) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            iteration()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        let ms = times[times.count / 2]
        let flops = 6.0 * Double(cell.gates * steps * batch * hidden * hidden * layers)
        let gflops = flops / (ms * 1e6)
        if json {
            print(JSONText.encode(.object([
                ("ms_per_iteration", .number(ms)), ("gflops", .number(gflops)),
                ("hidden", .int(hidden)), ("steps", .int(steps)), ("batch", .int(batch)), ("inputs", .int(inputs)),
                ("layers", .int(layers)), ("cell", .string(cell.rawValue)), ("iterations", .int(times.count)),
            ])))
        } else {
            print(cell.rawValue + String(format: " H=%d T=%d B=%d I=%d layers=%d: %.3f ms per iteration (median of %d), %.1f GFLOP/s",
                         hidden, steps, batch, inputs, layers, ms, times.count, gflops))
        }
    }

    /// Median milliseconds of ρ and of σ_max over `--iterations` (default 3) runs.
    func benchSpectral() throws {
        var rng = SeededRandom(seed: 1)
        let w = (0..<(hidden * hidden)).map { _ in Float(rng.normal() / Double(hidden).squareRoot()) }
        func median(_ body: () -> Double) -> (ms: Double, value: Double) {
            var times: [Double] = [], value = 0.0
            for _ in 0..<(iterations ?? 3) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                value = body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            return (times.sorted()[times.count / 2], value)
        }
        let rho = median { Spectral.spectralRadius(w, n: hidden) ?? .nan }
        let sigma = median { Spectral.largestSingularValue(w, rows: hidden, cols: hidden) }
        // Products A v restarted Arnoldi took (0: every eigenvalue, at this size).
        let products = hidden > Spectral.krylovAbove ? Spectral.spectralRadiusWork(w, n: hidden).products : 0
        // As the live view measures them after the first time: W moved a little (here by
        // N(0, 1e-6/H) per entry), each started from the vectors the last measurement left.
        var rhoStart: [Double] = [], sigmaStart: [Double] = []
        _ = Spectral.spectralRadius(w, n: hidden, warmStart: &rhoStart)
        _ = Spectral.largestSingularValue(w, rows: hidden, cols: hidden, warmStart: &sigmaStart)
        let moved = w.map { $0 + Float(1e-3 * rng.normal() / Double(hidden).squareRoot()) }
        let warmRho = median { var start = rhoStart; return Spectral.spectralRadius(moved, n: hidden, warmStart: &start) ?? .nan }
        let warmSigma = median {
            var start = sigmaStart
            return Spectral.largestSingularValue(moved, rows: hidden, cols: hidden, warmStart: &start)
        }
        let training = try spectrumInTraining()
        if json {
            print(JSONText.encode(.object([
                ("hidden", .int(hidden)), ("rho_ms", .number(rho.ms)), ("sigma_ms", .number(sigma.ms)),
                ("rho", .number(rho.value)), ("sigma_max", .number(sigma.value)), ("rho_products", .int(products)),
                ("warm_rho_ms", .number(warmRho.ms)), ("warm_sigma_ms", .number(warmSigma.ms)),
                ("training_iteration_ms", .number(training.iteration)), ("training_rho_ms", .number(training.rho)),
                ("training_sigma_ms", .number(training.sigma)), ("training_share", .number(training.share)),
                ("training_rho_products", .array(training.rhoProducts.map { .int($0) })),
                ("training_sigma_products", .array(training.sigmaProducts.map { .int($0) })),
            ])))
        } else {
            print(String(format: "H=%d: ρ(W) = %.9g in %.1f ms (%d products), σ_max(W) = %.9g in %.1f ms; warm: %.1f and %.1f ms (median of %d)",
                         hidden, rho.value, rho.ms, products, sigma.value, sigma.ms, warmRho.ms, warmSigma.ms, iterations ?? 3))
            print(String(format: "in a default run at H=%d: an iteration %.1f ms; ρ(W_hh) %.2f ms (%@ products), σ_max(W_hh) %.2f ms (%@), "
                         + "each from the last iteration's vectors (medians of %d): together %.1f%% of the iterations' time; "
                         + "cold ρ %.2f iterations",
                         hidden, training.iteration, training.rho, Self.range(training.rhoProducts), training.sigma,
                         Self.range(training.sigmaProducts), training.rhoProducts.count, 100 * training.share,
                         rho.ms / training.iteration))
        }
    }

    private static func range(_ counts: [Int]) -> String {
        guard let low = counts.min(), let high = counts.max() else { return "–" }
        return low == high ? "\(low)" : "\(low)–\(high)"
    }

    /// ρ and σ_max as training measures them: a run of the default settings at this
    /// H (`Settings()`: the adding problem, T 50, batch 16, SGD at 0.01), each
    /// measured after every iteration from the vectors the last measurement left.
    /// Median ms of an iteration (not measuring) and of each measurement, the
    /// products each measurement took, and what both cost in all against the
    /// iterations' time (`share`), over `--iterations` (default 20) iterations
    /// after the first (whose measurement is cold).
    private func spectrumInTraining() throws
        -> (iteration: Double, rho: Double, sigma: Double, rhoProducts: [Int], sigmaProducts: [Int], share: Double) {
        var settings = Settings()
        settings.hidden = hidden
        let trainer = try Trainer(settings: settings)
        var rhoStart: [Double] = [], sigmaStart: [Double] = []
        var iteration: [Double] = [], rho: [Double] = [], sigma: [Double] = []
        var rhoProducts: [Int] = [], sigmaProducts: [Int] = []
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }
        let krylov = hidden > Spectral.krylovAbove
        for i in 0...(iterations ?? 20) {
            let t0 = now()
            _ = trainer.step(spectrum: false)
            let t1 = now()
            let w = trainer.network.recurrentWeights(layer: 0)
            let t2 = now()
            let products = krylov ? Spectral.spectralRadiusWork(w, n: hidden, warmStart: &rhoStart).products : 0
            if !krylov { _ = Spectral.spectralRadius(w, n: hidden, warmStart: &rhoStart) }
            let t3 = now()
            let singular = Spectral.largestSingularValueWork(w, rows: hidden, cols: hidden, warmStart: &sigmaStart)
            let t4 = now()
            guard i > 0 else { continue }
            iteration.append(t1 - t0)
            rho.append(t3 - t2)
            sigma.append(t4 - t3)
            rhoProducts.append(products)
            sigmaProducts.append(singular.products)
        }
        func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
        let share = (rho.reduce(0, +) + sigma.reduce(0, +)) / iteration.reduce(0, +)
        return (median(iteration), median(rho), median(sigma), rhoProducts, sigmaProducts, share)
    }
}
