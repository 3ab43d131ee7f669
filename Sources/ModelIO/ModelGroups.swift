import RNNSim
/// Finding the modules of a state dict from its names and shapes: the `nn.RNN`,
/// `nn.LSTM` or `nn.GRU` (`{prefix}weight_hh_l0` …, the cell from its rows), the `nn.Linear` head (`{prefix}weight` [O, H],
/// `{prefix}bias` [O]) and an optional `nn.Embedding` (`{prefix}weight` [V, I]).
/// When more than one reading fits, the error lists them and the flags that choose.
enum ModelGroups {
    struct Recurrent {
        var prefix: String
        var cell: CellKind
        var layers: Int
        var inputs: Int
        var hidden: Int
        var bias: Bool
        var names: Set<String>
    }

    struct Module: Equatable {
        var prefix: String
        var rows: Int
        var bias: Bool
        var names: Set<String> { bias ? [prefix + "weight", prefix + "bias"] : [prefix + "weight"] }
    }

    static let flags = "--rnn PREFIX and --head PREFIX"

    /// "" as given, "rnn" and "rnn." alike.
    static func normalised(_ prefix: String) -> String {
        prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
    }

    static func recurrent(_ file: SafeTensorsFile, chosen: String?, cell chosenCell: CellKind? = nil) throws -> Recurrent {
        let marker = "weight_hh_l0"
        let found = file.tensors.keys.filter { $0.hasSuffix(marker) }.map { String($0.dropLast(marker.count)) }.sorted()
        let prefix: String
        if let chosen {
            prefix = normalised(chosen)
            guard found.contains(prefix) else {
                throw ModelFileError("--rnn \(TextSafety.quoted(chosen)): no \(TextSafety.escaped(prefix + marker)) in the file (nn.RNN, nn.LSTM or nn.GRU found under: \(found.isEmpty ? "none" : found.map(StockModel.shown).joined(separator: ", ")))")
            }
        } else {
            guard let only = found.first else {
                // A module whose weight_hh_l0 alone is gone is named by what it lacks, as for any other layer.
                let partial = Set(file.tensors.keys.compactMap { name in
                    layerParts.first { name.hasSuffix($0 + "_l0") }.map { String(name.dropLast($0.count + 3)) }
                })
                if partial.count == 1, let p = partial.first {
                    throw ModelFileError("missing tensor \(TextSafety.quoted(p + marker)): the file has other tensors of layer 0 of the nn.RNN, nn.LSTM or nn.GRU \(StockModel.shown(p)), which needs it")
                }
                let hint = file.tensors.keys.contains { $0.contains("weight_hh") } ? "" : " (is this a torch.nn.RNN, nn.LSTM or nn.GRU state dict?)"
                throw ModelFileError("no nn.RNN, nn.LSTM or nn.GRU in the file: no tensor named …weight_hh_l0\(hint)")
            }
            guard found.count == 1 else {
                throw ModelFileError("several nn.RNN, nn.LSTM or nn.GRU modules in the file: \(found.map(StockModel.shown).joined(separator: ", ")); rnnscope runs one: choose with \(flags)")
            }
            prefix = only
        }
        // Layers are counted from any of a layer's four tensors, not from weight_hh alone:
        // a layer missing one of them is then named as incomplete, instead of its other
        // tensors being taken for extra modules and the layer dropped.
        let (layers, deepest) = layerCount(file, prefix: prefix)
        guard layers <= 4 else { throw ModelFileError("\(layers) layers (\(TextSafety.quoted(deepest))): rnnscope shows 1 to 4") }
        // Refused before the shapes are read: both change them.
        if let name = file.tensors.keys.sorted().first(where: { $0.hasPrefix(prefix) && $0.contains("_reverse") }) {
            throw ModelFileError("tensor \(TextSafety.quoted(name)): a bidirectional model (bidirectional=True) is not supported; rnnscope runs one direction")
        }
        if let name = file.tensors.keys.sorted().first(where: { $0.hasPrefix(prefix + "weight_hr_l") }) {
            throw ModelFileError("tensor \(TextSafety.quoted(name)): an nn.LSTM with proj_size is not supported; rnnscope runs LSTMs without a projection (proj_size=0)")
        }
        let whh = file.tensors[prefix + marker]!
        // W_hh is [G·H, H]: the gate blocks stacked, 1 (nn.RNN), 3 (nn.GRU: r, z, n) or 4 (nn.LSTM: i, f, g, o).
        guard whh.shape.count == 2, whh.shape[1] > 0, whh.shape[0] % whh.shape[1] == 0,
              let cell = CellKind.allCases.first(where: { $0.gates == whh.shape[0] / whh.shape[1] }) else {
            throw ModelFileError("tensor \(TextSafety.quoted(prefix + marker)) has shape \(whh.shape); expected [H, H] (nn.RNN), [3H, H] (nn.GRU) or [4H, H] (nn.LSTM)")
        }
        let H = whh.shape[1], GH = whh.shape[0]
        if let chosenCell, chosenCell != cell {
            throw ModelFileError("--cell \(chosenCell.rawValue) contradicts the file: \(TextSafety.quoted(prefix + marker)) \(whh.shape) is an \(cell.moduleName)'s (\(cell.gates == 1 ? "" : "\(cell.gates)")H rows)")
        }
        guard let wih = file.tensors[prefix + "weight_ih_l0"] else { throw ModelFileError("missing tensor \(TextSafety.quoted(prefix + "weight_ih_l0"))") }
        guard wih.shape.count == 2, wih.shape[0] == GH, wih.shape[1] > 0 else {
            throw ModelFileError("tensor \(TextSafety.quoted(prefix + "weight_ih_l0")) has shape \(wih.shape); expected [\(GH), I] since weight_hh_l0 is [\(GH), \(H)]")
        }
        var names: Set<String> = []
        var biases = 0
        for k in 0..<layers {
            for part in ["weight_ih", "weight_hh"] {
                guard file.tensors[prefix + "\(part)_l\(k)"] != nil else {
                    throw ModelFileError("missing tensor \(TextSafety.quoted(prefix + "\(part)_l\(k)")): the file has tensors of \(layers) layers of the \(cell.moduleName) \(StockModel.shown(prefix)), and each needs weight_ih_l{k} and weight_hh_l{k}")
                }
                names.insert(prefix + "\(part)_l\(k)")
            }
            for part in ["bias_ih", "bias_hh"] where file.tensors[prefix + "\(part)_l\(k)"] != nil {
                names.insert(prefix + "\(part)_l\(k)")
                biases += 1
            }
        }
        // bias=False has no biases at all; some but not all is no PyTorch module.
        guard biases == 0 || biases == 2 * layers else {
            let missing = (0..<layers).flatMap { k in ["bias_ih_l\(k)", "bias_hh_l\(k)"] }.map { prefix + $0 }.first { !names.contains($0) }!
            throw ModelFileError("missing tensor \(TextSafety.quoted(missing)): an \(cell.moduleName) has biases in every layer or (bias=False) none")
        }
        return Recurrent(prefix: prefix, cell: cell, layers: layers, inputs: wih.shape[1], hidden: H, bias: biases > 0, names: names)
    }

    /// The tensor names of one layer of an nn.RNN, nn.LSTM or nn.GRU, as PyTorch writes them.
    static let layerParts = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]

    /// 1 + the highest k of any `{prefix}{part}_l{k}`, and the name that has it.
    /// Only PyTorch's own spelling of k counts (`_l01` or `_l0_reverse` is another tensor).
    static func layerCount(_ file: SafeTensorsFile, prefix: String) -> (layers: Int, deepest: String) {
        var layers = 0, deepest = prefix + "weight_hh_l0"
        for name in file.tensors.keys.sorted() where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            for part in layerParts where rest.hasPrefix(part + "_l") {
                let digits = String(rest.dropFirst(part.count + 2))
                guard let k = Int(digits), k >= 0, String(k) == digits, k >= layers else { continue }
                // A huge k is refused as too many layers all the same.
                (layers, deepest) = (k == Int.max ? k : k + 1, name)
            }
        }
        return (layers, deepest)
    }

    /// The head, and the embedding if there is one, from what is left after the RNN.
    static func headAndEmbedding(_ file: SafeTensorsFile, rnn: Recurrent, options: ModelReadOptions) throws -> (Module, Module?) {
        let rest = Set(file.tensors.keys).subtracting(rnn.names)
        // Modules among the rest: a prefix with a 2-D weight and nothing but an optional bias.
        var heads: [Module] = [], embeddings: [Module] = []
        for name in rest where name.hasSuffix("weight") && (name == "weight" || name.hasSuffix(".weight")) {
            let prefix = String(name.dropLast("weight".count))
            let w = file.tensors[name]!
            guard w.shape.count == 2, w.shape[0] > 0 else { continue }
            let bias = file.tensors[prefix + "bias"]
            if w.shape[1] == rnn.hidden && (bias == nil || bias!.shape == [w.shape[0]]) {
                heads.append(Module(prefix: prefix, rows: w.shape[0], bias: bias != nil))
            }
            if w.shape[1] == rnn.inputs && bias == nil {
                embeddings.append(Module(prefix: prefix, rows: w.shape[0], bias: false))
            }
        }
        heads.sort { $0.prefix < $1.prefix }
        embeddings.sort { $0.prefix < $1.prefix }
        if let chosen = options.headPrefix {
            let p = normalised(chosen)
            guard let h = heads.first(where: { $0.prefix == p }) else {
                throw ModelFileError("--head \(TextSafety.quoted(chosen)): no nn.Linear \(TextSafety.escaped(p + "weight")) [O, \(rnn.hidden)] in the file (candidates: \(heads.isEmpty ? "none" : heads.map { StockModel.shown($0.prefix) }.joined(separator: ", ")))")
            }
            heads = [h]
        }
        guard !heads.isEmpty else {
            // The weights that could have been meant, with their shapes: "no head" of a file
            // with an `fc.weight` sent the user looking for a tensor that is there.
            let near = rest.filter { $0 == "weight" || $0.hasSuffix(".weight") }.sorted().filter { name in
                let w = file.tensors[name]!, bias = file.tensors[name.dropLast("weight".count) + "bias"]
                return !(w.shape.count == 2 && w.shape[1] == rnn.inputs && bias == nil)
            }.prefix(3).map { name in
                "\(TextSafety.quoted(name)) \(file.tensors[name]!.shape)" + (file.tensors[name.dropLast("weight".count) + "bias"].map { " with \(TextSafety.quoted(name.dropLast("weight".count) + "bias")) \($0.shape)" } ?? "")
            }
            throw ModelFileError("no nn.Linear head in the file: rnnscope needs one weight [O, \(rnn.hidden)] (with or without a bias [O]) after the \(rnn.cell.moduleName) \(StockModel.shown(rnn.prefix)), under any name (fc, head, out, readout, …)"
                + (near.isEmpty ? "" : "; \(near.joined(separator: ", ")) do\(near.count == 1 ? "es" : "") not fit"))
        }
        // Every reading (head, embedding or none) that accounts for the tensors.
        var readings: [(head: Module, embedding: Module?)] = []
        for h in heads {
            for e in [nil] + embeddings.filter({ $0 != h }).map(Optional.some) {
                readings.append((h, e))
            }
        }
        func covers(_ r: (head: Module, embedding: Module?)) -> Bool {
            rest.isSubset(of: r.head.names.union(r.embedding?.names ?? []))
        }
        let complete = readings.filter(covers)
        // When none accounts for every tensor, the reading that uses most (an ambiguity is named
        // first, then what it leaves out is refused unless --drop-unrun-tensors).
        var fitting = complete.isEmpty ? readings : complete
        let most = fitting.map { $0.head.names.count + ($0.embedding?.names.count ?? 0) }.max() ?? 0
        fitting = fitting.filter { $0.head.names.count + ($0.embedding?.names.count ?? 0) == most }
        if fitting.count > 1 {
            // Names break a tie between shapes: an embedding is usually called so.
            let named = fitting.filter { $0.embedding.map { $0.prefix.lowercased().contains("emb") } ?? false }
            if named.count == 1 { fitting = named }
        }
        guard fitting.count == 1, let reading = fitting.first else {
            let describe = fitting.map { r in
                "head \(StockModel.shown(r.head.prefix)) [\(r.head.rows), \(rnn.hidden)]" + (r.embedding.map { " with embedding \(StockModel.shown($0.prefix))" } ?? "")
            }
            throw ModelFileError("ambiguous model: it reads as \(describe.joined(separator: " or as ")); choose with \(flags)")
        }
        if complete.isEmpty && !options.dropUnrun { throw unrun(file, rest: rest, rnn: rnn, readings: [reading]) }
        return reading
    }
}

extension ModelGroups {
    /// A weight saved reparametrized, as its factors rather than itself: weight_norm
    /// (`{w}_g`, `{w}_v`), spectral_norm (`{w}_orig`) or torch.nn.utils.parametrize
    /// (`parametrizations.{w}.original0` …). Named with the call that saves the weight
    /// itself; otherwise it read as a missing tensor or a missing head.
    static func reparametrized(_ file: SafeTensorsFile) -> ModelFileError? {
        for name in file.tensors.keys.sorted() {
            var owner = "", weight = ""
            if let r = name.range(of: "parametrizations."), r.lowerBound == name.startIndex || name[name.index(before: r.lowerBound)] == "." {
                owner = String(name[..<r.lowerBound])
                weight = String(name[r.upperBound...].prefix { $0 != "." })
            } else if let suffix = ["_g", "_v", "_orig"].first(where: { name.hasSuffix($0) }) {
                let base = String(name.dropLast(suffix.count))
                // weight_norm saves both factors; a lone `_g` or `_v` is some other tensor.
                guard suffix == "_orig" || file.tensors[base + (suffix == "_g" ? "_v" : "_g")] != nil else { continue }
                let dot = base.lastIndex(of: ".").map { base.index(after: $0) } ?? base.startIndex
                (owner, weight) = (String(base[..<dot]), String(base[dot...]))
            }
            guard weight.hasPrefix("weight"), file.tensors[owner + weight] == nil else { continue }
            let module = "model" + (owner.isEmpty ? "" : "." + owner.dropLast())
            return ModelFileError("tensor \(TextSafety.quoted(name)): \(TextSafety.quoted(owner + weight)) is saved reparametrized (weight_norm, spectral_norm or parametrize) and rnnscope runs plain weights; "
                + "save the state dict after torch.nn.utils.parametrize.remove_parametrizations(\(TextSafety.escaped(module)), \"\(TextSafety.escaped(weight))\") "
                + "(remove_weight_norm or remove_spectral_norm for the old API): the same forward pass, so the same ‖∂L/∂h_t‖")
        }
        return nil
    }

    /// A model with tensors outside [nn.Embedding →] RNN → nn.Linear: refused, naming
    /// them, because training without them trains a different model.
    static func unrun(_ file: SafeTensorsFile, rest: Set<String>, rnn: Recurrent,
                      readings: [(head: Module, embedding: Module?)]) -> ModelFileError {
        // The reading that accounts for most, and what it leaves out.
        let best = readings.max { a, b in a.head.names.count + (a.embedding?.names.count ?? 0) < b.head.names.count + (b.embedding?.names.count ?? 0) }
        let left = rest.subtracting(best.map { $0.head.names.union($0.embedding?.names ?? []) } ?? []).sorted()
        // A bias without its weight: save_model keeps one name of tied tensors
        // (decoder.weight = embedding.weight), so the head's weight went under the other.
        for name in left where name.hasSuffix("bias") && (name == "bias" || name.hasSuffix(".bias")) {
            let prefix = String(name.dropLast("bias".count)), bias = file.tensors[name]!
            guard file.tensors[prefix + "weight"] == nil, bias.shape.count == 1 else { continue }
            let twin = file.tensors.keys.sorted().first { $0.hasSuffix("weight") && file.tensors[$0]!.shape == [bias.shape[0], rnn.hidden] }
            return ModelFileError("tensor \(TextSafety.quoted(name)) \(bias.shape) has no \(TextSafety.quoted(prefix + "weight")): "
                + (twin.map { "its weight is tied to \(TextSafety.quoted($0)) \(file.tensors[$0]!.shape) (save_model keeps one name of tied tensors); " } ?? "a head's weight is missing (tied weights saved under another name?); ")
                + "rnnscope does not run tied weights: untie them (e.g. model.\(prefix)weight = nn.Parameter(model.\(prefix)weight.detach().clone())) and save again")
        }
        let shown = left.prefix(4).map { "\(TextSafety.quoted($0)) \(file.tensors[$0]!.shape)" }.joined(separator: ", ") + (left.count > 4 ? " and \(left.count - 4) more" : "")
        // A matrix without a bias may be an nn.Embedding of another width than the RNN takes.
        let matrix = left.contains { name in
            (name == "weight" || name.hasSuffix(".weight")) && file.tensors[name]!.shape.count == 2 && file.tensors[name.dropLast("weight".count) + "bias"] == nil
        }
        let width = matrix ? "; an nn.Embedding in front of the \(rnn.cell.moduleName) would be [V, \(rnn.inputs)]" : ""
        return ModelFileError("\(shown): rnnscope runs [nn.Embedding →] nn.RNN/LSTM/GRU → nn.Linear and cannot run these (a LayerNorm, a second Linear, …)\(width); without them it would train a different model, so it refuses; \(ModelReadOptions.dropFlag) runs it without them (its figures are then not your model's, and --save is refused)")
    }
}
