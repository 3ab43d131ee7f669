/// Finding the modules of a state dict from its names and shapes: the `nn.RNN`
/// (`{prefix}weight_hh_l0` …), the `nn.Linear` head (`{prefix}weight` [O, H],
/// `{prefix}bias` [O]) and an optional `nn.Embedding` (`{prefix}weight` [V, I]).
/// When more than one reading fits, the error lists them and the flags that choose.
enum ModelGroups {
    struct Recurrent {
        var prefix: String
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

    static func recurrent(_ file: SafeTensorsFile, chosen: String?) throws -> Recurrent {
        let marker = "weight_hh_l0"
        let found = file.tensors.keys.filter { $0.hasSuffix(marker) }.map { String($0.dropLast(marker.count)) }.sorted()
        let prefix: String
        if let chosen {
            prefix = normalised(chosen)
            guard found.contains(prefix) else {
                throw ModelFileError("--rnn '\(chosen)': no \(prefix)\(marker) in the file (nn.RNN found under: \(found.isEmpty ? "none" : found.map(StockModel.shown).joined(separator: ", ")))")
            }
        } else {
            guard let only = found.first else {
                let hint = file.tensors.keys.contains { $0.contains("weight_hh") } ? "" : " (is this a torch.nn.RNN state dict?)"
                throw ModelFileError("no nn.RNN in the file: no tensor named …weight_hh_l0\(hint)")
            }
            guard found.count == 1 else {
                throw ModelFileError("several nn.RNN in the file: \(found.map(StockModel.shown).joined(separator: ", ")); rnnscope runs one: choose with \(flags)")
            }
            prefix = only
        }
        var layers = 0
        while file.tensors[prefix + "weight_hh_l\(layers)"] != nil { layers += 1 }
        guard layers <= 4 else { throw ModelFileError("\(layers) layers: rnnscope shows 1 to 4") }
        for name in file.tensors.keys where name.hasPrefix(prefix) && name.contains("_reverse") {
            throw ModelFileError("tensor '\(name)': bidirectional RNNs are not supported")
        }
        let whh = file.tensors[prefix + marker]!
        guard whh.shape.count == 2, whh.shape[0] == whh.shape[1], whh.shape[0] > 0 else {
            throw ModelFileError("tensor '\(prefix)\(marker)' has shape \(whh.shape); expected [H, H]")
        }
        let H = whh.shape[0]
        guard let wih = file.tensors[prefix + "weight_ih_l0"] else { throw ModelFileError("missing tensor '\(prefix)weight_ih_l0'") }
        let gated = wih.shape.count == 2 && wih.shape[0] % H == 0 && wih.shape[0] / H > 1
        guard wih.shape.count == 2, wih.shape[0] == H, wih.shape[1] > 0 else {
            throw ModelFileError("tensor '\(prefix)weight_ih_l0' has shape \(wih.shape); expected [\(H), I] since weight_hh_l0 is [\(H), \(H)]"
                + (gated ? " (an LSTM or GRU? only vanilla RNNs are supported)" : ""))
        }
        var names: Set<String> = []
        var biases = 0
        for k in 0..<layers {
            for part in ["weight_ih", "weight_hh"] {
                guard file.tensors[prefix + "\(part)_l\(k)"] != nil else { throw ModelFileError("missing tensor '\(prefix)\(part)_l\(k)'") }
                names.insert(prefix + "\(part)_l\(k)")
            }
            for part in ["bias_ih", "bias_hh"] where file.tensors[prefix + "\(part)_l\(k)"] != nil {
                names.insert(prefix + "\(part)_l\(k)")
                biases += 1
            }
        }
        // nn.RNN(bias=False) has no biases at all; some but not all is no nn.RNN.
        guard biases == 0 || biases == 2 * layers else {
            let missing = (0..<layers).flatMap { k in ["bias_ih_l\(k)", "bias_hh_l\(k)"] }.map { prefix + $0 }.first { !names.contains($0) }!
            throw ModelFileError("missing tensor '\(missing)': an nn.RNN has biases in every layer or (bias=False) none")
        }
        return Recurrent(prefix: prefix, layers: layers, inputs: wih.shape[1], hidden: H, bias: biases > 0, names: names)
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
                throw ModelFileError("--head '\(chosen)': no nn.Linear \(p)weight [O, \(rnn.hidden)] in the file (candidates: \(heads.isEmpty ? "none" : heads.map { StockModel.shown($0.prefix) }.joined(separator: ", ")))")
            }
            heads = [h]
        }
        guard !heads.isEmpty else {
            throw ModelFileError("no nn.Linear head in the file: rnnscope needs one weight [O, \(rnn.hidden)] (with or without a bias [O]) after the nn.RNN \(StockModel.shown(rnn.prefix)), under any name (fc, head, out, readout, …)")
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
        if complete.isEmpty && !options.groupsChosen {
            let known = heads.reduce(Set<String>()) { $0.union($1.names) }.union(embeddings.reduce(Set<String>()) { $0.union($1.names) })
            if let stray = rest.subtracting(known).sorted().first {
                let t = file.tensors[stray]!
                throw ModelFileError("unexpected tensor '\(stray)' \(t.shape): rnnscope runs [nn.Embedding →] nn.RNN → nn.Linear; give \(flags) to run those groups and leave the rest alone")
            }
        }
        // With the groups chosen, other tensors may stay outside: take the reading that uses most.
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
        return reading
    }
}
