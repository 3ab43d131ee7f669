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
    /// The initial hidden state h_0 of each layer, [B, H] per layer, as `nn.RNN(x, h0)`; nil = zeros.
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

    public func converted<U: RNNFloat>(to: U.Type = U.self) -> Batch<U> {
        let t: Batch<U>.Targets
        switch targets {
        case .real(let v): t = .real(v.map { U($0) })
        case .classes(let c): t = .classes(c)
        }
        return Batch<U>(steps: steps, size: size, inputWidth: inputWidth, inputs: inputs.map { U($0) }, targets: t,
                        initialHidden: initialHidden?.map { $0.map { U($0) } },
                        initialMemory: initialMemory?.map { $0.map { U($0) } })
    }
}
