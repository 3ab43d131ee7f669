import Foundation

/// The split view: run A and run B, each with its gradient chart on one shared log
/// scale, a row of log₁₀(‖∂L/∂h_t‖_B / ‖∂L/∂h_t‖_A) per timestep, and both losses on
/// one chart. Side by side from 160 columns, stacked below.
enum SplitScreen {
    static let minimumWidth = 100, minimumHeight = 28
    static let sideBySideWidth = 160

    static func fits(width: Int, height: Int) -> Bool { width >= minimumWidth && height >= minimumHeight }

    /// Where each part goes.
    struct Layout: Equatable {
        var header, chartA, chartB, ratio, loss, status, keyBar: Rect
        var sideBySide: Bool

        init(width: Int, height: Int) {
            let screen = Rect(x: 0, y: 0, width: width, height: height)
            var rest: Rect
            (header, rest) = screen.splitTop(2)
            (keyBar, rest) = rest.splitBottom(1)
            (status, rest) = rest.splitBottom(1)
            (loss, rest) = rest.splitBottom(min(8, max(4, rest.height / 5)))
            (ratio, rest) = rest.splitBottom(3)
            sideBySide = width >= SplitScreen.sideBySideWidth
            if sideBySide {
                (chartA, chartB) = rest.splitLeft((rest.width - 1) / 2)
                chartB = Rect(x: chartB.x + 1, y: chartB.y, width: chartB.width - 1, height: chartB.height)
            } else {
                // Both the same height, so that equal norms draw equal bars; an odd row stays blank.
                let half = rest.height / 2
                (chartA, rest) = rest.splitTop(half)
                chartB = rest.splitTop(half).0
            }
        }
    }

    static func render(_ state: AppState, glyphs: Glyphs, into buf: inout ScreenBuffer) {
        guard let b = state.b else { return }
        let a = state.a, ui = state.ui
        let layout = Layout(width: ui.width, height: ui.height)
        // A run that diverged stays frozen at its blow-up: in the shared scale it would
        // flatten the other run's chart for good, so the scale is the live runs'.
        let live = [a, b].filter { !$0.diverged }
        // The split draws each run's latest iteration and no heatmap: its decades are theirs.
        let scale = NormScale.covering((live.isEmpty ? [a, b] : live).flatMap { shownNorms($0, layer: ui.layer, heatmapRows: 0) })
        let (diffA, diffB) = Comparison.differences(a.settings, b.settings)
        Header.render(state, into: &buf, layout.header)
        side(.a, a, ui, differs: diffA, focused: state.focus == .a, scale: scale, glyphs: glyphs, into: &buf, layout.chartA)
        side(.b, b, ui, differs: diffB, focused: state.focus == .b, scale: scale, glyphs: glyphs, into: &buf, layout.chartB)
        ratioRow(a, b, layer: ui.layer, glyphs: glyphs, into: &buf, layout.ratio)
        bothLosses(a, b, glyphs: glyphs, into: &buf, layout.loss)
        StatusLine.render(state, into: &buf, layout.status)
        KeyBar.render(Keymap.bar(for: state), into: &buf, layout.keyBar)
    }

    /// "▶ B: train.clip = 1   iteration 120   loss 0.0312", then that run's chart.
    static func side(_ name: Side, _ s: RunState, _ ui: UIState, differs: [String], focused: Bool, scale: NormScale, glyphs: Glyphs,
                     into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 5 else { return }
        let (top, chart) = rect.splitTop(1)
        let style = focused ? Style(foreground: .color(Palette.black), background: .role(.selection), bold: true)
                            : Style(bold: true)
        buf.fill(top, style: style)
        // Two streams are named by their files; two simulations by what B changed.
        let what = s.stream != nil ? "\(s.scenario.name): \(s.scenario.title)" : differs.isEmpty ? "the same settings" : differs.joined(separator: ", ")
        var figures = "iteration \(s.latestIteration)"
        if let loss = s.latestLoss { figures += "   loss \(Format.number(loss))" }
        if s.diverged { figures += s.stream != nil ? "   INF/NAN" : "   DIVERGED" }
        // The name ends at a word with an ellipsis where it would run into the figures (a
        // stream's long title), unless the row is too narrow for both: then it has the row.
        let label = (focused ? "▶ " : "  ") + name.name + ": " + what
        let room = top.width - buf.displayWidth(figures) - 4
        var x = buf.put(StatusLine.ellipsized(label, toWidth: room >= 24 ? room : top.width - 1, buf),
                        x: top.x, y: top.y, style: style, limit: top.maxX)
        let fx = top.maxX - buf.displayWidth(figures) - 1
        if fx > x + 2 { x = buf.put(figures, x: fx, y: top.y, style: style, limit: top.maxX) }
        guard chart.height >= 8 else { return GradientChart.render(s, ui, scale: scale, glyphs: glyphs, into: &buf, chart) }
        let (numbers, rest) = chart.splitTop(1)
        // The side's own verdict stays on its side, right of its figures (in their place if
        // both do not fit): both halves of a comparison are judged on screen at once.
        // Beside a long verdict the figures shorten to what decides the story (ρ, γ·σ_max, the
        // gate) before they give way: at 100 columns gamma-bound's γ·σ_max stays on screen.
        var shown = panelFigures(s, ui, width: numbers.width - 2, buf)
        if let verdict = s.moment, 2 + buf.displayWidth(shown) + 2 + buf.displayWidth(verdict) + 1 > numbers.width {
            shown = panelFigures(s, ui, only: ["ρ(W_hh)", "γ·σ_max", "forget gate f̄", "update gate z̄"], width: numbers.width - 2, buf)
        }
        let figureEnd = buf.put(shown, x: numbers.x + 2, y: numbers.y, style: .role(.secondary), limit: numbers.maxX)
        if let verdict = s.moment {
            let style = Style(foreground: .role(verdict.hasPrefix("✗") ? .bad : .good), bold: true)
            let wide = buf.displayWidth(verdict)
            if numbers.maxX - 1 - wide > figureEnd + 2 {
                buf.put(verdict, x: numbers.maxX - 1 - wide, y: numbers.y, style: style)
            } else {
                buf.fill(Rect(x: numbers.x, y: numbers.y, width: numbers.width, height: 1), style: .plain)
                // Wider than the row: narrowed as the status line narrows it, asides first, never
                // cut mid-figure ("= 0." of 0.0199 reads as zero).
                let text = StatusLine.fittedVerdict(verdict, toWidth: numbers.width - 3, buf)
                buf.put(text, x: numbers.x + 2, y: numbers.y, style: style, limit: numbers.maxX)
            }
        }
        GradientChart.render(s, ui, scale: scale, glyphs: glyphs, into: &buf, rest)
    }

    /// What the single view's side panel says of a run, on one row: its recurrent
    /// matrix (ρ, σ_max, γ·σ_max; a gated cell's gate), how often clipping fired, ‖∇θ‖:
    /// those that fit in `width` whole, in that order. A figure cut at the edge reads as
    /// another number (‖∇θ‖ 0.3647 as "0.364").
    static func panelFigures(_ s: RunState, _ ui: UIState, only: Set<String>? = nil, width: Int, _ buf: ScreenBuffer) -> String {
        let names = ["ρ(W_hh)": "ρ", "σ_max(W_hh)": "σ_max", "γ·σ_max": "γ·σ_max", "forget gate f̄": "f̄", "update gate z̄": "z̄",
                     "∏ f T…1": "∏ f T…1", "∏ z T…1": "∏ z T…1", "  fired": "clipped", "grad norm": "‖∇θ‖"]
        var shown = ""
        for line in SidePanel.lines(s, ui) {
            guard line.kind == .item, let name = names[line.label], only?.contains(line.label) ?? true else { continue }
            let next = shown.isEmpty ? "\(name) \(line.value)" : shown + "   \(name) \(line.value)"
            guard buf.displayWidth(next) <= width else { break }
            shown = next
        }
        return shown
    }

    /// log₁₀ of B's norm over A's at every timestep: blue where B's gradient is smaller,
    /// red where it is larger, the scale symmetric about 0.
    static func ratioRow(_ a: RunState, _ b: RunState, layer: Int, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 2, rect.width > GradientChart.labelWidth + 4 else { return }
        let plot = Rect(x: rect.x + GradientChart.labelWidth, y: rect.y + 1, width: rect.width - GradientChart.labelWidth, height: 1)
        let ratios = logRatios(a, b, layer: layer)
        let finite = ratios.compactMap { $0 }.filter(\.isFinite)
        let span = max(1, (finite.map(abs).max() ?? 1).rounded(.up))
        let range = finite.isEmpty ? "" : "min \(signed(finite.min()!))  max \(signed(finite.max()!))"
        // The words give way to the figures where both do not fit (100 columns).
        var title = "log₁₀(B/A) of ‖∂L/∂h_t‖: blue B smaller, green equal, red B larger, ±\(Int(span)) full"
        if buf.displayWidth(title) + buf.displayWidth(range) + 6 >= rect.width {
            title = "log₁₀(B/A): blue B smaller, green equal, red B larger, ±\(Int(span)) full"
        }
        sectionTitle(title, glyphs: glyphs, into: &buf, rect, right: range)
        buf.put("B/A", x: rect.x + 1, y: plot.y, style: .role(.secondary))
        guard !ratios.isEmpty else {
            // Two streams of different T have no step-by-step ratio: say so rather than wait.
            let steps = [a, b].compactMap { $0.report.flatMap { r in layer < r.hiddenGradNorms.count ? r.hiddenGradNorms[layer].count : nil } }
            let text = steps.count == 2 ? "A has T = \(steps[0]), B T = \(steps[1]): no ratio step by step" : "waiting for both runs…"
            buf.put(text, x: plot.x, y: plot.y, style: .role(.secondary), limit: plot.maxX)
            return
        }
        let axis = TimeAxis(count: ratios.count, width: plot.width)
        for column in 0..<axis.usedWidth {
            let steps = axis.steps(in: column)
            guard !steps.isEmpty else { continue }
            // The ratio of largest magnitude in the column: a column never hides a big difference.
            let values = steps.compactMap { ratios[$0] }
            guard let v = values.max(by: { abs($0) < abs($1) }) else { continue }
            if !v.isFinite {
                buf.set(plot.x + column, plot.y, glyphs.nonFinite, Style(foreground: .role(.bad), bold: true))
                continue
            }
            let level = Int(((v / span + 1) / 2 * Double(Palette.heatLevels - 1)).rounded())
            buf.set(plot.x + column, plot.y, glyphs.eighths[8], Style(foreground: .role(.heat(level))))
        }
        if rect.height >= 3 {
            buf.put("t = 1", x: plot.x, y: plot.y + 1, style: .role(.secondary))
            let last = "t = \(ratios.count)"
            buf.put(last, x: plot.maxX - buf.displayWidth(last), y: plot.y + 1, style: .role(.secondary))
        }
    }

    /// Per timestep, log₁₀(B / A) of the shown layer's norms; nil where either is 0.
    static func logRatios(_ a: RunState, _ b: RunState, layer: Int) -> [Double?] {
        guard let ra = a.report, let rb = b.report, layer < ra.hiddenGradNorms.count, layer < rb.hiddenGradNorms.count
        else { return [] }
        let na = ra.hiddenGradNorms[layer], nb = rb.hiddenGradNorms[layer]
        guard na.count == nb.count else { return [] }
        return zip(na, nb).map { x, y in
            if !x.isFinite || !y.isFinite { return .nan }
            return x > 0 && y > 0 ? log10(y / x) : nil
        }
    }

    static func signed(_ v: Double) -> String { (v >= 0 ? "+" : "") + String(format: "%.2g", v) }

    /// Both runs' losses on one chart and one scale: A in the accent colour, B in the marker's.
    static func bothLosses(_ a: RunState, _ b: RunState, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 3, rect.width >= 20 else { return }
        let series = [a.losses.values, b.losses.values]
        let all = series.flatMap { $0 }
        let lo = all.min() ?? 0, hi = all.max() ?? 0
        let logScale = lo > 0 && hi / lo > 100
        let right = "A \(a.latestLoss.map(Format.number) ?? "-")   B \(b.latestLoss.map(Format.number) ?? "-")"
        sectionTitle("loss, whole run, A and B" + (logScale ? ", log" : ""), glyphs: glyphs, into: &buf, rect, right: right)
        var plot = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 1, height: rect.height - 1)
        buf.put("A", x: plot.x, y: plot.y, style: Style(foreground: .role(.accent), bold: true))
        buf.put("B", x: plot.x, y: plot.y + 1, style: Style(foreground: .role(.marker), bold: true))
        plot = Rect(x: plot.x + 2, y: plot.y, width: plot.width - 2, height: plot.height)
        guard all.count >= 2 else { return }
        let top = Format.number(hi), bottom = Format.number(lo)
        let margin = max(buf.displayWidth(top), buf.displayWidth(bottom)) + 1
        buf.put(top, x: plot.maxX - buf.displayWidth(top), y: plot.y, style: .role(.secondary))
        buf.put(bottom, x: plot.maxX - buf.displayWidth(bottom), y: plot.maxY - 1, style: .role(.secondary))
        plot.width -= margin
        guard plot.width > 0 else { return }
        let scaled: (Double) -> Double = logScale ? { log10($0) } : { $0 }
        let dotsPerRow = glyphs.hasBraille ? 4 : 1
        // One iteration axis for both: a run that stopped (diverged) spans only the
        // iterations it ran, not the whole width.
        let ran = [a.losses, b.losses].map { $0.values.count * $0.stride }
        let longest = max(ran.max() ?? 1, 1)
        for (i, values) in series.enumerated() where values.count >= 1 {
            let style = Style(foreground: .role(i == 0 ? .accent : .marker), bold: i == 1)
            let width = max(1, plot.width * ran[i] / longest)
            let heights = LossSparkline.heights(LossSparkline.resample(values, to: width).map(scaled),
                                                lo: scaled(lo), hi: scaled(hi), levels: plot.height * dotsPerRow)
            for (c, h) in heights.enumerated() {
                let row = (h - 1) / dotsPerRow, y = plot.maxY - 1 - row
                guard y >= plot.y else { continue }
                // A line, not bars, so that the two runs stay apart: one dot (A left, B right).
                let dot = (h - 1) % dotsPerRow
                var mark: Character = glyphs.hasBraille
                    ? Glyphs.braille([(0..<4).map { i == 0 && $0 == 3 - dot }, (0..<4).map { i == 1 && $0 == 3 - dot }])
                    : (i == 0 ? "a" : "b")
                var markStyle = style
                // Where B's dot falls in a cell holding A's, both dots stay (B's replaced A's, and
                // two close losses showed B alone), in the text colour: the columns say which is which.
                if i == 1, glyphs.hasBraille, let a = Glyphs.brailleBits(buf[plot.x + c, y].character), a != 0,
                   let b = Glyphs.brailleBits(mark) {
                    mark = Character(Unicode.Scalar(0x2800 + (a | b))!)
                    markStyle = Style(foreground: .standard, bold: true)
                }
                buf.set(plot.x + c, y, mark, markStyle)
            }
        }
    }
}

/// The split view needs more room than one run: below it, the focused run is
/// shown alone (where one run fits), or this says how much room.
enum SplitTooSmall {
    /// The focused run as a state of its own, for the single view, its title bar
    /// saying which side it is and that Tab shows the other.
    static func focusedAlone(_ state: AppState) -> AppState {
        var one = state
        let side = state.ui.focus
        one.runs = [state[side]]
        one.ui.focus = .a
        one.ui.alone = "\(side.name) alone (split needs \(SplitScreen.minimumWidth)×\(SplitScreen.minimumHeight); Tab: \(side.other.name))"
        // The status line gives the verdict of the run on screen where it is the latest (two judged
        // at one iteration): else B alone showed A's "explodes" under its own vanishing chart, and
        // B's verdict was nowhere on an 80×24 screen. An older one yields to why the run stopped.
        let shown = state[side], other = state[side.other]
        if state.ui.moment != nil, let m = shown.moment, other.moment == nil || shown.momentIteration >= other.momentIteration {
            one.ui.moment = m
        }
        return one
    }

    /// Below the single view's 60×16 not even one run fits, so closing the split does not
    /// help: the terminal must grow to that size (and to the split's to show both runs).
    static func message(width: Int, height: Int) -> String {
        TooSmallScreen.message(width: width, height: height)
            + "\nthe split view needs \(SplitScreen.minimumWidth)×\(SplitScreen.minimumHeight)"
    }
}
