import ArgumentParser
import Foundation
import ModelIO
import RNNSim

/// `--model`, `--data` and what a state dict cannot say about itself; shared by
/// `grads`, `run` and `train`.
struct ModelOptions: ParsableArguments {
    @Option(help: "A PyTorch model as safetensors: save_file(model.state_dict(), path) of one nn.RNN, nn.LSTM or nn.GRU, one nn.Linear head and optionally an nn.Embedding in front.")
    var model: String?
    @Option(help: "Its data (.safetensors): inputs [T, B, I] (or token ids [T, B]), targets [T, B, O] or class ids [T, B], optionally h0 [layers, B, H] (and c0 for an nn.LSTM).")
    var data: String?
    @Option(help: "mse-last, mse-all, xent-last or xent-all (default: mse-all for real targets [T, B, O], xent-all for class ids [T, B]; mse-last and xent-last for the last step's only, [B, O] or [B]).")
    var loss: String?
    @Option(name: .customLong("rnn"), help: ArgumentHelp("Which tensors are the nn.RNN, by prefix (e.g. encoder), when the file holds several.", valueName: "prefix"))
    var rnnPrefix: String?
    @Option(name: .customLong("head"), help: ArgumentHelp("Which tensors are the nn.Linear head, by prefix (e.g. fc), when several fit.", valueName: "prefix"))
    var headPrefix: String?
    @Option(help: "tanh or relu: the nn.RNN's nonlinearity, which a state dict does not record (default: the file's metadata, else tanh).")
    var nonlinearity: String?
    @Option(help: "rnn, lstm or gru: the cell the file must hold (default: read from the shapes, 4H rows for an nn.LSTM, 3H for an nn.GRU).")
    var cell: String?
    @Flag(name: .customLong("batch-first"), help: "The data is [B, T, …], as for nn.RNN(batch_first=True).")
    var batchFirst = false
    @Option(name: .customLong("padding-idx"), parsing: .unconditional, help: ArgumentHelp("The nn.Embedding's padding_idx: its row gets no gradient and never moves, as in PyTorch (negative counts from the end, as there).", valueName: "N"))
    var paddingIndex: Int?
    @Option(name: .customLong("ignore-index"), parsing: .unconditional, help: ArgumentHelp("A class target that is not scored, as nn.CrossEntropyLoss(ignore_index=N): the loss is the mean over the other targets (xent-*).", valueName: "N"))
    var ignoreIndex: Int = -100
    @Flag(name: .customLong("drop-unrun-tensors"), help: "Run a model whose file holds tensors rnnscope cannot run (a LayerNorm, an MLP head) without them: a different model, said on stderr, in the JSON and in the view's title; --save is then refused. Without it such a model is refused.")
    var dropUnrunTensors = false

    func validate() throws {
        if let loss, LossKind(rawValue: loss) == nil {
            throw ValidationError("--loss \(TextSafety.quoted(loss)) is not one of \(LossKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // A class id is an Int32 inside: a value beyond it could never match a target.
        guard Int(Int32.min)...Int(Int32.max) ~= ignoreIndex else {
            throw ValidationError("--ignore-index must be between \(Int32.min) and \(Int32.max), got \(ignoreIndex)")
        }
        if let nonlinearity, !["tanh", "relu"].contains(nonlinearity) {
            throw ValidationError("--nonlinearity \(TextSafety.quoted(nonlinearity)) is not one of tanh, relu (as nn.RNN takes it)")
        }
        // A state dict comes from a torch.nn module: the residual cell is none.
        let modules = CellKind.allCases.filter { $0 != .residual }
        if let cell, CellKind(rawValue: cell).map(modules.contains) != true {
            throw ValidationError("--cell '\(cell)' is not one of \(modules.map(\.rawValue).joined(separator: ", "))")
        }
        if model == nil {
            let orphans = [(data != nil, "--data"), (rnnPrefix != nil, "--rnn"), (headPrefix != nil, "--head"),
                           (nonlinearity != nil, "--nonlinearity"), (cell != nil, "--cell"), (batchFirst, "--batch-first"),
                           (dropUnrunTensors, "--drop-unrun-tensors"), (paddingIndex != nil, "--padding-idx"),
                           (ignoreIndex != -100, "--ignore-index")].filter(\.0).map(\.1)
            if let first = orphans.first { throw ValidationError("\(first) needs --model M.safetensors") }
        }
    }

    var lossKind: LossKind? { loss.flatMap(LossKind.init(rawValue:)) }

    /// The model and its data (nil without --data), as training runs them; every
    /// error names the file at fault, model or data. `announce` then says what was read.
    func load(savePath: String? = nil) throws -> UserModel {
        let (stock, padding) = try readModel(savePath: savePath)
        return UserModel(model: stock, data: try readData(for: stock, as: Float.self), modelPath: model!, dataPath: data,
                         savePath: savePath, paddingIndex: padding, ignoreIndex: Int32(ignoreIndex))
    }

    /// The model and the flags' padding row (nil without --padding-idx).
    func readModel(savePath: String? = nil) throws -> (StockModel, padding: Int?) {
        guard let model else { throw Failure("--model is needed") }
        // A --save that cannot be written, or is named for what it will not be, is refused before
        // any training it would end. It writes safetensors, which torch.load cannot read: a PyTorch
        // checkpoint's name (model.pt) would promise what it is not.
        if let savePath, let ext = savePath.split(separator: "/").last?.split(separator: ".").dropFirst().last?.lowercased(),
           ["pt", "pth", "bin", "ckpt", "pkl", "tar"].contains(ext) {
            throw Failure("--save \(TextSafety.escaped(savePath)): the weights are written as safetensors, which torch.load "
                          + "cannot read: name the file .safetensors and load it with safetensors.torch.load_file")
        }
        if let savePath { do { try OutputFile.check(savePath) } catch { throw Failure(error, flag: "--save") } }
        let read = ModelReadOptions(rnnPrefix: rnnPrefix, headPrefix: headPrefix,
                                    nonlinearity: nonlinearity.flatMap(Activation.init(rawValue:)), cell: cell.flatMap(CellKind.init(rawValue:)),
                                    dropUnrun: dropUnrunTensors)
        let stock: StockModel
        do { stock = try ModelFile.read(contentsOf: URL(fileURLWithPath: model), options: read) } catch {
            throw Failure(error, file: model, role: "model")
        }
        var padding: Int? = nil
        if let paddingIndex {
            guard let V = stock.layout.vocabulary else {
                throw Failure("--padding-idx \(paddingIndex): the model has no nn.Embedding")
            }
            padding = paddingIndex < 0 ? paddingIndex + V : paddingIndex
            guard (0..<V).contains(padding!) else {
                throw Failure("--padding-idx \(paddingIndex) is outside the nn.Embedding's \(V) rows (\(-V)…\(V - 1), as PyTorch takes it)")
            }
        }
        if let savePath, let refusal = stock.saveRefusal { throw Failure("--save \(TextSafety.escaped(savePath, limit: 400)) refused: \(refusal)") }
        return (stock, padding)
    }

    /// The data for `stock` in `T`'s precision (nil without --data). `memory` may
    /// refuse it from its shapes before anything is converted.
    func readData<T: RNNFloat>(for stock: StockModel, as precision: T.Type,
                               memory: ((SafeTensorsFile, ParameterLayout) throws -> Void)? = nil) throws -> DataSet<T>? {
        guard let data else { return nil }
        let dataSet: DataSet<T>
        do {
            let file = try DataFile.file(contentsOf: URL(fileURLWithPath: data))
            try memory?(file, stock.layout)
            dataSet = try DataFile.read(file, for: stock.layout, loss: lossKind, batchFirst: batchFirst, ignoreIndex: ignoreIndex, as: precision)
        } catch { throw Failure(error, file: data, role: "data") }
        if ignoreIndex != -100 && !dataSet.loss.isCrossEntropy {
            throw Failure("--ignore-index applies to class targets (xent-*); this data is scored with \(dataSet.loss.rawValue)")
        }
        return dataSet
    }

    /// Prints on stderr what was read and anything assumed, once nothing more can fail
    /// (so that a failure stays one line).
    /// `data` is `user.data`, or for grads the same read in Double.
    static func announce<T>(_ user: UserModel, data: DataSet<T>?, dataPath: String?) {
        for notice in user.model.notices(file: user.modelPath) { printError("rnnscope: " + notice) }
        printError("rnnscope: model \(TextSafety.escaped(user.modelPath, limit: 400)): \(user.model.summary)")
        if let dataPath, let data { printError("rnnscope: data \(TextSafety.escaped(dataPath, limit: 400)): \(data.summary)") }
    }

    /// What was read, for --json: cell, layers, I, H, O, nonlinearity, bias, T, B, batch-first.
    static func json<T>(_ user: UserModel, data: DataSet<T>?) -> JSONText.Value {
        let m = user.model, s = m.shape
        var fields: [(String, JSONText.Value)] = [
            ("cell", .string(s.cell.rawValue)), ("module", .string(s.cell.moduleName)), ("layers", .int(s.layers)), ("inputs", .int(s.inputs)),
            ("hidden", .int(s.hidden)), ("outputs", .int(s.outputs)),
            ("nonlinearity", .string(s.cell == .rnn ? m.weights.activation.rawValue : "sigmoid+tanh")),
            ("nonlinearity_from", .string(m.nonlinearitySource.rawValue)), ("bias", .bool(m.layout.bias)),
            ("head_bias", .bool(m.layout.readoutHasBias)), ("rnn_prefix", .string(m.rnnPrefix)), ("head_prefix", .string(m.headPrefix)),
        ]
        if let v = m.layout.vocabulary { fields.append(("embedding_rows", .int(v))) }
        fields.append(("padding_idx", user.paddingIndex.map { .int($0) } ?? .raw("null")))
        // Never applied; what the model was trained with only if its metadata says (else null).
        fields.append(("dropout_applied", .bool(false)))
        fields.append(("trained_dropout", m.trainedDropout.map { .number($0) } ?? .raw("null")))
        fields.append(("ignore_index", .int(Int(user.ignoreIndex))))
        // With --drop-unrun-tensors, what the run left out (the figures are not the file's model's).
        fields.append(("dropped_tensors", .array(m.dropped.keys.sorted().map { .string($0) })))
        if let d = data {
            fields += [("steps", .int(d.batch.steps)), ("batch", .int(d.batch.size)), ("batch_first", .bool(d.batchFirst)),
                       ("h0", .bool(d.batch.initialHidden != nil)), ("loss", .string(d.loss.rawValue))]
            if s.cell == .lstm { fields.append(("c0", .bool(d.batch.initialMemory != nil))) }
        }
        return .object(fields)
    }
}
