import Foundation
import Testing
@testable import ScopeView

/// Not a timed test: a measurement to read. In release:
///   swift test -c release -Xswiftc -enable-testing --filter RenderTiming
/// Prints wall time and this thread's CPU time a frame (the CPU time is the fairer
/// figure on a machine shared with other builds).
@Suite struct RenderTiming {
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    @Test func measureA200x60Frame() {
        var norms = Fixture.decaying(steps: 1000, decay: 0.98)
        norms[700] = .infinity
        var state = Fixture.state(width: 200, height: 60, report: Fixture.report(norms: norms, jacobians: norms),
                                  options: Fixture.options(truncate: 50, clip: 1), rows: RunState.historyRows)
        for i in 0..<5000 { state.a.losses.append(1 / Double(i + 1)) }
        var drawn = 0
        for mode in [Mode.normal, .stepThrough(cursor: 500)] {
            state.ui.mode = mode
            _ = Fixture.render(state)  // warm up
            let n = 100
            let wall = Date(), cpu = Self.threadCPUSeconds()
            for _ in 0..<n { drawn += Fixture.render(state).width }
            let wallMs = Date().timeIntervalSince(wall) * 1000 / Double(n)
            let cpuMs = (Self.threadCPUSeconds() - cpu) * 1000 / Double(n)
            print(String(format: "render 200×60, T = 1000, %d history rows, %@: %.2f ms CPU, %.2f ms wall a frame",
                         RunState.historyRows, "\(mode)", cpuMs, wallMs))
        }
        #expect(drawn == 200 * 200)
    }
}
