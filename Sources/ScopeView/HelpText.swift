/// What each part of the screen shows, for the help overlay. Kept next to no
/// widget on purpose: it is read as one text, like a man page.
enum ScreenHelp {
    static let elements: [(name: String, text: String)] = [
        ("header", "the scenario's title and name and the seed (\"changed: …\" names the settings a key or --set moved "
            + "off the scenario's own: the title describes the scenario's network, not this one); RUNNING, PAUSED or DIVERGED (an Inf or NaN appeared, "
            + "so the parameters stop changing: r starts again, with clipping if c turned it on); the iteration; the training loss and, "
            + "in brackets, the chance baseline: the loss of the best constant guess that ignores the inputs "
            + "(for char-lm also the perplexity e^loss; none for your own data, which has no such baseline); the pace asked for (display.speed: iterations per second, "
            + "or max, as fast as it can; < halves it and > doubles it, also while paused) and the iterations per "
            + "second measured, which fall short of the pace when an iteration takes longer than it allows."),
        ("gradient chart", "one bar per timestep t of the iteration shown: log₁₀‖∂L/∂h_t‖, the norm (over the batch) of "
            + "the loss gradient that reaches the hidden state h_t. Backpropagation through time runs from t = T on "
            + "the right to t = 1 on the left: vanishing gradients shrink towards the left, exploding ones grow. "
            + "The labels on the left are decades (1e-4 = 10⁻⁴); bars are coloured on the heatmap's scale. When T is "
            + "wider than the screen each column shows the largest of its timesteps. × marks Inf or NaN; a dot marks "
            + "an exact zero (no gradient reaches that step, e.g. behind a truncation cut with a last-step loss), or, in a run "
            + "rnnscope trains, which computes in float32, a norm below float32's range (about 1e-38) that it rounds to 0. "
            + "┆ and ┼ mark the truncation cuts of that iteration: no gradient crosses from t = jK + 1 to t = jK."),
        ("heatmap", "the same norms for the most recent iterations, one row each, newest at the bottom (the iteration "
            + "numbers of the top and bottom rows are on the left); columns are the chart's timesteps (when an older row is "
            + "longer than the newest, as a stream's batches of several lengths can be, the axis runs to it and the title "
            + "says t = 1…its length; a row binned otherwise, T ≥ 512 beside a shorter one, says so instead). Shades and "
            + "colours follow the legend beneath it: the decades at the ends of the scale, blank for zero, × for "
            + "Inf or NaN."),
        ("network panel", "the cell (network.cell; g cycles rnn → lstm → gru → residual). For the vanilla rnn cell: the activation and γ, the bound on |act'| (1 for tanh, ReLU and linear, 1/4 for the "
            + "sigmoid); the initialisation (\"your model's weights\" for a model opened with --model, whose "
            + "W_hh i replaces by α·I); H hidden units, T timesteps, B sequences a batch; ρ(W_hh), the spectral "
            + "radius, and σ_max(W_hh), the largest singular value, measured about ten times a second. Pascanu, "
            + "Mikolov & Bengio (2013, §2.1): every step back multiplies the gradient by diag(act'(a_t))·W_hh, whose "
            + "norm is at most γ·σ_max, so when γ·σ_max < 1 the gradient from k steps away shrinks at least like "
            + "(γ·σ_max)^k: it must vanish. With a loss at every step (mse-all, xent-all) that holds for what each loss "
            + "sends back, but ‖∂L/∂h_t‖ adds up every later step's and need not fall: the panel says \"each loss's gradient "
            + "vanishes\". γ·σ_max ≥ 1 is necessary for exploding gradients, not sufficient; "
            + "there, where the panel has room, \"linear net: ρ\" says what a linear network would do (ρ < 1 vanishes, "
            + "ρ > 1 explodes). \"measured h_1/h_T\" is ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ of the iteration on the chart (↓ smaller at "
            + "t = 1, ↑ larger); for a stream's reverse direction, whose backward pass runs from t = 1 to t = T, "
            + "\"measured h_T/h_1\" (↓ smaller at t = T). "
            + "For an LSTM or GRU: the gate on the direct path back in time (the LSTM's forget gate f, which multiplies "
            + "c_{t−1}; the GRU's update gate z, which multiplies h_{t−1}), its mean f̄ or z̄ over steps, units and "
            + "the batch; the fraction saturated (below 0.05 or above 0.95, where σ' < 0.05 and the gate barely learns); "
            + "∏ f T…1 (∏ z), the mean over units of the gate's product over all T steps, the share of ∂L/∂c_T "
            + "(∂L/∂h_T) that this path carries back to the start; for the LSTM the forget bias b_f the network was "
            + "initialised with (init.forget_bias; { and } lower and raise it by 0.5: f ≈ σ(b_f) at first, so the "
            + "path keeps about σ(b_f)^T); and σ_max of the stacked W_hh. Measured about ten times a second."),
        ("training panel", "the task (\"your data\" with --data: minibatches drawn from its sequences) and its loss; the optimiser with learning rate η (and momentum μ); clipping: "
            + "when the global gradient norm ‖∇θ‖ exceeds the threshold, every gradient is scaled by "
            + "threshold/‖∇θ‖ (Pascanu et al. 2013, Algorithm 1), with how often that fired since clipping was "
            + "last switched or retuned; truncation: truncated BPTT of length K, or full BPTT; ‖∇θ‖ of the "
            + "iteration shown, before clipping, and the scale clipping applied."),
        ("stream panel", "rnnscope watch only: who wrote the stream (your loop, through rnnscope.watch, or rnnscope "
            + "train --jsonl); the device and dtype; with several ranks, whose batch the norms are; how often a record "
            + "was written; whether every figure is exact for the recorded batch (what is not is said in words in the "
            + "notes, e.g. dropout between the layers of a fused module in training); the clipping the loop applied "
            + "and how often it fired; ‖∇θ‖; the records shown, and whether the view is following a file that may "
            + "grow or the stream has ended. The header says WAITING FOR RECORDS when all that was written is shown, "
            + "ENDED when its writer closed it, INF/NAN for a record with Inf or NaN in its gradient. Keys that would "
            + "change training (t, i, g, r, s, w, v) are left off the key bar and say why; where the loop opted in "
            + "(control=True), space pauses it at its next scope.step(), n lets one iteration through, and c, + and - "
            + "set the clipping its scope.clip_grad_norm_ applies; once the stream has ended, those keys too are left "
            + "off the key bar and say so."),
        ("loss", "the training loss over the whole run (older iterations are averaged together as the run "
            + "grows), with its latest value and its range. Dotted lines mark reference levels in the same units: "
            + "chance (the best input-blind guess) and, for a char-LM with a held-out split, the 1-, 2- and 3-gram "
            + "models' cross-entropy on the held-out text (nats: log perplexity), counted once when the run starts; "
            + "● marks the network's own cross-entropy on that held-out text, measured every 100 iterations (the "
            + "latest in the title): the figure to report, since the training loss falls as the text is memorised."),
        ("sampled text", "char-lm only: text the network writes now, one character at a time from its own "
            + "predictions (min-char-rnn style), sampled about once a second."),
        ("notes", "the scenario's lecture notes, shown in full at the top of this help."),
        ("status line", "what the last key did; the scenario's moment (after *) when what it claims has happened: "
            + "✓ or ✗ says whether the claim held. The run stops there by itself, so that the moment stays on "
            + "screen (space goes on), as it does at the iteration train --iterations N names. A claim is judged "
            + "only on the settings the scenario (or one of its variants) wrote it for (any seed, any pace): a verdict "
            + "measured on them stays after a toggle (clipping, truncation, IRNN, ...) moves the run off them; a run "
            + "off them names what changed instead of a verdict. r restarts with the "
            + "toggles kept; s, Enter reopens the scenario as written."),
        ("key bar", "the main keys of the current view; this help lists them all."),
        ("step-through", "b pauses and replays the backward pass of the iteration shown, one timestep per key, "
            + "starting at t = T. The bars appear for the steps the pass has reached; at the cursor you see "
            + "‖∂L/∂h_t‖, this step's Jacobian factor ‖diag(act'(a_t))·W_hh‖ (spectral norm, the largest over "
            + "the batch), the product of the factors from T back to t, which bounds ‖∂h_T/∂h_{t−1}‖ (how much of "
            + "the gradient at T survives; 0 once a truncation cut lies on the way), step t's term of "
            + "∂L/∂W_hh = Σ_t ∂L/∂W_hh|_(t) (W_hh is used at every step; the term is what the copy used at t "
            + "contributes) and the share of Σ_t ‖∂L/∂W_hh|_(t)‖ the steps T…t carry, where truncation cuts, and how "
            + "clipping scales the gradient afterwards. For an LSTM also ‖∂L/∂c_t‖, the gradient on the cell state, "
            + "and for both gated cells ∏ f T…t (∏ z T…t): the mean product of the direct path's gate from T back "
            + "to t, with the gate's mean f̄_t (z̄_t) at t; ‖J_t‖ is then ‖∂h_t/∂h_{t−1}‖ (for the LSTM with c_{t−1} held)."),
        ("toggles", "c, + and -, t, [ and ] change clipping and truncation from the next iteration, without "
            + "restarting; the chart always shows the options its own iteration ran with. + doubles and - halves "
            + "the clipping threshold; [ and ] halve and double K from the scenario's own (between 1 and T), "
            + "stopping at every K the scenario's variants use. i switches IRNN on or off "
            + "(Le, Jaitly & Hinton 2015: W_hh = α·I, biases 0, ReLU); i, r, R and s start a new run."),
        ("split view", "v forks the run into A | B from its current weights (rnnscope run NAME --vs key=value, or "
            + "a scenario's compare key, opens it from the start): both runs see the same batches in the same order "
            + "and advance in lockstep, at the same iteration. Tab moves the focus (the highlighted header); c, +, -, t, "
            + "[ and ] act on the focused run, space, n, < and > on both, and i, r or R restart both from one seed. "
            + "Each header names the settings that differ. Both gradient charts share one log scale; the B/A row "
            + "is log₁₀(‖∂L/∂h_t‖_B / ‖∂L/∂h_t‖_A) per timestep, blue where B's gradient is smaller, green where they are equal, red where it "
            + "is larger; the loss chart shows both runs. v again closes the split, keeping the focused run."),
        ("figures out", "e writes the frame on screen as rnnscope-<scenario>-it<N>.svg (colours and text as on "
            + "screen, for slides) and the same as plain text in a .txt beside it, in the current directory."),
    ]
}

/// The help overlay: the scenario's notes, every binding of the keymap by context,
/// and what every element on screen means. Scrolls with ↑/↓ and PgUp/PgDn.
enum HelpOverlay {
    struct Line: Equatable {
        /// The key (or element name) column; empty for headings, notes and continuations.
        var key = ""
        var text: String
        var style: Style = .plain
        /// Where `text` starts, from the left margin.
        var indent = 0
    }

    static func box(width: Int, height: Int) -> Rect {
        Rect(x: 2, y: 1, width: width - 4, height: height - 2)
    }
    static func visibleRows(height: Int) -> Int { max(1, height - 4) }
    static func textWidth(width: Int) -> Int { max(20, width - 8) }

    /// The whole help text wrapped to `width`; `ascii` folds it first (it is longer then).
    static func lines(_ run: RunState, width: Int, ascii: Bool = false) -> [Line] {
        func fold(_ s: String) -> String { ascii ? TextFold.ascii(s) : s }
        let heading = Style(foreground: .role(.title), bold: true)
        let keyWidth = max(Keymap.bindings.map { keysText($0).count }.max() ?? 8,
                           ScreenHelp.elements.map(\.name.count).max() ?? 8)
        let column = keyWidth + 4
        var out: [Line] = []
        func para(_ text: String, key: String = "", indent: Int) {
            for (i, l) in Format.wrap(fold(text), width: max(10, width - indent)).enumerated() {
                out.append(Line(key: i == 0 ? key : "", text: l, indent: indent))
            }
        }
        out.append(Line(text: fold("\(run.scenario.title) (\(run.scenario.name))"), style: heading))
        if !run.scenario.notes.isEmpty {
            for l in Format.reflow(fold(run.scenario.notes), width: max(10, width)) { out.append(Line(text: l)) }
        }
        out.append(Line(text: ""))
        out.append(Line(text: "KEYS", style: heading))
        for context in KeyContext.allCases {
            out.append(Line(text: context.rawValue, style: Style(bold: true), indent: 1))
            for b in Keymap.bindings where b.context == context { para(b.help, key: fold(keysText(b)), indent: column) }
        }
        out.append(Line(text: ""))
        out.append(Line(text: "THE SCREEN", style: heading))
        for e in ScreenHelp.elements { para(e.text, key: e.name, indent: column) }
        return out
    }

    /// "q F10", "Space", "+ =": every key of a binding.
    static func keysText(_ b: Binding) -> String { b.keys.map(\.label).joined(separator: " ") }

    static func render(_ state: AppState, scroll: Int, glyphs: Glyphs, into buf: inout ScreenBuffer) {
        let box = box(width: state.ui.width, height: state.ui.height)
        drawBox(box, title: "help: everything on screen and every key", footer: "↑↓ PgUp PgDn scroll · Esc ? close · q quit",
                glyphs: glyphs, into: &buf)
        let all = lines(state.a, width: textWidth(width: state.ui.width), ascii: buf.asciiOnly)
        let visible = visibleRows(height: state.ui.height)
        let first = min(max(0, scroll), max(0, all.count - visible))
        let x = box.x + 2
        for (i, line) in all.dropFirst(first).prefix(visible).enumerated() {
            let y = box.y + 1 + i
            if !line.key.isEmpty {
                buf.put(line.key, x: x + 2, y: y, style: Style(foreground: .role(.accent), bold: true), limit: box.maxX - 1)
            }
            buf.put(line.text, x: x + line.indent, y: y, style: line.style, limit: box.maxX - 1)
        }
        if all.count > visible {
            let position = " \(first + 1)–\(min(first + visible, all.count)) of \(all.count) "
            buf.put(position, x: box.maxX - buf.displayWidth(position) - 2, y: box.y, style: .role(.secondary))
        }
    }
}

/// A bordered box with a title in the top edge and a footer in the bottom edge; the inside is cleared.
func drawBox(_ box: Rect, title: String, footer: String, glyphs: Glyphs, into buf: inout ScreenBuffer) {
    guard box.width >= 4, box.height >= 3 else { return }
    let border = Style(foreground: .role(.accent))
    buf.fill(box)
    for x in box.x..<box.maxX {
        buf.set(x, box.y, glyphs.horizontal, border)
        buf.set(x, box.maxY - 1, glyphs.horizontal, border)
    }
    for y in box.y..<box.maxY {
        buf.set(box.x, y, glyphs.vertical, border)
        buf.set(box.maxX - 1, y, glyphs.vertical, border)
    }
    buf.set(box.x, box.y, glyphs.topLeft, border)
    buf.set(box.maxX - 1, box.y, glyphs.topRight, border)
    buf.set(box.x, box.maxY - 1, glyphs.bottomLeft, border)
    buf.set(box.maxX - 1, box.maxY - 1, glyphs.bottomRight, border)
    buf.put(" \(title) ", x: box.x + 2, y: box.y, style: Style(foreground: .role(.title), bold: true), limit: box.maxX - 2)
    buf.put(" \(footer) ", x: box.x + 2, y: box.maxY - 1, style: .role(.secondary), limit: box.maxX - 2)
}
