import RNNSim

/// The whole screen for a state (Elm's view). Widgets each draw into their own
/// rectangle; the palette then turns semantic roles into the tier's colours.
public func render(_ state: AppState, glyphs: Glyphs, colors: ColorTier) -> ScreenBuffer {
    let ui = state.ui
    var buf = ScreenBuffer(width: ui.width, height: ui.height, asciiOnly: !glyphs.isUnicode)
    if state.isSplit {
        if SplitScreen.fits(width: ui.width, height: ui.height) {
            SplitScreen.render(state, glyphs: glyphs, into: &buf)
            renderOverlay(state, glyphs: glyphs, into: &buf)
        } else if Layout.fits(width: ui.width, height: ui.height) {
            // Too small for both (a default 80×24 terminal): the focused run as the
            // single view draws it, its title saying so and how to see the other.
            renderScreen(SplitTooSmall.focusedAlone(state), keys: state, glyphs: glyphs, into: &buf)
        } else {
            TooSmallScreen.render(ui, message: SplitTooSmall.message(width: ui.width, height: ui.height), into: &buf)
        }
    } else if Layout.fits(width: ui.width, height: ui.height) {
        renderScreen(state, glyphs: glyphs, into: &buf)
    } else {
        TooSmallScreen.render(ui, into: &buf)
    }
    buf.mapStyles(Palette(colors).resolve)
    return buf
}

/// One run: its chart, heatmap (or step-through), panels and loss, with the UI's header and status lines.
/// `keys`: the state whose keys the bar offers (the split's, when one of its runs is shown alone).
private func renderScreen(_ state: AppState, keys: AppState? = nil, glyphs: Glyphs, into buf: inout ScreenBuffer) {
    let run = state.a, ui = state.ui
    let panel = SidePanel.lines(run, ui)
    let layout = Layout(width: ui.width, height: ui.height, sampleText: run.isCharLM, sideLines: panel.count)
    // The decades of what is drawn: the chart's iteration and the heatmap rows on screen
    // (step-through draws its own panel there), not every iteration the history keeps.
    let heatmapRows: Int
    if case .stepThrough = ui.mode { heatmapRows = 0 } else { heatmapRows = max(0, layout.heatmap.height - 2) }
    let scale = NormScale.covering(shownNorms(run, layer: ui.layer, heatmapRows: heatmapRows))

    Header.render(state, into: &buf, layout.header)
    GradientChart.render(run, ui, scale: scale, glyphs: glyphs, into: &buf, layout.chart)
    if case .stepThrough(let cursor) = ui.mode {
        StepThroughPanel.render(run, ui, cursor: cursor, glyphs: glyphs, into: &buf, layout.heatmap)
    } else {
        Heatmap.render(run, ui, scale: scale, glyphs: glyphs, into: &buf, layout.heatmap)
    }
    SidePanel.render(panel, glyphs: glyphs, into: &buf, layout.side)
    LossSparkline.render(run, glyphs: glyphs, into: &buf, layout.sparkline)
    NotesPanel.render(run, glyphs: glyphs, into: &buf, layout.notes)
    SampleText.render(run, glyphs: glyphs, into: &buf, layout.sample)
    StatusLine.render(state, into: &buf, layout.status)
    KeyBar.render(Keymap.bar(for: keys ?? state), into: &buf, layout.keyBar)

    renderOverlay(keys ?? state, glyphs: glyphs, into: &buf)
}

private func renderOverlay(_ state: AppState, glyphs: Glyphs, into buf: inout ScreenBuffer) {
    switch state.ui.mode {
    case .help(let scroll): HelpOverlay.render(state, scroll: scroll, glyphs: glyphs, into: &buf)
    case .picker(let selection): ScenarioPicker.render(state, selection: selection, glyphs: glyphs, into: &buf)
    case .normal, .stepThrough: break
    }
}

/// Every ‖∂L/∂h_t‖ of a run on screen, for the shared scale: the chart's iteration and
/// the `heatmapRows` rows the heatmap samples from the history (0 where none is drawn).
/// A blow-up the history still keeps but nothing shows takes no decades.
func shownNorms(_ run: RunState, layer: Int, heatmapRows: Int) -> [Double] {
    var values: [Double] = []
    if let r = run.report, layer < r.hiddenGradNorms.count { values += r.hiddenGradNorms[layer] }
    // The extremes of every drawn row are enough: the scale only needs the smallest and largest.
    for row in Heatmap.sampledRows(run.history, rows: heatmapRows).rows
    where layer < row.largest.count && row.largest[layer] > 0 {
        values += [row.smallest[layer], row.largest[layer]]
    }
    return values
}

/// Draws a section title: "─ title ─────" across the rect's first row.
func sectionTitle(_ title: String, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect, right: String = "") {
    guard !rect.isEmpty else { return }
    let rule = Style.role(.secondary)
    buf.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), glyphs.horizontal, style: rule)
    var x = buf.put(" ", x: rect.x + 1, y: rect.y, limit: rect.maxX)
    // Too long for a narrow terminal: cut after a word and marked, never "t = 1 of" without its T.
    let shown = StatusLine.ellipsized(title, toWidth: rect.maxX - 1 - x, buf)
    x = buf.put(shown, x: x, y: rect.y, style: .role(.title, bold: true), limit: rect.maxX - 1)
    x = buf.put(" ", x: x, y: rect.y, limit: rect.maxX)
    if !right.isEmpty {
        let w = buf.displayWidth(right) + 2
        if rect.maxX - w - 1 > x {
            let rx = buf.put(" ", x: rect.maxX - w - 1, y: rect.y)
            buf.put(right + " ", x: rx, y: rect.y, style: .role(.secondary), limit: rect.maxX)
        }
    }
}

/// The activation's bound γ on |act'|: 1 for tanh, ReLU and linear, 1/4 for the sigmoid.
func gamma(_ a: Activation) -> Double { a == .sigmoid ? 0.25 : 1 }
