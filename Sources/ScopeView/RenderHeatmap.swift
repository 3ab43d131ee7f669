/// ‖∂L/∂h_t‖ over recent iterations: one row per iteration (newest at the bottom),
/// one column per timestep as in the chart above it, shaded on the same log scale.
/// When more iterations are kept than there are rows, the rows are spread evenly
/// over them (a fast run would otherwise show only the last few milliseconds).
///
///     ─ ‖∂L/∂h_t‖ over recent iterations ────────────
///      1201│░░▒▒▓▓██████
///      1210│░░▒▒▓▓██████
///      scale 1e-4 ░░▒▒▓▓██ 1e0   blank 0  × Inf/NaN
enum Heatmap {
    static func render(_ run: RunState, _ ui: UIState, scale: NormScale, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 3, rect.width > GradientChart.labelWidth + 4 else { return }
        let rowsAvailable = rect.height - 2
        let (rows, every) = sampledRows(run.history, rows: rowsAvailable)
        // Iterations as the rows' own numbers count them: a stream records every few.
        let span = rows.isEmpty ? 0 : rows[rows.count - 1].iteration - rows[0].iteration + 1
        let perRow = rows.count > 1 ? (span - 1) / (rows.count - 1) : every
        var title = "‖∂L/∂h_t‖ over " + (span == 1 ? "the last iteration" : "the last \(span) iterations") + (perRow > 1 ? ", a row per \(perRow)" : "")
        // Narrow (80 columns): shorter words, never a cut 'a row per' without its number.
        if buf.displayWidth(title) + 4 > rect.width, span > 1 {
            title = "‖∂L/∂h_t‖, last \(span) iterations" + (perRow > 1 ? ", a row per \(perRow)" : "")
            // The smallest terminal (60 columns) has room for fewer words still: whole ones, never 'iteratio'.
            for shorter in ["‖∂L/∂h_t‖, last \(span) iterations", "‖∂L/∂h_t‖, \(span) iterations", "‖∂L/∂h_t‖"]
            where buf.displayWidth(title) + 4 > rect.width { title = shorter }
        }
        // Rows of several lengths (a stream's variable-length batches) are drawn on t = 1, 2, …
        // up to the longest, so that no row loses the steps nearest its loss; the chart
        // above has the newest row's length, which the title then says differs.
        let newestBins = rows.last.flatMap { ui.layer < $0.normBins.count ? $0.normBins[ui.layer].count : nil }
        let bins = newestBins.map { newest in
            newest >= IterationSummary.maximumBins ? newest : rows.reduce(newest) { longest, row in
                guard ui.layer < row.normBins.count, row.normBins[ui.layer].count < IterationSummary.maximumBins else { return longest }
                return max(longest, row.normBins[ui.layer].count)
            }
        }
        let right = bins != nil && bins != newestBins ? "t = 1…\(bins!)" : "newest at the bottom"
        sectionTitle(title, glyphs: glyphs, into: &buf, rect, right: right)
        let plot = Rect(x: rect.x + GradientChart.labelWidth, y: rect.y + 1,
                        width: rect.width - GradientChart.labelWidth, height: rowsAvailable)
        for y in plot.y..<plot.maxY { buf.set(plot.x - 1, y, glyphs.vertical, .role(.secondary)) }
        drawLegend(scale, glyphs: glyphs, x: rect.x + 1, y: rect.maxY - 1, limit: rect.maxX, into: &buf)

        guard let bins else {
            buf.put("no iterations yet", x: plot.x + 1, y: plot.y, style: .role(.secondary), limit: plot.maxX)
            return
        }
        let axis = TimeAxis(count: bins, width: plot.width)
        // Where each column's bins start and end, worked out once for every row.
        let columns = (0..<axis.usedWidth).map { axis.steps(in: $0) }
        let top = plot.maxY - rows.count
        for (i, row) in rows.enumerated() {
            let y = top + i
            if i == 0 || i == rows.count - 1 {
                let label = Format.count(row.iteration)
                buf.put(label, x: plot.x - 1 - buf.displayWidth(label), y: y, style: .role(.secondary))
            }
            guard ui.layer < row.normBins.count else { continue }
            let values = row.normBins[ui.layer]
            // Rows of another length share the axis t = 1, 2, … while neither is binned: a
            // shorter one ends early. Binned rows must match.
            let unbinned = values.count < IterationSummary.maximumBins && bins < IterationSummary.maximumBins
            // A row that cannot share the axis says so: left blank it would read as zero gradients.
            guard values.count == bins || unbinned else {
                let length = values.count < IterationSummary.maximumBins ? "T = \(values.count)" : "T ≥ \(IterationSummary.maximumBins)"
                buf.put("\(length) in this record: not drawn on this axis", x: plot.x + 1, y: y, style: .role(.secondary), limit: plot.maxX)
                continue
            }
            for (c, range) in columns.enumerated() where !range.isEmpty {
                if axis.isGap(c) { continue }
                var v = 0.0
                for b in range where b < values.count {
                    let x = values[b]
                    if !x.isFinite { v = x; break }
                    if x > v { v = x }
                }
                if !v.isFinite {
                    buf.set(plot.x + c, y, glyphs.nonFinite, Style(foreground: .role(.bad), bold: true))
                } else if v > 0 {
                    let level = scale.level(v)
                    buf.set(plot.x + c, y, glyphs.heatRamp[level], Style(foreground: .role(.heat(level))))
                }
            }
        }
    }

    /// Up to `rows` rows ending with the newest, `every` iterations apart.
    static func sampledRows(_ history: Ring<IterationSummary>, rows: Int) -> (rows: [IterationSummary], every: Int) {
        guard rows > 0, !history.isEmpty else { return ([], 1) }
        let every = max(1, history.count / rows)
        let n = min(rows, (history.count + every - 1) / every)
        return ((0..<n).reversed().map { history[history.count - 1 - $0 * every] }, every)
    }

    /// The colour scale: decade at each end, every heat level between them.
    static func drawLegend(_ scale: NormScale, glyphs: Glyphs, x: Int, y: Int, limit: Int, into buf: inout ScreenBuffer) {
        let label = Style.role(.secondary)
        var cx = buf.put("scale " + Format.decade(scale.low) + " ", x: x, y: y, style: label, limit: limit)
        for level in 0..<Palette.heatLevels {
            cx = buf.put(String(glyphs.heatRamp[level]), x: cx, y: y, style: Style(foreground: .role(.heat(level))), limit: limit)
        }
        cx = buf.put(" " + Format.decade(scale.high), x: cx, y: y, style: label, limit: limit)
        // Each key whole or not at all: a narrow legend lost 'blank 0' to 'bla'.
        let blank = "   blank 0", nonFinite = "  " + String(glyphs.nonFinite) + " Inf/NaN"
        if cx + buf.displayWidth(blank) <= limit {
            cx = buf.put(blank, x: cx, y: y, style: label, limit: limit)
        }
        if cx + buf.displayWidth(nonFinite) <= limit {
            cx = buf.put("  ", x: cx, y: y, style: label, limit: limit)
            cx = buf.put(String(glyphs.nonFinite), x: cx, y: y, style: Style(foreground: .role(.bad), bold: true), limit: limit)
            buf.put(" Inf/NaN", x: cx, y: y, style: label, limit: limit)
        }
    }
}
