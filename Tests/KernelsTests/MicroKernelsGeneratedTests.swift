import Foundation
import Testing

/// MicroKernels.swift is the output of microkernels.py beside it, unedited.
@Suite struct MicroKernelsGenerated {
    /// The folder holding both files, Sources/Kernels.
    static let kernels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/Kernels")

    /// The generator's standard output for these arguments.
    static func generate(_ arguments: [String]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", kernels.appendingPathComponent("microkernels.py").path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theCheckedInFileIsTheGeneratorsOutput() throws {
        let checkedIn = try String(contentsOf: Self.kernels.appendingPathComponent("MicroKernels.swift"), encoding: .utf8)
        let (status, text) = try Self.generate([])
        #expect(status == 0)
        let generated = text.split(separator: "\n", omittingEmptySubsequences: false)
        let file = checkedIn.split(separator: "\n", omittingEmptySubsequences: false)
        let first = (0..<min(generated.count, file.count)).first { generated[$0] != file[$0] } ?? min(generated.count, file.count)
        let same = text == checkedIn  // a Bool, so a failure prints the line, not both files
        #expect(same, Comment(rawValue: """
            MicroKernels.swift differs from the generator's output from line \(first + 1) \
            (\(file.count) lines against \(generated.count)): run \
            `python3 microkernels.py > MicroKernels.swift` in \(Self.kernels.path)
            """))
    }

    /// Another tile budget is one argument: 14 rows at 28 accumulators adds the
    /// 13- and 14-row tiles and 4×7, and every shape the drivers name is still there.
    @Test func theTileShapeIsAParameter() throws {
        let (status, text) = try Self.generate(["--rows", "14", "--registers", "28"])
        #expect(status == 0)
        for shape in ["vtile14x2(", "vtile13x2(", "vtile4x7(", "vtile12x2(", "vtile1x8(", "dtile1x16(", "dtile2x8("] {
            #expect(text.contains("static func \(shape)"), "\(shape) missing")
        }
        #expect(!text.contains("static func vtile14x3("), "14×3 needs 42 accumulators")
        #expect(text.contains("min(8, 28 / R)"))
        #expect(try Self.generate(["--rows", "20"]).status != 0, "a tile taller than the registers allow is refused")
    }
}
