import Spectral
import ArgumentParser
import Foundation
import ModelIO
import RNNSim
import RunStream
import Scenarios
import ScopeView

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a scenario (or the --set settings): live in the terminal, or --headless.",
        discussion: "Settings (scenario files use the same keys, as [table] key = value):\n" + SettingsOptions.keyHelp())

    @Argument(help: "A preset name (see 'rnnscope list') or a scenario file; omit to use only --set.")
    var scenario: String?
    @Flag(help: "No terminal UI: train and report on stdout.") var headless = false
    // .unconditional: "--iterations -1" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: "Training iterations: --headless trains this many (default 500); the live view pauses when it gets there (space goes on).")
    var iterations: Int?
    @Option(parsing: .unconditional, help: "With --model and --data, headless: N passes over the data's sequences in order, in minibatches of train.batch (the last partial one left out), as DataLoader(batch_size=train.batch, shuffle=False, drop_last=True); instead of --iterations, whose minibatches are drawn at random.")
    var epochs: Int?
    @Flag(help: "Print one JSON object per iteration (headless).") var jsonl = false
    @Flag(help: "Draw with ASCII characters only (interactive; with --svg, the figure).") var ascii = false
    @Option(help: recordHelp) var record: String?
    @Option(help: ArgumentHelp("Write the view's frame at the end of the run as an SVG (headless).", valueName: "file.svg"))
    var svg: String?
    // .unconditional: "--size -1x5" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: ArgumentHelp("The size of the --svg frame in terminal cells.", valueName: "WxH"))
    var size: String = "100x32"
    @Option(help: ArgumentHelp("Write ‖∂L/∂h_t‖ of every iteration as CSV rows iteration,layer,t,norm (headless).", valueName: "file.csv"))
    var csv: String?
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
        // `--jsonl run.jsonl` reads the file name as the scenario: say where the stream goes.
        if jsonl, let name = scenario, name.lowercased().hasSuffix(".jsonl") {
            let shown = TextSafety.escaped(name, limit: 200)
            throw ValidationError("--jsonl takes no file: it prints to standard output, so write --jsonl > \(shown) (\(shown) was read as the scenario to train)")
        }
        if let epochs {
            guard (1...1_000_000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 1000000, got \(epochs)") }
            guard headless, input.data != nil else { throw ValidationError("--epochs needs --headless and --model with --data (it passes over the data's sequences)") }
            guard iterations == nil else { throw ValidationError("--epochs and --iterations both say how long to train: give one") }
        }
        if pace.speed != nil && headless {
            throw ValidationError("--speed sets the live view's pace; --headless has none (it trains as fast as it can)")
        }
        if save != nil && input.model == nil { throw ValidationError("--save needs --model M.safetensors") }
        if svg != nil && !headless { throw ValidationError("--svg needs --headless (in the live view, e writes the frame)") }
        if csv != nil && !headless { throw ValidationError("--csv needs --headless") }
        if record != nil && headless { throw ValidationError("--record records the live view; with --headless use --svg, --csv or --jsonl") }
        _ = try frameSize()
    }

    /// `--size WxH`, within what the view can draw.
    func frameSize() throws -> (width: Int, height: Int) {
        let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
            throw ValidationError("--size must be WIDTHxHEIGHT in cells, such as 100x32; got '\(size)'")
        }
        guard (60...1000).contains(w), (16...500).contains(h) else {
            throw ValidationError("--size must be 60…1000 wide and 16…500 high, got \(w)x\(h)")
        }
        return (w, h)
    }

    func run() throws {
        // Live, the w key saves to the default path beside the model.
        let saving = save ?? (headless ? nil : input.model.map(UserModel.defaultSavePath(for:)))
        try refuseSameFile(outputs: [("--save", saving), ("--csv", csv), ("--svg", svg), ("--record", record)],
                           inputs: [("--model", input.model), ("--data", input.data), ("the scenario file", scenarioFile(scenario))])
        var base = try resolveScenario(self.scenario)
        // Live, a comparison scenario opens as its split, as `run` opens it (headless trains run A).
        let compare = !headless && input.model == nil ? try RunCommand.comparePair(&base, settings: settings, pace: pace) : nil
        var scenario = try pace.apply(to: settings.apply(to: base, model: input.model != nil), settings: settings)
        // Live, Interactive.open says what was read once the recording is open.
        if input.model != nil {
            scenario = try ModelRun.scenario(base: scenario, user: input.load(savePath: save), dataPath: input.data,
                                             assignments: settings.assignments, announce: headless)
        }
        guard headless else {
            throw ExitCode(try Interactive.open(scenario, ascii: ascii, stopAt: iterations, record: record, compare: compare))
        }
        let trainer: Trainer
        do { trainer = try Trainer(settings: scenario.settings) } catch { throw Failure(error) }
        var iterations = self.iterations ?? 500
        if let epochs, let data = trainer.task as? DataFileTask {
            let per = data.batchesPerEpoch(size: scenario.settings.batch), n = data.batchSize(for: scenario.settings.batch)
            iterations = epochs * per
            guard iterations <= 100_000_000 else { throw Failure("--epochs \(epochs) is \(iterations) iterations, over 100000000") }
            trainer.sequentialBatches = true
            let left = data.data.size - per * n
            printError("rnnscope: --epochs \(epochs): \(per) minibatch\(per == 1 ? "" : "es") of \(n) of the data's \(data.data.size) sequences in order per epoch"
                       + (left > 0 ? " (the last \(left) left out)" : "") + ", \(iterations) iterations; in PyTorch: DataLoader(batch_size=\(n), shuffle=False, drop_last=True)")
        }
        // Output files are opened before the run (a bad path fails at once) and put in place only at its end.
        let csvFile: OutputFile?
        let svgFile: OutputFile?
        do { csvFile = try csv.map { try OutputFile(path: $0) } } catch { throw Failure(error, flag: "--csv") }
        do { svgFile = try svg.map { try OutputFile(path: $0) } } catch { throw Failure(error, flag: "--svg") }
        do { try csvFile?.write("iteration,layer,t,norm\n") } catch { throw Failure(error, flag: "--csv") }
        // A stream is sent a line at a time, so `rnnscope watch -` can follow it.
        if jsonl {
            print(Self.jsonHeader(scenario, inputSize: trainer.network.shape.inputs, epochs: epochs))
            StandardStreams.flush()
        }
        var view: OfflineView?
        let watcher = svg == nil ? nil : scenario.momentWatcher()
        if svgFile != nil {
            let (w, h) = try frameSize()
            view = OfflineView(scenario: scenario, width: w, height: h, task: trainer.task)
        }
        let progress = jsonl ? nil : ProgressBar(total: iterations)
        // A stream stopped by a signal still ends with its end record (after the output files'
        // guards are in place, which it then hands the signal to).
        if jsonl { StreamInterrupt.install() }
        var first: IterationReport?
        var last: IterationReport?
        var firstNonfinite: Int?
        for i in 0..<iterations {
            // The frame's side panel shows ρ and σ_max of the last iteration.
            var r = trainer.step(spectrum: jsonl || (view != nil && i == iterations - 1), jacobians: false)
            // A char-LM's held-out loss every heldOutInterval iterations and at the end, as the view measures it.
            if r.iteration % Trainer.heldOutInterval == 0 || i == iterations - 1 { r.heldOutLoss = trainer.heldOutLoss() }
            if first == nil { first = r }
            last = r
            if r.nonfinite && firstNonfinite == nil { firstNonfinite = r.iteration }
            if jsonl {
                print(Self.jsonLine(r, clipMaxNorm: trainer.options.clipNorm))
                StandardStreams.flush()
                if let signal = StreamInterrupt.requested {
                    print(StreamEnd.line)
                    StandardStreams.flush()
                    StreamInterrupt.end(by: signal)
                }
            } else {
                progress?.update(r.iteration, loss: r.loss)
            }
            if let csvFile { do { try csvFile.write(Self.csvRows(r)) } catch { throw Failure(error, flag: "--csv") } }
            view?.absorb(r, options: trainer.options, moment: watcher?.observe(r))
        }
        progress?.finish()
        if jsonl {
            // Closing the stream says so: `watch` on the file shows ENDED, not a run that may go on.
            print(StreamEnd.line)
            StandardStreams.flush()
            StreamInterrupt.uninstall()
        }
        do { try csvFile?.commit() } catch { throw Failure(error, flag: "--csv") }
        do {
            if let svgFile, var view {
                // The live view's sampled text, drawn as it would be at the end of the run.
                if let lm = trainer.task as? CharLanguageModel, scenario.settings.ownModel == nil {
                    var rng = SeededRandom(seed: 0x5EED)
                    view.show(sample: lm.sample(from: trainer.network, length: 400, temperature: scenario.settings.temperature,
                                                prime: "", rng: &rng))
                }
                try svgFile.write(FrameFigure.svg(view.frame(glyphs: ascii ? .ascii : .unicode)))
                try svgFile.commit()
            }
        } catch { throw Failure(error, flag: "--svg") }
        // Saved (or refused) before the summary, which says which; the outcome is reported after it.
        var saved: Result<String, Error>?
        if save != nil, let user = scenario.settings.ownModel {
            saved = Result { try ModelRun.save(trainer, user, lastLoss: last?.loss ?? .nan) }
        }
        if !jsonl, let first, let last {
            let (rho, sigma) = trainer.measureSpectrum()
            print(Self.summary(scenario, trainer, first: first, last: last, firstNonfinite: firstNonfinite, rho: rho[0], sigma: sigma[0]))
            // The last line of the loop reported the loss before its update; the weights kept score differently.
            if let after = trainer.lossAfterLastUpdate() {
                let weights = switch saved {
                case .success: "saved"
                case .failure: "at the end, not saved"
                case nil: "at the end"
                }
                print("  on iteration \(last.iteration)'s batch: loss \(fmt(last.loss)) before its update, \(fmt(after)) after it (the weights \(weights))")
            }
        }
        if let saved { printError(try saved.get()) }
    }

    /// The first JSONL line: what produced the rest (version, scenario, every setting, seed;
    /// with --model, the model and data files and what was read).
    static func jsonHeader(_ s: Scenario, inputSize: Int, epochs: Int? = nil) -> String {
        let settings: [(String, JSONText.Value)] = Settings.keys.map { k in
            let v = k.value(in: s.settings)
            if v.isEmpty { return (k.name, .raw("null")) }
            let numeric = k.accepts.hasPrefix("integer") || k.accepts.hasPrefix("number")
            return (k.name, numeric && Double(v) != nil ? .raw(v) : .string(v))
        }
        // The fields every run stream's header has (docs/stream.md), then this run's own.
        let net = s.settings
        let dropped = s.settings.ownModel?.model.dropped.keys.sorted() ?? []
        var fields: [(String, JSONText.Value)] = [
            ("rnnscope", .string(rnnscopeVersion)),
            ("source", .string("rnnscope")),
            ("title", .string(s.title)),
            ("cell", .string(net.cell.rawValue)),
            ("activation", net.cell.readsActivation ? .string(net.activation.rawValue) : .raw("null")),
            ("layers", .int(net.layers)),
            ("directions", .int(1)),
            ("hidden", .int(net.hidden)),
            ("proj_size", .int(0)),
            ("input_size", .int(inputSize)),
            ("steps", .int(net.steps)),
            ("rows", .array(StreamHeader.rowNames(layers: net.layers, directions: 1).map { .string($0) })),
            // Trained here, in float32, by one process that no viewer steers.
            ("device", .string("cpu")),
            ("dtype", .string("float32")),
            ("world_size", .int(1)),
            ("rank", .int(0)),
            ("every", .int(1)),
            // Exact for the network run; with --drop-unrun-tensors that is not the file's model.
            ("exact", .bool(dropped.isEmpty)),
            ("inexact", .array(dropped.isEmpty ? [] : [.string("the model ran without \(dropped.joined(separator: ", ")) (--drop-unrun-tensors): these are the norms of a different network than the file's")])),
            ("control", .raw("null")),
            ("scenario", .string(s.name)),
            ("seed", .raw("\(s.settings.seed)")),
            // What --set changed from the scenario, whose title describes its own settings.
            ("changed", .array(s.changes(in: s.settings).map { .string($0) })),
            ("settings", .object(settings)),
            // How minibatches were taken: in order for --epochs N, else drawn at random each iteration.
            ("epochs", epochs.map { .int($0) } ?? .raw("null")),
            ("minibatches", .string(epochs == nil ? "random" : "in order")),
        ]
        // Your own model: which files, and what was read from them (as grads --json says it).
        if let user = s.settings.ownModel {
            fields += [("model_file", .string(user.modelPath)), ("data_file", user.dataPath.map { .string($0) } ?? .raw("null")),
                       ("model", ModelOptions.json(user, data: user.data))]
        }
        return JSONText.encode(.object(fields))
    }

    /// One iteration. A gated cell has no ρ (its W_hh stacks the gate blocks, [G·H, H]):
    /// in its place the direct-path gate (LSTM f, GRU z) per layer — its mean, the mean
    /// over units of its product from t = 1 to T, the fraction saturated — and for an
    /// LSTM ‖∂L/∂c_t‖. `heldout_loss` where it was measured (a char-LM with a held-out split).
    static func jsonLine(_ r: IterationReport, clipMaxNorm: Double) -> String {
        var fields: [(String, JSONText.Value)] = [
            ("iteration", .int(r.iteration)),
            ("loss", .number(r.loss)),
            ("grad_norm", .number(r.gradNorm)),
            ("clip_scale", .number(r.clipScale)),
            ("clipped", .bool(r.clipped)),
            ("clip_max_norm", .number(clipMaxNorm)),
            ("nonfinite", .bool(r.nonfinite)),
        ]
        if r.pathGateMeans.isEmpty {
            fields += [("spectral_radius", .number(r.spectralRadius[0])), ("spectral_radii", JSONText.numbers(r.spectralRadius))]
        }
        fields.append(("sigma_max", JSONText.numbers(r.largestSingularValue)))
        // The gate's figures as the side panel reads them.
        if !r.pathGateMeans.isEmpty, let gate = SpectrumReading(measured: r) {
            fields += [
                ("gate_mean", JSONText.numbers(gate.gateMeans)),
                ("gate_product", JSONText.numbers(gate.gateProducts)),
                ("gate_saturation", JSONText.numbers(gate.gateSaturation)),
            ]
        }
        if let h = r.heldOutLoss { fields.append(("heldout_loss", .number(h))) }
        fields.append(("hidden_grad_norms", JSONText.matrix(r.hiddenGradNorms)))
        if !r.cellGradNorms.isEmpty { fields.append(("cell_grad_norms", JSONText.matrix(r.cellGradNorms))) }
        return JSONText.encode(.object(fields), nonFinite: .named)
    }

    /// One CSV row per layer and timestep: iteration, layer and t count from 1, as on screen.
    static func csvRows(_ r: IterationReport) -> String {
        var rows = ""
        for (k, norms) in r.hiddenGradNorms.enumerated() {
            for (s, v) in norms.enumerated() { rows += "\(r.iteration),\(k + 1),\(s + 1),\(csvNumber(v))\n" }
        }
        return rows
    }

    /// Shortest exact decimal; inf, -inf and nan as pandas and NumPy read them.
    static func csvNumber(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return "\(v)"
    }

    static func summary(_ s: Scenario, _ t: Trainer, first: IterationReport, last: IterationReport,
                        firstNonfinite: Int?, rho: Double, sigma: Double) -> String {
        let norms = last.hiddenGradNorms[0]
        // Stacked: every figure below is the first layer's, which the line must say.
        let layers = t.settings.layers, ofLayer = layers > 1 ? " of layer 1" : ""
        // The user's data by its file's name, as the title names the model ("data file" said nothing).
        let task = s.settings.ownModel?.dataPath.map { TextSafety.escaped(URL(fileURLWithPath: $0).lastPathComponent, limit: 200) } ?? t.task.name
        var lines = [
            "\(s.title)",
            "  \(last.iteration) iterations of \(task), T = \(t.settings.steps), H = \(t.settings.hidden)\(layers > 1 ? " × \(layers) layers" : ""), \(t.settings.cell == .rnn ? t.settings.activation.rawValue : t.settings.cell == .residual ? "residual \(t.settings.activation.rawValue)" : t.settings.cell.rawValue), \(t.settings.optimizer.rawValue) lr \(t.settings.learningRate)",
            "  loss \(fmt(first.loss)) → \(fmt(last.loss))" + (t.task.chanceLoss.isFinite ? "   (chance \(fmt(t.task.chanceLoss)))" : ""),
            "  ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖\(ofLayer) = \(fmt(norms[0] / norms[norms.count - 1])) on the last iteration",
            // A gated cell's W_hh stacks its gate blocks [G·H, H]: no eigenvalues, only σ_max.
            !t.settings.cell.isGated ? "  ρ(W_hh) = \(fmt(rho)), σ_max(W_hh) = \(fmt(sigma))\(ofLayer)" : "  σ_max(W_hh)\(ofLayer) = \(fmt(sigma)) (the \(t.settings.cell.rawValue)'s gate blocks stacked)",
        ]
        if let h = last.heldOutLoss {
            lines.append("  held-out perplexity \(fmt(Foundation.exp(h))) (cross-entropy \(fmt(h)) nats) after iteration \(last.iteration)")
        }
        if let n = firstNonfinite {
            lines.append("  non-finite (Inf/NaN) first at iteration \(n): parameters frozen from then on" + (n == 1 ? "; " + Trainer.overflowAtStart : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// A progress bar on stderr, redrawn in place on a terminal, a line per tenth otherwise,
/// with the rate so far and the time the rest will take at that rate.
final class ProgressBar {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastTenth = -1
    private let start = DispatchTime.now().uptimeNanoseconds

    init(total: Int) { self.total = total }

    func update(_ done: Int, loss: Double) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let pace = Self.pace(done: done, total: total, seconds: seconds)
        if isTerminal {
            guard done == total || done % max(1, total / 200) == 0 else { return }
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            StandardStreams.err("\r[\(bar)] \(done)/\(total)  loss \(fmt(loss))  \(pace)   ")
        } else {
            let tenth = 10 * done / total
            if tenth != lastTenth {
                lastTenth = tenth
                printError("\(done)/\(total)  loss \(fmt(loss))  \(pace)")
            }
        }
    }

    /// "250 it/s, 3 s left" (at the end: "250 it/s, 4 s in all").
    static func pace(done: Int, total: Int, seconds: Double) -> String {
        guard done > 0, seconds > 0 else { return "" }
        let rate = Double(done) / seconds
        let rateText = rate >= 100 ? "\(Int(rate.rounded())) it/s" : String(format: "%.3g it/s", rate)
        if done >= total { return "\(rateText), \(duration(seconds)) in all" }
        return "\(rateText), \(duration(Double(total - done) / rate)) left"
    }

    static func duration(_ s: Double) -> String {
        let whole = Int(s.rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    func finish() {
        if isTerminal { StandardStreams.err("\n") }
    }
}
