import Foundation
import RealModule
import Testing
@testable import RNNSim
import Spectral

/// LSTM, GRU and residual BPTT in Double against central finite differences of
/// the loss, for every loss, 1 and 2 layers, truncation, initial states and
/// windows: the parameter gradients, ‖∂L/∂h_t‖ and (LSTM) ‖∂L/∂c_t‖ at every step.
///
/// The loss is recomputed by a plain forward pass written out from PyTorch's
/// documented equations, gate by gate. Where truncation cuts, h (and c) are
/// taken from the unperturbed run, as in FiniteDifferenceTests.
@Suite struct GatedFiniteDifferenceTests {
    struct Forward {
        var loss: Double
        /// h_t and c_t per layer and step (0-based), each [B·H].
        var states: [[[Double]]]
        var memories: [[[Double]]]
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }

    /// `nudgeH` adds δ to h_s[i] of layer k once computed; `nudgeC` adds δ to
    /// c_s[i] before h_s is computed from it.
    static func forward(_ net: RNN<Double>, _ batch: Batch<Double>, _ loss: LossKind, truncate: Int,
                        frozen: Forward? = nil, nudgeH: (k: Int, s: Int, i: Int, delta: Double)? = nil,
                        nudgeC: (k: Int, s: Int, i: Int, delta: Double)? = nil) -> Forward {
        let sh = net.shape, L = net.layout, p = net.parameters
        let (T, B, H, O) = (batch.steps, batch.size, sh.hidden, sh.outputs)
        var states: [[[Double]]] = [], memories: [[[Double]]] = []
        var below: [[Double]] = (0..<T).map { t in Array(batch.inputs[(t * B * sh.inputs)..<((t + 1) * B * sh.inputs)]) }
        for k in 0..<sh.layers {
            let I = sh.inputWidth(layer: k)
            // Row r of gate block g of x W_ihᵀ + b_ih, and of h W_hhᵀ + b_hh.
            func inputSide(_ x: [Double], _ b: Int, _ r: Int) -> Double {
                var a = p[L.biasIH(k) + r]
                for i in 0..<I { a += p[L.weightIH(k) + r * I + i] * x[b * I + i] }
                return a
            }
            func recurrentSide(_ h: [Double], _ b: Int, _ r: Int) -> Double {
                var a = p[L.biasHH(k) + r]
                for i in 0..<H { a += p[L.weightHH(k) + r * H + i] * h[b * H + i] }
                return a
            }
            var layerH: [[Double]] = [], layerC: [[Double]] = []
            var hprev = batch.initialHidden?[k] ?? [Double](repeating: 0, count: B * H)
            var cprev = batch.initialMemory?[k] ?? [Double](repeating: 0, count: B * H)
            for s in 0..<T {
                if s > 0 && truncate > 0 && s % truncate == 0, let frozen {
                    hprev = frozen.states[k][s - 1]
                    if sh.cell == .lstm { cprev = frozen.memories[k][s - 1] }
                }
                var h = [Double](repeating: 0, count: B * H), c = h
                for b in 0..<B {
                    for j in 0..<H {
                        let u = b * H + j
                        switch sh.cell {
                        case .lstm:
                            func a(_ g: Int) -> Double { inputSide(below[s], b, g * H + j) + recurrentSide(hprev, b, g * H + j) }
                            let i = sigmoid(a(0)), f = sigmoid(a(1)), g = Double.tanh(a(2)), o = sigmoid(a(3))
                            c[u] = f * cprev[u] + i * g
                            if let n = nudgeC, n.k == k, n.s == s, n.i == u { c[u] += n.delta }
                            h[u] = o * Double.tanh(c[u])
                        case .gru:
                            let r = sigmoid(inputSide(below[s], b, j) + recurrentSide(hprev, b, j))
                            let z = sigmoid(inputSide(below[s], b, H + j) + recurrentSide(hprev, b, H + j))
                            let n = Double.tanh(inputSide(below[s], b, 2 * H + j) + r * recurrentSide(hprev, b, 2 * H + j))
                            h[u] = (1 - z) * n + z * hprev[u]
                        case .rnn:
                            h[u] = net.activation.apply(inputSide(below[s], b, j) + recurrentSide(hprev, b, j))
                        case .residual:
                            h[u] = hprev[u] + net.activation.apply(inputSide(below[s], b, j) + recurrentSide(hprev, b, j))
                        }
                    }
                }
                if let n = nudgeH, n.k == k, n.s == s { h[n.i] += n.delta }
                layerH.append(h)
                layerC.append(c)
                hprev = h
                cprev = c
            }
            states.append(layerH)
            memories.append(layerC)
            below = layerH
        }
        var total = 0.0, count = 0.0
        for s in (loss.lastStepOnly ? T - 1 : 0)..<T {
            for b in 0..<B {
                var y = [Double](repeating: 0, count: O)
                for o in 0..<O {
                    y[o] = p[L.readoutBias + o]
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
        return Forward(loss: total / count, states: states, memories: memories)
    }

    static func randomCase(cell: CellKind, loss: LossKind, layers: Int, initialStates: Bool, seed: UInt64) -> (RNN<Double>, Batch<Double>) {
        let shape = RNNShape(inputs: 2, hidden: 3, layers: layers, outputs: 3, cell: cell)
        var rng = SeededRandom(seed: seed)
        var net = RNN<Double>(shape: shape, activation: .tanh)
        for i in net.parameters.indices { net.parameters[i] = rng.normal() * 0.8 }
        let (T, B) = (7, 2)
        let inputs = (0..<(T * B * 2)).map { _ in rng.normal() }
        let targets: Batch<Double>.Targets = loss.isCrossEntropy
            ? .classes((0..<(T * B)).map { _ in Int32(rng.int(below: 3)) })
            : .real((0..<(T * B * 3)).map { _ in rng.normal() })
        var batch = Batch(steps: T, size: B, inputWidth: 2, inputs: inputs, targets: targets)
        if initialStates {
            batch.initialHidden = (0..<layers).map { _ in (0..<(B * 3)).map { _ in rng.normal() * 0.5 } }
            if cell == .lstm { batch.initialMemory = (0..<layers).map { _ in (0..<(B * 3)).map { _ in rng.normal() * 0.5 } } }
        }
        return (net, batch)
    }

    static func expectClose(_ a: Double, _ b: Double, _ what: String) {
        #expect(abs(a - b) <= 1e-6 + 1e-5 * abs(b), "\(what): BPTT \(a), finite differences \(b)")
    }

    struct Mode: CustomTestStringConvertible, Sendable {
        var cell: CellKind, loss: LossKind, layers: Int, truncate: Int, window: Int, initialStates: Bool
        var testDescription: String {
            "\(cell.rawValue) \(loss.rawValue) layers=\(layers) K=\(truncate) window=\(window)\(initialStates ? " h0" : "")"
        }
    }

    static let modes: [Mode] = [CellKind.lstm, .gru, .residual].flatMap { cell in
        LossKind.allCases.flatMap { l in
            [(1, 0, 7, false), (2, 0, 3, true), (1, 3, 2, true), (2, 2, 3, false)].map {
                Mode(cell: cell, loss: l, layers: $0.0, truncate: $0.1, window: $0.2, initialStates: $0.3)
            }
        }
    }

    @Test(arguments: modes)
    func parameterHiddenAndMemoryGradients(mode: Mode) {
        let (net, batch) = Self.randomCase(cell: mode.cell, loss: mode.loss, layers: mode.layers,
                                           initialStates: mode.initialStates, seed: 7)
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size, window: mode.window)
        var g = [Double](repeating: 0, count: net.layout.count)
        let summary = bptt.run(net, batch, BPTTOptions(loss: mode.loss, truncate: mode.truncate), gradients: &g)
        let base = Self.forward(net, batch, mode.loss, truncate: mode.truncate)
        Self.expectClose(summary.loss, base.loss, "loss")
        let eps = 1e-6
        func loss(_ n: RNN<Double>, h: (Int, Int, Int, Double)? = nil, c: (Int, Int, Int, Double)? = nil) -> Double {
            Self.forward(n, batch, mode.loss, truncate: mode.truncate, frozen: base, nudgeH: h, nudgeC: c).loss
        }
        for i in net.parameters.indices {
            var plus = net, minus = net
            plus.parameters[i] += eps
            minus.parameters[i] -= eps
            Self.expectClose(g[i], (loss(plus) - loss(minus)) / (2 * eps), "∂L/∂θ[\(i)]")
        }
        #expect(g.contains { $0 != 0 })
        let BH = batch.size * net.shape.hidden
        for k in 0..<net.shape.layers {
            for s in 0..<batch.steps {
                var sqH = 0.0, sqC = 0.0
                for i in 0..<BH {
                    let dh = (loss(net, h: (k, s, i, eps)) - loss(net, h: (k, s, i, -eps))) / (2 * eps)
                    sqH += dh * dh
                    if mode.cell == .lstm {
                        let dc = (loss(net, c: (k, s, i, eps)) - loss(net, c: (k, s, i, -eps))) / (2 * eps)
                        sqC += dc * dc
                    }
                }
                Self.expectClose(bptt.hiddenGradNorms[k][s], sqH.squareRoot(), "‖∂L/∂h‖ layer \(k) step \(s)")
                if mode.cell == .lstm {
                    Self.expectClose(bptt.cellGradNorms[k][s], sqC.squareRoot(), "‖∂L/∂c‖ layer \(k) step \(s)")
                }
            }
        }
    }

    /// The Jacobian factor ‖∂h_t/∂h_{t−1}‖₂ (memory held fixed; for the residual
    /// cell I + diag(act')·W_hh) against the matrix of finite differences, and the
    /// gate path against the gates themselves.
    @Test(arguments: [CellKind.lstm, .gru, .residual])
    func jacobianFactorAndGatePath(cell: CellKind) throws {
        let (net, batch) = Self.randomCase(cell: cell, loss: .mseAll, layers: 1, initialStates: true, seed: 5)
        let bptt = BPTT<Double>(shape: net.shape, steps: batch.steps, batchSize: batch.size)
        var g = [Double](repeating: 0, count: net.layout.count)
        _ = bptt.run(net, batch, BPTTOptions(loss: .mseAll, recordJacobians: true), gradients: &g)
        let H = net.shape.hidden, B = batch.size, T = batch.steps, eps = 1e-6
        let base = Self.forward(net, batch, .mseAll, truncate: 0)
        // One step of the cell from (h_{t−1}, c_{t−1}): the plain forward on a one-step batch.
        func stepH(_ s: Int, _ b: Int, _ hPrev: [Double]) -> [Double] {
            var one = Batch<Double>(steps: 1, size: 1, inputWidth: 2,
                                    inputs: Array(batch.inputs[((s * B + b) * 2)..<((s * B + b) * 2 + 2)]),
                                    targets: .real([0, 0, 0]))
            one.initialHidden = [hPrev]
            let cPrev = s == 0 ? Array(batch.initialMemory?[0][(b * H)..<((b + 1) * H)] ?? [0, 0, 0])
                               : Array(base.memories[0][s - 1][(b * H)..<((b + 1) * H)])
            if cell == .lstm { one.initialMemory = [cPrev] }
            return Self.forward(net, one, .mseAll, truncate: 0).states[0][0]
        }
        for s in 0..<T {
            var largest = 0.0
            for b in 0..<B {
                let hPrev = s == 0 ? Array(batch.initialHidden![0][(b * H)..<((b + 1) * H)])
                                   : Array(base.states[0][s - 1][(b * H)..<((b + 1) * H)])
                var J = [Double](repeating: 0, count: H * H)
                for i in 0..<H {
                    var up = hPrev, down = hPrev
                    up[i] += eps
                    down[i] -= eps
                    let (hu, hd) = (stepH(s, b, up), stepH(s, b, down))
                    for r in 0..<H { J[r * H + i] = (hu[r] - hd[r]) / (2 * eps) }
                }
                largest = max(largest, Spectral.largestSingularValue(J, rows: H, cols: H))
            }
            #expect(abs(bptt.jacobianNorms[0][s] - largest) <= 1e-5 * largest, "step \(s): \(bptt.jacobianNorms[0][s]) vs \(largest)")
        }
        guard cell.isGated else {
            let noGate = bptt.pathGateMeans[0].allSatisfy { $0.isNaN }
            #expect(noGate, "the residual cell has no gate on its path")
            return
        }
        // The gate on the direct path (f or z) from the stored gates, and its product from T back.
        var product = [Double](repeating: 1, count: B * H)
        for s in stride(from: T - 1, through: 0, by: -1) {
            var gates = [Double](repeating: 0, count: B * H)
            for b in 0..<B {
                for j in 0..<H {
                    let x = Array(batch.inputs[((s * B + b) * 2)..<((s * B + b) * 2 + 2)])
                    let L = net.layout, p = net.parameters, r = H + j  // gate 1: f (LSTM) or z (GRU)
                    var a = p[L.biasIH(0) + r] + p[L.biasHH(0) + r]
                    for i in 0..<2 { a += p[L.weightIH(0) + r * 2 + i] * x[i] }
                    let prevRow = s == 0 ? batch.initialHidden![0] : base.states[0][s - 1]
                    for i in 0..<H { a += p[L.weightHH(0) + r * H + i] * prevRow[b * H + i] }
                    gates[b * H + j] = Self.sigmoid(a)
                }
            }
            for u in 0..<(B * H) { product[u] *= gates[u] }
            let mean = gates.reduce(0, +) / Double(B * H), pathMean = product.reduce(0, +) / Double(B * H)
            #expect(abs(bptt.pathGateMeans[0][s] - mean) <= 1e-12, "gate mean at step \(s)")
            #expect(abs(bptt.pathProducts[0][s] - pathMean) <= 1e-12 * max(pathMean, 1e-300), "path product at step \(s)")
        }
    }
}
