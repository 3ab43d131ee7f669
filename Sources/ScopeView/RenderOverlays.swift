/// The scenario picker: every preset with its title; Enter opens, Esc cancels.
enum ScenarioPicker {
    static func render(_ state: AppState, selection: Int, glyphs: Glyphs, into buf: inout ScreenBuffer) {
        let presets = state.ui.presets
        let nameWidth = presets.map(\.name.count).max() ?? 8
        let longest = presets.map { nameWidth + 4 + buf.displayWidth($0.title) }.max() ?? 20
        let width = min(state.ui.width - 4, max(longest + 4, 44))
        let height = min(state.ui.height - 2, presets.count + 4)
        let box = Rect(x: (state.ui.width - width) / 2, y: max(1, (state.ui.height - height) / 2), width: width, height: height)
        drawBox(box, title: "open a scenario", footer: "↑↓ choose · Enter open · Esc cancel", glyphs: glyphs, into: &buf)
        let rows = box.height - 4
        guard rows > 0 else { return }
        // Keep the selection in view on a long list.
        let first = min(max(0, selection - rows + 1), max(0, presets.count - rows))
        for (i, p) in presets.enumerated().dropFirst(first).prefix(rows) {
            let y = box.y + 2 + (i - first)
            let selected = i == selection
            let style = selected ? Style(foreground: .color(Palette.black), background: .role(.selection), bold: true) : .plain
            if selected { buf.fill(Rect(x: box.x + 1, y: y, width: box.width - 2, height: 1), style: style) }
            let marker = i == state.presetIndex ? "*" : " "
            var x = buf.put("\(selected ? ">" : " ")\(marker)\(p.name)", x: box.x + 2, y: y, style: style, limit: box.maxX - 1)
            x = max(x + 2, box.x + 4 + nameWidth + 2)
            buf.put(p.title, x: x, y: y, style: selected ? style : .role(.secondary), limit: box.maxX - 2)
        }
    }
}

/// Below the minimum size only this is drawn (as btop does); q still quits.
enum TooSmallScreen {
    static func message(width: Int, height: Int) -> String {
        "terminal too small: have \(width)×\(height), need \(Layout.minimumWidth)×\(Layout.minimumHeight)"
    }

    static func render(_ ui: UIState, message text: String? = nil, into buf: inout ScreenBuffer) {
        guard ui.width > 0, ui.height > 0 else { return }
        var lines = Format.wrap(text ?? message(width: ui.width, height: ui.height), width: ui.width)
        lines.append("q quits")
        let top = max(0, (ui.height - lines.count) / 2)
        for (i, line) in lines.prefix(ui.height).enumerated() {
            let x = max(0, (ui.width - buf.displayWidth(line)) / 2)
            buf.put(line, x: x, y: top + i, style: i == lines.count - 1 ? .role(.secondary) : Style(foreground: .role(.warn), bold: true))
        }
    }
}
