import Spectral
import ModelIO
import RNNSim

/// The numbers that explain the chart: the recurrent matrix's spectrum against
/// Pascanu et al.'s bound, and the fixes in force.
enum SidePanel {
    struct Line: Equatable {
        enum Kind: Equatable { case section, item, verdict }
        var kind: Kind
        var label: String
        var value: String
        var style: Style = .plain
        /// What a narrow panel shows instead of `value`.
        var short: String? = nil
        /// 1 is kept longest when the panel is short; 4 (what the chart already shows) goes first.
        var priority: Int
    }

    static func lines(_ run: RunState, _ ui: UIState) -> [Line] {
        if let h = run.stream, h.source.isEmpty {
            return [Line(kind: .section, label: "stream", value: "", priority: 1),
                    Line(kind: .item, label: "waiting for its header", value: "", priority: 1)]
        }
        let s = run.settings
        let g = gamma(s.activation)
        let layer = ui.layer
        let rho = run.spectrum.flatMap { layer < $0.spectralRadius.count ? $0.spectralRadius[layer] : nil }
        let sigma = run.spectrum.flatMap { layer < $0.largestSingularValue.count ? $0.largestSingularValue[layer] : nil }
        var out: [Line] = [
            Line(kind: .section, label: run.settings.layers > 1 ? "network (\(run.rowName(layer)))" : "network", value: "", priority: 1),
            Line(kind: .item, label: "cell", value: s.cell == .rnn ? "rnn (vanilla)" : s.cell.rawValue, style: Style(bold: true), priority: 1),
        ]
        if s.cell.isGated {
            return out + gateLines(run, ui) + (run.stream == nil ? trainingLines(run) : streamLines(run))
        }
        out += [
            Line(kind: .item, label: "activation", value: s.activation.rawValue, priority: 1),
            Line(kind: .item, label: "γ = sup|act'|", value: g == 1 ? "1" : "1/4", priority: 2),
            Line(kind: .item, label: "init", value: run.stream.map { $0.source == "pytorch" ? "your loop's weights" : "as recorded" } ?? initDescription(s, identity: run.identityInit), priority: 2),
            Line(kind: .item, label: "size", value: size(run, layer: ui.layer), priority: 3),
            Line(kind: .item, label: "ρ(W_hh)", value: rho.map(Format.number) ?? "–", priority: 1),
            Line(kind: .item, label: "σ_max(W_hh)", value: sigma.map(Format.number) ?? "–", priority: 2),
        ]
        if s.cell == .residual, let sigma, sigma.isFinite {
            out += residualBound(g * sigma)
        } else if let sigma, sigma.isFinite {
            let product = g * sigma
            out.append(Line(kind: .item, label: "γ·σ_max", value: Format.number(product), style: Style(bold: true), priority: 1))
            // Pascanu, Mikolov & Bengio 2013, §2.1: ‖∂h_t/∂h_{t−1}‖ ≤ γ·σ_max, so below 1 the
            // product over k steps shrinks like (γ·σ_max)^k. At or above 1 the bound is silent:
            // the gradient may still vanish (an orthogonal W_hh, ρ < 1 < σ_max), so no verdict.
            // The bound is on what one loss sends back: with a loss at every step ‖∂L/∂h_t‖ sums
            // every later step's and stays level on the chart, so the verdict says "each loss's".
            let oneLoss = run.lossKind?.lastStepOnly ?? false
            out.append(product < 1
                ? Line(kind: .verdict, label: "", value: oneLoss ? "< 1: gradients must vanish" : "< 1: each loss's gradient vanishes",
                       style: Style(foreground: .role(.accent), bold: true),
                       short: oneLoss ? "< 1: must vanish" : "< 1: each loss's vanishes", priority: 1)
                : Line(kind: .verdict, label: "", value: "≥ 1: the bound says nothing", style: Style(foreground: .role(.warn), bold: true),
                       short: "≥ 1: says nothing", priority: 1))
            // What decides instead, for the linear network: the spectral radius.
            if product >= 1, let rho, rho.isFinite {
                out.append(Line(kind: .item, label: "linear net: ρ", value: rho < 1 ? (oneLoss ? "< 1, vanishes" : "< 1, each loss's vanishes") : rho > 1 ? "> 1, explodes" : "= 1",
                                priority: 4))
            }
        } else {
            out.append(Line(kind: .item, label: "γ·σ_max", value: "–", priority: 1))
        }
        if let m = measuredDecay(run, ui) { out.append(m) }
        return out + (run.stream == nil ? trainingLines(run) : streamLines(run))
    }

    /// The residual cell's step back, I + diag(act')·W_hh: ‖(I + D·W)ᵀv‖ ≥ (1 − γ·σ_max)‖v‖,
    /// so below 1 every step keeps at least that share of the gradient: it cannot vanish
    /// faster than (1 − γ·σ_max)^k; at or above 1 that bound says nothing.
    static func residualBound(_ product: Double) -> [Line] {
        [Line(kind: .item, label: "step back", value: "I + diag(act')·W_hh", priority: 2),
         Line(kind: .item, label: "γ·σ_max", value: Format.number(product), style: Style(bold: true), priority: 1),
         product < 1
            ? Line(kind: .verdict, label: "", value: "< 1: each step keeps ≥ 1 − γ·σ_max", style: Style(foreground: .role(.good), bold: true),
                   short: "< 1: keeps ≥ 1−γσ", priority: 1)
            : Line(kind: .verdict, label: "", value: "≥ 1: the bound says nothing", style: Style(foreground: .role(.warn), bold: true),
                   short: "≥ 1: says nothing", priority: 1)]
    }

    /// What the chart shows, in one number: the norm where the backward pass ends over the one
    /// where it starts, ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ of the iteration on screen; a reverse direction's
    /// pass runs from t = 1 to T, so its ratio is ‖∂L/∂h_T‖ / ‖∂L/∂h_1‖.
    static func measuredDecay(_ run: RunState, _ ui: UIState) -> Line? {
        guard let r = run.report, ui.layer < r.hiddenGradNorms.count else { return nil }
        let row = r.hiddenGradNorms[ui.layer], reverse = run.isReverseRow(ui.layer)
        guard let start = reverse ? row.first : row.last, let end = reverse ? row.last : row.first,
              start > 0, start.isFinite, end.isFinite else { return nil }
        let ratio = end / start
        return Line(kind: .item, label: reverse ? "measured h_T/h_1" : "measured h_1/h_T",
                    value: Format.scientific(ratio) + (ratio < 1 ? " ↓" : ratio > 1 ? " ↑" : ""), priority: 4)
    }

    /// "H 32·T 50·B 16·L 2"; a stream says what its header and latest record do.
    static func size(_ run: RunState, layer: Int) -> String {
        let s = run.settings
        guard let h = run.stream else { return "H \(s.hidden)·T \(s.steps)·B \(s.batch)" + (s.layers > 1 ? "·L \(s.layers)" : "") }
        var text = "H \(h.hidden)" + (h.projSize > 0 ? "→\(h.projSize)" : "") + "·T \(shownSteps(run, layer: layer))"
        if h.layers > 1 { text += "·L \(h.layers)" }
        if h.directions == 2 { text += "·bidir" }
        return text
    }

    /// A stream's run: who trains it and where, how it is recorded, and whether every figure is exact.
    static func streamLines(_ run: RunState) -> [Line] {
        guard let h = run.stream else { return [] }
        var out = [Line(kind: .section, label: h.source == "pytorch" ? "your loop" : "stream", value: "", priority: 1)]
        if let device = h.device { out.append(Line(kind: .item, label: "device", value: device, priority: 3)) }
        if let dtype = h.dtype { out.append(Line(kind: .item, label: "dtype", value: dtype, priority: 3)) }
        if h.worldSize > 1 { out.append(Line(kind: .item, label: "ranks", value: "rank \(h.rank)'s batch of \(h.worldSize)", priority: 2)) }
        out.append(Line(kind: .item, label: "recorded", value: h.every == 1 ? "every iteration" : "every \(h.every) iterations", priority: 3))
        let warn = Style(foreground: .role(.warn), bold: true)
        if run.streamCalls > 1 {
            // The module ran several times with gradients: these norms are one call's, not the iteration's.
            out.append(Line(kind: .item, label: "norms", value: "last of \(run.streamCalls) calls", style: warn, priority: 1))
        } else {
            out.append(h.exact
                ? Line(kind: .item, label: "norms", value: "exact", priority: 2)
                : Line(kind: .item, label: "norms", value: "NOT all exact (header)", style: warn, priority: 1))
        }
        let clip = run.reportOptions?.clipNorm ?? 0
        // Only scope.clip_grad_norm_ is seen: a loop that clips with torch's own is not "off".
        // Turned off by c (the control file's clip 0), the loop's records say 0 as well.
        let off = !run.streamClipMeasured ? "not measured" : h.source != "pytorch" ? "off" : run.clipOffByView ? "off (c)" : "none via scope"
        out.append(Line(kind: .item, label: "clipping", value: clip > 0 ? "on, ‖g‖ ≤ \(Format.setting(clip))" : off,
                        style: clip > 0 ? Style(foreground: .role(.good), bold: true) : .plain, priority: 1))
        if clip > 0 && run.clipCounted > 0 {
            // A stream counts the iterations it has records of, not every iteration of the loop.
            out.append(Line(kind: .item, label: "  fired", value: "\(run.clipFired) of \(run.clipCounted) records", priority: 2))
        }
        if let r = run.report {
            // A record's null grad_norm: the loop's module got no gradient of its own (frozen).
            var norm = run.streamGradNormMeasured ? Format.number(r.gradNorm) : "not measured"
            if r.clipped { norm += " → ×\(Format.number(r.clipScale))" }
            out.append(Line(kind: .item, label: "grad norm", value: norm, priority: 3))
        }
        if let p = run.streamProgress {
            var read = "\(p.records)"
            if p.ended { read += ", ended" } else if p.caughtUp { read += ", following" } else if p.behind > 0 { read += ", ~\(p.behind) behind" }
            out.append(Line(kind: .item, label: "records", value: read, priority: 2))
            if p.skipped > 0 {
                out.append(Line(kind: .item, label: "skipped", value: "\(p.skipped) bad line\(p.skipped == 1 ? "" : "s")",
                                style: Style(foreground: .role(.warn), bold: true), priority: 1))
            }
        }
        return out
    }

    /// A gated cell: what its direct-path gate (LSTM forget gate f, GRU update gate z)
    /// does: near 1 it carries the gradient back, near 0 it cuts it; saturated
    /// (< 0.05 or > 0.95) it barely learns, since σ' ≤ 0.05 there.
    static func gateLines(_ run: RunState, _ ui: UIState) -> [Line] {
        let s = run.settings, layer = ui.layer
        let lstm = s.cell == .lstm
        var out: [Line] = []
        if lstm {
            out.append(Line(kind: .item, label: "forget bias b_f", value: run.stream.map { $0.source == "pytorch" ? "your loop's" : "as recorded" } ?? (s.ownModel != nil ? "your model's" : Format.setting(s.forgetBias)), priority: 2))
        }
        // From the last iteration that measured them (with the spectrum, about ten a second).
        func measured(_ values: KeyPath<SpectrumReading, [Double]>) -> Double? {
            run.spectrum.flatMap { layer < $0[keyPath: values].count ? $0[keyPath: values][layer] : nil }.flatMap { $0.isNaN ? nil : $0 }
        }
        let mean = measured(\.gateMeans), saturation = measured(\.gateSaturation), products = measured(\.gateProducts)
        out.append(Line(kind: .item, label: lstm ? "forget gate f̄" : "update gate z̄", value: mean.map(Format.number) ?? "–",
                        style: Style(bold: true), priority: 1))
        out.append(Line(kind: .item, label: "  saturated", value: saturation.map(Format.percent) ?? "–",
                        short: nil, priority: 2))
        out.append(Line(kind: .item, label: lstm ? "∏ f T…1" : "∏ z T…1", value: products.map(Format.scientific) ?? "–", priority: 1))
        let sigma = run.spectrum.flatMap { layer < $0.largestSingularValue.count ? $0.largestSingularValue[layer] : nil }
        out.append(Line(kind: .item, label: "σ_max(W_hh)", value: sigma.map(Format.number) ?? "–", priority: 3))
        out.append(Line(kind: .item, label: "size", value: size(run, layer: ui.layer), priority: 3))
        return out
    }

    static func trainingLines(_ run: RunState) -> [Line] {
        let s = run.settings
        var out: [Line] = []
        out.append(Line(kind: .section, label: "training", value: "", priority: 1))
        out.append(Line(kind: .item, label: "task", value: s.ownModel?.data != nil ? "your data" : s.task == .copy && s.reverse ? "copy, reversed" : s.task.rawValue, priority: 3))
        out.append(Line(kind: .item, label: "loss", value: run.lossKind?.rawValue ?? "task's own", priority: 3))
        var optimiser = "\(s.optimizer.rawValue) η \(Format.setting(s.learningRate))"
        if s.momentum > 0 { optimiser += " μ \(Format.setting(s.momentum))" }
        out.append(Line(kind: .item, label: "optimiser", value: optimiser, priority: 2))
        if run.clip > 0 {
            out.append(Line(kind: .item, label: "clipping", value: "on, ‖g‖ ≤ \(Format.setting(run.clip))",
                            style: Style(foreground: .role(.good), bold: true), priority: 1))
            let percent = run.clipCounted > 0 ? " (\(Format.percent(Double(run.clipFired) / Double(run.clipCounted))))" : ""
            out.append(Line(kind: .item, label: "  fired", value: "\(run.clipFired) of \(run.clipCounted)\(percent)", priority: 2))
        } else {
            out.append(Line(kind: .item, label: "clipping", value: "off", priority: 1))
        }
        out.append(Line(kind: .item, label: "truncation",
                        value: run.truncate > 0 ? "on, K = \(run.truncate)" : "off (full BPTT)",
                        style: run.truncate > 0 ? Style(foreground: .role(.good), bold: true) : .plain, priority: 1))
        if let r = run.report {
            var norm = Format.number(r.gradNorm)
            if r.clipped { norm += " → ×\(Format.number(r.clipScale))" }
            out.append(Line(kind: .item, label: "grad norm", value: norm, priority: 3))
        }
        return out
    }

    static func initDescription(_ s: Settings, identity: Bool) -> String {
        if s.ownModel != nil && s.initKind != .identity { return "your model's weights" }
        return switch s.initKind {
        case .spectral: "spectral ρ \(Format.setting(s.rho))"
        case .xavier: "xavier"
        case .orthogonal: "orthogonal ×\(Format.setting(s.rho))"
        case .identity: "identity α \(Format.setting(s.alpha))" + (identity ? " IRNN" : "")
        }
    }

    /// The lines that fit, dropping the least important first, in their order.
    static func fitting(_ lines: [Line], rows: Int) -> [Line] {
        var kept = lines
        var priority = 4
        while kept.count > rows && priority >= 1 {
            if let i = kept.lastIndex(where: { $0.priority == priority }) { kept.remove(at: i) } else { priority -= 1 }
        }
        return Array(kept.prefix(max(0, rows)))
    }

    static func render(_ lines: [Line], glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard !rect.isEmpty else { return }
        let shown = fitting(lines, rows: rect.height)
        for (i, line) in shown.enumerated() {
            let y = rect.y + i
            switch line.kind {
            case .section:
                sectionTitle(line.label, glyphs: glyphs, into: &buf, Rect(x: rect.x, y: y, width: rect.width, height: 1))
            case .item:
                // Values flush right (as htop's meters): a long label never pushes a number off the panel.
                let end = buf.put(line.label, x: rect.x + 1, y: y, style: .role(.secondary), limit: rect.maxX)
                let x = max(end + 1, rect.maxX - 1 - buf.displayWidth(line.value))
                buf.put(line.value, x: x, y: y, style: line.style, limit: rect.maxX)
            case .verdict:
                let text = buf.displayWidth(line.value) < rect.width - 1 ? line.value : line.short ?? line.value
                let x = max(rect.x + 1, rect.maxX - 1 - buf.displayWidth(text))
                buf.put(text, x: x, y: y, style: line.style, limit: rect.maxX)
            }
        }
    }
}
