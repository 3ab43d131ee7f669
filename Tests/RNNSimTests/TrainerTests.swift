import Testing
@testable import RNNSim

@Suite struct TrainerTests {
    static var settings: Settings {
        var s = Settings()
        s.hidden = 8
        s.steps = 10
        s.batch = 3
        s.layers = 2
        s.truncate = 4
        return s
    }

    @Test func remeasuringTheLastIterationGivesItBackWithJacobiansAndTrainsNothing() throws {
        let a = try Trainer(settings: Self.settings), b = try Trainer(settings: Self.settings)
        #expect(a.remeasureLastIteration() == nil, "nothing to measure before the first iteration")
        for _ in 0..<3 { a.step(); b.step() }
        let last = a.step(spectrum: true)
        b.step()
        a.options.clipNorm = 0.5  // a toggle after the iteration does not change what it was
        let (again, options) = try #require(a.remeasureLastIteration())
        #expect(again.iteration == last.iteration)
        #expect(again.loss == last.loss)
        #expect(again.hiddenGradNorms == last.hiddenGradNorms)
        #expect(again.spectralRadius == last.spectralRadius)
        #expect(options.clipNorm == 0 && options.truncate == 4)
        #expect(again.jacobianNorms.allSatisfy { $0.count == 10 && $0.allSatisfy { $0.isFinite && $0 > 0 } })
        // Training goes on exactly as if nothing had been measured.
        a.options.clipNorm = 0
        #expect(a.step().hiddenGradNorms == b.step().hiddenGradNorms)
        #expect(a.network.parameters == b.network.parameters)
    }

    @Test func aForkGoesOnExactlyAsTheOriginalWould() throws {
        let a = try Trainer(settings: Self.settings)
        for _ in 0..<3 { a.step() }
        let b = try a.fork()
        #expect(b.iteration == 3)
        #expect(b.network.parameters == a.network.parameters)
        for _ in 0..<3 {
            let ra = a.step(), rb = b.step()
            #expect(ra.iteration == rb.iteration && ra.loss == rb.loss && ra.hiddenGradNorms == rb.hiddenGradNorms)
        }
        #expect(a.network.parameters == b.network.parameters)
        // Independent from then on: a change to one leaves the other alone.
        b.options.clipNorm = 1e-3
        _ = a.step()
        _ = b.step()
        #expect(a.network.parameters != b.network.parameters)
    }
}
