import Foundation

/// Everything that defines a training run. The same dotted keys are used by
/// `--set key=value` and by scenario files, and one table (`Settings.keys`)
/// parses, range-checks and documents them all.
public struct Settings: Sendable, Equatable {
    public enum TaskKind: String, CaseIterable, Sendable {
        case adding, echo
        case temporalOrder = "temporal-order"
        case charLM = "char-lm"
        case copy
    }

    public var seed: UInt64 = 1
    public var hidden = 32
    public var layers = 1
    public var cell: CellKind = .rnn
    public var activation: Activation = .tanh
    public var initKind: InitKind = .spectral
    public var rho = 1.0
    public var alpha = 1.0
    /// Standard deviation W_ih starts from; 0 = the initialisation's own.
    public var inputStd = 0.0
    /// The LSTM's forget gate bias at initialisation.
    public var forgetBias = 0.0
    public var task: TaskKind = .adding
    public var steps = 50
    public var lag = 10
    /// copy: the source shown back to front.
    public var reverse = false
    public var corpus: String? = nil
    public var text: String? = nil
    /// char-lm: the fraction of the text, at its end, kept out of training.
    public var heldOut = 0.0
    public var batch = 16
    public var optimizer: OptimiserKind = .sgd
    public var learningRate = 0.01
    public var momentum = 0.0
    public var clip = 0.0
    public var clipValue = 0.0
    public var truncate = 0
    public var loss: LossKind? = nil
    public var temperature = 0.8
    /// The live view's pace in iterations per second; `.infinity` is `max` (as fast as it goes).
    public var speed = Settings.defaultSpeed
    /// A model (and data) the user brought with --model: the run trains it instead of
    /// a network made from these settings. Not a key: it comes from the command line.
    @ComparedByIdentity public var userModel: (any SuppliedModel)? = nil

    public init() {}

    /// Slow enough to follow each iteration on screen.
    public static let defaultSpeed = 20.0
    public static let speedRange = 0.1...10_000.0

    /// A pace as it is written: `max`, `20`, `2.5`.
    public static func speedText(_ speed: Double) -> String {
        if speed.isInfinite { return "max" }
        return speed == speed.rounded() ? String(format: "%.0f", speed) : String(format: "%.3g", speed)
    }

    /// Checks that hold between keys, once all are set. What a run will allocate
    /// is checked by `Trainer` against `MemoryBudget`, once the task's widths are known.
    public func validate() throws {
        // Adam and Adagrad have no momentum term: a μ given them would be silently ignored.
        if momentum > 0 && (optimizer == .adam || optimizer == .adagrad) {
            let adam = optimizer == .adam ? " (Adam's β₁ is fixed at 0.9)" : ""
            throw SettingsError(key: "train.momentum", message: "is for sgd and rmsprop; train.optimizer is \(optimizer.rawValue), which has none\(adam)")
        }
        // With the user's data, the task keys do not apply.
        if userModel?.hasData != true { try validateTask() }
    }

    private func validateTask() throws {
        if task != .charLM, let key = text != nil ? "task.text" : corpus != nil ? "task.corpus" : nil {
            throw SettingsError(key: key, message: "is only read by the char-lm task, but task.kind is \(task.rawValue); set task.kind = \"char-lm\" or remove \(key)")
        }
        // Only echo reads the lag: another task's would be silently ignored.
        if task != .echo && lag != Settings().lag {
            throw SettingsError(key: "task.lag", message: "is the echo task's lag (y_t = x_{t-L}); task.kind is \(task.rawValue)")
        }
        if task == .echo && lag >= steps {
            throw SettingsError(key: "task.lag", message: "lag \(lag) must be below task.steps (\(steps))")
        }
        if task == .adding && steps < AddingProblem.minimumSteps {
            throw SettingsError(key: "task.steps", message: "the adding problem needs at least 2 steps (one marker per half), got \(steps)")
        }
        if task == .temporalOrder && steps < 8 {
            throw SettingsError(key: "task.steps", message: "the temporal-order task needs at least 8 steps, got \(steps)")
        }
        if task == .copy && (steps < CopyTask.minimumSteps || steps % 2 != 0) {
            throw SettingsError(key: "task.steps", message: "the copy task needs an even number of steps (T/2 to read, T/2 to write back), got \(steps)")
        }
        if reverse && task != .copy {
            throw SettingsError(key: "task.reverse", message: "reverses the copy task's source; task.kind is \(task.rawValue)")
        }
        if let loss, task == .charLM || task == .temporalOrder || task == .copy, !loss.isCrossEntropy {
            throw SettingsError(key: "train.loss", message: "\(loss.rawValue) needs real targets; the \(task.rawValue) task has classes (use xent-last or xent-all)")
        }
        if let loss, task == .adding || task == .echo, loss.isCrossEntropy {
            throw SettingsError(key: "train.loss", message: "\(loss.rawValue) needs class targets; the \(task.rawValue) task has real ones (use mse-last or mse-all)")
        }
        if heldOut > 0 && task != .charLM {
            throw SettingsError(key: "task.heldout", message: "a held-out split is for the char-lm task; the \(task.rawValue) task draws fresh sequences every batch")
        }
    }
}

public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "\(TextSafety.escaped(key)): \(message)" }
}

/// A value as written in a scenario file or on the command line.
public enum SettingValue: Sendable, Equatable {
    case int(Int), double(Double), string(String), bool(Bool)

    /// Reads a `--set` value: an integer, a number, true/false, or else text.
    public init(parsing text: String) {
        if let i = Int(text) { self = .int(i) }
        else if let d = Double(text), text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true { self = .double(d) }
        else if text == "true" || text == "false" { self = .bool(text == "true") }
        else { self = .string(text) }
    }

    var typeName: String {
        switch self {
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .bool: "a boolean"
        }
    }
}

/// One documented setting.
public struct SettingKey: Sendable {
    public let name: String
    public let summary: String
    /// Type and range in words, for help and errors.
    public let accepts: String
    let apply: @Sendable (inout Settings, SettingValue) throws -> Void
    let current: @Sendable (Settings) -> String
    public func value(in s: Settings) -> String { current(s) }
}

extension Settings {
    public mutating func set(_ key: String, _ value: SettingValue) throws {
        guard let k = Self.keys.first(where: { $0.name == key }) else {
            throw SettingsError(key: key, message: "unknown key; known keys: \(Self.keys.map(\.name).joined(separator: ", "))")
        }
        try k.apply(&self, value)
    }

    /// Parses `key=value` as given to `--set`.
    public mutating func set(assignment: String) throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw SettingsError(key: assignment, message: "expected key=value")
        }
        let key = String(assignment[..<eq]).trimmingCharacters(in: .whitespaces)
        let value = String(assignment[assignment.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        try set(key, SettingValue(parsing: value))
    }

    public static let keys: [SettingKey] = [
        int("seed", "random seed: the same seed and settings give bit-identical runs", 0...Int.max,
            { $0.seed = UInt64($1) }, { "\($0.seed)" }),
        int("network.hidden", "hidden units per layer (H)", 1...2048, { $0.hidden = $1 }, { "\($0.hidden)" }),
        int("network.layers", "stacked recurrent layers", 1...4, { $0.layers = $1 }, { "\($0.layers)" }),
        choice("network.cell", "the recurrent cell: rnn (vanilla, Elman), lstm or gru (PyTorch's nn.LSTM / nn.GRU equations and gate order), residual (h_t = h_{t-1} + act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh): the vanilla cell with an identity path)",
               CellKind.self, { $0.cell = $1 }, { $0.cell.rawValue }),
        choice("network.activation", "the nonlinearity act in h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (cells rnn and residual)",
               Activation.self, { $0.activation = $1 }, { $0.activation.rawValue }),
        choice("init.kind", "initialisation of W_hh (of each gate's block for lstm/gru): spectral (Gaussian scaled to ρ = init.rho), xavier, orthogonal (× init.rho), identity (IRNN: α·I)",
               InitKind.self, { $0.initKind = $1 }, { $0.initKind.rawValue }),
        double("init.rho", "spectral radius ρ(W_hh) for init.kind = spectral; scale for orthogonal", 0...100,
               { $0.rho = $1 }, { "\($0.rho)" }),
        double("init.alpha", "α of the identity initialisation W_hh = α·I", 0...10, { $0.alpha = $1 }, { "\($0.alpha)" }),
        double("init.input_std", "W_ih ~ N(0, σ²) with this σ; 0 = the kind's own (1/√I, xavier's uniform, or 0.001 for identity as in IRNN)",
               0...10, { $0.inputStd = $1 }, { "\($0.inputStd)" }),
        double("init.forget_bias", "the LSTM's forget gate bias b_f at initialisation, set in b_ih's forget slice (rows H…2H) with b_hh's left at 0, as PyTorch users set it (f ≈ σ(b_f): the memory keeps about σ(b_f)^T over T steps; 1 is Jozefowicz et al.'s advice); { and } lower and raise it live",
               -10...10, { $0.forgetBias = $1 }, { "\($0.forgetBias)" }),
        choice("task.kind", "adding (Hochreiter 1997), echo (y_t = x_{t-lag}), temporal-order (Hochreiter 1997 6a), char-lm, copy (read T/4…T/2 symbols, then write them back in order)",
               TaskKind.self, { $0.task = $1 }, { $0.task.rawValue }),
        int("task.steps", "sequence length T", 1...100_000, { $0.steps = $1 }, { "\($0.steps)" }),
        int("task.lag", "echo lag L (y_t = x_{t-L}), below task.steps", 1...100_000, { $0.lag = $1 }, { "\($0.lag)" }),
        bool("task.reverse", "copy: show the source back to front (Sutskever et al. 2014), so the first symbols to write back are the last read",
             { $0.reverse = $1 }, { "\($0.reverse)" }),
        string("task.corpus", "text file for char-lm (default: the built-in corpus)", { $0.corpus = $1 }, { $0.corpus ?? "" }),
        string("task.text", "inline text for char-lm, instead of a corpus file", { $0.text = $1 }, { $0.text ?? "" }),
        double("task.heldout", "char-lm: the fraction of the text, at its end, kept out of training (held-out perplexity); 0 = none",
               0...0.5, { $0.heldOut = $1 }, { "\($0.heldOut)" }),
        int("train.batch", "sequences per minibatch (B)", 1...1024, { $0.batch = $1 }, { "\($0.batch)" }),
        choice("train.optimizer", "sgd, adagrad, rmsprop or adam (torch.optim definitions)",
               OptimiserKind.self, { $0.optimizer = $1 }, { $0.optimizer.rawValue }),
        double("train.lr", "learning rate η", 1e-9...10, { $0.learningRate = $1 }, { "\($0.learningRate)" }),
        double("train.momentum", "momentum μ for sgd and rmsprop", 0...0.999, { $0.momentum = $1 }, { "\($0.momentum)" }),
        double("train.clip", "global-norm clipping threshold (Pascanu et al. 2013); 0 = off", 0...1e9,
               { $0.clip = $1 }, { "\($0.clip)" }),
        double("train.clip_value", "element-wise gradient clipping to ±value; 0 = off", 0...1e9,
               { $0.clipValue = $1 }, { "\($0.clipValue)" }),
        int("train.truncate", "truncated BPTT length K (gradient cut every K steps); 0 = full BPTT", 0...100_000,
            { $0.truncate = $1 }, { "\($0.truncate)" }),
        SettingKey(name: "train.loss", summary: "mse-last, mse-all, xent-last or xent-all (default: the task's own)",
                   accepts: "one of default, " + LossKind.allCases.map(\.rawValue).joined(separator: ", "),
                   apply: { s, v in
                       guard case .string(let text) = v else { throw typeError("train.loss", v, "a string") }
                       if text == "default" { s.loss = nil; return }
                       guard let l = LossKind(rawValue: text) else {
                           throw SettingsError(key: "train.loss", message: "\(TextSafety.quoted(text)) is not one of default, \(LossKind.allCases.map(\.rawValue).joined(separator: ", "))")
                       }
                       s.loss = l
                   }, current: { $0.loss?.rawValue ?? "default" }),
        double("display.temperature", "sampling temperature of the char-lm text shown", 0.01...10,
               { $0.temperature = $1 }, { "\($0.temperature)" }),
        SettingKey(name: "display.speed", summary: "the live view's pace: iterations per second, or max (as fast as it can); < and > halve and double it",
                   accepts: "number \(speedText(speedRange.lowerBound))…\(speedText(speedRange.upperBound)) or max",
                   apply: { s, v in
                       let d: Double
                       switch v {
                       case .string("max"): s.speed = .infinity; return
                       case .int(let i): d = Double(i)
                       case .double(let x): d = x
                       default: throw typeError("display.speed", v, "a number or \"max\"")
                       }
                       guard d.isFinite, speedRange.contains(d) else {
                           throw SettingsError(key: "display.speed", message: "\(d) is out of range (\(speedText(speedRange.lowerBound))…\(speedText(speedRange.upperBound)), or max)")
                       }
                       s.speed = d
                   }, current: { speedText($0.speed) }),
    ]

    static func typeError(_ key: String, _ v: SettingValue, _ expected: String) -> SettingsError {
        SettingsError(key: key, message: "expected \(expected), got \(v.typeName)")
    }

    static func int(_ name: String, _ summary: String, _ range: ClosedRange<Int>,
                    _ apply: @escaping @Sendable (inout Settings, Int) -> Void,
                    _ current: @escaping @Sendable (Settings) -> String) -> SettingKey {
        // The reference says "0…" for no bound; a refusal names the bound it broke.
        let upper = range.upperBound == Int.max ? "" : "\(range.upperBound)"
        return SettingKey(name: name, summary: summary, accepts: "integer \(range.lowerBound)…\(upper)", apply: { s, v in
            // A whole number too large for Int (99999999999999999999, 1e9) is out of range, not
            // 'a number'; a fraction or 4.0 is not an integer, and is named.
            if case .double(let x) = v, x.isFinite {
                if x == x.rounded(), Int(exactly: x).map({ !range.contains($0) }) ?? true {
                    throw SettingsError(key: name, message: "\(x.magnitude < 1e15 ? String(format: "%.0f", x) : "\(x)") is out of range (\(range.lowerBound)…\(range.upperBound))")
                }
                throw SettingsError(key: name, message: "expected an integer, got \(x)")
            }
            guard case .int(let i) = v else { throw typeError(name, v, "an integer") }
            guard range.contains(i) else {
                throw SettingsError(key: name, message: "\(i) is out of range (\(range.lowerBound)…\(range.upperBound))")
            }
            apply(&s, i)
        }, current: current)
    }

    static func double(_ name: String, _ summary: String, _ range: ClosedRange<Double>,
                       _ apply: @escaping @Sendable (inout Settings, Double) -> Void,
                       _ current: @escaping @Sendable (Settings) -> String) -> SettingKey {
        SettingKey(name: name, summary: summary, accepts: "number \(range.lowerBound)…\(range.upperBound)", apply: { s, v in
            let d: Double
            switch v {
            case .int(let i): d = Double(i)
            case .double(let x): d = x
            default: throw typeError(name, v, "a number")
            }
            guard d.isFinite, range.contains(d) else {
                throw SettingsError(key: name, message: "\(d) is out of range (\(range.lowerBound)…\(range.upperBound))")
            }
            apply(&s, d)
        }, current: current)
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ summary: String, _ type: E.Type,
        _ apply: @escaping @Sendable (inout Settings, E) -> Void,
        _ current: @escaping @Sendable (Settings) -> String
    ) -> SettingKey where E.RawValue == String {
        let names = E.allCases.map(\.rawValue).joined(separator: ", ")
        return SettingKey(name: name, summary: summary, accepts: "one of \(names)", apply: { s, v in
            guard case .string(let text) = v else { throw typeError(name, v, "a string") }
            guard let e = E(rawValue: text) else {
                throw SettingsError(key: name, message: "\(TextSafety.quoted(text)) is not one of \(names)")
            }
            apply(&s, e)
        }, current: current)
    }

    static func bool(_ name: String, _ summary: String,
                     _ apply: @escaping @Sendable (inout Settings, Bool) -> Void,
                     _ current: @escaping @Sendable (Settings) -> String) -> SettingKey {
        SettingKey(name: name, summary: summary, accepts: "true or false", apply: { s, v in
            guard case .bool(let b) = v else { throw typeError(name, v, "true or false") }
            apply(&s, b)
        }, current: current)
    }

    static func string(_ name: String, _ summary: String,
                       _ apply: @escaping @Sendable (inout Settings, String) -> Void,
                       _ current: @escaping @Sendable (Settings) -> String) -> SettingKey {
        SettingKey(name: name, summary: summary, accepts: "text", apply: { s, v in
            guard case .string(let text) = v else { throw typeError(name, v, "a string") }
            apply(&s, text)
        }, current: current)
    }
}
