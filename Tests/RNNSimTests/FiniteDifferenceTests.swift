import Foundation
import RealModule
import Testing
@testable import RNNSim

/// BPTT in Double against central finite differences of the loss, for every
/// activation, loss, layer count, truncation and clipping mode.
///
/// The loss here is recomputed by a deliberately plain forward pass. Truncated
/// BPTT is not the gradient of the loss but of the loss with the hidden state
/// held constant where the graph is cut, so the forward pass can take those
/// states from the unperturbed run.
@Suite struct FiniteDifferenceTests {
    struct Forward {
        var loss: Double
        /// h_t per layer and step (0-based), each [B·H].
        var states: [[[Double]]]
    }

    /// Plain forward pass. `frozen`: states to use for h_{s−1} wherever truncation cuts
    /// before step s. `nudge`: add δ to h_s[i] of layer k right after it is computed.
    /// `weightNudge`: add δ to entry e of layer k's W_hh as used at step s only.
    static func forward(_ net: RNN<Double>, _ batch: Batch<Double>, _ loss: LossKind, truncate: Int,
                        frozen: [[[Double]]]? = nil, nudge: (k: Int, s: Int, i: Int, delta: Double)? = nil,
                        weightNudge: (k: Int, s: Int, e: Int, delta: Double)? = nil) -> Forward {
        let sh = net.shape, L = net.layout, p = net.parameters
        let (T, B, H, O) = (batch.steps, batch.size, sh.hidden, sh.outputs)
        var states: [[[Double]]] = []
        // x_t, or E[id_t] for a network with an embedding
        var below: [[Double]] = (0..<T).map { t in
            guard let ids = batch.tokens else { return Array(batch.inputs[(t * B * sh.inputs)..<((t + 1) * B * sh.inputs)]) }
            return (0..<B).flatMap { b in p[(L.embedding + Int(ids[t * B + b]) * sh.inputs)...].prefix(sh.inputs) }
        }
        for k in 0..<sh.layers {
            let I = sh.inputWidth(layer: k)
            var layer: [[Double]] = []
            var hprev = batch.initialHidden?[k] ?? [Double](repeating: 0, count: B * H)
            for s in 0..<T {
                if s > 0 && truncate > 0 && s % truncate == 0, let frozen { hprev = frozen[k][s - 1] }
                var h = [Double](repeating: 0, count: B * H)
                for b in 0..<B {
                    for j in 0..<H {
                        var a = L.bias ? p[L.biasIH(k) + j] + p[L.biasHH(k) + j] : 0
                        for i in 0..<I { a += p[L.weightIH(k) + j * I + i] * below[s][b * I + i] }
                        for i in 0..<H {
                            var w = p[L.weightHH(k) + j * H + i]
                            if let n = weightNudge, n.k == k, n.s == s, n.e == j * H + i { w += n.delta }
                            a += w * hprev[b * H + i]
                        }
                        h[b * H + j] = net.activation.apply(a)
                    }
                }
                if let n = nudge, n.k == k, n.s == s { h[n.i] += n.delta }
                layer.append(h)
                hprev = h
            }
            states.append(layer)
            below = layer
        }
        var total = 0.0, count = 0.0
        for s in (loss.lastStepOnly ? T - 1 : 0)..<T {
            for b in 0..<B {
                var y = [Double](repeating: 0, count: O)
                for o in 0..<O {
                    y[o] = L.readoutHasBias ? p[L.readoutBias + o] : 0
                    for j in 0..<H { y[o] += p[L.readoutWeight + o * H + j] * states[sh.layers - 1][s][b * H + j] }
                }
                switch batch.targets {
                case .real(let tgt):
                    for o in 0..<O { let d = y[o] - tgt[(s * B + b) * O + o]; total += d * d; count += 1 }
                case .classes(let c):
                    let m = y.max()!
                    let lse = m + Double.log(y.map { Double.exp($0 - m) }.reduce(0, +))
                    total += lse - y[Int(c[s * B + b])]
                    count += 1
                }
            }
        }
        return Forward(loss: total / count, states: states)
    }

    static func randomCase(activation: Activation, loss: LossKind, layers: Int, seed: UInt64) -> (RNN<Double>, Batch<Double>) {
        let shape = RNNShape(inputs: 2, hidden: 3, layers: layers, outputs: 3)
        var rng = SeededRandom(seed: seed)
        var net = RNN<Double>(shape: shape, activation: activation)
        for i in net.parameters.indices { net.parameters[i] = rng.normal() * 0.8 }
        let (T, B) = (7, 2)
        let inputs = (0..<(T * B * 2)).map { _ in rng.normal() }
        let targets: Batch<Double>.Targets = loss.isCrossEntropy
            ? .classes((0..<(T * B)).map { _ in Int32(rng.int(below: 3)) })
            : .real((0..<(T * B * 3)).map { _ in rng.normal() })
        return (net, Batch(steps: T, size: B, inputWidth: 2, inputs: inputs, targets: targets))
    }

    static func expectClose(_ a: Double, _ b: Double, _ what: String) {
        #expect(abs(a - b) <= 1e-6 + 1e-5 * abs(b), "\(what): BPTT \(a), finite differences \(b)")
    }

    struct Mode: CustomTestStringConvertible, Sendable {
        var activation: Activation, loss: LossKind, layers: Int, truncate: Int
        /// Steps per backward window (7 = the whole sequence in one).
        var window: Int
        var testDescription: String { "\(activation.rawValue) \(loss.rawValue) layers=\(layers) K=\(truncate) window=\(window)" }
    }

    static let modes: [Mode] = Activation.allCases.flatMap { a in
        LossKind.allCases.flatMap { l in
            [(1, 0, 7), (2, 0, 3), (1, 3, 2), (3, 2, 3), (4, 0, 1)].map {
                Mode(activation: a, loss: l, layers: $0.0, truncate: $0.1, window: $0.2)
            }
        }
    }

    @Test(arguments: modes)
    func parameterAndHiddenGradients(mode: Mode) {
        let (net, batch) = Self.randomCase(activation: mode.activation, loss: mode.loss, layers: mode.layers, seed: 7)
        Self.checkAgainstFiniteDifferences(net, batch, mode)
    }

    /// The parts a PyTorch model may have or lack: no biases (`bias=False`), a readout
    /// without bias, an embedding in front (token ids in), a given h_0, one at a time
    /// and all together, with truncation and windows.
    struct Parts: CustomTestStringConvertible, Sendable {
        var bias = true, readoutBias = true, embedding = false, initialHidden = false
        var testDescription: String { "bias=\(bias) readoutBias=\(readoutBias) embedding=\(embedding) h0=\(initialHidden)" }
    }

    @Test(arguments: [Parts(bias: false), Parts(readoutBias: false), Parts(embedding: true), Parts(initialHidden: true),
                      Parts(bias: false, readoutBias: false, embedding: true, initialHidden: true)])
    func optionalPartsAndInitialState(parts: Parts) {
        for mode in [Mode(activation: .tanh, loss: .mseAll, layers: 2, truncate: 3, window: 2),
                     Mode(activation: .relu, loss: .xentAll, layers: 1, truncate: 0, window: 7)] {
            let (full, data) = Self.randomCase(activation: mode.activation, loss: mode.loss, layers: mode.layers, seed: 13)
            let layout = ParameterLayout(full.shape, bias: parts.bias, readoutBias: parts.readoutBias, vocabulary: parts.embedding ? 5 : nil)
            var rng = SeededRandom(seed: 17)
            let net = RNN<Double>(activation: mode.activation, layout: layout, parameters: (0..<layout.count).map { _ in rng.normal() * 0.8 })
            var batch = data
            if parts.embedding {
                batch = Batch(steps: data.steps, size: data.size, tokens: (0..<(data.steps * data.size)).map { _ in Int32(rng.int(below: 5)) },
                              targets: data.targets)
            }
            if parts.initialHidden {
                batch.initialHidden = (0..<mode.layers).map { _ in (0..<(data.size * full.shape.hidden)).map { _ in rng.normal() } }
            }
            let g = Self.checkAgainstFiniteDifferences(net, batch, mode)
            // Every part of the layout is exercised: none of its gradients is left at zero.
            for e in net.layout.entries { #expect(g[e.range].contains { $0 != 0 }, "∂L/∂\(e.name) is all zero") }
        }
    }

    @discardableResult
    static func checkAgainstFiniteDifferences(_ net: RNN<Double>, _ batch: Batch<Double>, _ mode: Mode) -> [Double] {
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size, window: mode.window)
        var g = [Double](repeating: 0, count: net.layout.count)
        let summary = bptt.run(net, batch, BPTTOptions(loss: mode.loss, truncate: mode.truncate), gradients: &g)
        let base = Self.forward(net, batch, mode.loss, truncate: mode.truncate)
        Self.expectClose(summary.loss, base.loss, "loss")
        let eps = 1e-6
        for i in net.parameters.indices {
            var plus = net, minus = net
            plus.parameters[i] += eps
            minus.parameters[i] -= eps
            let fd = (Self.forward(plus, batch, mode.loss, truncate: mode.truncate, frozen: base.states).loss
                - Self.forward(minus, batch, mode.loss, truncate: mode.truncate, frozen: base.states).loss) / (2 * eps)
            Self.expectClose(g[i], fd, "∂L/∂θ[\(i)] (\(net.layout.entries.first { $0.range.contains(i) }!.name))")
        }
        // ‖∂L/∂h_t‖ by nudging every component of h_t.
        let BH = batch.size * net.shape.hidden
        for k in 0..<net.shape.layers {
            for s in 0..<batch.steps {
                var sq = 0.0
                for i in 0..<BH {
                    let up = Self.forward(net, batch, mode.loss, truncate: mode.truncate, frozen: base.states, nudge: (k, s, i, eps)).loss
                    let down = Self.forward(net, batch, mode.loss, truncate: mode.truncate, frozen: base.states, nudge: (k, s, i, -eps)).loss
                    let d = (up - down) / (2 * eps)
                    sq += d * d
                }
                Self.expectClose(bptt.hiddenGradNorms[k][s], sq.squareRoot(), "‖∂L/∂h‖ layer \(k) step \(s)")
            }
        }
        return g
    }

    @Test(arguments: [0.05, 1e3])
    func normClippingScalesTheFiniteDifferenceGradient(threshold: Double) {
        let (net, batch) = Self.randomCase(activation: .tanh, loss: .mseAll, layers: 2, seed: 3)
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size)
        var raw = [Double](repeating: 0, count: net.layout.count)
        var clipped = raw
        _ = bptt.run(net, batch, BPTTOptions(loss: .mseAll), gradients: &raw)
        let s = bptt.run(net, batch, BPTTOptions(loss: .mseAll, clipNorm: threshold), gradients: &clipped)
        let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
        let scale = min(1, threshold / (norm + 1e-6))
        #expect(abs(s.gradNorm - norm) <= 1e-12 * norm)
        #expect(abs(s.clipScale - scale) <= 1e-15)
        #expect(threshold < norm ? s.clipScale < 1 : s.clipScale == 1)
        for i in raw.indices { #expect(abs(clipped[i] - raw[i] * scale) <= 1e-15 * max(1, abs(raw[i]))) }
        if threshold < norm {
            let after = clipped.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(abs(after - threshold) <= 1e-5 * threshold)
        }
    }

    @Test func valueClippingClampsEachEntry() {
        let (net, batch) = Self.randomCase(activation: .relu, loss: .xentAll, layers: 1, seed: 5)
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size)
        var raw = [Double](repeating: 0, count: net.layout.count)
        var clipped = raw
        _ = bptt.run(net, batch, BPTTOptions(loss: .xentAll), gradients: &raw)
        let limit = raw.map(abs).sorted()[raw.count / 2]  // clamps about half the entries
        let s = bptt.run(net, batch, BPTTOptions(loss: .xentAll, clipValue: limit), gradients: &clipped)
        #expect(s.valueClipped)
        for i in raw.indices { #expect(clipped[i] == min(max(raw[i], -limit), limit)) }
    }

    /// A `-last` loss scores only the last step, so targets for that step alone
    /// ([B, O] or [B]) must give the same loss and gradients as targets for every step.
    @Test(arguments: [LossKind.mseLast, .xentLast])
    func lastStepTargetsAloneGiveTheSameGradients(loss: LossKind) {
        let (net, batch) = Self.randomCase(activation: .tanh, loss: loss, layers: 2, seed: 11)
        let (T, B) = (batch.steps, batch.size)
        var compact = batch
        switch batch.targets {
        case .real(let v): compact.targets = .real(Array(v[((T - 1) * B * 3)...]))
        case .classes(let c): compact.targets = .classes(Array(c[((T - 1) * B)...]))
        }
        let bptt = BPTT<Double>(shape: net.shape, steps: T, batchSize: B)
        var full = [Double](repeating: 0, count: net.layout.count), last = full
        let a = bptt.run(net, batch, BPTTOptions(loss: loss), gradients: &full)
        let b = bptt.run(net, compact, BPTTOptions(loss: loss), gradients: &last)
        #expect(a.loss == b.loss)
        #expect(full == last)
        #expect(full.contains { $0 != 0 })
    }

    /// Each step's term of ∂L/∂W_hh is the derivative of the loss with respect to
    /// the copy of W_hh used at that step alone; the terms sum to BPTT's gradient.
    @Test(arguments: [(Activation.tanh, 1, 0), (.sigmoid, 2, 0), (.relu, 2, 3)])
    func eachStepsTermIsTheGradientOfThatStepsCopy(activation: Activation, layers: Int, truncate: Int) {
        let (net, batch) = Self.randomCase(activation: activation, loss: .mseAll, layers: layers, seed: 13)
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size, window: 3)
        var g = [Double](repeating: 0, count: net.layout.count)
        _ = bptt.run(net, batch, BPTTOptions(loss: .mseAll, truncate: truncate, recordStepGradients: true), gradients: &g)
        guard let terms = bptt.stepGradients else { Issue.record("no step terms recorded"); return }
        let base = Self.forward(net, batch, .mseAll, truncate: truncate)
        let H = net.shape.hidden, eps = 1e-6
        for k in 0..<layers {
            #expect(terms.sumError(layer: k) < 1e-12, "layer \(k): Σ_t terms vs BPTT")
            for s in 0..<batch.steps {
                var sq = 0.0
                for e in 0..<(H * H) {
                    func loss(_ d: Double) -> Double {
                        Self.forward(net, batch, .mseAll, truncate: truncate, frozen: base.states, weightNudge: (k, s, e, d)).loss
                    }
                    let fd = (loss(eps) - loss(-eps)) / (2 * eps)
                    sq += fd * fd
                }
                Self.expectClose(terms.norms[k][s], sq.squareRoot(), "‖∂L/∂W_hh|_(\(s + 1))‖ layer \(k)")
            }
        }
        let shares = terms.shareOfLast(batch.steps, layer: 0)
        #expect(abs(shares - 1) < 1e-12)
    }
}
