import Testing
@testable import RNNSim

/// The gate statistics the live view's side panel shows, recorded with the spectrum.
@Suite struct GateStatisticsTests {
    static func trainer(_ cell: CellKind, forgetBias: Double = 0) throws -> Trainer {
        var s = Settings()
        s.cell = cell
        s.hidden = 16
        s.steps = 20
        s.batch = 4
        s.forgetBias = forgetBias
        return try Trainer(settings: s)
    }

    @Test(arguments: [CellKind.lstm, .gru])
    func recordedOnlyWhenTheSpectrumIsMeasured(cell: CellKind) throws {
        let t = try Self.trainer(cell)
        let cheap = t.step(spectrum: false)
        #expect(cheap.pathGateSaturation.count == 1 && cheap.pathGateSaturation[0].isNaN)
        let measured = t.step(spectrum: true)
        let mean = measured.pathGateMeans[0], product = measured.pathProducts[0]
        #expect(mean.count == 20 && mean.allSatisfy { $0 > 0 && $0 < 1 })
        // Π from T back: each step back multiplies in one more gate below 1.
        #expect(zip(product, product.dropFirst()).allSatisfy { $0 < $1 } && product[19] < 1)
        #expect((0...1).contains(measured.pathGateSaturation[0]))
        #expect(measured.cellGradNorms.count == (cell == .lstm ? 1 : 0))
    }

    @Test func theElmanCellHasNoGate() throws {
        let r = try Self.trainer(.rnn).step(spectrum: true)
        #expect(r.pathGateMeans.isEmpty && r.pathGateSaturation.isEmpty && r.cellGradNorms.isEmpty)
    }

    /// A forget bias of 6 puts f ≈ σ(6) = 0.9975 > 0.95 almost everywhere; 0 puts it near ½.
    @Test func aLargeForgetBiasSaturatesTheForgetGate() throws {
        let high = try Self.trainer(.lstm, forgetBias: 6).step(spectrum: true)
        let zero = try Self.trainer(.lstm, forgetBias: 0).step(spectrum: true)
        #expect(high.pathGateSaturation[0] > 0.9, "\(high.pathGateSaturation)")
        #expect(zero.pathGateSaturation[0] < 0.1, "\(zero.pathGateSaturation)")
        #expect(high.pathGateMeans[0].allSatisfy { $0 > 0.95 })
    }
}
