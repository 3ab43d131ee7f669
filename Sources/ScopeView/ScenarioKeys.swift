/// The keys that open another scenario: the picker (s) and a lecture's slides (PgDn, PgUp).
func performScenarios(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .nextSlide, .previousSlide:
        guard state.ui.lecture, !state.ui.presets.isEmpty else {
            say(&state.ui, "PgDn and PgUp walk a lecture's presets: rnnscope lecture")
            return []
        }
        let here = state.presetIndex ?? -1
        let next = action == .nextSlide ? here + 1 : here - 1
        guard state.ui.presets.indices.contains(next) else {
            say(&state.ui, next < 0 ? "this is the lecture's first preset" : "this is the lecture's last preset: PgUp goes back")
            return []
        }
        let chosen = state.ui.presets[next]
        leaveStepThrough(&state.ui)
        open(&state, chosen)
        state.ui.slide = next
        say(&state.ui, "\(next + 1) of \(state.ui.presets.count): \(chosen.name) (PgDn next, PgUp previous)")
        return [.openScenario(chosen.name)]

    case .openPicker:
        // A preset file that does not read is left out of the list, and said so, not hidden.
        let skipped = state.ui.unreadablePresets.first.map { "skipped \(state.ui.unreadablePresets.count) scenario file(s) that do not read: \($0)" }
        guard !state.ui.presets.isEmpty else {
            say(&state.ui, skipped ?? "no other scenarios to choose from")
            return []
        }
        let current = state.presetIndex ?? 0
        state.ui.mode = .picker(selection: current)
        if let skipped { say(&state.ui, skipped) }
        return []

    case .pickerUp, .pickerDown:
        guard case .picker(let sel) = state.ui.mode, !state.ui.presets.isEmpty else { return [] }
        let n = state.ui.presets.count
        state.ui.mode = .picker(selection: (sel + (action == .pickerUp ? n - 1 : 1)) % n)
        return []

    case .pickerOpen:
        guard case .picker(let sel) = state.ui.mode, state.ui.presets.indices.contains(sel) else { return [] }
        let chosen = state.ui.presets[sel]
        open(&state, chosen)
        state.ui.slide = sel
        say(&state.ui, "opened \(chosen.name): \(chosen.title)")
        return [.openScenario(chosen.name)]

    default:
        return []
    }
}
