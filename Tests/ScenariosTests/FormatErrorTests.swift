import Foundation
import RNNSim
import Testing
@testable import Scenarios

/// Every error of the scenario format names the file, the line and the key.
@Suite struct FormatErrorTests {
    /// A small valid scenario; tests break one line of it.
    static let valid = """
    title = "A test"
    notes = "Two\\nlines"
    seed = 7

    [network]
    hidden = 8
    activation = "tanh"

    [task]
    kind = "adding"
    steps = 12

    [train]
    lr = 0.01
    batch = 4

    [variants.relu]
    network.activation = "relu"

    [[expect]]
    metric = "grad_ratio"
    below = 1.0
    """

    func error(_ text: String, path: String = "Scenarios/foo.toml") -> ScenarioError? {
        do {
            _ = try ScenarioLibrary.parse(text, path: path)
            return nil
        } catch let e as ScenarioError {
            return e
        } catch {
            Issue.record("not a ScenarioError: \(error)")
            return nil
        }
    }

    func replacing(_ old: String, _ new: String) -> String {
        #expect(Self.valid.contains(old))
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test func validParses() throws {
        let s = try ScenarioLibrary.parse(Self.valid, path: "Scenarios/foo.toml")
        #expect(s.name == "foo")
        #expect(s.title == "A test")
        #expect(s.notes == "Two\nlines")
        #expect(s.settings.seed == 7 && s.settings.hidden == 8 && s.settings.steps == 12)
        #expect(s.settings.learningRate == 0.01 && s.settings.batch == 4)
        #expect(s.variants.map(\.name) == ["relu"])
        #expect(s.variants[0].settings.activation == .relu)
        #expect(s.variants[0].settings.hidden == 8)
        #expect(s.variants[0].overrides.map(\.key) == ["network.activation"])
        #expect(s.claims.count == 1)
        #expect(s.claims[0].line == 20)
        #expect(s.claims[0].measures[0].metric == .gradRatio)
    }

    @Test func compareNamesTwoVariants() throws {
        let s = try ScenarioLibrary.parse(replacing("seed = 7", "seed = 7\ncompare = [\"base\", \"relu\"]"), path: "Scenarios/foo.toml")
        #expect(s.compare?.a.name == "base" && s.compare?.a.settings.activation == .tanh)
        #expect(s.compare?.b.name == "relu" && s.compare?.b.settings.activation == .relu)
        #expect(try ScenarioLibrary.parse(Self.valid, path: "Scenarios/foo.toml").compare == nil)
        for (bad, message) in [("[\"base\", \"nope\"]", "no [variants.nope] in this file (variants: base, relu)"),
                               ("[\"relu\"]", "expected two variant names"),
                               ("[\"relu\", \"relu\"]", "compares a variant with itself"),
                               ("\"relu\"", "expected two variant names")] {
            let e = error(replacing("seed = 7", "seed = 7\ncompare = \(bad)"))
            #expect(e?.description.hasPrefix("Scenarios/foo.toml:4: compare: \(message)") == true, "\(e?.description ?? "no error")")
        }
    }

    @Test func outOfRangeMatchesTheIssueExample() {
        let text = replacing("lr = 0.01", "lr = -1.0")
        let e = error(text)
        #expect(e?.description == "Scenarios/foo.toml:14: train.lr: -1.0 is out of range (1e-09…10.0)")
    }

    @Test func syntaxError() {
        let e = error(replacing("batch = 4", "batch = = 4"))
        #expect(e?.path == "Scenarios/foo.toml")
        #expect(e?.line == 15)
        #expect(e?.description.hasPrefix("Scenarios/foo.toml:15: syntax error") == true)
        // An unterminated string and a duplicate key are syntax errors too.
        #expect(error(replacing("title = \"A test\"", "title = \"A test"))?.line == 1)
        #expect(error(Self.valid + "\n[train]\nclip = 1\n")?.line == 23)
    }

    @Test func unknownKey() {
        let e = error(replacing("batch = 4", "bacth = 4"))
        #expect(e?.line == 15)
        #expect(e?.key == "train.bacth")
        #expect(e?.description.hasPrefix("Scenarios/foo.toml:15: train.bacth: unknown key (did you mean train.batch?)") == true)
        // Unknown top-level key and unknown section.
        let top = error(replacing("seed = 7", "sede = 7"))
        #expect(top?.line == 3 && top?.key == "sede")
        let section = error(replacing("[train]", "[training]"))
        #expect(section?.line == 13 && section?.key == "training")
        // A nested table inside a section is not a setting.
        let nested = error(replacing("batch = 4", "batch = 4\n[train.extra]\nx = 1"))
        #expect(nested?.key == "train.extra" && nested?.line == 16)
        // Issue 20: an unknown dotted table was reported at line 1 (or at its known section's line).
        let dotted = error(replacing("[train]", "[nosuch.table]\nx = 1\n[train]"))
        #expect(dotted?.key == "nosuch" && dotted?.line == 13, "\(String(describing: dotted))")
        let deeper = error(replacing("batch = 4", "batch = 4\n[network.extra.more]\nx = 1"))
        #expect(deeper?.key == "network.extra" && deeper?.line == 16, "\(String(describing: deeper))")
        // Unknown key inside a variant, as a dotted key.
        let variant = error(replacing("network.activation = \"relu\"", "network.activaton = \"relu\""))
        #expect(variant?.line == 18 && variant?.key == "variants.relu.network.activaton")
    }

    @Test func wrongType() {
        let e = error(replacing("hidden = 8", "hidden = \"eight\""))
        #expect(e?.description == "Scenarios/foo.toml:6: network.hidden: expected an integer, got a string")
        let f = error(replacing("lr = 0.01", "lr = [0.01]"))
        #expect(f?.line == 14 && f?.key == "train.lr" && f?.message.contains("got an array") == true)
        let g = error(replacing("title = \"A test\"", "title = 3"))
        #expect(g?.line == 1 && g?.key == "title")
        let h = error(replacing("[network]\nhidden = 8\nactivation = \"tanh\"", "network = 8"))
        #expect(h?.line == 5 && h?.key == "network" && h?.message.contains("expected a table") == true)
        let date = error(replacing("seed = 7", "seed = 1979-05-27"))
        #expect(date?.line == 3 && date?.message.contains("a date") == true)
    }

    @Test func choiceAndCrossKeyErrors() {
        let e = error(replacing("activation = \"tanh\"", "activation = \"swish\""))
        #expect(e?.line == 7 && e?.key == "network.activation" && e?.message.contains("'swish' is not one of") == true)
        // validate(): echo needs lag < steps; reported at the key's line.
        let lag = error(replacing("kind = \"adding\"", "kind = \"echo\"\nlag = 30"))
        #expect(lag?.key == "task.lag" && lag?.line == 11)
        // A cross-key error in a variant points into the variant.
        let v = error(replacing("network.activation = \"relu\"", "task.kind = \"echo\"\ntask.lag = 40"))
        #expect(v?.key == "variants.relu.task.lag" && v?.line == 19)
    }

    /// A lag on a task other than echo was accepted and never read.
    @Test func aLagOnATaskThatHasNoneIsRefused() {
        let e = error(replacing("kind = \"adding\"", "kind = \"adding\"\nlag = 3"))
        #expect(e?.key == "task.lag" && e?.line == 11 && e?.message == "is the echo task's lag (y_t = x_{t-L}); task.kind is adding")
        #expect(error(replacing("kind = \"adding\"", "kind = \"echo\"\nlag = 3")) == nil)
    }

    /// `optimizer = "adam"` with `momentum = 0.9` trained as if μ were not there.
    @Test func momentumForAnOptimiserWithoutOneIsRefused() {
        let e = error(replacing("lr = 0.01", "lr = 0.01\noptimizer = \"adam\"\nmomentum = 0.9"))
        #expect(e?.key == "train.momentum" && e?.line == 16, "\(String(describing: e))")
        #expect(e?.message == "is for sgd and rmsprop; train.optimizer is adam, which has none (Adam's β₁ is fixed at 0.9)")
        #expect(error(replacing("lr = 0.01", "lr = 0.01\noptimizer = \"adagrad\"\nmomentum = 0.5"))?.key == "train.momentum")
        #expect(error(replacing("lr = 0.01", "lr = 0.01\noptimizer = \"rmsprop\"\nmomentum = 0.9")) == nil)
    }

    /// `below = 1` with `above = 2` was a claim no figure could pass, found only by `check`.
    @Test func aThresholdNoFigureCanPassIsRefused() {
        let e = error(replacing("below = 1.0", "below = 1.0\nabove = 2"))
        #expect(e?.key == "expect[1].above" && e?.line == 23)
        #expect(e?.message == "2 is not below below = 1: no figure can pass (outside = [1, 2] asks for a figure out of that range)")
        let equal = error(replacing("below = 1.0", "below = 1.0\nabove = 1.0"))
        #expect(equal?.key == "expect[1].above")
        #expect(error(replacing("below = 1.0", "below = 1.0\nabove = 0.5")) == nil)
    }

    @Test func expectErrors() {
        // Unknown claim key.
        let unknown = error(replacing("below = 1.0", "belwo = 1.0"))
        #expect(unknown?.line == 22 && unknown?.key == "expect[1].belwo")
        #expect(unknown?.message.contains("unknown claim key (did you mean below?)") == true)
        // A key of another metric.
        let other = error(replacing("below = 1.0", "below = 1.0\nwindow = 5"))
        #expect(other?.line == 23 && other?.key == "expect[1].window" && other?.message.contains("not a key of metric grad_ratio") == true)
        // Unknown metric.
        let metric = error(replacing("metric = \"grad_ratio\"", "metric = \"grad_ration\""))
        #expect(metric?.line == 21 && metric?.key == "expect[1].metric" && metric?.message.contains("did you mean grad_ratio") == true)
        // Missing metric and missing threshold: the claim's header line.
        let missing = error(replacing("metric = \"grad_ratio\"\n", ""))
        #expect(missing?.line == 20 && missing?.key == "expect[1].metric")
        let noThreshold = error(replacing("below = 1.0", "step = 2"))
        #expect(noThreshold?.line == 20 && noThreshold?.message.contains("needs a threshold") == true)
        // Out of range against the settings: step beyond T = 12.
        let step = error(replacing("below = 1.0", "below = 1.0\nstep = 13"))
        #expect(step?.line == 23 && step?.key == "expect[1].step" && step?.message.contains("out of range (1…12") == true)
        // Wrong type.
        let type = error(replacing("below = 1.0", "below = \"small\""))
        #expect(type?.line == 22 && type?.message == "expected a number, got a string")
        // Unknown variant.
        let variant = error(replacing("below = 1.0", "below = 1.0\nvariant = \"sigmoid\""))
        #expect(variant?.line == 23 && variant?.key == "expect[1].variant" && variant?.message.contains("no [variants.sigmoid]") == true)
        // The second of two claims, in a side.
        let second = Self.valid + """

        [[expect]]
        metric = "final_loss"
        iterations = 10
        sides = [
          { variant = "relu", below = 0.5 },
          { variant = "base", above = 0.1, windw = 3 },
        ]
        """
        let side = error(second)
        #expect(side?.line == 28 && side?.key == "expect[2].sides[2].windw")
        // Sweep of a setting that does not exist, and a sweep value out of range.
        let sweep = error(replacing("below = 1.0", "below = 1.0\nsweep = \"init.rhoo\"\nvalues = [1]"))
        #expect(sweep?.line == 23 && sweep?.message.contains("did you mean init.rho") == true)
        let value = error(replacing("below = 1.0", "below = 1.0\nsweep = \"init.rho\"\nvalues = [0.5,\n  -2.0]"))
        #expect(value?.line == 25 && value?.key == "expect[1].values[2]" && value?.message.contains("out of range") == true)
    }

    @Test func missingFile() {
        do {
            _ = try ScenarioLibrary.load("Scenarios/does-not-exist.toml")
            Issue.record("no error")
        } catch let e as ScenarioError {
            #expect(e.description == "Scenarios/does-not-exist.toml: no such file")
        } catch { Issue.record("\(error)") }
        // An unknown preset name lists the presets.
        do {
            _ = try ScenarioLibrary.load("no-such-preset")
            Issue.record("no error")
        } catch let e as ScenarioError {
            #expect(e.path == "no-such-preset")
            #expect(e.message.contains("no preset of that name"))
        } catch { Issue.record("\(error)") }
    }

    @Test func quotedSetKeysWork() throws {
        let s = try ScenarioLibrary.parse(replacing("seed = 7", "seed = 7\n\"train.clip\" = 2.5"), path: "q.toml")
        #expect(s.settings.clip == 2.5)
        let v = try ScenarioLibrary.parse(replacing("network.activation = \"relu\"", "\"network.activation\" = \"relu\""), path: "q.toml")
        #expect(v.variants[0].settings.activation == .relu)
    }

    @Test func corpusIsFoundNextToTheFile() throws {
        let s = try ScenarioLibrary.parse(replacing("kind = \"adding\"", "kind = \"char-lm\"\ncorpus = \"texts/a.txt\""), path: "lectures/x.toml")
        #expect(s.settings.corpus == "lectures/texts/a.txt")
        // Outside the file's folder: refused, with the line (issue 20: a stranger's scenario read /etc/shadow).
        for outside in ["/etc/shadow", "../x.txt", "texts/../../x.txt", "~/x.txt"] {
            let e = error(replacing("kind = \"adding\"", "kind = \"char-lm\"\ncorpus = \"\(outside)\""), path: "lectures/x.toml")
            #expect(e?.line == 11 && e?.key == "task.corpus" && e?.message.contains("inside its own folder") == true, "\(outside): \(String(describing: e))")
        }
    }

    @Test func missingTitle() {
        let e = error(replacing("title = \"A test\"\n", ""))
        #expect(e?.key == "title" && e?.line == 1 && e?.message.contains("missing") == true)
    }

    @Test func errorDescriptionForms() {
        #expect(ScenarioError(path: "a.toml", line: 3, key: "train.lr", message: "m").description == "a.toml:3: train.lr: m")
        #expect(ScenarioError(path: "a.toml", line: 3, message: "m").description == "a.toml:3: m")
        #expect(ScenarioError(path: "a.toml", message: "no such file").description == "a.toml: no such file")
    }
}
