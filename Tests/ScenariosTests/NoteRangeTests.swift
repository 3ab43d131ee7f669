import Foundation
import Testing
@testable import Scenarios

/// A figure a preset's notes quote as a range over seeds, and where `rnnscope check`
/// prints it. The notes are on screen whatever the seed, so they quote ranges over
/// seeds measured with `check`, never one seed's figure as "this seed's".
struct NoteRange: CustomStringConvertible, Sendable {
    let preset: String
    /// The notes' words around the range (whitespace runs read as one space): two
    /// captures, its low and high end as written, or one for a single figure.
    let note: String
    /// The line of `check`'s output (0-based, as printed) and the words around the
    /// figure in it: one capture per figure (two for two draws), each within the range.
    let line: Int
    let figure: String
    /// The figure times this is what the notes write (100: a fraction as a percentage).
    var scale: Double = 1

    var description: String { "\(preset): \(note)" }

    /// The range the notes write, widened by half a unit in the last digit written at
    /// each end: 0.96 covers 0.955…, 2,369 covers 2,368.5….
    func range(inNotes notes: String) throws -> ClosedRange<Double> {
        let text = notes.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let match = try #require(try Regex(note).firstMatch(in: text), "\(preset)'s notes no longer say /\(note)/")
        let ends = match.output.dropFirst().compactMap { $0.substring.map(String.init) }
        let low = try #require(ends.first), high = try #require(ends.last)
        let (l, lu) = try Self.number(low), (h, hu) = try Self.number(high)
        return (l - lu / 2)...(h + hu / 2)
    }

    /// The figures of `check`'s line, scaled as the notes write them.
    func figures(inCheck lines: [String]) throws -> [Double] {
        try #require(lines.indices.contains(line), "\(preset): no check line \(line)")
        let text: String = lines[line]
        let match = try #require(try Regex(figure).firstMatch(in: text), "\(preset): /\(figure)/ is not in \(text)")
        return try match.output.dropFirst().map { try Self.number(String(try #require($0.substring))).value * scale }
    }

    /// A number as the notes and check write it ("2,369", "1.1e8", "−0.105"), and a
    /// unit in its last digit.
    static func number(_ written: String) throws -> (value: Double, unit: Double) {
        let s = written.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "−", with: "-")
        let value = try #require(Double(s), "not a number: \(written)")
        let parts = s.lowercased().split(separator: "e")
        let exponent = parts.count == 2 ? Double(parts[1]) ?? 0 : 0
        let decimals = parts[0].split(separator: ".").dropFirst().first?.count ?? 0
        return (value, Foundation.pow(10, exponent - Double(decimals)))
    }
}

enum NoteRanges {
    /// A number as written: "2,369", "0.96", "1.1e8", "5.9e-7" (a comma only between digits).
    static let n = #"([0-9](?:[0-9]|,(?=[0-9]))*(?:\.[0-9]+)?(?:e[−-]?[0-9]+)?)"#
    static let seeds = "on seeds 1–10"

    static let all: [NoteRange] = [
        NoteRange(preset: "jacobian-product", note: #"\(measured \#(n)× to \#(n)× over 30 seeds\)"#, line: 2, figure: #"2 draws: \#(n), \#(n) all"#),
        NoteRange(preset: "jacobian-product", note: #"\(measured \#(n) to \#(n)\)"#, line: 3, figure: #"2 draws: \#(n), \#(n) all"#),
        NoteRange(preset: "vanishing", note: #"h_1 receives \#(n) to \#(n) of what h_50 gets on seeds 1–20 and 1000–1019"#, line: 0, figure: #"= \#(n) <"#),
        NoteRange(preset: "vanishing", note: #"still at \#(n) to \#(n) × chance after 5,000 iterations \#(seeds)"#, line: 1, figure: #"= \#(n) >"#),
        NoteRange(preset: "vanishing", note: #"below MSE 0.1 by iteration \#(n) to \#(n) \#(seeds)"#, line: 2, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "gamma-bound", note: #"‖∂L/∂h_1‖/‖∂L/∂h_50‖ is \#(n) to \#(n): σ'"#, line: 1, figure: #"= \#(n) <"#),
        NoteRange(preset: "gamma-bound", note: #"still vanishes \(\#(n) to \#(n) over 49 steps\)"#, line: 2, figure: #"= \#(n) <"#),
        NoteRange(preset: "gamma-bound", note: #"ρ > 1 and still \#(n) to \#(n)\)"#, line: 0, figure: #"= \#(n) <"#),
        NoteRange(preset: "gamma-bound", note: #"keeps the norm, \#(n)\."#, line: 3, figure: #"= \#(n), within"#),
        NoteRange(preset: "weight-sum", note: #"float32 rounding \(\#(n) to \#(n) apart \#(seeds);"#, line: 0, figure: #"= \#(n) <"#),
        NoteRange(preset: "weight-sum", note: #"; \#(n) to \#(n) for the orthogonal linear network"#, line: 1, figure: #"= \#(n) <"#),
        NoteRange(preset: "weight-sum", note: #"carry \#(n)% to \#(n)% of Σ_t"#, line: 2, figure: #"steps = \#(n) >"#, scale: 100),
        NoteRange(preset: "weight-sum", note: #"carry only \#(n)% to \#(n)%"#, line: 3, figure: #"steps = \#(n) <"#, scale: 100),
        NoteRange(preset: "exploding", note: #"over 49 steps \#(n)- to \#(n)-fold at iteration 1 \(seeds 1–20"#, line: 0, figure: #"= \#(n) >"#),
        NoteRange(preset: "exploding", note: #"grows \#(n)- to \#(n)-fold over T \#(seeds)"#, line: 2, figure: #"= \#(n) >"#),
        NoteRange(preset: "exploding", note: #"h_1 at all \(\#(n) in float32 on each of seeds 1–10\)"#, line: 3, figure: #"= \#(n) <"#),
        NoteRange(preset: "clipping-rescue", note: #"the loss is \#(n) to \#(n) × chance \#(seeds)"#, line: 2, figure: #"= \#(n) <"#),
        NoteRange(preset: "clipping-rescue", note: #"Inf/NaN at iteration \#(n) on each of them"#, line: 0, figure: #"at iteration \#(n) ≤"#),
        NoteRange(preset: "good-init", note: #"‖∂L/∂h_1‖/‖∂L/∂h_100‖ = \#(n) on every seed"#, line: 0, figure: #"= \#(n), within"#),
        NoteRange(preset: "good-init", note: #"Glorot: \#(n) to \#(n) over 40 seeds"#, line: 1, figure: #"= \#(n) outside"#),
        NoteRange(preset: "good-init", note: #"\#(n)% to \#(n)% of the gradient reaches h_1"#, line: 2, figure: #"= \#(n) >"#, scale: 100),
        NoteRange(preset: "irnn-adding", note: #"at iterations \#(n) to \#(n) \#(seeds)"#, line: 0, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "irnn-adding", note: #"\(\#(n) to \#(n) at the end \#(seeds)"#, line: 0, figure: #"after 4000 iterations = \#(n) "#),
        NoteRange(preset: "residual-path", note: #"‖∂L/∂h_1‖/‖∂L/∂h_40‖ is \#(n) to \#(n) \(seeds 1–20"#, line: 0, figure: #"residual: ‖∂L/∂h_1‖/‖∂L/∂h_40‖ = \#(n) "#),
        NoteRange(preset: "residual-path", note: #"the same ratio is \#(n) to \#(n) on the same seeds\."#, line: 0, figure: #"tanh: ‖∂L/∂h_1‖/‖∂L/∂h_40‖ = \#(n) "#),
        NoteRange(preset: "residual-path", note: #"by iteration \#(n) to \#(n)\)"#, line: 1, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "residual-path", note: #"stays above it \(\#(n) to \#(n) after 3,000\)"#, line: 1, figure: #"after 3000 iterations = \#(n) "#),
        NoteRange(preset: "lstm-adding", note: #"by iteration \#(n) to \#(n) \#(seeds)"#, line: 0, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "lstm-adding", note: #"\(\#(n) to \#(n) after 3,000 iterations \#(seeds)\)"#, line: 0, figure: #"after 3000 iterations = \#(n) "#),
        NoteRange(preset: "gru-adding", note: #"averaged over units is \#(n) to \#(n) \#(seeds)"#, line: 0, figure: #"= \#(n) <"#),
        NoteRange(preset: "gru-adding", note: #"by iteration \#(n) to \#(n) \#(seeds)"#, line: 1, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "gru-adding", note: #"\(\#(n) to \#(n) after 3,000 iterations \#(seeds)"#, line: 1, figure: #"after 3000 iterations = \#(n) "#),
        NoteRange(preset: "forget-bias", note: #"\#(seeds): \#(n) to \#(n) at b_f = 0,"#, line: 0, figure: #"f_u = \#(n) \("#),
        NoteRange(preset: "forget-bias", note: #"b_f = 0, \#(n) to \#(n) at 1,"#, line: 1, figure: #"f_u = \#(n) \("#),
        NoteRange(preset: "forget-bias", note: #"at 1, \#(n) to \#(n) at 2 "#, line: 2, figure: #"f_u = \#(n) \("#),
        NoteRange(preset: "forget-bias", note: #"by iteration \#(n) to \#(n) \#(seeds)"#, line: 3, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "stacked-layers", note: #"layer 3 keeps \#(n) to \#(n) of its gradient"#, line: 0, figure: #"= \#(n) <"#),
        NoteRange(preset: "stacked-layers", note: #"layer 2 \#(n) to \#(n),"#, line: 1, figure: #"= \#(n) <"#),
        NoteRange(preset: "stacked-layers", note: #"layer 1 \#(n) to \#(n), in that order"#, line: 2, figure: #"= \#(n) <"#),
        NoteRange(preset: "deep-lstm", note: #"by iteration \#(n) to \#(n) \#(seeds)"#, line: 0, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "deep-lstm", note: #"\(\#(n) to \#(n) after 4,000 iterations \#(seeds)"#, line: 0, figure: #"after 4000 iterations = \#(n) "#),
        NoteRange(preset: "char-lm", note: #"‖∂L/∂h_1‖ is \#(n) to \#(n) × ‖∂L/∂h_32‖ at the start"#, line: 1, figure: #"= \#(n) >"#),
        NoteRange(preset: "char-lm", note: #"start, \#(n) to \#(n) × after 200 iterations, \#(seeds)"#, line: 2, figure: #"= \#(n) >"#),
        NoteRange(preset: "lm-perplexity", note: #"unigram \(character frequencies\) \#(n),"#, line: 0, figure: #"= \#(n) >"#),
        NoteRange(preset: "lm-perplexity", note: #"bigram \(one character of context\) \#(n),"#, line: 1, figure: #"= \#(n) <"#),
        NoteRange(preset: "lm-perplexity", note: #"trigram \(two\) \#(n)\."#, line: 2, figure: #"= \#(n) <"#),
        NoteRange(preset: "lm-perplexity", note: #"reaches \#(n) to \#(n) after 500 iterations \(seeds 1–10\)"#, line: 3, figure: #"= \#(n) <"#),
        NoteRange(preset: "lm-perplexity", note: #"rises again, to \#(n) to \#(n):"#, line: 4, figure: #"= \#(n) >"#),
        NoteRange(preset: "lm-perplexity", note: #"falls to \#(n) to \#(n) nats"#, line: 5, figure: #"= \#(n) <"#),
        NoteRange(preset: "reverse-input", note: #"by iteration \#(n) to \#(n), and"#, line: 0, figure: #"at iteration \#(n) "#),
        NoteRange(preset: "reverse-input", note: #"and \#(n) to \#(n) after 3,000 \(on seeds 1–20 and 1000–1019"#, line: 1, figure: #"reversed: .*? after 3000 iterations = \#(n) "#),
        NoteRange(preset: "reverse-input", note: #"After 200 iterations the loss is still \#(n) to \#(n),"#, line: 0, figure: #"after 200 iterations = \#(n) "#),
        NoteRange(preset: "reverse-input", note: #"after 3,000 \#(n) to \#(n)\."#, line: 1, figure: #"forward: .*? after 3000 iterations = \#(n) "#),
    ]

    /// In `PresetTests.checkPasses`, on the lines `check` printed for seed 1 (no run of its own).
    static func expectSeedOneInside(_ scenario: Scenario, lines: [String]) throws {
        for r in all where r.preset == scenario.name {
            let range = try r.range(inNotes: scenario.notes)
            for f in try r.figures(inCheck: lines) {
                #expect(range.contains(f), "\(r): seed 1's figure \(f) is outside the notes' range \(range) (check: \(lines[r.line]))")
            }
        }
    }
}

@Suite struct NoteRangeTests {
    /// Every range the table knows is still in its preset's notes, as a range (cheap:
    /// no training; `checkPasses` holds seed 1's measured figures to them).
    @Test(arguments: NoteRanges.all)
    func theNotesStillSayIt(_ r: NoteRange) throws {
        let scenario = try ScenarioLibrary.load(presetDirectory.appendingPathComponent(r.preset + ".toml").path)
        let range = try r.range(inNotes: scenario.notes)
        #expect(range.lowerBound <= range.upperBound, "\(r)")
    }

    /// A range over seeds says over which: its own paragraph names them, or the notes
    /// say once that every range in them is over the same seeds.
    @Test(arguments: NoteRanges.all)
    func aRangeSaysOverWhichSeeds(_ r: NoteRange) throws {
        let scenario = try ScenarioLibrary.load(presetDirectory.appendingPathComponent(r.preset + ".toml").path)
        let flat = { (s: Substring) in s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let paragraphs = scenario.notes.split(separator: "\n", omittingEmptySubsequences: false)
            .split { $0.allSatisfy(\.isWhitespace) }.map { flat($0.joined(separator: " ")[...]) }
        let regex = try Regex(r.note)
        let found = try #require(try paragraphs.first { try regex.firstMatch(in: $0) != nil }, "\(r): not within one paragraph")
        let captures = try #require(try regex.firstMatch(in: found)).output.count - 1
        guard captures == 2 else { return }   // one figure, not a range over seeds
        let everyRange = flat(scenario.notes[...]).lowercased().contains("every range here")
        #expect(found.contains("seed") || everyRange, "\(r): the paragraph quotes a range but not over which seeds: \(found)")
    }

    /// On screen whatever the seed, the notes never call one seed's figure "this seed's".
    @Test func noNoteQuotesThisSeed() throws {
        for p in try ScenarioLibrary.presets(in: presetDirectory) {
            let text = p.notes.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for phrase in ["this seed", "on seed 1 ", "on seed 1)", "on seed 1;", "(seed 1)", "Measured here"] {
                #expect(!text.contains(phrase), "\(p.name)'s notes say '\(phrase)'")
            }
        }
    }

    @Test func numbersAndTheirLastDigit() throws {
        let count = try NoteRange.number("2,369"), fraction = try NoteRange.number("0.96")
        #expect(count.value == 2369 && count.unit == 1)
        #expect(fraction.value == 0.96 && abs(fraction.unit - 0.01) < 1e-15)
        let tiny = try NoteRange.number("1.2e-21")
        #expect(tiny.value == 1.2e-21 && abs(tiny.unit - 1e-22) < 1e-36)
        let r = NoteRange(preset: "x", note: #"is \#(NoteRanges.n) to \#(NoteRanges.n) on"#, line: 0, figure: "")
        let range = try r.range(inNotes: "it is 0.96 to\n  1.03 on seeds")
        #expect(abs(range.lowerBound - 0.955) < 1e-12 && abs(range.upperBound - 1.035) < 1e-12)
    }
}
