import Spectral
import Foundation
import RNNSim

/// Step-through of the backward pass (in place of the heatmap): at the cursor's
/// timestep t, how large the gradient is, the Jacobian factor that carries it one
/// step further back, the product of those factors so far, step t's term of
/// ∂L/∂W_hh and the share the steps T…t carry, and where truncation and clipping act.
enum StepThroughPanel {
    struct Row: Equatable {
        var label: String
        var value: String
        /// A few words; `long` replaces it where the panel is wide enough.
        var note: String
        var long: String
        var style: Style = Style(bold: true)
    }

    static func rows(_ run: RunState, _ ui: UIState, cursor s: Int) -> [Row] {
        guard let r = run.report, ui.layer < r.hiddenGradNorms.count else { return [] }
        let norms = r.hiddenGradNorms[ui.layer]
        let factors = ui.layer < r.jacobianNorms.count ? r.jacobianNorms[ui.layer] : []
        let T = norms.count
        guard s >= 0 && s < T else { return [] }
        let t = s + 1
        let measured = factors.count == T && !factors.allSatisfy(\.isNaN)
        var rows = [norms[s] == 0
            ? Row(label: "‖∂L/∂h_t‖", value: "0", note: "none reaches h_\(t)", long: "no gradient reaches h_\(t)")
            : Row(label: "‖∂L/∂h_t‖", value: Format.scientific(norms[s]), note: "has reached h_\(t)",
                  long: "the gradient that has reached h_\(t)")]
        rows += gatedRows(run, ui, r, s: s)
        if measured && run.settings.cell.isGated {
            // A gated cell's ∂h_t/∂h_{t−1} (for the LSTM with c_{t−1} held fixed: the memory path is the row above).
            rows.append(Row(label: "‖J_t‖", value: Format.number(factors[s]), note: "J_t = ∂h_t/∂h_{t−1}",
                            long: "this step's factor J_t = ∂h_t/∂h_{t−1}" + (run.settings.cell == .lstm ? " with c_{t−1} held" : "")))
        } else if measured {
            // factors[s] = ‖diag(act'(a_t)) W_hh‖ at t = s + 1: it carries ∂L/∂h_t back to h_{t−1}.
            let bound = run.spectrum.flatMap { ui.layer < $0.largestSingularValue.count ? $0.largestSingularValue[ui.layer] : nil }
                .map { ", at most γ·σ_max = " + Format.number(gamma(run.settings.activation) * $0) } ?? ""
            let residual = run.settings.cell == .residual ? "I + " : ""
            rows.append(Row(label: "‖J_t‖", value: Format.number(factors[s]), note: "J_t = \(residual)diag(act'(a_t))·W_hh",
                            long: "this step's factor J_t = \(residual)diag(act'(a_t))·W_hh\(residual.isEmpty ? bound : "")"))
            let k = run.reportOptions?.truncate ?? 0
            if let cut = blockingCut(k, s: s, steps: T) {
                // The path from h_T back to h_{t−1} crosses a cut: that Jacobian is detached.
                rows.append(Row(label: "∏ ‖J‖ T…t", value: "0 (cut)", note: "cut at \(cut)|\(cut + 1)",
                                long: "the cut at t = \(cut)|\(cut + 1) detaches the path from h_T to h_\(t - 1)",
                                style: Style(foreground: .role(.marker), bold: true)))
            } else {
                var product = 1.0
                for u in s..<T { product *= factors[u] }
                rows.append(Row(label: "∏ ‖J‖ T…t", value: Format.scientific(product), note: "bounds ‖∂h_T/∂h_\(t - 1)‖",
                                long: "bounds ‖∂h_T/∂h_\(t - 1)‖: what of ∂L/∂h_T can reach h_\(t - 1)"))
            }
        } else if run.stream != nil {
            // A stream carries the norms reaching each h_t, not each step's Jacobian.
            rows.append(Row(label: "‖J_t‖", value: "–", note: "not in the stream", long: "the stream carries ‖∂L/∂h_t‖, not each step's Jacobian",
                            style: .role(.secondary)))
        } else {
            rows.append(Row(label: "‖J_t‖", value: "…", note: "measuring…", long: "measuring this iteration's Jacobians…",
                            style: .role(.secondary)))
        }
        rows += weightGradientRows(r.stepGradients, layer: ui.layer, s: s)
        // Where a stream's writer truncated is not in the stream: no row claims it.
        if run.stream == nil { rows.append(truncationRow(run.reportOptions?.truncate ?? 0, s: s, steps: T)) }
        rows.append(clippingRow(r.clipped, scale: r.clipScale, norm: r.gradNorm, threshold: run.reportOptions?.clipNorm ?? 0))
        return rows
    }

    /// The gated cells' own rows: ‖∂L/∂c_t‖ (LSTM) and the direct path's factor
    /// from T back to t, the mean of Π f_u (LSTM, along c) or Π z_u (GRU, along h).
    static func gatedRows(_ run: RunState, _ ui: UIState, _ r: IterationReport, s: Int) -> [Row] {
        let layer = ui.layer, t = s + 1
        var rows: [Row] = []
        if layer < r.cellGradNorms.count, s < r.cellGradNorms[layer].count {
            rows.append(Row(label: "‖∂L/∂c_t‖", value: Format.scientific(r.cellGradNorms[layer][s]), note: "has reached c_\(t)",
                            long: "the gradient that has reached the cell state c_\(t)"))
        }
        // A stream's gate product is over the whole sequence, not from T back to each t.
        guard run.stream == nil, layer < r.pathProducts.count, s < r.pathProducts[layer].count else { return rows }
        let lstm = run.settings.cell == .lstm
        let product = r.pathProducts[layer][s], gate = r.pathGateMeans[layer][s]
        guard !product.isNaN else {
            rows.append(Row(label: lstm ? "∏ f T…t" : "∏ z T…t", value: "…", note: "measuring…", long: "measuring this iteration's gates…",
                            style: .role(.secondary)))
            return rows
        }
        let name = lstm ? "f" : "z"
        if let cut = blockingCut(run.reportOptions?.truncate ?? 0, s: s, steps: r.pathProducts[layer].count) {
            // Truncated BPTT detaches the direct path at the cut, whatever the gates hold.
            rows.append(Row(label: "∏ \(name) T…t", value: "0 (cut)", note: "cut at \(cut)|\(cut + 1)",
                            long: "the cut at t = \(cut)|\(cut + 1) detaches the \(lstm ? "memory" : "direct") path from T back to t = \(t)"
                                + " (its gates' product is \(Format.scientific(product)))",
                            style: Style(foreground: .role(.marker), bold: true)))
            return rows
        }
        rows.append(Row(label: "∏ \(name) T…t", value: Format.scientific(product), note: "\(name)̄_\(t) = \(Format.number(gate))",
                        long: lstm ? "mean ∏ f_u, u = t…T: what of ∂L/∂c_T the memory keeps back to c_\(t - 1); f̄_\(t) = \(Format.number(gate))"
                                   : "mean ∏ z_u, u = t…T: what the direct path h_{t−1} → h_t carries from T; z̄_\(t) = \(Format.number(gate))"))
        return rows
    }

    /// W_hh is used at every step, so ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t): step t's term, and the
    /// share of Σ_u ‖∂L/∂W_hh|_(u)‖ that the steps from T back to t carry (measured with the
    /// Jacobians when step-through starts; nothing to show before that).
    static func weightGradientRows(_ terms: StepGradients?, layer: Int, s: Int) -> [Row] {
        guard let terms, layer < terms.norms.count, s < terms.norms[layer].count else { return [] }
        let norms = terms.norms[layer], T = norms.count, t = s + 1
        let all = norms.reduce(0, +)
        let term = Row(label: "W_hh term", value: Format.scientific(norms[s]), note: "‖∂L/∂W_hh|_(\(t))‖",
                       long: "‖∂L/∂W_hh|_(\(t))‖: step \(t)'s term of ∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t)")
        guard all > 0 && all.isFinite else {
            return [term, Row(label: "Σ T…t", value: all == 0 ? "0" : "×", note: "no ∂L/∂W_hh",
                              long: all == 0 ? "∂L/∂W_hh is 0: no step contributes" : "the terms are not finite",
                              style: .role(.secondary))]
        }
        let share = terms.shareOfLast(T - s, layer: layer)
        let steps = t == T ? "step \(T)" : "steps \(T)…\(t)"
        return [term, Row(label: "Σ T…t", value: percent(share), note: "carried by \(steps)",
                          long: "of Σ_t ‖∂L/∂W_hh|_(t)‖ is carried by \(steps)")]
    }

    /// A share as a percentage, with the decimals it takes not to read 0% or 100% when it is neither.
    static func percent(_ x: Double) -> String {
        let p = 100 * x
        if p == 0 || p == 100 { return String(format: "%.0f%%", p) }
        if p < 1e-3 { return "<0.001%" }
        if p > 100 - 1e-3 { return ">99.999%" }
        if p < 1 { return String(format: "%.2g%%", p) }
        if p < 10 { return String(format: "%.1f%%", p) }
        for digits in 0...2 where (p * pow(10, Double(digits))).rounded() < 100 * pow(10, Double(digits)) {
            return String(format: "%.\(digits)f%%", p)
        }
        return String(format: "%.3f%%", p)
    }

    /// The cut nearest T on the way from h_T back to the step before s, if any: the
    /// factor of step index u is detached when u is a positive multiple of K.
    static func blockingCut(_ k: Int, s: Int, steps: Int) -> Int? {
        guard k > 0 else { return nil }
        let last = (steps - 1) / k * k
        return last >= max(s, 1) ? last : nil
    }

    /// Truncation cuts the graph between steps K·j and K·j + 1 (1-based t).
    static func truncationRow(_ k: Int, s: Int, steps: Int) -> Row {
        guard k > 0 else {
            return Row(label: "truncation", value: "off", note: "full BPTT", long: "full BPTT: every step is reached from T",
                       style: .plain)
        }
        let t = s + 1
        if s > 0 && s % k == 0 {
            return Row(label: "truncation", value: "cut here", note: "nothing flows to h_\(t - 1)",
                       long: "K = \(k): nothing flows from h_\(t) on to h_\(t - 1)",
                       style: Style(foreground: .role(.marker), bold: true))
        }
        let lastCut = (steps - 1) / k * k  // the cut nearest T is before step index lastCut
        if lastCut > s {
            return Row(label: "truncation", value: "K = \(k)", note: "cut \(lastCut)|\(lastCut + 1) blocks h_T",
                       long: "the cut at t = \(lastCut)|\(lastCut + 1) keeps ∂L/∂h_T from reaching here", style: .plain)
        }
        let next = s / k * k
        return Row(label: "truncation", value: "K = \(k)",
                   note: next > 0 ? "next cut \(next)|\(next + 1)" : "no cut below",
                   long: next > 0 ? "next cut below: t = \(next)|\(next + 1)" : "no cut between t = 1 and here", style: .plain)
    }

    /// Clipping rescales the whole parameter gradient after the backward pass.
    static func clippingRow(_ clipped: Bool, scale: Double, norm: Double, threshold: Double) -> Row {
        let n = Format.number(norm)
        guard threshold > 0 else {
            return Row(label: "clipping", value: "off", note: "‖∇θ‖ \(n)", long: "‖∇θ‖ = \(n) is used as it is", style: .plain)
        }
        let limit = Format.setting(threshold)
        if clipped {
            return Row(label: "clipping", value: "×\(Format.number(scale))", note: "‖∇θ‖ \(n) > \(limit)",
                       long: "‖∇θ‖ = \(n) > \(limit): all of ∇θ scaled after BPTT",
                       style: Style(foreground: .role(.warn), bold: true))
        }
        return Row(label: "clipping", value: "not fired", note: "‖∇θ‖ \(n) ≤ \(limit)",
                   long: "‖∇θ‖ = \(n) ≤ \(limit): nothing scaled", style: .plain)
    }

    static func render(_ run: RunState, _ ui: UIState, cursor: Int, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 2 else { return }
        let T = shownSteps(run, layer: ui.layer)
        // A reverse direction's backward pass runs from t = 1 towards T.
        let reverse = run.isReverseRow(ui.layer)
        sectionTitle("BPTT step-through: t = \(cursor + 1) of \(T)", glyphs: glyphs, into: &buf, rect,
                     right: reverse ? "→ l back  ← h forward  b leave" : "← h back  → l forward  b leave")
        let rows = rows(run, ui, cursor: cursor)
        let labelWidth = rows.map { buf.displayWidth($0.label) }.max() ?? 0
        let valueWidth = max(9, rows.map { buf.displayWidth($0.value) }.max() ?? 0)
        let noteX = rect.x + 3 + labelWidth + valueWidth
        for (i, row) in rows.prefix(rect.height - 1).enumerated() {
            let y = rect.y + 1 + i
            // A note that does not fit whole is left out: the figure stands alone, not "has reach".
            let note = [row.long, row.note].first { noteX + buf.displayWidth($0) <= rect.maxX } ?? ""
            buf.put(row.label, x: rect.x + 1, y: y, style: .role(.secondary), limit: rect.maxX)
            buf.put(row.value, x: rect.x + 2 + labelWidth, y: y, style: row.style, limit: rect.maxX)
            buf.put(note, x: noteX, y: y, style: .role(.secondary), limit: rect.maxX)
        }
        let wide = rect.width >= 90
        if rows.count + 1 < rect.height, buf.displayWidth("bars: the steps reached, T down to t") < rect.width {
            let hint = reverse
                ? (wide ? "bars: ‖∂L/∂h_t‖ of the steps the backward pass has reached, from 1 up to t (reverse direction)"
                        : "bars: the steps reached, 1 up to t")
                : (wide ? "bars: ‖∂L/∂h_t‖ of the steps the backward pass has reached, from T down to t"
                        : "bars: the steps reached, T down to t")
            buf.put(hint, x: rect.x + 1, y: rect.y + 1 + rows.count, style: .role(.secondary), limit: rect.maxX)
        }
    }
}
