import Foundation
import RNNSim
import Testing
@testable import Scenarios

/// Measures on the same settings share one training run, which goes on to the
/// longest budget: a shorter `final_loss` or `loss_below_start` is still judged
/// at its own iteration count, as the live view judges it at its moment.
@Suite struct SharedRunBudgetTests {
    static func file(_ claims: String) -> String {
        """
        title = "t"
        seed = 3
        [network]
        hidden = 8
        [task]
        kind = "adding"
        steps = 10
        [train]
        batch = 8
        optimizer = "adam"
        lr = 0.01
        \(claims)
        """
    }

    static let short = """
    [[expect]]
    metric = "final_loss"
    iterations = 20
    window = 5
    above = 0
    """

    static let shortRatio = """
    [[expect]]
    metric = "loss_below_start"
    iterations = 20
    window = 5
    below = 100
    """

    static let long = """
    [[expect]]
    metric = "final_loss"
    iterations = 300
    window = 5
    above = 0
    """

    @Test(arguments: [short, shortRatio])
    func aShortMeasureIsJudgedAtItsOwnBudgetWhenItsRunGoesOn(claim: String) throws {
        let alone = ScenarioCheck.run(try ScenarioLibrary.parse(Self.file(claim), path: "t.toml"))
        let shared = ScenarioCheck.run(try ScenarioLibrary.parse(Self.file(claim + "\n" + Self.long), path: "t.toml"))
        try #require(alone.count == 1 && shared.count == 2)
        #expect(shared[0].line == alone[0].line, "shared with a 300-iteration run: \(shared[0].line); alone: \(alone[0].line)")
        #expect(shared[1].line != alone[0].line.replacingOccurrences(of: "20 iterations", with: "300 iterations"))
    }
}
