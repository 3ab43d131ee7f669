import Foundation
import Kernels
import Testing
@testable import ModelIO
@testable import RNNSim

/// The engine's BPTT (windows, row blocks, GEMMs) against the reference on plain
/// arrays (`ReferenceBPTT.swift`), and the reference against PyTorch autograd.
@Suite struct ReferenceBPTTTests {
    // MARK: The engine against the reference

    struct Case: CustomTestStringConvertible, Sendable {
        var activation: Activation, loss: LossKind
        var inputs: Int, hidden: Int, outputs: Int, steps: Int, batch: Int
        var seed: UInt64, truncate: Int, window: Int, h0: Bool, bias: Bool
        var testDescription: String {
            "\(activation.rawValue) \(loss.rawValue) I\(inputs) H\(hidden) O\(outputs) T\(steps) B\(batch) seed \(seed)"
                + " K=\(truncate) window \(window)\(h0 ? " h0" : "")\(bias ? "" : " no bias")"
        }
    }

    /// Every activation and loss, on three shapes; seeds, truncation, h_0, biases
    /// and the backward window vary from case to case.
    static let cases: [Case] = Activation.allCases.enumerated().flatMap { (i, a) in
        LossKind.allCases.enumerated().flatMap { (j, l) in
            [(2, 3, 3, 7, 2), (4, 6, 2, 13, 3), (1, 5, 4, 20, 1)].enumerated().map { (k, s) in
                let n = 16 * i + 4 * j + k
                return Case(activation: a, loss: l, inputs: s.0, hidden: s.1, outputs: s.2, steps: s.3, batch: s.4,
                            seed: UInt64(n + 1), truncate: [0, 3, 0, 5][(i + j + k) % 4], window: [64, 4, 1][n % 3],
                            h0: (j + k) % 2 == 1, bias: n % 5 != 2)
            }
        }
    }

    @Test(arguments: cases)
    func engineMatchesReference(_ c: Case) throws {
        var rng = SeededRandom(seed: c.seed)
        let shape = RNNShape(inputs: c.inputs, hidden: c.hidden, outputs: c.outputs)
        let layout = ParameterLayout(shape, bias: c.bias)
        // Weights of about 1/√fan-in keep T = 20 steps of a linear network finite.
        let net = RNN<Double>(activation: c.activation, layout: layout,
                              parameters: (0..<layout.count).map { _ in rng.normal() * 0.9 / Double(c.hidden).squareRoot() })
        let (T, B, I, H, O) = (c.steps, c.batch, c.inputs, c.hidden, c.outputs)
        let inputs = (0..<(T * B * I)).map { _ in rng.normal() }
        let targets: Batch<Double>.Targets = c.loss.isCrossEntropy
            ? .classes((0..<(T * B)).map { _ in Int32(rng.int(below: O)) })
            : .real((0..<(T * B * O)).map { _ in rng.normal() })
        let h0 = c.h0 ? (0..<(B * H)).map { _ in rng.normal() * 0.5 } : [Double](repeating: 0, count: B * H)
        let batch = Batch(steps: T, size: B, inputWidth: I, inputs: inputs, targets: targets, initialHidden: c.h0 ? [h0] : nil)

        let engine = BPTT<Double>(shape: shape, steps: T, batchSize: B, window: c.window)
        var g = [Double](repeating: .nan, count: layout.count)
        let summary = engine.run(net, batch, BPTTOptions(loss: c.loss, truncate: c.truncate), gradients: &g)

        // The same network and batch as rows and sequences.
        let p = net.parameters
        func matrix(_ name: String) -> [[Double]] {
            let e = layout.entry(name)!
            return (0..<e.dims[0]).map { r in Array(p[(e.offset + r * e.dims[1])..<(e.offset + (r + 1) * e.dims[1])]) }
        }
        func vector(_ name: String, _ n: Int) -> [Double] {
            layout.entry(name).map { Array(p[$0.range]) } ?? [Double](repeating: 0, count: n)
        }
        let b = zip(vector("bias_ih_l0", H), vector("bias_hh_l0", H)).map { $0 + $1 }
        let params = ReferenceBPTT.Parameters(Wxh: matrix("weight_ih_l0"), Whh: matrix("weight_hh_l0"),
                                              Why: matrix("readout.weight"), b: b, by: vector("readout.bias", O))
        let xs = (0..<B).map { n in (0..<T).map { t in Array(inputs[((t * B + n) * I)..<((t * B + n + 1) * I)]) } }
        let ys: [[[Double]]] = (0..<B).map { n in
            (0..<T).map { t in
                switch targets {
                case .real(let v): return Array(v[((t * B + n) * O)..<((t * B + n + 1) * O)])
                case .classes(let k): return (0..<O).map { $0 == Int(k[t * B + n]) ? 1 : 0 }
                }
            }
        }
        let h0s = (0..<B).map { n in Array(h0[(n * H)..<((n + 1) * H)]) }
        let r = ReferenceBPTT.run(params, c.activation, c.loss, truncate: c.truncate, xs: xs, targets: ys, h0: h0s)

        Self.expectClose([summary.loss], [r.loss], "loss")
        Self.expectClose(engine.hiddenGradNorms[0], r.hiddenGradNorms, "‖∂L/∂h_t‖")
        var expected: [String: [Double]] = ["weight_ih_l0": r.grads.Wxh.flatMap { $0 }, "weight_hh_l0": r.grads.Whh.flatMap { $0 },
                                            "bias_ih_l0": r.grads.b, "bias_hh_l0": r.grads.b,
                                            "readout.weight": r.grads.Why.flatMap { $0 }, "readout.bias": r.grads.by]
        for e in layout.entries {
            let want = expected.removeValue(forKey: e.name)
            Self.expectClose(Array(g[e.range]), try #require(want, "the reference has no \(e.name)"), e.name)
        }
        #expect(expected.keys.allSatisfy { !c.bias && $0.hasPrefix("bias") }, "the engine has every other tensor")
        Self.expectClose([summary.gradNorm], [layout.entries.flatMap { g[$0.range] }.map { $0 * $0 }.reduce(0, +).squareRoot()],
                         "grad norm")
    }

    /// |a − b| ≤ tol·|b|, with a floor at tol·1e-3 of the tensor's largest entry
    /// (what is zero up to rounding compares sensibly).
    static func expectClose(_ a: [Double], _ b: [Double], _ what: String, tol: Double = 1e-12) {
        #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)")
        let scale = b.map(abs).max() ?? 0
        for (i, (x, y)) in zip(a, b).enumerated() {
            #expect(abs(x - y) <= tol * max(abs(y), 1e-3 * scale), "\(what)[\(i)] = \(x), the reference says \(y)")
        }
    }

    // MARK: The reference against PyTorch

    /// One-layer `nn.RNN` fixtures whose answers PyTorch computed in float64: three of
    /// Fixtures/stock/make_fixtures.py, and Fixtures/reference/make_reference_fixtures.py's
    /// (truncation, h_0, cross-entropy at every step and at the last); the prefixes of
    /// the RNN and its head, the nonlinearity, and whether the tensors are batch-first.
    static let fixtures: [(path: String, rnn: String, head: String, activation: Activation, batchFirst: Bool)] = [
        ("stock/nobias-relu", "rnn.", "head.", .relu, false),
        ("stock/batch-first", "rnn.", "out.", .tanh, true),
        ("stock/dataparallel", "module.rnn.", "module.head.", .tanh, false),
        ("reference/tanh-xent-all-h0-truncate4", "rnn.", "head.", .tanh, false),
        ("reference/relu-mse-last-h0-truncate3", "rnn.", "head.", .relu, false),
        ("reference/tanh-xent-last-h0", "rnn.", "head.", .tanh, false),
        ("reference/tanh-mse-all-h0-truncate5", "rnn.", "head.", .tanh, false),
    ]

    @Test(arguments: fixtures.map(\.path))
    func referenceMatchesPyTorch(_ path: String) throws {
        let f = Self.fixtures.first { $0.path == path }!, name = path
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(path)")
        let model = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let data = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("data.safetensors"))
        let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as? [String: Any])
        let args = try #require(json["args"] as? [String: Any])
        let loss = try #require(LossKind(rawValue: args["loss"] as? String ?? ""))
        let truncate = try #require(args["truncate"] as? Int)

        func matrix(_ t: SafeTensor) throws -> [[Double]] {
            let v = try t.doubles(), w = t.shape[1]
            return (0..<t.shape[0]).map { Array(v[($0 * w)..<(($0 + 1) * w)]) }
        }
        func tensor(_ file: SafeTensorsFile, _ key: String) throws -> SafeTensor { try #require(file[key], "\(name) lacks \(key)") }
        let Why = try matrix(tensor(model, f.head + "weight"))
        let (H, O) = (Why[0].count, Why.count)
        let biases = try [f.rnn + "bias_ih_l0", f.rnn + "bias_hh_l0"].compactMap { try model[$0]?.doubles() }
        let params = ReferenceBPTT.Parameters(
            Wxh: try matrix(tensor(model, f.rnn + "weight_ih_l0")), Whh: try matrix(tensor(model, f.rnn + "weight_hh_l0")),
            Why: Why, b: biases.isEmpty ? [Double](repeating: 0, count: H) : zip(biases[0], biases[1]).map { $0 + $1 },
            by: try model[f.head + "bias"]?.doubles() ?? [Double](repeating: 0, count: O))

        // inputs [T, B, I] ([B, T, I] batch-first); targets [T, B, O] or classes [T, B], made one-hot
        let x = try tensor(data, "inputs"), xv = try x.doubles(), I = x.shape[2]
        let (T, B) = f.batchFirst ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
        func at(_ t: Int, _ n: Int) -> Int { f.batchFirst ? n * T + t : t * B + n }
        let xs = (0..<B).map { n in (0..<T).map { t in Array(xv[(at(t, n) * I)..<((at(t, n) + 1) * I)]) } }
        let y = try tensor(data, "targets")
        let (classes, values) = loss.isCrossEntropy ? (try y.integers(), []) : ([], try y.doubles())
        let ys: [[[Double]]] = (0..<B).map { n in
            (0..<T).map { t in
                loss.isCrossEntropy ? (0..<O).map { $0 == Int(classes[at(t, n)]) ? 1 : 0 }
                                    : Array(values[(at(t, n) * O)..<((at(t, n) + 1) * O)])
            }
        }
        // h0 [1, B, H], else zeros
        let h0 = try data["h0"]?.doubles() ?? [Double](repeating: 0, count: B * H)
        let h0s = (0..<B).map { n in Array(h0[(n * H)..<((n + 1) * H)]) }
        let r = ReferenceBPTT.run(params, f.activation, loss, truncate: truncate, xs: xs, targets: ys, h0: h0s)

        // PyTorch's gradients are after clipping (clip_grad_norm_ scaled them all by clip_scale).
        let tol = 1e-12
        let scale = (json["clip_scale"] as? NSNumber)?.doubleValue ?? 1
        Self.expectClose([r.loss], [try #require((json["loss"] as? NSNumber)?.doubleValue)], "loss", tol: tol)
        let grads: [(String, [Double])] = [
            (f.rnn + "weight_ih_l0", r.grads.Wxh.flatMap { $0 }), (f.rnn + "weight_hh_l0", r.grads.Whh.flatMap { $0 }),
            (f.head + "weight", r.grads.Why.flatMap { $0 }), (f.head + "bias", r.grads.by),
        ] + (biases.isEmpty ? [] : [(f.rnn + "bias_ih_l0", r.grads.b), (f.rnn + "bias_hh_l0", r.grads.b)])
        for (key, g) in grads { Self.expectClose(g.map { $0 * scale }, try tensor(expected, key).doubles(), key, tol: tol) }
        #expect(Set(grads.map(\.0) + ["hidden_grad_norms_l0"]) == Set(expected.tensors.keys), "every tensor PyTorch has")
        let norm = grads.flatMap(\.1).map { $0 * $0 }.reduce(0, +).squareRoot()
        Self.expectClose([norm], [try #require((json["grad_norm"] as? NSNumber)?.doubleValue)], "grad_norm", tol: tol)
        Self.expectClose(r.hiddenGradNorms, try tensor(expected, "hidden_grad_norms_l0").doubles(), "‖∂L/∂h_t‖", tol: tol)
    }
}
