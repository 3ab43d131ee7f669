import RealModule

/// The nonlinearity `act` in h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).
public enum Activation: String, CaseIterable, Sendable, Codable {
    case tanh, relu, sigmoid, linear

    @inline(__always)
    public func apply<T: RNNFloat>(_ a: T) -> T {
        switch self {
        case .tanh: return T.tanh(a)
        case .relu: return a < 0 ? 0 : a  // keeps NaN, as torch.relu does
        case .sigmoid: return 1 / (1 + T.exp(-a))
        case .linear: return a
        }
    }

    /// act'(a) written in terms of the output h = act(a), which is what the
    /// forward pass keeps: tanh' = 1 − h², σ' = h(1 − h), relu' = [h > 0].
    @inline(__always)
    public func derivative<T: RNNFloat>(output h: T) -> T {
        switch self {
        case .tanh: return 1 - h * h
        case .relu: return h > 0 ? 1 : 0
        case .sigmoid: return h * (1 - h)
        case .linear: return 1
        }
    }
}
