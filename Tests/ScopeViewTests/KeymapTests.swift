import Testing
@testable import ScopeView

@Suite struct KeymapTests {
    @Test func noKeyIsBoundTwiceInOneContext() {
        for context in KeyContext.allCases {
            let keys = Keymap.bindings.filter { $0.context == context }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "duplicate key in \(context)")
        }
    }

    @Test func everyActionHasABinding() {
        let bound = Set(Keymap.bindings.map(\.action))
        for action in Action.allCases { #expect(bound.contains(action), "\(action) has no key") }
    }

    @Test func contractKeysDispatchInTheMainView() {
        let expected: [(Key, Action)] = [
            (.space, .togglePause), (.char("n"), .stepOnce), (.char("b"), .enterStepThrough),
            (.char("c"), .toggleClip), (.char("+"), .raiseClip), (.char("="), .raiseClip),
            (.char("-"), .lowerClip), (.char("_"), .lowerClip), (.char("t"), .toggleTruncation),
            (.char("["), .shorterTruncation), (.char("]"), .longerTruncation), (.char("i"), .toggleIdentityInit),
            (.char("r"), .restart), (.char("R"), .restartNewSeed), (.char("s"), .openPicker),
            (.char("?"), .help), (.function(1), .help), (.char("q"), .quit), (.function(10), .quit),
        ]
        for (key, action) in expected { #expect(Keymap.action(for: key, in: .normal) == action, "\(key)") }
    }

    @Test func stepThroughHasItsOwnKeysAndFallsBackToTheMainOnes() {
        let mode = Mode.stepThrough(cursor: 3)
        #expect(Keymap.action(for: .left, in: mode) == .stepBack)
        #expect(Keymap.action(for: .char("h"), in: mode) == .stepBack)
        #expect(Keymap.action(for: .right, in: mode) == .stepForward)
        #expect(Keymap.action(for: .char("l"), in: mode) == .stepForward)
        #expect(Keymap.action(for: .char("b"), in: mode) == .leaveStepThrough)
        #expect(Keymap.action(for: .escape, in: mode) == .leaveStepThrough)
        #expect(Keymap.action(for: .char("c"), in: mode) == .toggleClip)
        #expect(Keymap.action(for: .char("q"), in: mode) == .quit)
    }

    @Test func pickerAndHelpOnlyKnowTheirKeysAndQuit() {
        let picker = Mode.picker(selection: 0)
        #expect(Keymap.action(for: .char("j"), in: picker) == .pickerDown)
        #expect(Keymap.action(for: .up, in: picker) == .pickerUp)
        #expect(Keymap.action(for: .enter, in: picker) == .pickerOpen)
        #expect(Keymap.action(for: .escape, in: picker) == .pickerCancel)
        #expect(Keymap.action(for: .char("c"), in: picker) == nil)
        #expect(Keymap.action(for: .char("q"), in: .help(scroll: 0)) == .quit)
        #expect(Keymap.action(for: .char("?"), in: .help(scroll: 0)) == .closeHelp)
    }

    /// Issue 20: the bar offered `{}` b_f on a user's LSTM, and the key then refused it.
    @Test func aModelOfOnesOwnIsNotOfferedKeysThatRefuseIt() {
        let own = Keymap.bar(for: .normal, hasModel: true, lstm: true, gated: true).map(\.action)
        #expect(!own.contains(.raiseForgetBias) && !own.contains(.cycleCell) && !own.contains(.toggleIdentityInit))
        #expect(own.contains(.saveWeights))
        #expect(Keymap.bar(for: .normal, lstm: true, gated: true).map(\.action).contains(.raiseForgetBias), "a preset's LSTM keeps it")
    }

    @Test func theBarEndsWithQuitInEveryMode() {
        for mode in [Mode.normal, .stepThrough(cursor: 0), .picker(selection: 0), .help(scroll: 0)] {
            #expect(Keymap.bar(for: mode).last?.action == .quit)
        }
    }
}

@Suite struct EscapeSequenceTests {
    func reading(_ s: String) -> EscapeSequence.Reading { EscapeSequence.reading(Array(s.unicodeScalars)) }

    @Test func anUnknownSequenceIsSwallowedWhole() {
        #expect(reading("[") == .more)
        #expect(reading("[1") == .more)
        #expect(reading("[1;5") == .more)
        #expect(reading("[1;5P") == .complete)
        #expect(reading("[200~") == .complete)
        #expect(reading("[<0;12;7M") == .complete, "a mouse report")
        #expect(reading("O") == .more)
        #expect(reading("OP") == .complete)
    }

    @Test func escFollowedByAKeyIsEscThenTheKey() {
        #expect(reading("") == .loneEscape)
        #expect(reading("q") == .loneEscape)
        #expect(reading("b") == .loneEscape)
    }
}
