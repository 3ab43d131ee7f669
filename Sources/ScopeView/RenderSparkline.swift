import Foundation

/// The loss over the whole run: braille (2×4 dots a cell, as btop) where the
/// terminal has it, eighth-blocks or ASCII bars otherwise; a char-LM's held-out
/// loss as a marker where it was measured, on the same scale as the n-gram levels.
enum LossSparkline {
    static func render(_ run: RunState, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 2, rect.width >= 8 else { return }
        let values = run.losses.values
        // The reference levels and held-out points widen the range so that each stays on the chart.
        let levels = run.referenceLevels.filter { $0.value.isFinite }
        let heldOut = run.heldOut.map(\.loss)
        let all = values + levels.map(\.value) + heldOut
        let lo = all.min() ?? 0, hi = all.max() ?? 0
        // A loss spanning decades (an early blow-up) would flatten everything else: log scale then.
        let logScale = lo > 0 && hi / lo > 100
        let marker = glyphs.isUnicode ? "●" : "o"
        var right = ""
        if let now = run.latestLoss { right = "now \(Format.number(now))" }
        if let last = heldOut.last { right += " \(marker) \(Format.number(last))" }
        // With held-out points the title names them (a side panel has no room for both).
        var title = heldOut.isEmpty ? "loss, whole run" : "loss, \(marker) held-out"
        if logScale { title += ", log" }
        // The figures before the words: where both do not fit (a 37-column panel at 100
        // columns), 'now' goes, then the title shortens, so the latest held-out figure stays.
        func fits() -> Bool { buf.displayWidth(title) + buf.displayWidth(right) + 6 < rect.width }
        if !fits(), right.hasPrefix("now ") { right.removeFirst(4) }
        if !fits(), !heldOut.isEmpty { title = logScale ? "loss, log" : "loss" }
        sectionTitle(title, glyphs: glyphs, into: &buf, rect, right: right)
        var plot = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 1, height: rect.height - 1)
        guard values.count >= 2 else {
            // Losses that are Inf or NaN are not drawn: say so rather than "none yet".
            // The figure whole, the words shortened: a narrow panel (80 columns) cut "0.5609" to "0.5".
            // A stream whose records carry no loss (scope.step() given none) has none to be finite.
            let none = run.lossesNotRecorded > 0
                ? ["no loss in the records: scope.step(loss)", "no loss in the records", "not recorded"]
                : ["no finite losses yet", "no finite losses", "none yet"]
            let forms = values.first.map { v in ["one finite loss so far: ", "one finite loss: ", "one loss: ", ""]
                .map { $0 + Format.number(v) } } ?? none
            let text = forms.first { buf.displayWidth($0) <= plot.width } ?? forms[forms.count - 1]
            buf.put(text, x: plot.x, y: plot.y, style: .role(.secondary), limit: plot.maxX)
            return
        }
        // The range goes in a margin on the right, clear of the line.
        let top = Format.number(hi), bottom = Format.number(lo)
        let margin = max(buf.displayWidth(top), buf.displayWidth(bottom)) + 1
        buf.put(top, x: plot.maxX - buf.displayWidth(top), y: plot.y, style: .role(.secondary))
        if plot.height > 1 { buf.put(bottom, x: plot.maxX - buf.displayWidth(bottom), y: plot.maxY - 1, style: .role(.secondary)) }
        plot.width -= margin
        guard plot.width > 0 else { return }
        let perCell = glyphs.hasBraille ? 2 : 1
        let dotsPerRow = glyphs.hasBraille ? 4 : 8
        let scaled: (Double) -> Double = logScale ? { log10($0) } : { $0 }
        let heights = Self.heights(resample(values, to: plot.width * perCell).map(scaled), lo: scaled(lo), hi: scaled(hi),
                                   levels: plot.height * dotsPerRow)
        let rowOf: (Double) -> Int = { v in (Self.heights([scaled(v)], lo: scaled(lo), hi: scaled(hi),
                                                          levels: plot.height * dotsPerRow)[0] - 1) / dotsPerRow }
        drawLevels(levels, rowOf: rowOf, glyphs: glyphs, into: &buf, plot, labels: false)
        let style = Style(foreground: .role(.accent))
        for c in 0..<((heights.count + perCell - 1) / perCell) {
            for row in 0..<plot.height {
                let base = row * dotsPerRow
                let y = plot.maxY - 1 - row
                if glyphs.hasBraille {
                    let l = min(max(heights[c * 2] - base, 0), 4)
                    let r = c * 2 + 1 < heights.count ? min(max(heights[c * 2 + 1] - base, 0), 4) : 0
                    if l + r > 0 { buf.set(plot.x + c, y, Glyphs.brailleBars(left: l, right: r), style) }
                } else {
                    let e = min(max(heights[c] - base, 0), 8)
                    if e > 0 { buf.set(plot.x + c, y, glyphs.eighths[e], style) }
                }
            }
        }
        // Held-out points over the line, each at the column its iteration's loss is drawn
        // in; the levels' labels over them.
        let held = Style(foreground: .role(.warn), bold: true)
        for point in run.heldOut {
            let index = min((point.iteration - 1) / run.losses.stride, values.count - 1)
            let column = index * plot.width * perCell / values.count / perCell
            let row = min(max(rowOf(point.loss), 0), plot.height - 1)
            buf.set(plot.x + min(column, plot.width - 1), plot.maxY - 1 - row, Character(marker), held)
        }
        drawLevels(levels, rowOf: rowOf, glyphs: glyphs, into: &buf, plot, labels: true)
    }

    /// Each reference level as a dotted line across the plot (under the loss) and its
    /// label at the line's right end (over it); levels that share a row share the label.
    static func drawLevels(_ levels: [ReferenceLevel], rowOf: (Double) -> Int, glyphs: Glyphs,
                           into buf: inout ScreenBuffer, _ plot: Rect, labels: Bool) {
        let style = Style(foreground: .role(.marker))
        let byRow = Dictionary(grouping: levels) { min(max(rowOf($0.value), 0), plot.height - 1) }
        for (row, here) in byRow {
            let y = plot.maxY - 1 - row
            guard labels else {
                for x in plot.x..<plot.maxX { buf.set(x, y, glyphs.isUnicode ? "┄" : "-", style) }
                continue
            }
            let text = levelLabels(here, width: plot.width, buf)
            buf.put(text, x: plot.maxX - buf.displayWidth(text), y: y, style: style, limit: plot.maxX)
        }
    }

    /// The labels of levels that share a row, whole, as many as fit in `width` columns, and
    /// an ellipsis for the rest: cut at the edge, lm-perplexity's "3-gram 2.133" read
    /// "3-gram 2" at 80 columns, another figure.
    static func levelLabels(_ here: [ReferenceLevel], width: Int, _ buf: ScreenBuffer) -> String {
        let parts = here.map { "\($0.label) \(Format.number($0.value))" }
        let more = buf.asciiOnly ? " ..." : " …"
        for n in stride(from: parts.count, to: 0, by: -1) {
            let text = parts.prefix(n).joined(separator: " ") + (n < parts.count ? more : "")
            if buf.displayWidth(text) <= width { return text }
        }
        return ""
    }

    /// Heights in dots (or eighths), at least one so that the line never disappears.
    static func heights(_ points: [Double], lo: Double, hi: Double, levels: Int) -> [Int] {
        points.map { v in hi > lo ? 1 + Int(((v - lo) / (hi - lo) * Double(levels - 1)).rounded()) : levels / 2 }
    }

    /// Means over equal buckets when there are more values than points; with fewer,
    /// each value is repeated so that the line always spans the width.
    static func resample(_ values: [Double], to n: Int) -> [Double] {
        guard n > 0, !values.isEmpty else { return [] }
        if values.count <= n { return (0..<n).map { values[$0 * values.count / n] } }
        return (0..<n).map { i in
            let lo = i * values.count / n, hi = max((i + 1) * values.count / n, lo + 1)
            return values[lo..<hi].reduce(0, +) / Double(hi - lo)
        }
    }
}

/// The scenario's lecture notes, when the right side has room left.
enum NotesPanel {
    static func render(_ run: RunState, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 3, !run.scenario.notes.isEmpty else { return }
        sectionTitle("notes", glyphs: glyphs, into: &buf, rect)
        let text = buf.asciiOnly ? TextFold.ascii(run.scenario.notes) : run.scenario.notes
        let lines = Format.reflow(text, width: rect.width - 2)
        let room = rect.height - 1
        // Cut short, the last row says where the rest is.
        let shown = lines.count > room ? room - 1 : room
        for (i, line) in lines.prefix(shown).enumerated() {
            buf.put(line, x: rect.x + 1, y: rect.y + 1 + i, limit: rect.maxX)
        }
        if lines.count > room {
            buf.put("(more: ? shows all the notes)", x: rect.x + 1, y: rect.maxY - 1, style: .role(.secondary), limit: rect.maxX)
        }
    }
}

/// What the char-LM network writes now (Karpathy's min-char-rnn samples).
enum SampleText {
    static func render(_ run: RunState, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 2 else { return }
        // A last-step loss trains one prediction a sequence: the samples then show what the
        // network says after anything, not a language it has learned.
        let lastOnly = run.lossKind?.lastStepOnly == true
        sectionTitle(lastOnly ? "sampled text · only each sequence's last character is trained" : "sampled text",
                     glyphs: glyphs, into: &buf, rect, right: "temperature \(Format.setting(run.settings.temperature))")
        guard let sample = run.sample, !sample.isEmpty else {
            buf.put("(sampled about once a second)", x: rect.x + 1, y: rect.y + 1, style: .role(.secondary), limit: rect.maxX)
            return
        }
        // Newlines and tabs as visible marks, so the text keeps its shape on one run of rows.
        let newline: Character = glyphs.isUnicode ? "↵" : "|"
        var flat = String(sample.map { $0.isNewline ? newline : $0 == "\t" ? " " : $0 })
        if buf.asciiOnly { flat = TextFold.ascii(flat) }
        let width = rect.width - 2
        var rest = Substring(flat)
        for row in 0..<(rect.height - 1) where !rest.isEmpty {
            buf.put(String(rest.prefix(width)), x: rect.x + 1, y: rect.y + 1 + row, limit: rect.maxX)
            rest = rest.dropFirst(width)
        }
    }
}
