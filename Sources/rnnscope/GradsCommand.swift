import ArgumentParser
import Foundation
import RNNSim

struct GradsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grads",
        abstract: "One forward pass and BPTT on a saved model and batch: loss, gradients, ‖∂L/∂h_t‖ per step.",
        discussion: """
            The model is safetensors with torch.nn.RNN names (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, \
            bias_hh_l{k}) plus readout.weight [O, H] and readout.bias [O]; __metadata__ nonlinearity tanh or relu. \
            The data file holds inputs [T, B, I] and targets: [T, B, O] floats for mse-* losses, [T, B] integer \
            class indices for xent-* losses. Computed in double precision.
            """)

    @Option(help: "Model weights (.safetensors).") var model: String
    @Option(help: "Inputs and targets (.safetensors).") var data: String
    @Option(help: "mse-last, mse-all, xent-last or xent-all.") var loss: String
    @Option(parsing: .unconditional, help: "Truncated BPTT: detach the hidden state every K steps (0 = full BPTT).") var truncate: Int = 0
    @Option(parsing: .unconditional, help: "Global-norm clipping threshold, as torch.nn.utils.clip_grad_norm_ (0 = off).") var clip: Double = 0
    @Option(help: "Write every parameter's gradient (after clipping) and hidden_grad_norms_l{k} to this file.") var out: String?
    @Flag(help: "Print one JSON object: loss, grad_norm, clip_scale, hidden_grad_norms, jacobian_norms.") var json = false

    func validate() throws {
        guard LossKind(rawValue: loss) != nil else {
            throw ValidationError("--loss \(TextSafety.quoted(loss)) is not one of \(LossKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard truncate >= 0 else { throw ValidationError("--truncate must be 0 or more, got \(truncate)") }
        guard clip >= 0, clip.isFinite else { throw ValidationError("--clip must be 0 or a positive number, got \(clip)") }
    }

    func run() throws {
        let lossKind = LossKind(rawValue: loss)!
        let net: RNN<Float>
        do { net = try ModelFile.read(contentsOf: URL(fileURLWithPath: model)) } catch { throw Failure(error, file: model) }
        let batch: Batch<Float>
        do {
            let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: data))
            try Self.checkMemory(file, net.shape, lossKind)
            batch = try DataFile.read(file, for: net.shape, loss: lossKind)
        } catch { throw Failure(error, file: data) }
        if lossKind.isCrossEntropy && net.shape.outputs < 2 {
            throw Failure("\(model): \(lossKind.rawValue) needs a readout with at least 2 classes")
        }
        let report = GradientReport.compute(model: net, batch: batch, options: BPTTOptions(loss: lossKind, truncate: truncate, clipNorm: clip))
        if let out {
            do { try report.safetensors().write(to: URL(fileURLWithPath: out)) } catch { throw Failure(error) }
        }
        if json {
            print(JSONText.encode(.object([
                ("loss", .number(report.loss)),
                ("grad_norm", .number(report.gradNorm)),
                ("clip_scale", .number(report.clipScale)),
                ("nonfinite", .bool(report.nonfinite)),
                ("hidden_grad_norms", JSONText.matrix(report.hiddenGradNorms)),
                ("jacobian_norms", JSONText.matrix(report.jacobianNorms)),
            ])))
        } else {
            print(Self.summary(report, shape: net.shape, steps: batch.steps))
        }
    }

    /// Refuses, before the batch is converted or any state allocated, a call
    /// whose inputs [T, B, I] ask for more than the memory cap.
    static func checkMemory(_ file: SafeTensorsFile, _ shape: RNNShape, _ loss: LossKind) throws {
        guard let dims = file["inputs"]?.shape, dims.count == 3 else { return }  // DataFile.read names what is wrong
        var e = MemoryEstimate(steps: dims[0], batch: dims[1], inputs: shape.inputs, hidden: shape.hidden,
                               outputs: shape.outputs, layers: shape.layers)
        e.scalarBytes = 8
        e.optimiserSlots = 0
        e.classTargets = loss.isCrossEntropy
        e.everyStep = !loss.lastStepOnly
        do {
            try MemoryBudget.check(e, lower: [:], otherwise: "the steps T or the batch B of the inputs")
        } catch let error as MemoryLimitError {
            throw Failure("this batch (T = \(dims[0]), B = \(dims[1]), H = \(shape.hidden)) \(error)")
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
            lines.append("layer \(k)     ‖∂L/∂h_1‖ = \(fmt(norms[0])), ‖∂L/∂h_\(steps)‖ = \(fmt(norms[steps - 1])), ratio \(fmt(ratio))")
        }
        return lines.joined(separator: "\n")
    }
}

func fmt(_ x: Double) -> String {
    if !x.isFinite { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
    if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e5) { return String(format: "%.3e", x) }
    return String(format: "%.5g", x)
}
