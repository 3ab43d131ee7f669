import Foundation
import RNNSim
import Scenarios

/// Two rows: the scenario on a title bar, then the run's state and numbers.
enum Header {
    static func render(_ state: AppState, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard rect.height >= 2 else { return }
        let run = state.a
        let bar = Style(foreground: .color(Palette.white), background: .role(.titleBar), bold: true)
        buf.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: bar)
        // A stream from your own loop has no seed of rnnscope's to quote.
        let seed = run.stream.map { $0.seed == nil } == true ? "" : "seed \(run.settings.seed) "
        let titleEnd = rect.maxX - buf.displayWidth(seed) - 1
        var x = buf.put(" rnnscope ", x: rect.x, y: rect.y, style: bar)
        // A run moved off the scenario's settings (--set, g, c, t, i, …) says so: the
        // title describes the scenario's own network, not this one. A stream says
        // what its writer changed.
        let changed = run.stream?.changed ?? run.scenario.changes(in: run.settings)
        var mark = changed.isEmpty ? "" : " │ changed: " + changed.joined(separator: ", ")
        // Settings that are one of the scenario's variants are that variant (its claims are judged).
        if !changed.isEmpty, let v = run.scenario.variant(matching: run.settings) { mark = " │ variant \(v.name)" }
        if buf.displayWidth(mark) > (titleEnd - x) / 2 { mark = " │ changed: \(changed.count) settings" }
        // The split: which side the toggles act on (Tab moves it).
        if state.isSplit { mark += " │ focus \(state.focus.name)" }
        if let alone = state.ui.alone { mark += " │ " + alone }
        // Too long for the bar: cut with an ellipsis, never mid-word without one.
        var title = "│ \(run.scenario.title) (\(run.scenario.name))"
        // In a lecture, where this preset is in it.
        if state.ui.lecture, let i = state.presetIndex {
            title = "│ \(i + 1)/\(state.ui.presets.count) " + title
        }
        let ellipsis = buf.asciiOnly ? "..." : "…"
        let room = titleEnd - x - 1 - buf.displayWidth(mark)  // a blank before the seed
        if buf.displayWidth(title) > room, room > ellipsis.count + 2 {
            while buf.displayWidth(title) + ellipsis.count > room { title.removeLast() }
            title = title.trimmingCharacters(in: .whitespaces) + ellipsis
        }
        x = buf.put(title + mark, x: x, y: rect.y, style: bar, limit: titleEnd)
        if titleEnd > x { buf.put(seed, x: titleEnd + 1, y: rect.y, style: bar) }

        let y = rect.y + 1
        x = buf.put(" ", x: rect.x, y: y)
        // The numbers row is the focused run's (in the split the toggles act on it; A outside it).
        let focused = state[state.focus]
        let shown = runState(focused, mode: state.ui.mode)
        x = buf.put(shown.text, x: x, y: y, style: shown.style)
        for (label, value) in figures(focused) {
            // Whole figures only: a cut one ('0 i' for 0 it/s) reads as another figure.
            guard x + 3 + buf.displayWidth(label + value) <= rect.maxX else { break }
            x = buf.put("   ", x: x, y: y)
            x = buf.put(label, x: x, y: y, style: .role(.secondary))
            x = buf.put(value, x: x, y: y, style: Style(bold: true))
        }
    }

    static func runState(_ run: RunState, mode: Mode) -> (text: String, style: Style) {
        if run.error != nil { return ("ERROR", Style(foreground: .role(.bad), bold: true)) }
        if run.diverged { return (run.stream != nil ? "INF/NAN" : "DIVERGED", Style(foreground: .role(.bad), bold: true, reverse: true)) }
        if case .stepThrough = mode { return ("PAUSED: STEP-THROUGH", Style(foreground: .role(.warn), bold: true)) }
        // A stream shown to its end: ENDED when its writer closed it, WAITING while the file may grow.
        if run.stream != nil, let p = run.streamProgress, p.caughtUp, p.idle || p.ended, run.running {
            return p.ended ? ("ENDED", Style(foreground: .role(.warn), bold: true))
                           : ("WAITING FOR RECORDS", Style(foreground: .role(.secondary), bold: true))
        }
        return run.running ? ("RUNNING", Style(foreground: .role(.good), bold: true))
                             : ("PAUSED", Style(foreground: .role(.warn), bold: true))
    }

    /// The numbers after the state, most important first (the row cuts off what does not fit).
    static func figures(_ run: RunState) -> [(String, String)] {
        var out = [("iteration ", "\(run.latestIteration)")]
        if let loss = run.latestLoss {
            var text = Format.number(loss)
            if let chance = run.chanceLoss { text += " (chance \(Format.number(chance)))" }
            out.append(("loss ", text))
            // With a last-step loss exp(loss) is the perplexity of one character a sequence, not the text's.
            if run.isCharLM && loss.isFinite {
                out.append((run.lossKind?.lastStepOnly == true ? "last-char perplexity " : "perplexity ", Format.number(exp(loss))))
            }
        } else if let chance = run.chanceLoss {
            out.append(("loss ", "- (chance \(Format.number(chance)))"))
        }
        // The pace asked for, then the rate measured: they differ when an iteration
        // takes longer than the pace allows, or at max.
        out.append(("pace ", Pace.short(run.settings.speed)))
        let rate = run.running && !run.diverged ? run.iterationsPerSecond : 0
        // A stream recorded every few iterations shows records, not iterations, at that rate.
        out.append(("", "\(Format.rate(rate)) \(Pace.unit(run))"))
        return out
    }
}

/// One row above the key bar: what the last key did, else the scenario's moment, else a hint.
enum StatusLine {
    static func render(_ state: AppState, into buf: inout ScreenBuffer, _ rect: Rect) {
        guard !rect.isEmpty else { return }
        let run = state.a
        var x = rect.x + 1
        // A verdict measured before a toggle moved the run off the claim's settings stays: it was judged
        // on them; the note says why no verdict comes only while there is none.
        let moment = state.ui.moment ?? claimNote(run)
        // The diverged and paused hints repeat what the header says; the claim's ✓ or ✗
        // does not, so where both do not fit the moment shows alone.
        func besideMoment(_ text: String) -> Bool {
            moment.map { buf.displayWidth(text) + 4 + buf.displayWidth("* " + $0) <= rect.width - 1 } ?? true
        }
        // A stream's loop may go on past an Inf/NaN (AMP's GradScaler skips such a step).
        let diverged = run.stream != nil ? "Inf/NaN in this record's gradient (under AMP, GradScaler skips such a step)"
            : run.latestIteration <= 1 ? Trainer.overflowAtStart
            : "Inf/NaN: the parameters no longer change. r restarts (c first turns clipping on)"
        if let error = run.error {
            x = buf.put(fitted("error: " + error, rect, buf), x: x, y: rect.y, style: Style(foreground: .role(.bad), bold: true), limit: rect.maxX)
        } else if let s = state.ui.status {
            x = buf.put(fitted(s.text, rect, buf), x: x, y: rect.y, style: Style(foreground: .role(.accent), bold: true), limit: rect.maxX)
        } else if run.diverged && besideMoment(diverged) {
            x = buf.put(diverged, x: x, y: rect.y, style: Style(foreground: .role(.bad), bold: true), limit: rect.maxX)
        } else if let p = run.selfPause, !run.running, !run.diverged, besideMoment(pauseText(p)) || p.isIterationLimit {
            // A stop at --iterations N outranks a verdict that came due before it (one due at N
            // pauses as the moment): without it, PAUSED at N showed only iteration 1's verdict.
            x = buf.put(pauseText(p), x: x, y: rect.y, style: Style(foreground: .role(.warn), bold: true), limit: rect.maxX)
        }
        if let m = moment {
            // The moment shows whole beside a message, or alone (cut with an ellipsis only
            // when it is wider than the row); it comes back when the message expires.
            var text = "* " + m
            let alone = x == rect.x + 1
            let room = alone ? rect.maxX - x - 1 : rect.maxX - x - 4
            if alone { text = "* " + fittedVerdict(m, toWidth: room - 2, buf) }
            if buf.displayWidth(text) <= room {
                let start = alone ? x : rect.maxX - buf.displayWidth(text) - 1
                buf.put(text, x: start, y: rect.y, style: Style(foreground: .role(.warn), bold: true), limit: rect.maxX)
            }
        } else if x == rect.x + 1 {
            buf.put(run.stream == nil ? "? explains everything on screen   s picks another scenario" : "? explains everything on screen", x: x, y: rect.y,
                    style: .role(.secondary), limit: rect.maxX)
        }
    }
}

extension StatusLine {
    /// A row of verdicts narrowed to `width` columns without losing their figures: whole;
    /// else without the asides in parentheses ("(mean of 50)"); else also without the
    /// iteration that heads each verdict ("after 1000 iterations: ", which the header's
    /// iteration says); else also one space between verdicts; else cut after a word and
    /// marked with an ellipsis.
    static func fittedVerdict(_ text: String, toWidth width: Int, _ buf: ScreenBuffer) -> String {
        if buf.displayWidth(text) <= width { return text }
        let bare = text.replacing(#/ \([^()]*\)/#, with: "")
        if buf.displayWidth(bare) <= width { return bare }
        // A variant's label may have spaces (eigen-proof's "ρ = 0.9: "): its heading goes too.
        let headless = bare.replacing(#/([✓✗] (?:[^:✓✗]+: )?)(?:after [0-9,]+ iterations|iteration [0-9,]+): /#) { $0.output.1 }
        if buf.displayWidth(headless) <= width { return String(headless) }
        let close = headless.replacing(#/  ([✓✗])/#) { " " + $0.output.1 }  // one space between verdicts
        if buf.displayWidth(close) <= width { return String(close) }
        // Per-layer verdicts name their quantity once, on layer 3's: at 80 columns layer 1's
        // figure was cut off ("✓ layer …"); "layer 3 = …" beside "layer 2 = …" says the same.
        let terse = close.replacing(#/([✓✗] )[^ ]+ of (layer [0-9]+ = )/#) { $0.output.1 + $0.output.2 }
        return ellipsized(String(terse), toWidth: width, buf)
    }

    /// A message as the row shows it from its second column: whole, or (a long path,
    /// a narrow terminal) cut after a word and marked with an ellipsis, never mid-word.
    static func fitted(_ text: String, _ rect: Rect, _ buf: ScreenBuffer) -> String {
        ellipsized(text, toWidth: rect.width - 1, buf)
    }

    /// `text` whole where it fits `width` columns, else its start `cut` gives, marked with an ellipsis.
    static func ellipsized(_ text: String, toWidth width: Int, _ buf: ScreenBuffer) -> String {
        let ellipsis = buf.asciiOnly ? "..." : "…"
        guard buf.displayWidth(text) > width, width > ellipsis.count + 1 else { return text }
        return cut(text, toWidth: width - ellipsis.count - 1, buf) + " " + ellipsis
    }

    /// The longest start of `text` that fits `width` columns and ends between verdicts
    /// ("…  ✓ layer 2 = …"), else after a word: never inside a figure ('7.0' of 7.09e-9).
    /// A start shorter than half the width is cut where it must.
    static func cut(_ text: String, toWidth width: Int, _ buf: ScreenBuffer) -> String {
        var start = text
        while buf.displayWidth(start) > width, !start.isEmpty { start.removeLast() }
        // (Trailing spaces go; leading ones stay: a split side's label is indented.)
        func trimmedEnd<S: StringProtocol>(_ s: S) -> String { String(s.reversed().drop { $0 == " " }.reversed()) }
        if text.dropFirst(start.count).first == " " { return withoutDanglingBound(trimmedEnd(start)) }
        for separator in ["  ", " "] {
            if let r = start.range(of: separator, options: .backwards) {
                let kept = trimmedEnd(start[..<r.lowerBound])
                if buf.displayWidth(kept) * 2 >= width { return withoutDanglingBound(kept) }
            }
        }
        return start
    }

    /// A cut start never ends on a comparison without its bound ("= 7.09e-9, each <"): the
    /// operator goes, and with it a shared bound's ", each".
    static func withoutDanglingBound(_ text: String) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false)
        while let last = words.last, ["<", ">", "≤", "≥", "=", "each"].contains(last), words.count > 1 { words.removeLast() }
        var kept = words.joined(separator: " ")
        while kept.hasSuffix(",") { kept.removeLast() }
        return kept
    }

    /// Why the run paused itself, while it stays paused.
    static func pauseText(_ p: SelfPause) -> String {
        switch p {
        case .moment: "stopped at the moment: space goes on"
        case .iterationLimit(let n): "stopped at iteration \(n) (--iterations): space goes on"
        }
    }

    /// Instead of the claim's ✓ or ✗, when the run is not the one the claim is about.
    /// `r` restarts with the toggles kept, so only reopening the scenario undoes them.
    static func claimNote(_ run: RunState) -> String? {
        // The scenario as written, before any --set: its claims are the ones in question.
        guard run.scenario.withSettings(run.scenario.settingsBeforeSet ?? run.scenario.settings).hasLiveClaims else { return nil }
        let changed = run.scenario.changes(in: run.settings)
        // Off the scenario's own settings but on a variant's with claims of its own: those are judged.
        let variantJudged = run.scenario.withSettings(run.settings).hasLiveClaims
        if !changed.isEmpty && !variantJudged {
            return "claim is for the scenario's own settings, not this \(changed.joined(separator: ", ")): s Enter reopens it"
        }
        if !run.claimsJudged { return "claim is for the scenario's own settings; this run left them: r restarts on them" }
        return nil
    }
}

/// The htop-style bottom row: each key, then its word on a coloured field.
enum KeyBar {
    static func render(_ entries: [Binding], into buf: inout ScreenBuffer, _ rect: Rect) {
        guard !rect.isEmpty else { return }
        let key = Style(foreground: .role(.keyName), bold: true)
        let label = Style(foreground: .color(Palette.black), background: .role(.keyLabel))
        let spaced = entries.reduce(0) { $0 + buf.displayWidth($1.keyLabel) + ($1.barLabel?.count ?? 0) + 2 } - 1
        // Wide enough: "key label " per entry. Narrower: htop's "keyLabel" with the colour as separator.
        let gap = spaced <= rect.width ? 1 : 0
        // Each entry is followed by a blank, except the last (quit), which ends the row.
        func width(_ e: Binding) -> Int {
            buf.displayWidth(e.keyLabel) + gap + (e.barLabel?.count ?? 0) + (e.action == .quit ? 0 : 1)
        }
        // Help and Quit always show: the others give way to them when the row is short.
        func kept(_ e: Binding) -> Bool { e.action == .quit || e.action == .help || e.action == .closeHelp }
        var x = rect.x
        for (i, e) in entries.enumerated() {
            let reserved = entries[(i + 1)...].filter(kept).reduce(0) { $0 + width($1) }
            if x + width(e) > rect.maxX - reserved { continue }
            x = buf.put(e.keyLabel, x: x, y: rect.y, style: key, limit: rect.maxX)
            x += gap
            x = buf.put((e.barLabel ?? "") + " ", x: x, y: rect.y, style: label, limit: rect.maxX)
        }
        if x < rect.maxX { buf.fill(Rect(x: x, y: rect.y, width: rect.maxX - x, height: 1), style: label) }
    }
}
