import Testing
@testable import RNNSim

/// W_ih's starting scale: each kind's own, or `init.input_std` in its place.
@Suite struct InitialisationTests {
    static func inputWeights(_ initialisation: Initialisation) -> [Double] {
        let shape = RNNShape(inputs: 16, hidden: 64, layers: 1, outputs: 1)
        let net: RNN<Double> = initialisation.make(shape, activation: .relu, seed: 7)
        return Array(net.parameters[net.layout.weightIH(0)..<(net.layout.weightIH(0) + 64 * 16)])
    }

    static func std(_ v: [Double]) -> Double {
        (v.map { $0 * $0 }.reduce(0, +) / Double(v.count)).squareRoot()
    }

    @Test func identityKeepsIRNNsSmallInputsUnlessTold() {
        #expect(abs(Self.std(Self.inputWeights(Initialisation(kind: .identity))) - 0.001) < 0.0001)
        let told = Self.inputWeights(Initialisation(kind: .identity, inputStd: 0.25))
        #expect(abs(Self.std(told) - 0.25) < 0.025)
    }

    @Test func everyKindTakesTheInputScale() {
        for kind in InitKind.allCases {
            let own = Self.std(Self.inputWeights(Initialisation(kind: kind)))
            let told = Self.std(Self.inputWeights(Initialisation(kind: kind, inputStd: 2)))
            #expect(own < 0.5, "\(kind): own input scale \(own)")
            #expect(abs(told - 2) < 0.2, "\(kind): input_std 2 gave \(told)")
        }
    }

    @Test func theSettingReachesTheTrainer() throws {
        var settings = Settings()
        try settings.set(assignment: "init.kind=identity")
        try settings.set(assignment: "init.input_std=0.5")
        #expect(settings.inputStd == 0.5)
        #expect(throws: SettingsError.self) { try settings.set(assignment: "init.input_std=-1") }
        let trainer = try Trainer(settings: settings)
        let L = trainer.network.layout, n = trainer.network.shape.hidden * trainer.network.shape.inputs
        let wih = trainer.network.parameters[L.weightIH(0)..<(L.weightIH(0) + n)].map(Double.init)
        #expect(Self.std(Array(wih)) > 0.3)
    }
}
