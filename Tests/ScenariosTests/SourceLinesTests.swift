import Testing
@testable import Scenarios

/// The line finder: TOMLKit gives no positions, so `SourceLines` scans the text.
@Suite struct SourceLinesTests {
    @Test func headersAndKeys() {
        let text = """
        title = "x"   # line 1
        seed = 3

        [network]
        hidden = 64
          activation   =   "tanh"
        [train]
        lr = 1e-3
        """
        let s = SourceLines(text)
        #expect(s.line(of: ["title"]) == 1)
        #expect(s.line(of: ["seed"]) == 2)
        #expect(s.line(of: ["network"]) == 4)
        #expect(s.line(of: ["network", "hidden"]) == 5)
        #expect(s.line(of: ["network", "activation"]) == 6)
        #expect(s.line(of: ["train", "lr"]) == 8)
        #expect(s.line(of: ["train", "clip"]) == nil)
        #expect(s.nearestLine(of: ["train", "clip"]) == 7)
    }

    @Test func commentsAndStringsDoNotFoolIt() {
        let text = """
        # [train]
        # lr = 5
        title = "a # not a comment, [not a table], x = 1"  # lr = 2
        notes = '''
        [train]
        lr = 3
        '''
        other = \"\"\"
        still "inside" \\\"\"\" still inside
        key = 4
        \"\"\"
        [train] # [network]
        lr = 0.1 # hidden = 2
        'quoted.key' = 1
        "esc\\"aped" = 2
        """
        let s = SourceLines(text)
        #expect(s.line(of: ["title"]) == 3)
        #expect(s.line(of: ["notes"]) == 4)
        #expect(s.line(of: ["other"]) == 8)
        #expect(s.line(of: ["key"]) == nil)
        #expect(s.line(of: ["train"]) == 12)
        #expect(s.line(of: ["network"]) == nil)
        #expect(s.line(of: ["train", "lr"]) == 13)
        #expect(s.line(of: ["train", "hidden"]) == nil)
        #expect(s.line(of: ["train", "quoted.key"]) == 14)
        #expect(s.line(of: ["train", "esc\"aped"]) == 15)
    }

    @Test func dottedKeysAndInlineTables() {
        let text = """
        [variants.tanh]
        network.activation = "tanh"
        network . hidden = 8
        "init".kind = "xavier"
        [variants.small]
        train = { lr = 0.5, batch = 4, nested = { deep = 1 } }
        """
        let s = SourceLines(text)
        #expect(s.line(of: ["variants", "tanh"]) == 1)
        #expect(s.line(of: ["variants", "tanh", "network", "activation"]) == 2)
        #expect(s.line(of: ["variants", "tanh", "network", "hidden"]) == 3)
        #expect(s.line(of: ["variants", "tanh", "network"]) == 2)
        #expect(s.line(of: ["variants", "tanh", "init", "kind"]) == 4)
        #expect(s.line(of: ["variants", "small", "train", "lr"]) == 6)
        #expect(s.line(of: ["variants", "small", "train", "nested", "deep"]) == 6)
    }

    @Test func arraysOfTablesAndMultiLineArrays() {
        let text = """
        [[expect]]
        metric = "a"

        [[expect]]
        metric = "b"
        sides = [
          { variant = "x", below = 1 },   # first
          # a comment line in between
          { variant = "y",
            above = 2 },
        ]
        values = [0.9,
                  1.0, 1.1]
        [expect.sub]
        k = 1
        [[expect]]
        metric = "c"
        """
        let s = SourceLines(text)
        #expect(s.line(of: ["expect"]) == 1)
        #expect(s.line(of: ["expect", "0"]) == 1)
        #expect(s.line(of: ["expect", "0", "metric"]) == 2)
        #expect(s.line(of: ["expect", "1"]) == 4)
        #expect(s.line(of: ["expect", "1", "metric"]) == 5)
        #expect(s.line(of: ["expect", "1", "sides", "0", "variant"]) == 7)
        #expect(s.line(of: ["expect", "1", "sides", "0", "below"]) == 7)
        #expect(s.line(of: ["expect", "1", "sides", "1", "variant"]) == 9)
        #expect(s.line(of: ["expect", "1", "sides", "1", "above"]) == 10)
        #expect(s.line(of: ["expect", "1", "values", "0"]) == 12)
        #expect(s.line(of: ["expect", "1", "values", "2"]) == 13)
        // A sub-table header belongs to the latest element of the array.
        #expect(s.line(of: ["expect", "1", "sub", "k"]) == 15)
        #expect(s.line(of: ["expect", "2", "metric"]) == 17)
    }

    @Test func windowsLineEndingsAndDates() {
        let text = "a = 1\r\n[t]\r\nwhen = 1979-05-27 07:32:00 # c\r\nb = true\r\n"
        let s = SourceLines(text)
        #expect(s.line(of: ["a"]) == 1)
        #expect(s.line(of: ["t", "when"]) == 3)
        #expect(s.line(of: ["t", "b"]) == 4)
    }

    @Test func garbageDoesNotTrap() {
        for text in ["[", "[[a", "a = \"unterminated", "= 1", "a = {", "a = [1, 2", "'''", "a.b. = 1", "[a.]"] {
            _ = SourceLines(text)
        }
    }
}
