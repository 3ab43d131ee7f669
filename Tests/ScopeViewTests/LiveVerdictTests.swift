import Foundation
import RNNSim
import Testing
@testable import Scenarios
@testable import ScopeView

/// One evaluator: a claim judged live, on the run on screen, gives the figure
/// `check` gives for the same claim and seed, for every kind of metric a live run
/// judges. The watcher decides only when; the number is `Evaluate`'s in both.
@Suite(.serialized) struct LiveVerdictTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var metric: String
        var expect: String
        var network = "hidden = 8"
        var task = "kind = \"adding\"\nsteps = 10"
        var train = "batch = 4"
        var testDescription: String { metric }
    }

    static let charLM = "kind = \"char-lm\"\ntext = \"\(String(repeating: "the cat sat on the mat. ", count: 8))\"\nsteps = 8"

    static let cases: [Case] = [
        Case(metric: "grad_ratio", expect: "iteration = 3\nabove = 0"),
        Case(metric: "slope_vs_log_rho", expect: "iteration = 2\nfit_steps = [2, 8]"),
        Case(metric: "gate_path", expect: "iteration = 2\nabove = 0", network: "hidden = 8\ncell = \"lstm\""),
        Case(metric: "heldout_perplexity", expect: "iterations = 5\nbelow = 1000", task: charLM + "\nheldout = 0.3"),
        Case(metric: "nonfinite_within", expect: "iterations = 200",
             network: "hidden = 8\nactivation = \"linear\"\n[init]\nkind = \"spectral\"\nrho = 3", train: "batch = 4\noptimizer = \"sgd\"\nlr = 1"),
        Case(metric: "finite_for", expect: "iterations = 5"),
        Case(metric: "final_loss", expect: "iterations = 30\nwindow = 5\nbelow = 100"),
        Case(metric: "loss_reaches", expect: "iterations = 60\nwindow = 5\nbelow = 2\nrelative_to = \"chance\""),
        Case(metric: "loss_below_start", expect: "iterations = 30\nwindow = 5\nbelow = 10"),
        Case(metric: "perplexity_ratio", expect: "iterations = 20\nwindow = 5\nbelow = 10", task: charLM),
    ]

    static func scenario(_ c: Case) throws -> Scenario {
        try ScenarioLibrary.parse("""
        title = "live and check"
        seed = 7
        [network]
        \(c.network)
        [task]
        \(c.task)
        [train]
        \(c.train)
        [[expect]]
        metric = "\(c.metric)"
        \(c.expect)
        """, path: "live.toml")
    }

    /// The figures the live view judged, once the run stopped itself at the claim's moment.
    static func liveFigures(_ s: Scenario) throws -> [Double?] {
        let watcher = try #require(s.momentWatcher() as? MomentWatchers)
        var settings = s.settings
        settings.speed = .infinity
        let session = LiveSession(settings: settings, watcher: watcher)
        session.start()
        let deadline = Date().addingTimeInterval(120)
        var stopped = false
        while !stopped && Date() < deadline {
            if let u = session.poll(), u.selfPause != nil { stopped = true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        // The watcher lives on the session's thread: it is read once that thread has ended.
        #expect(session.stop(timeout: 10))
        #expect(stopped, "the run stops at its moment")
        return watcher.verdicts.map { $0?.figure }
    }

    @Test(arguments: cases) func theLiveFigureIsChecksFigure(_ c: Case) throws {
        let s = try Self.scenario(c)
        let check = ScenarioCheck.measureAll([s], progress: nil)[0][0].figures
        let live = try Self.liveFigures(s)
        #expect(check.count == 1 && check.allSatisfy { $0 != nil }, "check measured it: \(check)")
        #expect(live == check, "live \(live) against check \(check)")
    }
}
