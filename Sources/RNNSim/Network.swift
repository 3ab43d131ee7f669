/// The sizes of a stacked Elman RNN with a linear readout.
public struct RNNShape: Equatable, Hashable, Sendable, Codable {
    public var inputs: Int
    public var hidden: Int
    public var layers: Int
    public var outputs: Int

    public init(inputs: Int, hidden: Int, layers: Int = 1, outputs: Int) {
        self.inputs = inputs
        self.hidden = hidden
        self.layers = layers
        self.outputs = outputs
    }

    /// Input width of layer k: the data for k = 0, the layer below otherwise.
    public func inputWidth(layer k: Int) -> Int { k == 0 ? inputs : hidden }
}

/// Where each named tensor lives in one flat parameter vector. Keeping every
/// parameter (and every gradient) in one contiguous array lets clipping and the
/// optimisers treat them as a single vector, as the maths does.
///
/// The optional parts follow PyTorch: `nn.RNN(bias=False)` has no `bias_ih/hh_l{k}`,
/// `nn.Linear(bias=False)` no `readout.bias`, and a model that reads token ids
/// has an `nn.Embedding` [V, I] in front (`embedding.weight`).
public struct ParameterLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let offset: Int
        public let dims: [Int]
        public var count: Int { dims.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }
    }

    public let shape: RNNShape
    public let entries: [Entry]
    public let count: Int
    /// Whether the recurrent layers have b_ih and b_hh.
    public let bias: Bool
    /// Whether the readout has b_out.
    public let readoutHasBias: Bool
    /// Rows V of the embedding in front of layer 0 (token ids in), nil without one.
    public let vocabulary: Int?

    public init(_ shape: RNNShape, bias: Bool = true, readoutBias: Bool = true, vocabulary: Int? = nil) {
        self.shape = shape
        self.bias = bias
        self.readoutHasBias = readoutBias
        self.vocabulary = vocabulary
        var entries: [Entry] = []
        var offset = 0
        func add(_ name: String, _ dims: [Int]) {
            entries.append(Entry(name: name, offset: offset, dims: dims))
            offset += dims.reduce(1, *)
        }
        for k in 0..<shape.layers {
            add("weight_ih_l\(k)", [shape.hidden, shape.inputWidth(layer: k)])
            add("weight_hh_l\(k)", [shape.hidden, shape.hidden])
            if bias {
                add("bias_ih_l\(k)", [shape.hidden])
                add("bias_hh_l\(k)", [shape.hidden])
            }
        }
        add("readout.weight", [shape.outputs, shape.hidden])
        if readoutBias { add("readout.bias", [shape.outputs]) }
        if let vocabulary { add("embedding.weight", [vocabulary, shape.inputs]) }
        self.entries = entries
        self.count = offset
        let perLayer = bias ? 4 : 2
        offsets = entries.map(\.offset)
        readoutIndex = perLayer * shape.layers
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    private let offsets: [Int]
    private let readoutIndex: Int
    private var perLayer: Int { bias ? 4 : 2 }

    // Offsets in the order of `entries`: 4 per layer (2 without biases), the readout, the embedding.
    @inline(__always) public func weightIH(_ k: Int) -> Int { offsets[perLayer * k] }
    @inline(__always) public func weightHH(_ k: Int) -> Int { offsets[perLayer * k + 1] }
    /// Only for a layout with `bias`.
    @inline(__always) public func biasIH(_ k: Int) -> Int { precondition(bias); return offsets[4 * k + 2] }
    @inline(__always) public func biasHH(_ k: Int) -> Int { precondition(bias); return offsets[4 * k + 3] }
    @inline(__always) public var readoutWeight: Int { offsets[readoutIndex] }
    /// Only for a layout with `readoutHasBias`.
    @inline(__always) public var readoutBias: Int { precondition(readoutHasBias); return offsets[readoutIndex + 1] }
    /// Only for a layout with a `vocabulary`.
    @inline(__always) public var embedding: Int { precondition(vocabulary != nil); return offsets[offsets.count - 1] }
}

/// A vanilla (Elman) RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) per layer,
/// y_t = W_out h_t + b_out on the top layer. All tensors are row-major.
public struct RNN<T: RNNFloat>: Sendable {
    public var activation: Activation
    public let layout: ParameterLayout
    public var parameters: [T]

    public var shape: RNNShape { layout.shape }

    public init(shape: RNNShape, activation: Activation) {
        self.activation = activation
        self.layout = ParameterLayout(shape)
        self.parameters = [T](repeating: 0, count: layout.count)
    }

    public init(activation: Activation, layout: ParameterLayout, parameters: [T]) {
        precondition(parameters.count == layout.count)
        self.activation = activation
        self.layout = layout
        self.parameters = parameters
    }

    /// A copy of W_hh of layer k (H×H, row-major).
    public func recurrentWeights(layer k: Int = 0) -> [T] {
        let o = layout.weightHH(k), h = shape.hidden
        return Array(parameters[o..<(o + h * h)])
    }

    /// The same network in another precision.
    public func converted<U: RNNFloat>(to: U.Type = U.self) -> RNN<U> {
        RNN<U>(activation: activation, layout: layout, parameters: parameters.map { U($0) })
    }
}
