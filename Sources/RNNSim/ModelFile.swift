import Foundation

/// A model or data file that does not fit what rnnscope needs, in one line.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Models as safetensors with `torch.nn.RNN` state-dict names:
/// `weight_ih_l{k}` [H, I or H], `weight_hh_l{k}` [H, H], `bias_ih_l{k}`, `bias_hh_l{k}` [H],
/// plus `readout.weight` [O, H] and `readout.bias` [O]; `__metadata__.nonlinearity`
/// is `tanh` (default) or `relu` (or rnnscope's own `sigmoid`, `linear`).
public enum ModelFile {
    public static func read(_ file: SafeTensorsFile) throws -> RNN<Float> {
        // A model saved from a module (`self.rnn = nn.RNN(...)`) carries a prefix like `rnn.`.
        let prefix = file.tensors.keys.filter { $0.hasSuffix("weight_hh_l0") }.map { String($0.dropLast("weight_hh_l0".count)) }
        guard let p = prefix.count == 1 ? prefix.first : (prefix.contains("") ? "" : nil) else {
            throw ModelFileError(prefix.isEmpty
                ? "no tensor named weight_hh_l0: not a torch.nn.RNN state dict"
                : "several recurrent networks in one file (\(prefix.sorted().joined(separator: ", "))): keep one")
        }
        var layers = 0
        while file.tensors[p + "weight_hh_l\(layers)"] != nil { layers += 1 }
        guard layers <= 4 else { throw ModelFileError("\(layers) layers: rnnscope shows 1 to 4") }
        for name in file.tensors.keys where name.hasPrefix(p) && name.contains("_reverse") {
            throw ModelFileError("tensor '\(name)': bidirectional RNNs are not supported")
        }
        let whh = try tensor(file, p + "weight_hh_l0")
        guard whh.shape.count == 2, whh.shape[0] == whh.shape[1], whh.shape[0] > 0 else {
            throw ModelFileError("tensor 'weight_hh_l0' has shape \(whh.shape); expected [H, H]")
        }
        let H = whh.shape[0]
        let wih = try tensor(file, p + "weight_ih_l0")
        guard wih.shape.count == 2, wih.shape[1] > 0 else {
            throw ModelFileError("tensor 'weight_ih_l0' has shape \(wih.shape); expected [\(H), I]")
        }
        if wih.shape[0] != H {
            let hint = wih.shape[0] % H == 0 && wih.shape[0] / H > 1 ? " (an LSTM or GRU? only vanilla RNNs are supported)" : ""
            throw ModelFileError("tensor 'weight_ih_l0' has shape \(wih.shape); expected [\(H), I] since weight_hh_l0 is [\(H), \(H)]\(hint)")
        }
        let readout = try tensor(file, "readout.weight", hint: "rnnscope needs the linear readout y_t = W_out h_t + b_out; save it as readout.weight [O, H] and readout.bias [O]")
        guard readout.shape.count == 2, readout.shape[1] == H, readout.shape[0] > 0 else {
            throw ModelFileError("tensor 'readout.weight' has shape \(readout.shape); expected [O, \(H)]")
        }
        let shape = RNNShape(inputs: wih.shape[1], hidden: H, layers: layers, outputs: readout.shape[0])
        let nonlinearity = file.metadata["nonlinearity"] ?? "tanh"
        guard let activation = Activation(rawValue: nonlinearity) else {
            throw ModelFileError("__metadata__ nonlinearity '\(nonlinearity)' is not one of tanh, relu, sigmoid, linear")
        }
        var net = RNN<Float>(shape: shape, activation: activation)
        var known: Set<String> = []
        for entry in net.layout.entries {
            let name = entry.name.hasPrefix("readout.") ? entry.name : p + entry.name
            known.insert(name)
            guard let t = file.tensors[name] else {
                // nn.RNN(bias=False) has no biases: they are zero.
                if entry.name.contains("bias") { continue }
                throw ModelFileError("missing tensor '\(name)' \(entry.dims)")
            }
            guard t.shape == entry.dims else {
                throw ModelFileError("tensor '\(name)' has shape \(t.shape); expected \(entry.dims)")
            }
            let values: [Float]
            do { values = try t.floats() } catch { throw ModelFileError("tensor '\(name)': \(error)") }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError("tensor '\(name)' holds a non-finite weight (\(values[bad])) at index \(bad)")
            }
            net.parameters.replaceSubrange(entry.range, with: values)
        }
        if let stray = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelFileError("unexpected tensor '\(stray)': a vanilla RNN has only weight_ih/hh_l{k}, bias_ih/hh_l{k} and readout.weight/bias")
        }
        return net
    }

    public static func read(contentsOf url: URL) throws -> RNN<Float> {
        try read(SafeTensorsFile(contentsOf: url))
    }

    /// The network as a safetensors file with `torch.nn.RNN` names.
    public static func file(_ net: RNN<Float>) -> SafeTensorsFile {
        SafeTensorsFile(tensors: tensors(net.parameters.map { Double($0) }, layout: net.layout),
                        metadata: ["nonlinearity": net.activation.rawValue])
    }

    /// Every named tensor of a parameter-shaped vector (weights or gradients), as F32.
    public static func tensors(_ values: [Double], layout: ParameterLayout) -> [String: SafeTensor] {
        var out: [String: SafeTensor] = [:]
        for e in layout.entries {
            out[e.name] = SafeTensor(floats: values[e.range].map { Float($0) }, shape: e.dims)
        }
        return out
    }

    private static func tensor(_ file: SafeTensorsFile, _ name: String, hint: String? = nil) throws -> SafeTensor {
        guard let t = file.tensors[name] else {
            throw ModelFileError("missing tensor '\(name)'" + (hint.map { ": \($0)" } ?? ""))
        }
        return t
    }
}

/// Data as safetensors: `inputs` [T, B, I] float, and `targets` [T, B, O] float
/// (for `mse-*`) or [T, B] integer class indices (for `xent-*`).
public enum DataFile {
    public static func read(_ file: SafeTensorsFile, for shape: RNNShape, loss: LossKind) throws -> Batch<Float> {
        guard let x = file.tensors["inputs"] else { throw ModelFileError("missing tensor 'inputs' [T, B, I]") }
        guard x.shape.count == 3, x.shape[0] > 0, x.shape[1] > 0 else {
            throw ModelFileError("tensor 'inputs' has shape \(x.shape); expected [T, B, I] with T, B > 0")
        }
        let (T, B) = (x.shape[0], x.shape[1])
        guard x.shape[2] == shape.inputs else {
            throw ModelFileError("tensor 'inputs' has \(x.shape[2]) features per step; the model takes \(shape.inputs)")
        }
        let inputs: [Float]
        do { inputs = try x.floats() } catch { throw ModelFileError("tensor 'inputs': \(error)") }
        if inputs.contains(where: { !$0.isFinite }) { throw ModelFileError("tensor 'inputs' holds a non-finite value") }
        guard let y = file.tensors["targets"] else { throw ModelFileError("missing tensor 'targets'") }
        let targets: Batch<Float>.Targets
        if loss.isCrossEntropy {
            guard y.shape == [T, B] else {
                throw ModelFileError("tensor 'targets' has shape \(y.shape); \(loss.rawValue) needs class indices [\(T), \(B)]")
            }
            let classes: [Int64]
            do { classes = try y.integers() } catch {
                throw ModelFileError("tensor 'targets' is \(y.dtype.rawValue); \(loss.rawValue) needs integer class indices")
            }
            if let bad = classes.first(where: { $0 < 0 || $0 >= Int64(shape.outputs) }) {
                throw ModelFileError("tensor 'targets' holds class \(bad); the readout has \(shape.outputs) classes (0…\(shape.outputs - 1))")
            }
            targets = .classes(classes.map { Int32($0) })
        } else {
            guard y.shape == [T, B, shape.outputs] else {
                throw ModelFileError("tensor 'targets' has shape \(y.shape); \(loss.rawValue) needs [\(T), \(B), \(shape.outputs)]")
            }
            let values: [Float]
            do { values = try y.floats() } catch {
                throw ModelFileError("tensor 'targets' is \(y.dtype.rawValue); \(loss.rawValue) needs real-valued targets")
            }
            if values.contains(where: { !$0.isFinite }) { throw ModelFileError("tensor 'targets' holds a non-finite value") }
            targets = .real(values)
        }
        return Batch(steps: T, size: B, inputWidth: shape.inputs, inputs: inputs, targets: targets)
    }
}
