import ArgumentParser
import Foundation
import ModelIO
import RNNSim

struct GradsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grads",
        abstract: "One forward pass and BPTT on a saved model and batch: loss, gradients, ‖∂L/∂h_t‖ per step.",
        discussion: """
            The model is a PyTorch state dict saved with safetensors.torch.save_file(model.state_dict(), path): \
            one nn.RNN, nn.LSTM or nn.GRU (any prefix: rnn., encoder., module.rnn., none; the cell from the shapes or --cell), one nn.Linear head (any name) and \
            optionally an nn.Embedding in front. --rnn and --head choose when several fit. The data file holds \
            inputs [T, B, I] (token ids [T, B] for an embedding), targets [T, B, O] floats for mse-* losses or \
            [T, B] integer class ids for xent-*, and optionally h0 [layers, B, H] (and c0 for an nn.LSTM). A bidirectional model or an nn.LSTM with proj_size is refused. Computed in double precision; \
            what was read is printed on stderr.
            """)

    @OptionGroup var input: ModelOptions
    @Option(parsing: .unconditional, help: "Truncated BPTT: detach the hidden state every K steps (0 = full BPTT).") var truncate: Int = 0
    @Option(parsing: .unconditional, help: "Global-norm clipping threshold, as torch.nn.utils.clip_grad_norm_ (0 = off).") var clip: Double = 0
    @Option(help: "Write every parameter's gradient (after clipping) under the model's own names, and hidden_grad_norms_l{k} (cell_grad_norms_l{k} for an LSTM), to this file.") var out: String?
    @Flag(help: "Print one JSON object: model (what was read), loss, grad_norm, clip_scale, hidden_grad_norms, jacobian_norms (and cell_grad_norms for an LSTM).") var json = false

    func validate() throws {
        guard input.model != nil, input.data != nil else { throw ValidationError("grads needs --model M.safetensors and --data D.safetensors") }
        guard truncate >= 0 else { throw ValidationError("--truncate must be 0 or more, got \(truncate)") }
        guard clip >= 0, clip.isFinite else { throw ValidationError("--clip must be 0 or a positive number, got \(clip)") }
    }

    func run() throws {
        try refuseSameFile(outputs: [("--out", out)], inputs: [("--model", input.model), ("--data", input.data)])
        if let out { do { try OutputFile.check(out) } catch { throw Failure(error, flag: "--out") } }
        let (stock, padding) = try input.readModel()
        // In Double from the values as saved: F64 weights or data rounded to float32 on the
        // way in would differ from float64 autograd by ~1e-7.
        let data = try input.readData(for: stock, as: Double.self) { file, layout in
            try Self.checkMemory(file, layout, loss: input.lossKind, batchFirst: input.batchFirst)
        }!
        let user = UserModel(model: stock, data: nil, modelPath: input.model!, dataPath: input.data,
                             paddingIndex: padding, ignoreIndex: Int32(input.ignoreIndex))
        let report = GradientReport.compute(model: stock.weights, batch: data.batch,
                                            options: user.options(BPTTOptions(loss: data.loss, truncate: truncate, clipNorm: clip)))
        if let out {
            let file = user.model.gradientsFile(report.gradients, hiddenGradNorms: report.hiddenGradNorms, cellGradNorms: report.cellGradNorms)
            do { try file.write(to: URL(fileURLWithPath: out)) } catch { throw Failure(error, flag: "--out") }
        }
        ModelOptions.announce(user, data: data, dataPath: input.data)
        if json {
            var fields: [(String, JSONText.Value)] = [
                ("model", ModelOptions.json(user, data: data)),
                ("loss", .number(report.loss)),
                ("grad_norm", .number(report.gradNorm)),
                ("clip_scale", .number(report.clipScale)),
                ("nonfinite", .bool(report.nonfinite)),
                ("hidden_grad_norms", JSONText.matrix(report.hiddenGradNorms)),
                ("jacobian_norms", JSONText.matrix(report.jacobianNorms)),
            ]
            if !report.cellGradNorms.isEmpty { fields.append(("cell_grad_norms", JSONText.matrix(report.cellGradNorms))) }
            print(JSONText.encode(.object(fields)))
        } else {
            print(Self.summary(report, shape: user.model.shape, steps: data.batch.steps))
        }
    }

    /// Refuses, before the batch is converted or any state allocated, a call
    /// whose data asks for more than the memory cap, in double precision.
    static func checkMemory(_ file: SafeTensorsFile, _ layout: ParameterLayout, loss: LossKind?, batchFirst: Bool) throws {
        // Shapes that are not a data file's are named by DataFile.read.
        guard let e = DataFile.memoryEstimate(file, for: layout, loss: loss, batchFirst: batchFirst, scalarBytes: 8) else { return }
        do {
            try MemoryBudget.check(e, lower: [:], otherwise: "the steps T or the batch B of the inputs")
        } catch let error as MemoryLimitError {
            throw ModelFileError("this batch (T = \(e.steps), B = \(e.batch), H = \(e.hidden)) \(error)")
        }
    }

    static func summary(_ r: GradientReport, shape: RNNShape, steps: Int) -> String {
        var lines = [
            "loss        \(fmt(r.loss))\(r.nonfinite ? "   (non-finite: Inf/NaN in the loss or the gradients)" : "")",
            "grad norm   \(fmt(r.gradNorm)) before clipping, clip scale \(fmt(r.clipScale))",
        ]
        for k in 0..<shape.layers {
            let norms = r.hiddenGradNorms[k]
            let ratio = norms[0] / norms[steps - 1]
            // Counted from 1 as the view and the CSV count; _l0 is PyTorch's name for the first.
            lines.append("layer \(k + 1) (_l\(k))  ‖∂L/∂h_1‖ = \(fmt(norms[0])), ‖∂L/∂h_\(steps)‖ = \(fmt(norms[steps - 1])), ratio \(fmt(ratio))")
        }
        return lines.joined(separator: "\n")
    }
}

func fmt(_ x: Double) -> String {
    if !x.isFinite { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
    if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e5) { return String(format: "%.3e", x) }
    return String(format: "%.5g", x)
}
