/// Which recurrent cell a network is made of. `rnn` is the vanilla (Elman)
/// cell; `lstm` and `gru` follow PyTorch's `nn.LSTM` and `nn.GRU` exactly,
/// gate order and parameter layout included; `residual` is the vanilla cell
/// with an identity path, h_t = h_{t−1} + act(…), nn.RNN's parameters (no
/// torch.nn module computes it: last, so a state dict's shapes never name it).
public enum CellKind: String, CaseIterable, Sendable, Codable {
    case rnn, lstm, gru, residual

    /// Gate blocks of H rows stacked in W_ih [G·H, I], W_hh [G·H, H] and the
    /// biases [G·H]: 1 (Elman), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).
    public var gates: Int {
        switch self {
        case .rnn, .residual: 1
        case .lstm: 4
        case .gru: 3
        }
    }

    /// Whether a gate sits on the direct path back in time (LSTM f, GRU z).
    public var isGated: Bool { self == .lstm || self == .gru }

    /// Whether `network.activation` is the cell's nonlinearity (the vanilla cells).
    public var readsActivation: Bool { self == .rnn || self == .residual }

    /// Floats per hidden unit, batch row and step that a pass keeps for one
    /// layer (h_t; the gates; c_t), and that ∂L/∂(pre-activations) of an upper
    /// layer takes: what the memory limit is computed from.
    public var floatsPerUnit: (kept: Int, gradients: Int) {
        switch self {
        case .rnn: (1, 1)          // a_t is built in place of h_t
        case .residual: (2, 1)     // h_t and act(a_t)
        case .lstm: (1 + 4 + 1, 4)  // h, i f g o, c
        case .gru: (1 + 4, 3)       // h, r z n and W_hn h + b_hn
        }
    }
}

extension CellKind {
    /// The PyTorch module a state dict of this cell comes from.
    public var moduleName: String {
        switch self {
        case .rnn: "nn.RNN"
        case .lstm: "nn.LSTM"
        case .gru: "nn.GRU"
        case .residual: "residual RNN"
        }
    }
}
