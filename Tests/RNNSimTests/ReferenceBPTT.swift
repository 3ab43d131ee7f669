import Foundation
import RNNSim

/// Backpropagation through time for a one-layer vanilla RNN on plain arrays, one
/// equation a line, as min-char-rnn writes it: the oracle `BPTT.swift` is tested
/// against (ReferenceBPTTTests), itself tested against PyTorch.
///
///     a_t = W_xh x_t + W_hh h_{t−1} + b,   h_t = act(a_t),   y_t = W_hy h_t + b_y
///     L   = mean over the scored (t, sequence, output) of (y_t − y*_t)²        (mse)
///         = mean over the scored (t, sequence) of −Σ_o y*_t,o log softmax(y_t)_o (xent, y*_t one-hot)
///
/// The scored steps are t = T alone (`-last`) or t = 1…T (`-all`). Truncation K
/// makes h_{t−1} a constant wherever t − 1 is a multiple of K (no gradient crosses).
/// xs[n][t−1] is x_t of sequence n, targets[n][t−1] is y*_t, h0[n] is h_0. In
/// PyTorch's names W_xh is `weight_ih_l0`, b is `bias_ih_l0 + bias_hh_l0`, and
/// W_hy, b_y are the readout's (`nn.Linear`).
enum ReferenceBPTT {
    struct Parameters { var Wxh, Whh, Why: [[Double]]; var b, by: [Double] }
    /// ∂L/∂θ, and ‖∂L/∂h_t‖ over all sequences for t = 1…T.
    struct Result { var loss: Double; var grads: Parameters; var hiddenGradNorms: [Double] }

    static func run(_ p: Parameters, _ act: Activation, _ loss: LossKind, truncate K: Int = 0,
                    xs: [[[Double]]], targets: [[[Double]]], h0: [[Double]]) -> Result {
        let T = xs[0].count, scored = loss.lastStepOnly ? T...T : 1...T
        let count = Double(xs.count * scored.count * (loss.isCrossEntropy ? 1 : p.by.count))
        var L = 0.0, g = Parameters(Wxh: zero(p.Wxh), Whh: zero(p.Whh), Why: zero(p.Why), b: zero(p.b), by: zero(p.by))
        var dhSquared = [Double](repeating: 0, count: T + 1)
        for n in xs.indices {
            var h = [h0[n]], dy = [[Double]](repeating: zero(p.by), count: T + 1)
            for t in 1...T {
                let a = add(add(mul(p.Wxh, xs[n][t - 1]), mul(p.Whh, h[t - 1])), p.b)    // a_t = W_xh x_t + W_hh h_{t−1} + b
                h.append(a.map { act.apply($0) })                                       // h_t = act(a_t)
            }
            for t in scored {
                let y = add(mul(p.Why, h[t]), p.by), target = targets[n][t - 1]          // y_t = W_hy h_t + b_y
                if loss.isCrossEntropy {
                    let m = y.max()!, logZ = m + log(y.map { exp($0 - m) }.reduce(0, +))  // log Σ_o exp(y_t,o)
                    let logProb = y.map { $0 - logZ }, prob = logProb.map { exp($0) }     // log softmax(y_t), softmax(y_t)
                    L -= dot(target, logProb) / count                                   // L += −y*ᵀ log softmax(y_t) / count
                    dy[t] = zip(prob, target).map { ($0 - $1) / count }                // ∂L/∂y_t = (p − y*) / count
                } else {
                    L += zip(y, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / count  // L += ‖y_t − y*‖² / count
                    dy[t] = zip(y, target).map { 2 * ($0 - $1) / count }               // ∂L/∂y_t = 2 (y − y*) / count
                }
                g.Why = add(g.Why, outer(dy[t], h[t]))                                  // ∂L/∂W_hy += ∂L/∂y_t h_tᵀ
                g.by = add(g.by, dy[t])                                                 // ∂L/∂b_y  += ∂L/∂y_t
            }
            var dhNext = zero(h0[n])                                                    // ∂L/∂h_t through h_{t+1}
            for t in stride(from: T, through: 1, by: -1) {
                let dh = add(mul(transpose(p.Why), dy[t]), dhNext)                      // ∂L/∂h_t = W_hyᵀ ∂L/∂y_t + ∂L/∂h_t|_(t+1)
                dhSquared[t] += dot(dh, dh)                                             // ‖∂L/∂h_t‖² over the sequences
                let da = zip(h[t], dh).map { act.derivative(output: $0) * $1 }          // ∂L/∂a_t = act'(a_t) ⊙ ∂L/∂h_t
                g.Wxh = add(g.Wxh, outer(da, xs[n][t - 1]))                             // ∂L/∂W_xh += ∂L/∂a_t x_tᵀ
                g.Whh = add(g.Whh, outer(da, h[t - 1]))                                 // ∂L/∂W_hh += ∂L/∂a_t h_{t−1}ᵀ
                g.b = add(g.b, da)                                                      // ∂L/∂b    += ∂L/∂a_t
                let cut = K > 0 && (t - 1) % K == 0                                     // truncation: h_{t−1} a constant
                dhNext = cut ? zero(dh) : mul(transpose(p.Whh), da)                     // ∂L/∂h_{t−1} = W_hhᵀ ∂L/∂a_t
            }
        }
        return Result(loss: L, grads: g, hiddenGradNorms: dhSquared.dropFirst().map { $0.squareRoot() })
    }

    // The linear algebra, on rows.
    static func mul(_ W: [[Double]], _ v: [Double]) -> [Double] { W.map { dot($0, v) } }
    static func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).map { $0 * $1 }.reduce(0, +) }
    static func outer(_ u: [Double], _ v: [Double]) -> [[Double]] { u.map { ui in v.map { ui * $0 } } }
    static func transpose(_ W: [[Double]]) -> [[Double]] { W.isEmpty ? [] : W[0].indices.map { j in W.map { $0[j] } } }
    static func add(_ u: [Double], _ v: [Double]) -> [Double] { zip(u, v).map { $0 + $1 } }
    static func add(_ A: [[Double]], _ B: [[Double]]) -> [[Double]] { zip(A, B).map { add($0, $1) } }
    static func zero(_ v: [Double]) -> [Double] { v.map { _ in 0 } }
    static func zero(_ W: [[Double]]) -> [[Double]] { W.map(zero) }
}
