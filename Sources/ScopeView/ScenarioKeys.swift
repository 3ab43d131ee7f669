/// The keys that open another scenario: the picker (s) and a lecture's slides (PgDn, PgUp).
func performScenarios(_ state: inout AppState, _ action: Action) -> [AppCommand] {
    switch action {
    case .nextSlide, .previousSlide:
        guard state.lecture, !state.presets.isEmpty else {
            say(&state, "PgDn and PgUp walk a lecture's presets: rnnscope lecture")
            return []
        }
        let here = state.presets.firstIndex { $0.name == state.scenario.name } ?? -1
        let next = action == .nextSlide ? here + 1 : here - 1
        guard state.presets.indices.contains(next) else {
            say(&state, next < 0 ? "this is the lecture's first preset" : "this is the lecture's last preset: PgUp goes back")
            return []
        }
        let chosen = state.presets[next]
        leaveStepThrough(&state)
        open(&state, chosen)
        say(&state, "\(next + 1) of \(state.presets.count): \(chosen.name) (PgDn next, PgUp previous)")
        return [.openScenario(chosen.name)]

    case .openPicker:
        // A preset file that does not read is left out of the list, and said so, not hidden.
        let skipped = state.unreadablePresets.first.map { "skipped \(state.unreadablePresets.count) scenario file(s) that do not read: \($0)" }
        guard !state.presets.isEmpty else {
            say(&state, skipped ?? "no other scenarios to choose from")
            return []
        }
        let current = state.presets.firstIndex { $0.name == state.scenario.name } ?? 0
        state.mode = .picker(selection: current)
        if let skipped { say(&state, skipped) }
        return []

    case .pickerUp, .pickerDown:
        guard case .picker(let sel) = state.mode, !state.presets.isEmpty else { return [] }
        let n = state.presets.count
        state.mode = .picker(selection: (sel + (action == .pickerUp ? n - 1 : 1)) % n)
        return []

    case .pickerOpen:
        guard case .picker(let sel) = state.mode, state.presets.indices.contains(sel) else { return [] }
        let chosen = state.presets[sel]
        open(&state, chosen)
        say(&state, "opened \(chosen.name): \(chosen.title)")
        return [.openScenario(chosen.name)]

    default:
        return []
    }
}
