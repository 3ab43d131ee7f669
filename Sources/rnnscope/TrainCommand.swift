import ArgumentParser
import Foundation
import RNNSim
import Scenarios

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a scenario (or the --set settings): live in the terminal, or --headless.",
        discussion: "Settings (scenario files use the same keys, as [table] key = value):\n" + SettingsOptions.keyHelp)

    @Argument(help: "A preset name (see 'rnnscope list') or a scenario file; omit to use only --set.")
    var scenario: String?
    @Flag(help: "No terminal UI: train and report on stdout.") var headless = false
    @Option(help: "Training iterations: --headless trains this many (default 500); the live view pauses when it gets there (space goes on).")
    var iterations: Int?
    @Flag(help: "Print one JSON object per iteration (headless).") var jsonl = false
    @Flag(help: "Draw with ASCII characters only (interactive).") var ascii = false
    @OptionGroup var pace: PaceOption
    @OptionGroup var settings: SettingsOptions
    @OptionGroup(title: "Your own model") var input: ModelOptions
    @Option(help: "Write the trained weights of --model here, under the names, shapes and dtypes read (headless: at the end; live: the w key).")
    var save: String?

    func validate() throws {
        if let iterations, !(1...100_000_000).contains(iterations) {
            throw ValidationError("--iterations must be between 1 and 100000000, got \(iterations)")
        }
        if jsonl && !headless { throw ValidationError("--jsonl needs --headless") }
        if pace.speed != nil && headless {
            throw ValidationError("--speed sets the live view's pace; --headless has none (it trains as fast as it can)")
        }
        if save != nil && input.model == nil { throw ValidationError("--save needs --model M.safetensors") }
    }

    func run() throws {
        var scenario = try pace.apply(to: settings.apply(to: resolveScenario(self.scenario)), settings: settings)
        if input.model != nil { scenario = try ModelRun.scenario(base: scenario, user: input.load(savePath: save), dataPath: input.data, assignments: settings.assignments) }
        guard headless else {
            throw ExitCode(Interactive.open(scenario, ascii: ascii, stopAt: iterations))
        }
        let iterations = self.iterations ?? 500
        let trainer: Trainer
        do { trainer = try Trainer(settings: scenario.settings) } catch { throw Failure(error) }
        let progress = jsonl ? nil : ProgressBar(total: iterations)
        var first: IterationReport?
        var last: IterationReport?
        var firstNonfinite: Int?
        for _ in 0..<iterations {
            let r = trainer.step(spectrum: jsonl, jacobians: false)
            if first == nil { first = r }
            last = r
            if r.nonfinite && firstNonfinite == nil { firstNonfinite = r.iteration }
            if jsonl {
                print(Self.jsonLine(r))
            } else {
                progress?.update(r.iteration, loss: r.loss)
            }
        }
        progress?.finish()
        if !jsonl, let first, let last {
            let (rho, sigma) = trainer.measureSpectrum()
            print(Self.summary(scenario, trainer, first: first, last: last, firstNonfinite: firstNonfinite, rho: rho[0], sigma: sigma[0]))
        }
        if save != nil, let user = scenario.settings.userModel { try ModelRun.save(trainer, user) }
    }

    static func jsonLine(_ r: IterationReport) -> String {
        JSONText.encode(.object([
            ("iteration", .int(r.iteration)),
            ("loss", .number(r.loss)),
            ("grad_norm", .number(r.gradNorm)),
            ("clip_scale", .number(r.clipScale)),
            ("clipped", .bool(r.clipped)),
            ("nonfinite", .bool(r.nonfinite)),
            ("spectral_radius", .number(r.spectralRadius[0])),
            ("spectral_radii", JSONText.numbers(r.spectralRadius)),
            ("sigma_max", JSONText.numbers(r.largestSingularValue)),
            ("hidden_grad_norms", JSONText.matrix(r.hiddenGradNorms)),
        ]))
    }

    static func summary(_ s: Scenario, _ t: Trainer, first: IterationReport, last: IterationReport,
                        firstNonfinite: Int?, rho: Double, sigma: Double) -> String {
        let norms = last.hiddenGradNorms[0]
        var lines = [
            "\(s.title)",
            "  \(last.iteration) iterations of \(t.task.name), T = \(t.settings.steps), H = \(t.settings.hidden), \(t.settings.cell == .rnn ? t.settings.activation.rawValue : t.settings.cell.rawValue), \(t.settings.optimizer.rawValue) lr \(t.settings.learningRate)",
            "  loss \(fmt(first.loss)) → \(fmt(last.loss))" + (t.task.chanceLoss.isFinite ? "   (chance \(fmt(t.task.chanceLoss)))" : ""),
            "  ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ = \(fmt(norms[0] / norms[norms.count - 1])) on the last iteration",
            "  ρ(W_hh) = \(fmt(rho)), σ_max(W_hh) = \(fmt(sigma))",
        ]
        if let n = firstNonfinite {
            lines.append("  non-finite (Inf/NaN) first at iteration \(n): parameters frozen from then on")
        }
        return lines.joined(separator: "\n")
    }
}

/// A progress bar on stderr, redrawn in place on a terminal, a line per tenth otherwise.
final class ProgressBar {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastTenth = -1

    init(total: Int) { self.total = total }

    func update(_ done: Int, loss: Double) {
        if isTerminal {
            guard done == total || done % max(1, total / 200) == 0 else { return }
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)  loss \(fmt(loss))   ".utf8))
        } else {
            let tenth = 10 * done / total
            if tenth != lastTenth {
                lastTenth = tenth
                printError("\(done)/\(total)  loss \(fmt(loss))")
            }
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
