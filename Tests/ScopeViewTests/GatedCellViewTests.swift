import Foundation
@testable import RNNSim
import Testing
@testable import ScopeView

/// The cell key, the forget-bias keys, and what the side panel and the
/// step-through show for a gated cell.
@Suite struct GatedCellViewTests {
    func press(_ state: inout AppState, _ keys: Key...) -> [AppCommand] {
        keys.flatMap { update(&state, .key($0)) }
    }

    /// A report from an LSTM (or GRU) iteration that measured its gates.
    static func gatedReport(cell: CellKind, steps T: Int = 50) -> IterationReport {
        var r = Fixture.report(norms: Fixture.decaying(steps: T), jacobians: [Double](repeating: 0.5, count: T))
        r.pathGateMeans = [[Double](repeating: 0.75, count: T)]
        r.pathProducts = [(0..<T).map { pow(0.75, Double(T - $0)) }]
        r.pathGateSaturation = [0.125]
        if cell == .lstm { r.cellGradNorms = [Fixture.decaying(steps: T, top: 0.2, decay: 0.9)] }
        return r
    }

    static func gatedState(_ cell: CellKind, width: Int = 100, height: Int = 32) -> AppState {
        Fixture.state(width: width, height: height, scenario: Fixture.scenario { $0.cell = cell; $0.forgetBias = 1 },
                      report: gatedReport(cell: cell))
    }

    @Test func gCyclesTheCellAndReinitialisesSayingSo() {
        var s = Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        #expect(s.a.settings.cell == .rnn)
        var seen: [CellKind] = []
        for _ in 0..<4 {
            let commands = press(&s, .char("g"))
            seen.append(s.a.settings.cell)
            #expect(commands == [.reinitialise(s.a.settings)])
            #expect(s.ui.status?.text.hasPrefix("cell \(s.a.settings.cell.rawValue)") == true && s.ui.status?.text.contains("re-initialised") == true,
                    "\(s.ui.status?.text ?? "")")
            #expect(s.a.report == nil, "the old network's report is gone")
        }
        #expect(seen == [.lstm, .gru, .residual, .rnn])
    }

    /// IRNN is a vanilla RNN's (α·I with ReLU): `i` on a gated cell is refused, and `g`
    /// from an IRNN to a gated cell goes back to the scenario's own initialisation.
    @Test func irnnIsForTheVanillaCellOnly() {
        for cell in [CellKind.lstm, .gru] {
            var s = Self.gatedState(cell)
            #expect(press(&s, .char("i")).isEmpty)
            #expect(!s.a.identityInit && s.a.settings.initKind != .identity && s.a.report != nil, "nothing re-initialised")
            #expect(s.ui.status?.text.contains("for the vanilla RNN: g switches the cell to rnn") == true, "\(s.ui.status?.text ?? "")")
        }
        var s = Fixture.state(report: Fixture.report(norms: Fixture.decaying(steps: 50)))
        _ = press(&s, .char("i"))
        #expect(s.a.identityInit && s.a.settings.activation == .relu)
        #expect(press(&s, .char("g")) == [.reinitialise(s.a.settings)])
        #expect(s.a.settings.cell == .lstm && !s.a.identityInit)
        #expect(s.a.settings.initKind == s.a.scenario.settings.initKind && s.a.settings.activation == s.a.scenario.settings.activation)
        #expect(s.ui.status?.text.contains("IRNN off") == true, "\(s.ui.status?.text ?? "")")
    }

    @Test func braceKeysMoveTheForgetBiasOfAnLSTMOnly() {
        var s = Self.gatedState(.lstm)
        #expect(press(&s, .char("}")) == [.reinitialise(s.a.settings)])
        #expect(s.a.settings.forgetBias == 1.5)
        // σ(1.5)^50 at initialisation, on the status line
        let kept = pow(1 / (1 + exp(-1.5)), 50.0)
        #expect(s.ui.status?.text.contains("b_f = 1.5") == true && s.ui.status?.text.contains(Format.scientific(kept)) == true, "\(s.ui.status?.text ?? "")")
        _ = press(&s, .char("{"), .char("{"), .char("{"))
        #expect(s.a.settings.forgetBias == 0)
        for _ in 0..<30 { _ = press(&s, .char("{")) }
        #expect(s.a.settings.forgetBias == -10, "held in init.forget_bias's range")
        var gru = Self.gatedState(.gru)
        #expect(press(&gru, .char("}")) == [])
        #expect(gru.a.settings.forgetBias == 1 && gru.ui.status?.text.contains("g switches the cell to lstm") == true)
    }

    @Test func theKeyBarHasTheCellKeyAndForAnLSTMTheForgetBiasWithinOneHundredColumns() {
        for cell in CellKind.allCases {
            let bar = Fixture.render(Self.gatedState(cell)).line(31)
            #expect(bar.contains("gCell"), "\(bar)")
            #expect(bar.contains("{}b_f") == (cell == .lstm) && bar.contains("iIRNN") == (cell == .rnn), "IRNN is the vanilla RNN's: \(bar)")
            for b in Keymap.bar(for: .normal, lstm: cell == .lstm, gated: cell != .rnn) {
                #expect(bar.contains(b.keyLabel + (b.barLabel ?? "")) || bar.contains(b.keyLabel + " " + (b.barLabel ?? "")), "\(b.keyLabel) in \(bar)")
            }
            #expect(bar.contains("qQuit"), "every entry fits at 100 columns: \(bar)")
        }
        let help = HelpOverlay.lines(Self.gatedState(.lstm).a, width: 400).map(\.text).joined(separator: " ")
        #expect(help.contains("rnn (vanilla) → lstm → gru") && help.contains("forget gate bias b_f"))
    }

    @Test func theSidePanelShowsTheCellAndItsGate() {
        let lstm = Fixture.render(Self.gatedState(.lstm))
        #expect(lstm.panelValue("cell") == "lstm")
        #expect(lstm.panelValue("forget bias b_f") == "1.0")
        #expect(lstm.panelValue("forget gate f̄") == "0.75")
        #expect(lstm.panelValue("saturated") == "12.5%")
        #expect(lstm.panelValue("∏ f T…1") == Format.scientific(pow(0.75, 50)))
        #expect(lstm.panelValue("γ·σ_max") == nil, "Pascanu's bound is the Elman cell's")
        let gru = Fixture.render(Self.gatedState(.gru))
        #expect(gru.panelValue("cell") == "gru" && gru.panelValue("update gate z̄") == "0.75" && gru.panelValue("forget bias b_f") == nil)
        let rnn = Fixture.render(Fixture.state(width: 100, height: 32, report: Fixture.report(norms: Fixture.decaying(steps: 50))))
        #expect(rnn.panelValue("cell") == "rnn (vanilla)" && rnn.panelValue("γ·σ_max") != nil)
    }

    /// gru-adding (seed 4, iteration 40) had 0.019% of its update gate saturated, shown as
    /// "0%", as a gate with none; a fraction that rounds to 0% or 100% says it is not.
    @Test(arguments: [(0.000185546875, "<0.1%"), (0, "0%"), (0.0005, "0.1%"), (0.9996, ">99.9%"), (1, "100%"), (0.125, "12.5%")])
    func aFewSaturatedGatesAreNotNone(fraction: Double, shown: String) {
        var r = Self.gatedReport(cell: .gru)
        r.pathGateSaturation = [fraction]
        let s = Fixture.state(width: 100, height: 32, scenario: Fixture.scenario { $0.cell = .gru }, report: r)
        #expect(Fixture.render(s).panelValue("saturated") == shown)
    }

    @Test func stepThroughShowsTheCellGradientAndTheGatePathAtEachT() {
        var s = Self.gatedState(.lstm)
        _ = press(&s, .char("b"), .left, .left)  // t = 48
        let rows = StepThroughPanel.rows(s.a, s.ui, cursor: 47)
        let byLabel = Dictionary(rows.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        let c = Fixture.decaying(steps: 50, top: 0.2, decay: 0.9)[47]
        #expect(byLabel["‖∂L/∂c_t‖"]?.value == Format.scientific(c))
        #expect(byLabel["∏ f T…t"]?.value == Format.scientific(pow(0.75, 3)))
        #expect(byLabel["‖∂L/∂h_t‖"] != nil && byLabel["‖J_t‖"]?.note == "J_t = ∂h_t/∂h_{t−1}")
        let screen = Fixture.render(s).text
        #expect(screen.contains("‖∂L/∂c_t‖") && screen.contains("∏ f T…t"), "\(screen)")
        // The GRU has no cell state: its direct path is Π z.
        var g = Self.gatedState(.gru)
        _ = press(&g, .char("b"))
        let gruRows = StepThroughPanel.rows(g.a, g.ui, cursor: 49).map(\.label)
        #expect(gruRows.contains("∏ z T…t") && !gruRows.contains("‖∂L/∂c_t‖"))
        // Truncated at K = 12 (cuts after 12, 24, 36, 48): from t = 48 back the path is cut.
        s.a.reportOptions = Fixture.options(truncate: 12)
        let cut = StepThroughPanel.rows(s.a, s.ui, cursor: 47).first { $0.label == "∏ f T…t" }
        #expect(cut?.value == "0 (cut)" && cut?.note == "cut at 48|49", "\(String(describing: cut))")
        #expect(cut?.long.contains(Format.scientific(pow(0.75, 3))) == true, "the gates' own product stays said")
        let uncut = StepThroughPanel.rows(s.a, s.ui, cursor: 49).first { $0.label == "∏ f T…t" }
        #expect(uncut?.value == Format.scientific(0.75), "t = 50 is inside the last chunk")
    }
}
