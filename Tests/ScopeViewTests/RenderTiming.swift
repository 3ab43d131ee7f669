import Foundation
import Testing
@testable import ScopeView

/// Not a timed test: a measurement to read. In release:
///   swift test -c release -Xswiftc -enable-testing --filter RenderTiming
@Suite struct RenderTiming {
    @Test func measureA200x60Frame() {
        var norms = Fixture.decaying(steps: 1000, decay: 0.98)
        norms[700] = .infinity
        var state = Fixture.state(width: 200, height: 60, report: Fixture.report(norms: norms, jacobians: norms),
                                  options: Fixture.options(truncate: 50, clip: 1), rows: AppState.historyRows)
        for i in 0..<5000 { state.losses.append(1 / Double(i + 1)) }
        var drawn = 0
        for mode in [Mode.normal, .stepThrough(cursor: 500)] {
            state.mode = mode
            _ = Fixture.render(state)  // warm up
            let n = 50
            let start = ContinuousClock.now
            for _ in 0..<n { drawn += Fixture.render(state).width }
            let perFrame = (ContinuousClock.now - start) / n
            let ms = Double(perFrame.components.attoseconds) / 1e15 + Double(perFrame.components.seconds) * 1000
            print("render 200×60, T = 1000, \(AppState.historyRows) history rows, \(mode): \(String(format: "%.2f", ms)) ms a frame")
        }
        #expect(drawn == 100 * 200)
    }
}
