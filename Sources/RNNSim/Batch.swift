/// One minibatch of sequences: inputs [T, B, I] and targets, time-major.
public struct Batch<T: RNNFloat>: Sendable {
    /// Targets for every step, so that one batch can be scored by a `-last` or
    /// an `-all` loss; or, for a `-last` loss only, for the last step alone
    /// ([B, O] or [B]), which saves T−1 steps of memory on long sequences.
    public enum Targets: Sendable {
        /// Real targets [T, B, O] (or [B, O]) for the `mse-*` losses.
        case real([T])
        /// Class indices [T, B] (or [B]) for the `xent-*` losses.
        case classes([Int32])
    }

    public let steps: Int
    public let size: Int
    public let inputWidth: Int
    public var inputs: [T]
    public var targets: Targets
    /// Token ids [T, B] for a network with an embedding in front; `inputs` is then empty.
    public var tokens: [Int32]?
    /// The initial hidden state h_0 of each layer, [B, H] per layer, as `nn.RNN(x, h0)`
    /// takes it ([layers, B, H]); nil = zeros.
    public var initialHidden: [[T]]?
    /// The LSTM's initial memory c_0 of each layer, [B, H] per layer, as `nn.LSTM(x, (h0, c0))`; nil = zeros.
    public var initialMemory: [[T]]?

    public init(steps: Int, size: Int, inputWidth: Int, inputs: [T], targets: Targets,
                initialHidden: [[T]]? = nil, initialMemory: [[T]]? = nil) {
        precondition(inputs.count == steps * size * inputWidth)
        self.steps = steps
        self.size = size
        self.inputWidth = inputWidth
        self.inputs = inputs
        self.targets = targets
        self.initialHidden = initialHidden
        self.initialMemory = initialMemory
    }

    /// A batch of token ids [T, B], for a network with an embedding.
    public init(steps: Int, size: Int, tokens: [Int32], targets: Targets, initialHidden: [[T]]? = nil, initialMemory: [[T]]? = nil) {
        precondition(tokens.count == steps * size)
        self.init(steps: steps, size: size, inputWidth: 0, inputs: [], targets: targets,
                  initialHidden: initialHidden, initialMemory: initialMemory)
        self.tokens = tokens
    }

    /// Bytes its values occupy.
    public var bytes: Int {
        let targetBytes: Int
        switch targets {
        case .real(let v): targetBytes = v.count * MemoryLayout<T>.stride
        case .classes(let c): targetBytes = c.count * 4
        }
        return (inputs.count + (initialHidden?.reduce(0) { $0 + $1.count } ?? 0)) * MemoryLayout<T>.stride
            + (tokens?.count ?? 0) * 4 + targetBytes
    }

    public func converted<U: RNNFloat>(to: U.Type = U.self) -> Batch<U> {
        let t: Batch<U>.Targets
        switch targets {
        case .real(let v): t = .real(v.map { U($0) })
        case .classes(let c): t = .classes(c)
        }
        var b = Batch<U>(steps: steps, size: size, inputWidth: inputWidth, inputs: inputs.map { U($0) }, targets: t,
                         initialHidden: initialHidden?.map { $0.map { U($0) } },
                         initialMemory: initialMemory?.map { $0.map { U($0) } })
        b.tokens = tokens
        return b
    }

    /// The sequences at the given batch positions, in that order: inputs, targets
    /// and h_0 (c_0) alike. Targets must cover every step.
    public func sequences(_ picks: [Int]) -> Batch {
        let n = picks.count
        func gather<E>(_ values: [E], width: Int, blocks: Int) -> [E] {
            var out: [E] = []
            out.reserveCapacity(blocks * n * width)
            for t in 0..<blocks {
                for b in picks { out.append(contentsOf: values[((t * size + b) * width)..<((t * size + b + 1) * width)]) }
            }
            return out
        }
        let t: Targets
        switch targets {
        case .real(let v): t = .real(gather(v, width: v.count / (steps * size), blocks: steps))
        case .classes(let c): t = .classes(gather(c, width: 1, blocks: steps))
        }
        let h0 = initialHidden.map { layers in layers.map { gather($0, width: $0.count / size, blocks: 1) } }
        let c0 = initialMemory.map { layers in layers.map { gather($0, width: $0.count / size, blocks: 1) } }
        var b = Batch(steps: steps, size: n, inputWidth: inputWidth, inputs: gather(inputs, width: inputWidth, blocks: steps), targets: t,
                      initialHidden: h0, initialMemory: c0)
        b.tokens = tokens.map { gather($0, width: 1, blocks: steps) }
        return b
    }
}
