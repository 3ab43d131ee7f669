import Foundation

/// What the LSTM's memory path keeps at initialisation if every forget gate sat
/// at σ(b_f): quoted beside `gate_path` claims and by the view's status line.
public enum GatePath {
    /// σ(b_f)^steps.
    public static func forgetProduct(bias: Double, steps: Int) -> Double {
        Foundation.pow(1 / (1 + Foundation.exp(-bias)), Double(steps))
    }
}
