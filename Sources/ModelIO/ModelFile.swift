import RNNSim
import Foundation

/// A model or data file that does not fit what rnnscope needs, in one line.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the user says about a model where its file cannot: which groups of
/// tensors are the RNN and the head (`--rnn`, `--head`), the nonlinearity
/// (`--nonlinearity`), which a state dict does not record, and the cell
/// (`--cell`), which the shapes already say and the flag must agree with.
public struct ModelReadOptions: Sendable, Equatable {
    public var rnnPrefix: String?
    public var headPrefix: String?
    public var nonlinearity: Activation?
    public var cell: CellKind?
    /// `--drop-unrun-tensors`: run the groups rnnscope can run and leave out the
    /// rest (a LayerNorm, a second Linear). Without it such a model is refused:
    /// without them it is a different model.
    public var dropUnrun: Bool

    public init(rnnPrefix: String? = nil, headPrefix: String? = nil, nonlinearity: Activation? = nil, cell: CellKind? = nil,
                dropUnrun: Bool = false) {
        self.rnnPrefix = rnnPrefix
        self.headPrefix = headPrefix
        self.nonlinearity = nonlinearity
        self.cell = cell
        self.dropUnrun = dropUnrun
    }

    public static let dropFlag = "--drop-unrun-tensors"
}

/// A PyTorch model as `safetensors.torch.save_file(model.state_dict(), path)` writes it:
/// one `nn.RNN`, `nn.LSTM` or `nn.GRU` under any prefix, one `nn.Linear` head of any name, optionally an
/// `nn.Embedding` in front. It remembers every tensor's own name and dtype, so that
/// gradients and trained weights are written back under them.
public struct StockModel: Sendable {
    public enum NonlinearitySource: String, Sendable {
        case flag = "--nonlinearity"
        case metadata = "the file's metadata"
        case pytorchDefault = "nn.RNN's default"
        /// nn.LSTM and nn.GRU have no choice: σ for the gates, tanh for the candidate.
        case gatedCell = "the cell's own σ and tanh"
    }

    /// The weights as the file holds them: every dtype converts to Double exactly, so
    /// `grads` on F64 weights is float64 autograd's, not that of their float32 rounding.
    public let weights: RNN<Double>
    /// The file's name and dtype of each entry of `network.layout`, in order.
    public let fileNames: [String]
    public let dtypes: [SafeTensor.DType]
    public let metadata: [String: String]
    /// Tensors rnnscope does not run, left out with `--drop-unrun-tensors`: the
    /// figures are then not those of the model the file came from, and its
    /// weights are never saved (they would load as a model they were not trained as).
    public let dropped: [String: SafeTensor]
    /// Prefixes as in the file: `rnn.`, `module.rnn.`, `fc.`, or "" for none.
    public let rnnPrefix: String
    public let headPrefix: String
    public let embeddingPrefix: String?
    public let nonlinearitySource: NonlinearitySource
    /// The dropout the model was trained with, if the file's metadata says
    /// (`dropout`, as `nonlinearity`); nil when it does not. rnnscope never
    /// applies dropout (a state dict cannot say where nn.Dropout sat).
    public let trainedDropout: Double?

    /// The weights as training runs them, in float32.
    public var network: RNN<Float> { weights.converted(to: Float.self) }
    public var shape: RNNShape { weights.shape }
    public var layout: ParameterLayout { weights.layout }

    /// A line for stderr when something was assumed rather than read.
    public func notices(file: String) -> [String] {
        let file = TextSafety.escaped(file, limit: 400)
        var out: [String] = []
        if nonlinearitySource == .pytorchDefault {
            out.append("\(file) does not say its nonlinearity (a state dict does not record it): running it as tanh, nn.RNN's default; for an nn.RNN(..., nonlinearity=\"relu\") give --nonlinearity relu")
        }
        out.append(dropoutNotice(file: file))
        if !dropped.isEmpty {
            out.append("\(file): \(ModelReadOptions.dropFlag): running without \(droppedList); these figures are not your model's, and its weights are not saved")
        }
        return out
    }

    /// What was read, in one line: cell, layers, I, H, O, nonlinearity, bias.
    public var summary: String {
        let s = shape
        var parts = ["\(s.cell.moduleName) \(Self.shown(rnnPrefix))", "\(s.layers) layer\(s.layers == 1 ? "" : "s")"]
        if let e = embeddingPrefix, let v = layout.vocabulary { parts.append("nn.Embedding \(Self.shown(e)) V \(v)") }
        parts += ["I \(s.inputs)", "H \(s.hidden)", "O \(s.outputs) (nn.Linear \(Self.shown(headPrefix)))"]
        if s.cell == .rnn { parts.append("\(weights.activation.rawValue) (\(nonlinearitySource.rawValue))") }
        parts.append(layout.bias ? "bias" : "bias=False")
        if !layout.readoutHasBias { parts.append("head bias=False") }
        return parts.joined(separator: ", ")
    }

    /// Said once per run: rnnscope never applies dropout, and whether the model was
    /// trained with it is known only from the file's metadata.
    public func dropoutNotice(file: String) -> String {
        if let p = trainedDropout, p > 0 {
            return "\(file) was trained with dropout \(p) (its metadata); rnnscope runs it without dropout, as model.eval() does, so training here is not that training"
        }
        if trainedDropout == 0 { return "\(file): no dropout (its metadata); rnnscope applies none" }
        return "\(file) does not say whether it was trained with dropout (a state dict does not record it); rnnscope never applies dropout, as model.eval()"
    }

    /// The title's word on dropout: only when the model is known to use it.
    public var dropoutTitle: String? {
        guard let p = trainedDropout, p > 0 else { return nil }
        return "dropout \(p) not applied"
    }

    /// The dropped tensors' names, sorted, at most six and a count.
    public var droppedList: String {
        let names = dropped.keys.sorted()
        return names.prefix(6).map { TextSafety.quoted($0) }.joined(separator: ", ") + (names.count > 6 ? " and \(names.count - 6) more" : "")
    }

    /// Why this model's trained weights may not be saved, if they may not.
    public var saveRefusal: String? {
        guard !dropped.isEmpty else { return nil }
        return "the run left out \(droppedList) (\(ModelReadOptions.dropFlag)); the saved file would load into your model as weights trained without them"
    }

    static func shown(_ prefix: String) -> String { prefix.isEmpty ? "(no prefix)" : TextSafety.quoted(String(prefix.dropLast())) }

    /// A network's weights as a safetensors file under exactly the names, shapes and dtypes
    /// read, for `model.load_state_dict(load_file(path), strict=True)`; the file's metadata
    /// is kept, with (for an nn.RNN) the nonlinearity the weights were trained with added,
    /// so that reading the file again needs no --nonlinearity.
    public func weightsFile(_ net: RNN<Float>) -> SafeTensorsFile {
        precondition(net.layout == layout && dropped.isEmpty)
        let parameters = net.parameters
        var tensors: [String: SafeTensor] = [:]
        for (i, e) in layout.entries.enumerated() {
            tensors[fileNames[i]] = SafeTensor(values: parameters[e.range].map { Double($0) }, dtype: dtypes[i], shape: e.dims)
        }
        let trained = shape.cell == .rnn ? metadata.merging(["nonlinearity": net.activation.rawValue]) { $1 } : metadata
        return SafeTensorsFile(tensors: tensors, metadata: trained)
    }

    /// Gradients under the parameters' own names, as `model.named_parameters()` gives
    /// them (F64 for F64 weights, F32 otherwise), plus `hidden_grad_norms_l{k}` [T] and,
    /// for an LSTM, `cell_grad_norms_l{k}` [T] (‖∂L/∂c_t‖).
    public func gradientsFile(_ gradients: [Double], hiddenGradNorms: [[Double]], cellGradNorms: [[Double]] = []) -> SafeTensorsFile {
        var tensors: [String: SafeTensor] = [:]
        for (i, e) in layout.entries.enumerated() {
            tensors[fileNames[i]] = SafeTensor(values: Array(gradients[e.range]), dtype: dtypes[i] == .f64 ? .f64 : .f32, shape: e.dims)
        }
        for (k, norms) in hiddenGradNorms.enumerated() {
            tensors["hidden_grad_norms_l\(k)"] = SafeTensor(doubles: norms, shape: [norms.count])
        }
        for (k, norms) in cellGradNorms.enumerated() {
            tensors["cell_grad_norms_l\(k)"] = SafeTensor(doubles: norms, shape: [norms.count])
        }
        return SafeTensorsFile(tensors: tensors)
    }
}

public enum ModelFile {
    /// Reads a model; every error is one line saying what in the file is wrong.
    public static func read(_ file: SafeTensorsFile, options: ModelReadOptions = ModelReadOptions()) throws -> StockModel {
        if let error = ModelGroups.reparametrized(file) { throw error }
        let rnn = try ModelGroups.recurrent(file, chosen: options.rnnPrefix, cell: options.cell)
        let (head, embedding) = try ModelGroups.headAndEmbedding(file, rnn: rnn, options: options)
        let shape = RNNShape(inputs: rnn.inputs, hidden: rnn.hidden, layers: rnn.layers, outputs: head.rows, cell: rnn.cell)
        let (activation, source) = try nonlinearity(file, options, cell: rnn.cell)
        let layout = ParameterLayout(shape, bias: rnn.bias, readoutBias: head.bias, vocabulary: embedding?.rows)
        var net = RNN<Double>(shape: shape, activation: activation, layout: layout)
        var fileNames: [String] = [], dtypes: [SafeTensor.DType] = []
        for entry in layout.entries {
            let name: String
            switch entry.name {
            case "readout.weight": name = head.prefix + "weight"
            case "readout.bias": name = head.prefix + "bias"
            case "embedding.weight": name = embedding!.prefix + "weight"
            default: name = rnn.prefix + entry.name
            }
            let t = file.tensors[name]!
            guard t.shape == entry.dims else {
                throw ModelFileError("tensor \(TextSafety.quoted(name)) has shape \(t.shape); expected \(entry.dims)")
            }
            guard SafeTensor.weightDTypes.contains(t.dtype) else {
                throw ModelFileError("tensor \(TextSafety.quoted(name)) is \(t.dtype.rawValue); weights are read as F32, F64, F16 or BF16")
            }
            let values = try t.doubles()
            if let why = t.notFinite(values) { throw ModelFileError("tensor \(TextSafety.quoted(name)) \(why)") }
            net.parameters.replaceSubrange(entry.range, with: values)
            fileNames.append(name)
            dtypes.append(t.dtype)
        }
        let used = Set(fileNames)
        let dropped = file.tensors.filter { !used.contains($0.key) }
        return StockModel(weights: net, fileNames: fileNames, dtypes: dtypes, metadata: file.metadata, dropped: dropped,
                          rnnPrefix: rnn.prefix, headPrefix: head.prefix, embeddingPrefix: embedding?.prefix,
                          nonlinearitySource: source, trainedDropout: try dropout(file))
    }

    /// `__metadata__` `dropout`: a probability 0 ≤ p < 1, or absent.
    static func dropout(_ file: SafeTensorsFile) throws -> Double? {
        guard let text = file.metadata["dropout"] else { return nil }
        guard let p = Double(text), p >= 0, p < 1 else {
            throw ModelFileError("__metadata__ dropout \(TextSafety.quoted(text)) is not a probability 0 ≤ p < 1")
        }
        return p
    }

    /// Reads a model file; a PyTorch pickle is named as such.
    public static func read(contentsOf url: URL, options: ModelReadOptions = ModelReadOptions()) throws -> StockModel {
        try read(PyTorchPickle.safeTensors(contentsOf: url, instead: "safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")"),
                 options: options)
    }

    /// `--nonlinearity`, else the metadata, else tanh as nn.RNN defaults (and a notice says so).
    /// A gated cell has none to choose: the flag is refused, the metadata not read.
    static func nonlinearity(_ file: SafeTensorsFile, _ options: ModelReadOptions, cell: CellKind) throws -> (Activation, StockModel.NonlinearitySource) {
        guard cell == .rnn else {
            if let chosen = options.nonlinearity {
                throw ModelFileError("--nonlinearity \(chosen.rawValue) is for an nn.RNN; this is an \(cell.moduleName), whose gates use σ and tanh")
            }
            return (.tanh, .gatedCell)
        }
        // nn.RNN has tanh and relu only; rnnscope's own sigmoid and linear are no nn.RNN's,
        // and weights run with them would load into the module as another network.
        let stored = try file.metadata["nonlinearity"].map { text in
            guard let a = Activation(rawValue: text), a == .tanh || a == .relu else {
                throw ModelFileError("__metadata__ nonlinearity \(TextSafety.quoted(text)) is not one of tanh, relu (as nn.RNN takes it)")
            }
            return a
        }
        if let chosen = options.nonlinearity {
            if let stored, stored != chosen {
                throw ModelFileError("--nonlinearity \(chosen.rawValue) contradicts the file's metadata nonlinearity = \(stored.rawValue)")
            }
            return (chosen, .flag)
        }
        if let stored { return (stored, .metadata) }
        return (.tanh, .pytorchDefault)
    }
}

extension RNN {
    /// A zero network with a given layout (which may lack biases or have an embedding).
    public init(shape: RNNShape, activation: Activation, layout: ParameterLayout) {
        precondition(layout.shape == shape)
        self.init(activation: activation, layout: layout, parameters: [T](repeating: 0, count: layout.count))
    }
}

extension SafeTensor {
    /// Why `values` (this tensor as read, in Float or Double) cannot be computed with
    /// in float32, as training does, or nil: the first value that is not finite
    /// there, where it is, and whether the file holds it so or it is a finite F64
    /// beyond float32's range (±3.4e38). grads, in Double, refuses what training
    /// would, so that a file runs in both or in neither. "Holds a non-finite value" of
    /// a tensor that torch.isfinite passes sent the user looking for a NaN that is not there.
    func notFinite<T: BinaryFloatingPoint>(_ values: [T]) -> String? {
        guard let i = values.firstIndex(where: { !Float($0).isFinite }) else { return nil }
        var index: [Int] = [], rest = i
        for size in shape.reversed() {
            index.insert(size > 0 ? rest % size : 0, at: 0)
            rest = size > 0 ? rest / size : 0
        }
        let at = shape.isEmpty ? "" : " at \(index)"
        if dtype == .f64, let d = try? doubles()[i], d.isFinite {
            return "holds \(d)\(at), beyond float32's range (±3.4e38), in which rnnscope computes; scale the values down"
        }
        return "holds \(values[i].isNaN ? "NaN" : values[i] > 0 ? "Inf" : "-Inf")\(at)"
    }
}
