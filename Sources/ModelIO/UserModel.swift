import RNNSim
/// A model the user brought (`--model`), with its data (`--data`) if given: where a
/// training run's network and batches come from instead of the settings.
/// Compared by identity: it is read once and never changes.
public final class UserModel: SuppliedModel, Equatable {
    public let model: StockModel
    public let data: DataSet<Float>?
    public let modelPath: String
    /// Where the data was read from (nil without --data).
    public let dataPath: String?
    /// Where the live view's save key and `train --save` write the weights.
    public let savePath: String
    /// `--padding-idx`: the embedding row that gets no gradient (nn.Embedding's padding_idx), 0…V−1.
    public let paddingIndex: Int?
    /// `--ignore-index`: the class target that is not scored (nn.CrossEntropyLoss's, −100 by default).
    public let ignoreIndex: Int32

    public init(model: StockModel, data: DataSet<Float>?, modelPath: String, dataPath: String? = nil, savePath: String? = nil,
                paddingIndex: Int? = nil, ignoreIndex: Int32 = -100) {
        self.model = model
        self.data = data
        self.modelPath = modelPath
        self.dataPath = dataPath
        self.savePath = savePath ?? Self.defaultSavePath(for: modelPath)
        self.paddingIndex = paddingIndex
        self.ignoreIndex = ignoreIndex
    }

    /// The loss and embedding options of a pass on this model (the rest from `base`).
    public func options(_ base: BPTTOptions) -> BPTTOptions {
        var o = base
        o.paddingIndex = paddingIndex
        o.ignoreIndex = ignoreIndex
        return o
    }

    public static func == (a: UserModel, b: UserModel) -> Bool { a === b }

    public var shape: RNNShape { model.shape }
    public var layout: ParameterLayout { model.layout }
    public var hasData: Bool { data != nil }
    public var dataBytes: Double { data.map { Double($0.batch.bytes) } ?? 0 }

    /// `model.safetensors` → `model.trained.safetensors`, beside it.
    public static func defaultSavePath(for modelPath: String) -> String {
        let suffix = ".safetensors"
        let stem = modelPath.hasSuffix(suffix) ? String(modelPath.dropLast(suffix.count)) : modelPath
        return stem + ".trained" + suffix
    }

    /// The settings a run on this model uses: the model's sizes and nonlinearity,
    /// the data's T, loss and batch size, and the rest (optimiser, clipping, seed, …) as given.
    public func settings(from base: Settings) -> Settings {
        var s = base
        s.userModel = self
        s.hidden = model.shape.hidden
        s.layers = model.shape.layers
        s.cell = model.shape.cell
        s.activation = model.weights.activation
        if let data {
            s.steps = data.batch.steps
            s.batch = min(base.batch, data.batch.size)
            s.loss = base.loss ?? data.loss
        }
        return s
    }

    /// The task: the data's sequences, or the settings' task when its widths fit the model.
    public func task(_ settings: Settings) throws -> any SequenceTask {
        if let data { return DataFileTask(data: data.batch, loss: data.loss) }
        let task = try Trainer.makeTask(settings)
        let s = model.shape
        guard model.layout.vocabulary == nil, task.inputWidth == s.inputs, task.outputWidth == s.outputs else {
            let takes = model.layout.vocabulary.map { "token ids (an nn.Embedding of \($0) rows)" } ?? "I = \(s.inputs) inputs"
            throw SettingsError(key: "task.kind", message: "\(TextSafety.escaped(modelPath, limit: 400)) takes \(takes) and gives O = \(s.outputs) outputs; the \(task.name) task has I = \(task.inputWidth), O = \(task.outputWidth): give --data D.safetensors")
        }
        return task
    }

    /// The network a run starts from: the weights as read, with IRNN's W_hh = α·I
    /// in every layer (in every gate's block, as `init.kind = identity` makes them)
    /// when the settings ask for it, and the settings' nonlinearity.
    public func network(_ settings: Settings) -> RNN<Float> {
        var net = model.network
        net.activation = settings.activation
        if settings.initKind == .identity {
            let H = net.shape.hidden
            for k in 0..<net.shape.layers {
                for gate in 0..<net.cell.gates {
                    let o = net.layout.weightHH(k) + gate * H * H
                    for i in 0..<H { for j in 0..<H { net.parameters[o + i * H + j] = i == j ? Float(settings.alpha) : 0 } }
                }
            }
        }
        return net
    }
}

extension Settings {
    /// The model the user brought, with the files it came from (nil without --model).
    public var ownModel: UserModel? { userModel as? UserModel }
}
