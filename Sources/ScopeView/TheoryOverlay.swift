import Spectral
import Foundation

/// The line the lecture predicts, drawn over the measured bars (`o`): from the last
/// step's measured ‖∂L/∂h_T‖, ℓ = T − t steps back,
///   the Elman cell: ρ(W_hh)^ℓ (what a linear network does) and the bound (γ·σ_max)^ℓ
///                   (Pascanu et al. 2013: never above it),
///   a gated cell:   ḡ^ℓ for the mean gate ḡ on its direct path (LSTM f̄, GRU z̄),
///   the residual cell: (1 ± γ·σ_max)^ℓ, the bounds of ‖I + diag(act')·W_hh‖ per step.
/// A truncation cut ends the lines: no gradient crosses it.
enum TheoryOverlay {
    struct Line {
        /// How the legend names it ("ρ^ℓ").
        var name: String
        var glyph: Character
        /// Predicted ‖∂L/∂h_t‖ for each 0-based step s; nil where it is not drawn.
        var values: [Double?]
    }

    static func lines(_ run: RunState, layer: Int, glyphs: Glyphs) -> [Line] {
        guard let r = run.report, layer < r.hiddenGradNorms.count else { return [] }
        let norms = r.hiddenGradNorms[layer]
        // A reverse direction's last step is t = 1: ℓ counts from there, towards T.
        let reverse = run.isReverseRow(layer)
        guard let anchor = reverse ? norms.first : norms.last, anchor > 0, anchor.isFinite else { return [] }
        let k = run.reportOptions?.truncate ?? 0
        // The first step (0-based) a gradient from T still reaches: after the last cut.
        let reach = k > 0 && !reverse ? ((norms.count - 1) / k) * k : 0
        func line(_ name: String, _ glyph: Character, rate: Double?) -> Line? {
            guard let rate, rate.isFinite, rate > 0 else { return nil }
            let last = norms.count - 1
            let values: [Double?] = norms.indices.map { s in
                s < reach ? nil : anchor * pow(rate, Double(reverse ? s : last - s))
            }
            return Line(name: name, glyph: glyph, values: values)
        }
        let spectrum = run.spectrum
        if run.settings.cell.isGated {
            let gate = spectrum.flatMap { layer < $0.gateMeans.count ? $0.gateMeans[layer] : nil }
            let name = run.settings.cell == .lstm ? "f̄^ℓ" : "z̄^ℓ"
            return [line(name, glyphs.isUnicode ? "•" : "*", rate: gate)].compactMap { $0 }
        }
        let rho = spectrum.flatMap { layer < $0.spectralRadius.count ? $0.spectralRadius[layer] : nil }
        let sigma = spectrum.flatMap { layer < $0.largestSingularValue.count ? $0.largestSingularValue[layer] : nil }
        let gamma = ScopeView.gamma(run.settings.activation)
        if run.settings.cell == .residual {
            // ‖(I + D·W_hh)ᵀv‖ lies within (1 ± γ·σ_max)‖v‖ at every step back
            let g = sigma.map { gamma * $0 }
            return [
                line("(1+γσ)^ℓ", glyphs.isUnicode ? "─" : "-", rate: g.map { 1 + $0 }),
                line("(1−γσ)^ℓ", glyphs.isUnicode ? "•" : "*", rate: g.map { 1 - $0 }),
            ].compactMap { $0 }
        }
        return [
            line("ρ^ℓ", glyphs.isUnicode ? "•" : "*", rate: rho),
            line("(γσ)^ℓ", glyphs.isUnicode ? "─" : "-", rate: sigma.map { gamma * $0 }),
        ].compactMap { $0 }
    }

    /// The legend for the chart's title: "• ρ^ℓ ─ (γσ)^ℓ".
    static func legend(_ lines: [Line]) -> String {
        lines.map { "\($0.glyph) \($0.name)" }.joined(separator: " ")
    }

    /// Each line's mark at its predicted height in every column it has a value for.
    static func draw(_ lines: [Line], scale: NormScale, axis: TimeAxis, plot: Rect, into buf: inout ScreenBuffer) {
        for (i, line) in lines.enumerated() {
            let style = Style(foreground: .role(i == 0 ? .marker : .accent), bold: true)
            for column in 0..<axis.usedWidth where !axis.isGap(column) {
                let steps = axis.steps(in: column)
                guard let s = steps.first.map({ _ in steps.upperBound - 1 }), s < line.values.count, let v = line.values[s],
                      v > 0, v.isFinite else { continue }
                let exponent = log10(v)
                guard exponent >= Double(scale.low), exponent <= Double(scale.high) else { continue }
                let fromBottom = min(Int(scale.fraction(v) * Double(plot.height)), plot.height - 1)
                buf.set(plot.x + column, plot.maxY - 1 - fromBottom, line.glyph, style)
            }
        }
    }
}
