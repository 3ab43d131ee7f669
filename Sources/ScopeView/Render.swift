import RNNSim

/// The whole screen for a state (Elm's view). Widgets each draw into their own
/// rectangle; the palette then turns semantic roles into the tier's colours.
public func render(_ state: AppState, glyphs: Glyphs, colors: ColorTier) -> ScreenBuffer {
    var buf = ScreenBuffer(width: state.width, height: state.height, asciiOnly: !glyphs.isUnicode)
    if state.comparison != nil {
        if SplitScreen.fits(width: state.width, height: state.height) {
            SplitScreen.render(state, glyphs: glyphs, into: &buf)
            renderOverlay(state, glyphs: glyphs, into: &buf)
        } else {
            TooSmallScreen.render(state, message: SplitTooSmall.message(width: state.width, height: state.height), into: &buf)
        }
    } else if Layout.fits(width: state.width, height: state.height) {
        renderScreen(state, glyphs: glyphs, into: &buf)
    } else {
        TooSmallScreen.render(state, into: &buf)
    }
    buf.mapStyles(Palette(colors).resolve)
    return buf
}

private func renderScreen(_ state: AppState, glyphs: Glyphs, into buf: inout ScreenBuffer) {
    let panel = SidePanel.lines(state)
    let layout = Layout(width: state.width, height: state.height, sampleText: state.isCharLM, sideLines: panel.count)
    let scale = NormScale.covering(shownNorms(state))

    Header.render(state, into: &buf, layout.header)
    GradientChart.render(state, scale: scale, glyphs: glyphs, into: &buf, layout.chart)
    if case .stepThrough(let cursor) = state.mode {
        StepThroughPanel.render(state, cursor: cursor, glyphs: glyphs, into: &buf, layout.heatmap)
    } else {
        Heatmap.render(state, scale: scale, glyphs: glyphs, into: &buf, layout.heatmap)
    }
    SidePanel.render(panel, glyphs: glyphs, into: &buf, layout.side)
    LossSparkline.render(state, glyphs: glyphs, into: &buf, layout.sparkline)
    NotesPanel.render(state, glyphs: glyphs, into: &buf, layout.notes)
    SampleText.render(state, glyphs: glyphs, into: &buf, layout.sample)
    StatusLine.render(state, into: &buf, layout.status)
    KeyBar.render(Keymap.bar(for: state), into: &buf, layout.keyBar)

    renderOverlay(state, glyphs: glyphs, into: &buf)
}

private func renderOverlay(_ state: AppState, glyphs: Glyphs, into buf: inout ScreenBuffer) {
    switch state.mode {
    case .help(let scroll): HelpOverlay.render(state, scroll: scroll, glyphs: glyphs, into: &buf)
    case .picker(let selection): ScenarioPicker.render(state, selection: selection, glyphs: glyphs, into: &buf)
    case .normal, .stepThrough: break
    }
}

/// Every ‖∂L/∂h_t‖ on screen (the chart's iteration and the heatmap's rows), for the shared scale.
func shownNorms(_ state: AppState) -> [Double] {
    var values: [Double] = []
    if let r = state.report, state.layer < r.hiddenGradNorms.count { values += r.hiddenGradNorms[state.layer] }
    // The extremes of every kept row are enough: the scale only needs the smallest and largest.
    for i in 0..<state.history.count {
        let row = state.history[i]
        if state.layer < row.largest.count && row.largest[state.layer] > 0 {
            values += [Double(row.smallest[state.layer]), Double(row.largest[state.layer])]
        }
    }
    return values
}

/// Draws a section title: "─ title ─────" across the rect's first row.
func sectionTitle(_ title: String, glyphs: Glyphs, into buf: inout ScreenBuffer, _ rect: Rect, right: String = "") {
    guard !rect.isEmpty else { return }
    let rule = Style.role(.secondary)
    buf.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), glyphs.horizontal, style: rule)
    var x = buf.put(" ", x: rect.x + 1, y: rect.y, limit: rect.maxX)
    x = buf.put(title, x: x, y: rect.y, style: .role(.title, bold: true), limit: rect.maxX - 1)
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
