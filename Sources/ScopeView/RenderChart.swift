/// The main chart: log₁₀‖∂L/∂h_t‖ for every timestep of the shown iteration, as
/// bars over t, with decade labels, the truncation cuts and Inf/NaN marked.
///
///     ─ ‖∂L/∂h_t‖ by timestep (log scale) · it 1234 ─── × Inf/NaN · 0 ┆ cut ─
///      1e0│                                    ▂▄█
///     1e-2│                          ▁▃▅▇██████████
///     1e-4│   ┆      ▁▂▃▄▅▆▇███████████████████████
///         └───┼───┴───────┼───────┴───────┼───────
///          1             10              20     25
enum GradientChart {
    /// Columns left of the plot: a decade label ("1e-12") and the axis.
    static let labelWidth = 6

    static func render(_ run: RunState, _ ui: UIState, scale: NormScale, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 4, rect.width > labelWidth + 4 else { return }
        let cuts = run.reportOptions?.truncate ?? 0
        var rest = ""
        if let r = run.report { rest += " · it \(r.iteration)" }
        if run.settings.layers > 1 {
            rest += run.stream?.directions == 2 ? " · \(run.rowName(ui.layer))" : " · layer \(ui.layer + 1)/\(run.settings.layers)"
        }
        let theory = ui.theory ? TheoryOverlay.lines(run, layer: ui.layer, glyphs: glyphs) : []
        if !theory.isEmpty { rest += " · " + TheoryOverlay.legend(theory) }
        // The words give way to the figures and the legend of the lines drawn (`o` at 100 columns).
        var title = "‖∂L/∂h_t‖ by timestep t (log scale)" + rest
        if buf.displayWidth(title) + 4 > rect.width { title = "‖∂L/∂h_t‖, log" + rest }
        var legend = "\(glyphs.nonFinite) Inf/NaN \(glyphs.zero) zero"
        if cuts > 0 { legend += " \(glyphs.cutLine) cut K=\(cuts)" }
        sectionTitle(title, glyphs: glyphs, into: &buf, rect, right: legend)

        let plotHeight = rect.height - 3
        let plot = Rect(x: rect.x + labelWidth, y: rect.y + 1, width: rect.width - labelWidth, height: plotHeight)
        let axisY = plot.maxY, labelY = plot.maxY + 1

        guard let report = run.report, ui.layer < report.hiddenGradNorms.count,
              !report.hiddenGradNorms[ui.layer].isEmpty else {
            let text = run.error.map { "cannot train: \($0)" } ?? "waiting for the first iteration…"
            buf.put(text, x: plot.x + 1, y: plot.y + plot.height / 2, style: .role(.secondary), limit: plot.maxX)
            return
        }
        let norms = report.hiddenGradNorms[ui.layer]
        let axis = TimeAxis(count: norms.count, width: plot.width)
        var cursor: Int? = nil
        if case .stepThrough(let c) = ui.mode { cursor = c }
        let reverse = run.isReverseRow(ui.layer)

        drawDecadeLabels(scale, glyphs: glyphs, plot: plot, into: &buf, x: rect.x)
        for column in 0..<axis.usedWidth {
            let steps = axis.steps(in: column)
            // A gap column between wide bars stays empty (cut lines go there).
            if axis.isGap(column) { continue }
            // Step-through: the backward pass has not reached steps before the cursor yet
            // (after it, for a reverse direction, whose backward pass runs from t = 1 on).
            if let c = cursor, reverse ? steps.lowerBound > c : steps.upperBound <= c { continue }
            guard let v = axis.aggregate(norms, column: column) else { continue }
            drawBar(v, scale: scale, glyphs: glyphs, x: plot.x + column, plot: plot, into: &buf)
        }
        drawCuts(every: cuts, axis: axis, glyphs: glyphs, plot: plot, into: &buf)
        TheoryOverlay.draw(theory, scale: scale, axis: axis, plot: plot, into: &buf)
        let cursorLabel = cursor.map { cursorLabelSpan($0, axis: axis, plot: plot) }
        drawTimeAxis(axis, cuts: cuts, glyphs: glyphs, plot: plot, y: axisY, labelY: labelY, avoiding: cursorLabel, into: &buf)
        if let c = cursor { drawCursor(c, axis: axis, glyphs: glyphs, plot: plot, labelY: labelY, into: &buf) }
    }

    /// One column's bar: eighth blocks up to the value's place on the log scale,
    /// in its heat colour; Inf/NaN fill the column with ×, an exact zero is a dot on the floor.
    static func drawBar(_ v: Double, scale: NormScale, glyphs: Glyphs, x: Int, plot: Rect, into buf: inout ScreenBuffer) {
        if !v.isFinite {
            for y in plot.y..<plot.maxY { buf.set(x, y, glyphs.nonFinite, Style(foreground: .role(.bad), bold: true)) }
            return
        }
        if v <= 0 {
            buf.set(x, plot.maxY - 1, glyphs.zero, .role(.secondary))
            return
        }
        let style = Style(foreground: .role(.heat(scale.level(v))))
        // Anything above zero shows at least one eighth.
        let eighths = max(1, Int((scale.fraction(v) * Double(plot.height * 8)).rounded()))
        for row in 0..<plot.height {
            let filled = min(max(eighths - row * 8, 0), 8)
            if filled == 0 { break }
            buf.set(x, plot.maxY - 1 - row, glyphs.eighths[filled], style)
        }
    }

    /// Decade labels down the left, as many as fit two rows apart, always the ends.
    static func drawDecadeLabels(_ scale: NormScale, glyphs: Glyphs, plot: Rect, into buf: inout ScreenBuffer, x: Int) {
        for y in plot.y..<plot.maxY { buf.set(x + labelWidth - 1, y, glyphs.vertical, .role(.secondary)) }
        let fits = max(1, (plot.height + 1) / 2)
        var every = 1
        while (scale.span + every - 1) / every + 1 > fits && every < scale.span { every += 1 }
        // Evenly spaced from the top; the bottom decade too when it has a row of its own.
        var decades = Array(stride(from: scale.high, through: scale.low, by: -every))
        if decades.last != scale.low { decades.append(scale.low) }
        var used = Set<Int>()
        for d in decades {
            let y = row(ofDecade: d, scale: scale, plot: plot)
            // The top label wins a clash; the bottom one is drawn only on a free row.
            if used.contains(y) || used.contains(y - 1) || used.contains(y + 1) { continue }
            used.insert(y)
            // Right-aligned against the axis; a three-digit exponent (a float64 stream below
            // 1e-99) is one column wider than the gutter and takes the axis's place on its row,
            // where cut at the left it read "e-130".
            let label = Format.decade(d)
            buf.put(label, x: max(x, x + labelWidth - 1 - buf.displayWidth(label)), y: y, style: .role(.secondary))
        }
    }

    /// The plot row where a bar of exactly this decade ends.
    static func row(ofDecade d: Int, scale: NormScale, plot: Rect) -> Int {
        let fraction = Double(d - scale.low) / Double(scale.span)
        let fromBottom = min(max(Int((fraction * Double(plot.height)).rounded(.up)) - 1, 0), plot.height - 1)
        return plot.maxY - 1 - fromBottom
    }

    /// Truncation: no gradient crosses from step K·j to step K·j − 1 (0-based), drawn
    /// as a dotted line down the empty part of that column.
    static func drawCuts(every k: Int, axis: TimeAxis, glyphs: Glyphs, plot: Rect, into buf: inout ScreenBuffer) {
        guard k > 0 else { return }
        for s in stride(from: k, to: axis.count, by: k) {
            let x = plot.x + axis.cutColumn(before: s)
            for y in plot.y..<plot.maxY where buf[x, y].character == " " {
                buf.set(x, y, glyphs.cutLine, .role(.marker))
            }
        }
    }

    /// `avoiding`: columns of the label row kept free (for the step-through cursor's label).
    static func drawTimeAxis(_ axis: TimeAxis, cuts k: Int, glyphs: Glyphs, plot: Rect, y: Int, labelY: Int,
                             avoiding: Range<Int>? = nil, into buf: inout ScreenBuffer) {
        let line = Style.role(.secondary)
        buf.set(plot.x - 1, y, glyphs.axisCorner, line)
        for x in plot.x..<(plot.x + axis.usedWidth) { buf.set(x, y, glyphs.horizontal, line) }
        if axis.usedWidth + 1 < plot.width { buf.put("t", x: plot.x + axis.usedWidth + 1, y: y, style: line) }
        var labelEnd = plot.x
        for (s, label) in axis.ticks() {
            let x = plot.x + axis.column(of: s)
            buf.set(x, y, glyphs.axisTick, line)
            let lx = min(x, plot.x + axis.usedWidth - label.count)
            let span = (lx - 1)..<(lx + label.count + 1)
            if lx >= labelEnd && !(avoiding?.overlaps(span) ?? false) {
                labelEnd = buf.put(label, x: lx, y: labelY, style: line) + 1
            }
        }
        if k > 0 {
            for s in stride(from: k, to: axis.count, by: k) {
                buf.set(plot.x + axis.cutColumn(before: s), y, glyphs.axisCut, .role(.marker))
            }
        }
    }

    /// The label row's columns the cursor mark and its "t=…" take: right of the mark if it fits.
    static func cursorLabelSpan(_ s: Int, axis: TimeAxis, plot: Rect) -> Range<Int> {
        let x0 = plot.x + axis.column(of: s)
        let width = "t=\(s + 1)".count
        return x0 + 1 + width <= plot.maxX ? x0..<(x0 + 1 + width) : (x0 - width)..<(x0 + 1)
    }

    /// Step-through: the cursor's column is highlighted and labelled with its t.
    static func drawCursor(_ s: Int, axis: TimeAxis, glyphs: Glyphs, plot: Rect, labelY: Int, into buf: inout ScreenBuffer) {
        let x0 = plot.x + axis.column(of: s)
        for x in axis.columns(of: s).map({ plot.x + $0 }) {
            for y in plot.y..<plot.maxY { buf.restyle(x, y) { $0.background = .role(.cursor) } }
        }
        // On the label row: the mark under the column, its t beside it.
        let style = Style(foreground: .role(.cursor), bold: true)
        let span = cursorLabelSpan(s, axis: axis, plot: plot)
        buf.set(x0, labelY, glyphs.cursorMark, style)
        buf.put("t=\(s + 1)", x: span.lowerBound == x0 ? x0 + 1 : span.lowerBound, y: labelY, style: style)
    }
}
