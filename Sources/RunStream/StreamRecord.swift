import RNNSim

/// One recorded iteration of a run stream (docs/stream.md), as the view's
/// `IterationReport`, checked against its header.
public struct StreamRecord: Sendable {
    public var report: IterationReport
    /// The clipping threshold in force (0 = off).
    public var clipMaxNorm: Double
    /// How many times the watched module ran with gradients in the iteration: the
    /// norms are of the last call only when more than 1 (a siamese loss, accumulation).
    public var calls = 1
    /// A steered loop's echo of the control file's `clip_seq` its clipping followed; nil from
    /// a writer that does not echo it (an older one, or one the view does not steer).
    public var clipSeq: Int?
    /// The record measured ρ or σ_max of W_hh, even if as NaN (a loop whose weights went
    /// Inf/NaN): the view shows that, not the last finite reading of an earlier record.
    public var spectrumMeasured = false
    /// The record measured a gated cell's gate (`gate_mean`, …), with or without the spectrum
    /// (`rnnscope.watch(..., spectral=False)` writes the gates alone).
    public var gatesMeasured = false
    /// The record carried its loss and ‖∇θ‖ (`null` or absent: not measured, which the
    /// report holds as NaN, and the view must not show as a loss or gradient gone NaN).
    public var lossMeasured = true
    public var gradNormMeasured = true
    /// The record carried `clip_max_norm`: without it the threshold is not known, not "off".
    public var clipMeasured = true

    /// The longest T a record may carry: the view bins a row to 512 columns, but
    /// the report keeps every step, so this bounds the memory one record holds.
    public static let maximumSteps = 200_000

    public static func parse(_ line: [UInt8], header: StreamHeader) -> Result<StreamRecord, StreamError> {
        StreamJSON.decode(Fields.self, line).flatMap { f in
            Result { try StreamRecord(f, header) }.mapError { $0 as? StreamError ?? StreamError("\($0)") }
        }
    }

    private struct Fields: Decodable {
        var iteration: Int?
        var loss: StreamNumber?
        var grad_norm: StreamNumber?
        var clip_scale: StreamNumber?
        var clipped: Bool?
        var clip_max_norm: StreamNumber?
        var nonfinite: Bool?
        var spectral_radii: [StreamNumber]?
        var sigma_max: [StreamNumber]?
        var gate_mean: [StreamNumber]?
        var gate_product: [StreamNumber]?
        var gate_saturation: [StreamNumber]?
        var heldout_loss: StreamNumber?
        var hidden_grad_norms: [[StreamNumber]]?
        var cell_grad_norms: [[StreamNumber]]?
        var calls: Int?
        var clip_seq: Int?
    }

    /// Every figure within its range (docs/stream.md): a record with one outside was not
    /// written by what its fields say (a threshold of −5, a clipping factor of 7), and is
    /// skipped as a negative norm is. NaN is a figure of a gradient or weights gone Inf/NaN
    /// and passes, as +Inf does where a norm may be; `loss` is the loop's own, of any sign.
    private static func inRange(_ f: Fields) throws {
        let norm = 0...Double.infinity, fraction = 0.0...1.0
        let checks: [(String, [StreamNumber]?, ClosedRange<Double>)] = [
            ("grad_norm", f.grad_norm.map { [$0] }, norm),
            ("clip_scale", f.clip_scale.map { [$0] }, fraction),
            ("spectral_radii", f.spectral_radii, norm),
            ("sigma_max", f.sigma_max, norm),
            ("gate_mean", f.gate_mean, fraction),
            ("gate_product", f.gate_product, fraction),
            ("gate_saturation", f.gate_saturation, fraction),
            ("heldout_loss", f.heldout_loss.map { [$0] }, norm),
            ("cell_grad_norms", f.cell_grad_norms?.flatMap { $0 }, norm),
        ]
        for (name, values, range) in checks {
            if let bad = values?.first(where: { !$0.value.isNaN && !range.contains($0.value) }) {
                throw StreamError("\(name) \(bad.value) is outside \(range.upperBound == .infinity ? "≥ 0" : "0…1")")
            }
        }
        // A threshold is a setting, not a measurement: a number ≥ 0 (0 = off), never NaN.
        if let t = f.clip_max_norm, t.measured, !(t.value >= 0) {
            throw StreamError("clip_max_norm \(t.value) is not a threshold ≥ 0")
        }
    }

    private init(_ f: Fields, _ h: StreamHeader) throws {
        guard let iteration = f.iteration, iteration >= 1 else { throw StreamError("no iteration (a whole number from 1)") }
        let rows = h.rowCount
        guard let norms = f.hidden_grad_norms?.map({ $0.map(\.value) }), norms.count == rows else {
            throw StreamError("hidden_grad_norms must have \(rows) row\(rows == 1 ? "" : "s"), one per layer and direction")
        }
        let steps = norms[0].count
        guard steps >= 1, steps <= Self.maximumSteps, norms.allSatisfy({ $0.count == steps }) else {
            throw StreamError("hidden_grad_norms rows must have the same length, 1…\(Self.maximumSteps)")
        }
        // A norm is never negative: one that is was not written by a norm.
        guard norms.allSatisfy({ $0.allSatisfy { !($0 < 0) } }) else { throw StreamError("a negative norm in hidden_grad_norms") }
        // A step's norm is a number ("NaN" where it was measured as NaN): a null one, drawn
        // as NaN, would show a measurement the stream never made.
        for (name, field) in [("hidden_grad_norms", f.hidden_grad_norms), ("cell_grad_norms", f.cell_grad_norms)] {
            if field?.contains(where: { $0.contains { !$0.measured } }) == true { throw StreamError("null in \(name): each step's norm is a number") }
        }
        try Self.inRange(f)
        // A per-row figure of another length than the rows was not written for this stream:
        // shown as "not measured" it would hide that, so the record is skipped, as above.
        let perRowFields = [("spectral_radii", f.spectral_radii), ("sigma_max", f.sigma_max), ("gate_mean", f.gate_mean),
                            ("gate_product", f.gate_product), ("gate_saturation", f.gate_saturation)]
        if let (name, _) = perRowFields.first(where: { $0.1 != nil && $0.1?.count != rows }) {
            throw StreamError("\(name) must have \(rows) value\(rows == 1 ? "" : "s"), one per layer and direction")
        }
        if let c = f.cell_grad_norms, !(c.count == rows && c.allSatisfy({ $0.count == steps })) {
            throw StreamError("cell_grad_norms must have the shape of hidden_grad_norms, \(rows) × \(steps)")
        }
        func perRow(_ v: [StreamNumber]?) -> [Double] {
            guard let v else { return [Double](repeating: .nan, count: rows) }  // its count was checked above
            return v.map(\.value)
        }
        var cells: [[Double]] = []
        if h.cell == .lstm, let c = f.cell_grad_norms?.map({ $0.map(\.value) }) { cells = c }
        let nan = [[Double]](repeating: [Double](repeating: .nan, count: steps), count: rows)
        let gated = h.cell.isGated
        let gradNorm = f.grad_norm?.value ?? .nan
        let scale = f.clip_scale?.value ?? 1
        report = IterationReport(
            iteration: iteration, loss: f.loss?.value ?? .nan, gradNorm: gradNorm,
            clipScale: scale.isFinite ? scale : 1, clipped: f.clipped ?? false, valueClipped: false,
            nonfinite: f.nonfinite ?? norms.contains { $0.contains { !$0.isFinite } },
            spectralRadius: gated ? [Double](repeating: .nan, count: rows) : perRow(f.spectral_radii),
            largestSingularValue: perRow(f.sigma_max), hiddenGradNorms: norms, jacobianNorms: nan,
            cellGradNorms: cells)
        if gated {
            // The view reads the gate per step; the stream carries its mean over steps.
            let means = perRow(f.gate_mean)
            report.pathGateMeans = means.map { [$0] }
            report.pathProducts = perRow(f.gate_product).map { [$0] }
            report.pathGateSaturation = perRow(f.gate_saturation)
        }
        lossMeasured = f.loss != nil
        gradNormMeasured = f.grad_norm != nil
        clipMeasured = f.clip_max_norm?.measured == true
        spectrumMeasured = [f.spectral_radii, f.sigma_max].contains { $0?.contains(where: \.measured) == true }
        gatesMeasured = gated && [f.gate_mean, f.gate_product, f.gate_saturation].contains { $0?.contains(where: \.measured) == true }
        report.heldOutLoss = f.heldout_loss.flatMap { $0.value.isFinite ? $0.value : nil }
        let threshold = f.clip_max_norm?.value ?? 0
        clipMaxNorm = threshold.isFinite && threshold > 0 ? threshold : 0
        if let n = f.calls {
            guard n >= 1 else { throw StreamError("calls must be a whole number from 1") }
            calls = n
        }
        if let n = f.clip_seq {
            guard n >= 0 else { throw StreamError("clip_seq must be a whole number from 0") }
            clipSeq = n
        }
    }
}
