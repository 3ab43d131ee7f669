import Foundation
import Testing
@testable import ModelIO
@testable import RNNSim

// MARK: - Helpers

/// A safetensors file built by hand: the 8-byte length (the header's real
/// length unless overridden), the header text as given, then the data.
private func hostileFile(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    let headerBytes = Array(header.utf8)
    var file = Data()
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { file.append(contentsOf: $0) }
    file.append(contentsOf: headerBytes)
    file.append(contentsOf: data)
    return file
}

/// Expects parsing to fail with exactly `expected`, and its description to be
/// one line that mentions each of `fragments`.
private func expectRejected(
    _ bytes: Data, _ expected: SafeTensorsError, mentioning fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) {
        try SafeTensorsFile(data: bytes)
    }
    guard let error else { return }
    #expect(error == expected, sourceLocation: sourceLocation)
    let text = error.description
    #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(text.contains(fragment), "\(text) should mention \(fragment)", sourceLocation: sourceLocation)
    }
}

private let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/tanh-mse-last/model.safetensors")

/// A fresh empty directory, removed by the caller.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
}

/// A small valid file with metadata, several dtypes and a tensor at an odd offset.
private func sampleFile() -> SafeTensorsFile {
    SafeTensorsFile(
        tensors: [
            "w": SafeTensor(floats: [1, -2.5, 3.25, 0], shape: [2, 2]),
            "b": SafeTensor(dtype: .u8, shape: [3], data: Data([7, 8, 9])),
            "h": SafeTensor(dtype: .f16, shape: [2], data: Data([0x00, 0x3C, 0x00, 0xC0])),
        ],
        metadata: ["nonlinearity": "tanh"])
}

// MARK: - Round trips and layout

@Test func roundTripSeveralDTypesAndMetadata() throws {
    let original = SafeTensorsFile(
        tensors: [
            "weight": SafeTensor(floats: [0.5, -1.25, 3.0e-8, .infinity, -0.0, 42], shape: [2, 3]),
            "gradient": SafeTensor(doubles: [1.0 / 3.0, -2.0e300], shape: [2]),
            "steps": SafeTensor(int64s: [Int64.min, -1, 0, Int64.max], shape: [4]),
            "half": SafeTensor(dtype: .f16, shape: [3], data: Data([0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B])),
            "brain": SafeTensor(dtype: .bf16, shape: [2], data: Data([0x80, 0x3F, 0x40, 0xC0])),
            "i32": SafeTensor(dtype: .i32, shape: [2], data: Data([0xFF, 0xFF, 0xFF, 0xFF, 0x05, 0, 0, 0])),
            "i16": SafeTensor(dtype: .i16, shape: [1], data: Data([0x00, 0x80])),
            "i8": SafeTensor(dtype: .i8, shape: [2], data: Data([0x80, 0x7F])),
            "u8": SafeTensor(dtype: .u8, shape: [1, 1, 2], data: Data([0, 255])),
            "mask": SafeTensor(dtype: .bool, shape: [3], data: Data([1, 0, 1])),
            "scalar": SafeTensor(floats: [7], shape: []),
            "empty": SafeTensor(floats: [], shape: [0, 4]),
            "odd \"name\" ✓\n": SafeTensor(floats: [1], shape: [1]),
        ],
        metadata: ["nonlinearity": "tanh", "note": "quote \" backslash \\ newline \n tab \t bell \u{7} ünï"])

    let parsed = try SafeTensorsFile(data: original.serialized())
    #expect(parsed == original)

    #expect(try parsed["weight"]?.floats() == [0.5, -1.25, 3.0e-8, .infinity, -0.0, 42])
    #expect(try parsed["gradient"]?.doubles() == [1.0 / 3.0, -2.0e300])
    #expect(try parsed["steps"]?.integers() == [Int64.min, -1, 0, Int64.max])
    #expect(try parsed["half"]?.floats() == [1, -2, 65504])
    #expect(try parsed["brain"]?.doubles() == [1, -3])
    #expect(try parsed["i32"]?.integers() == [-1, 5])
    #expect(try parsed["i16"]?.integers() == [-32768])
    #expect(try parsed["i8"]?.integers() == [-128, 127])
    #expect(try parsed["u8"]?.integers() == [0, 255])
    #expect(try parsed["mask"]?.integers() == [1, 0, 1])
    #expect(parsed["scalar"]?.shape == [] && parsed["scalar"]?.elementCount == 1)
    #expect(parsed["empty"]?.elementCount == 0 && parsed["empty"]?.data.isEmpty == true)
    #expect(parsed.metadata["note"] == original.metadata["note"])
}

@Test func serializedLayoutMatchesTheReferenceImplementation() throws {
    let file = SafeTensorsFile(
        tensors: ["b": SafeTensor(floats: [1, 2], shape: [2]), "a": SafeTensor(int64s: [3], shape: [1, 1])],
        metadata: ["k": "v"])
    let bytes = file.serialized()

    let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"I64","shape":[1,1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
    let headerLength = (json.utf8.count + 7) / 8 * 8  // padded with spaces to a multiple of 8
    #expect(Array(bytes.prefix(8)) == [UInt8(headerLength), 0, 0, 0, 0, 0, 0, 0])
    let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
    #expect(header == json + String(repeating: " ", count: headerLength - json.utf8.count))
    // Data in name order, contiguous: "a" (Int64 3), then "b" (Float 1, 2).
    #expect(Array(bytes[(8 + headerLength)...]) == [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
    #expect(bytes.count == 8 + headerLength + 16)
}

@Test func emptyFileRoundTrips() throws {
    let bytes = SafeTensorsFile().serialized()
    #expect(Array(bytes) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    #expect(try SafeTensorsFile(data: bytes) == SafeTensorsFile())
}

@Test func readsTheRealFixture() throws {
    let file = try SafeTensorsFile(contentsOf: fixtureURL)
    #expect(file.metadata == ["nonlinearity": "tanh"])
    #expect(Set(file.tensors.keys) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "readout.weight", "readout.bias"])

    let recurrent = try #require(file["weight_hh_l0"])
    #expect(recurrent.dtype == .f32)
    #expect(recurrent.shape == [5, 5])
    let values = try recurrent.floats()
    #expect(values.count == 25)
    #expect(values.first == Float(-0.10086483508348465))
    #expect(values.last == Float(-0.4038239121437073))
    #expect(file["weight_ih_l0"]?.shape == [5, 3])
    #expect(try file["readout.bias"]?.floats() == [Float(-0.057963497936725616), Float(-0.19677989184856415)])

    // Our own layout of the same tensors reads back identically.
    #expect(try SafeTensorsFile(data: file.serialized()) == file)
}

@Test func readsTensorsAtUnalignedOffsets() throws {
    // One byte of U8 first, so the F32 and F64 that follow start at odd offsets.
    let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},"d":{"dtype":"F64","shape":[1],"data_offsets":[9,17]}}"#
    var data: [UInt8] = [42]
    withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { data += $0 }
    withUnsafeBytes(of: Float(-3).bitPattern.littleEndian) { data += $0 }
    withUnsafeBytes(of: Double.pi.bitPattern.littleEndian) { data += $0 }
    let file = try SafeTensorsFile(data: hostileFile(header, data: data))
    #expect(try file["a"]?.integers() == [42])
    #expect(try file["f"]?.floats() == [1.5, -3])
    #expect(try file["d"]?.doubles() == [.pi])
    #expect(try file["d"]?.floats() == [Float(Double.pi)])
}

@Test func readsFromADataSliceWithNonZeroStartIndex() throws {
    let bytes = sampleFile().serialized()
    let padded = Data([0xAA, 0xBB, 0xCC]) + bytes
    #expect(try SafeTensorsFile(data: padded[3...]) == sampleFile())
}

// MARK: - Conversions

@Test func halfPrecisionConversionMatchesFloat16ForEveryBitPattern() {
    for bits in UInt16.min...UInt16.max {
        let expected = Float(Float16(bitPattern: bits))
        let manual = floatFromHalfBits(bits)
        if expected.isNaN {
            #expect(manual.isNaN && manual.sign == expected.sign, "bits \(bits)")
        } else {
            #expect(manual.bitPattern == expected.bitPattern, "bits \(bits)")
        }
        #expect(floatFromHalf(bits).bitPattern == expected.bitPattern || expected.isNaN, "bits \(bits)")
    }
}

@Test func narrowFloatConversions() throws {
    let half = SafeTensor(dtype: .f16, shape: [6], data: Data([0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C, 0x00, 0x80]))
    let halves = try half.floats()
    #expect(halves == [1, -2, 65504, 0x1p-24, .infinity, -0.0])
    #expect(halves[5].sign == .minus)

    let brain = SafeTensor(dtype: .bf16, shape: [3], data: Data([0x80, 0x3F, 0x49, 0x40, 0x80, 0xFF]))
    #expect(try brain.floats() == [1, Float(bitPattern: 0x4049_0000), -.infinity])

    let e5m2 = SafeTensor(dtype: .f8e5m2, shape: [3], data: Data([0x3C, 0xC0, 0x7B]))
    #expect(try e5m2.floats() == [1, -2, 57344])

    let e4m3 = SafeTensor(dtype: .f8e4m3, shape: [5], data: Data([0x38, 0xC0, 0x7E, 0x01, 0x7F]))
    let fp8 = try e4m3.floats()
    #expect(Array(fp8.prefix(4)) == [1, -2, 448, 0x1p-9])
    #expect(fp8[4].isNaN)
}

@Test func integerConversionsAndDTypeMismatches() throws {
    let u64 = SafeTensor(dtype: .u64, shape: [2], data: Data([5, 0, 0, 0, 0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))
    #expect(throws: SafeTensorsError.integerOutOfRange(dtype: .u64, index: 1, value: UInt64.max)) { try u64.integers() }
    let u32 = SafeTensor(dtype: .u32, shape: [1], data: Data([0xFF, 0xFF, 0xFF, 0xFF]))
    #expect(try u32.integers() == [4_294_967_295])
    let u16 = SafeTensor(dtype: .u16, shape: [1], data: Data([0xFF, 0xFF]))
    #expect(try u16.integers() == [65535])

    let ints = SafeTensor(int64s: [1, 2], shape: [2])
    #expect(throws: SafeTensorsError.notFloatingPoint(.i64)) { try ints.floats() }
    #expect(throws: SafeTensorsError.notFloatingPoint(.i64)) { try ints.doubles() }
    let mask = SafeTensor(dtype: .bool, shape: [1], data: Data([1]))
    #expect(throws: SafeTensorsError.notFloatingPoint(.bool)) { try mask.floats() }
    let floats = SafeTensor(floats: [1], shape: [1])
    #expect(throws: SafeTensorsError.notInteger(.f32)) { try floats.integers() }
    #expect(SafeTensorsError.notInteger(.f32).description.contains("F32"))
}

// MARK: - Hostile input: framing

@Test func rejectsFilesShorterThanTheLengthPrefix() {
    for count in 0..<8 {
        expectRejected(Data(repeating: 1, count: count), .fileTooShort(byteCount: count), mentioning: ["\(count) bytes", "too short"])
    }
}

@Test func rejectsZeroHeaderLength() {
    expectRejected(hostileFile("", data: [1, 2, 3]), .emptyHeader, mentioning: ["header length is 0"])
}

@Test func rejectsAbsurdHeaderLength() {
    expectRejected(hostileFile("{}", declaredLength: UInt64.max), .headerTooLarge(length: UInt64.max),
                   mentioning: ["18446744073709551615", "limit"])
    expectRejected(hostileFile("{}", declaredLength: 100_000_001), .headerTooLarge(length: 100_000_001),
                   mentioning: ["100000001", "limit"])
}

@Test func rejectsHeaderLengthPastEndOfFile() {
    expectRejected(hostileFile("{}", declaredLength: 3), .headerPastEndOfFile(length: 3, available: 2),
                   mentioning: ["header length 3", "past the end of the file", "only 2 bytes"])
}

@Test func rejectsHeaderThatIsNotUTF8() {
    var bytes = hostileFile(#"{"ab":{}}"#)
    bytes[8 + 3] = 0xFF  // inside the name "ab"
    expectRejected(bytes, .headerNotUTF8(offset: 3), mentioning: ["UTF-8", "offset 3"])
    // A truncated multi-byte sequence at the very end of the header.
    var truncated = hostileFile("{\"\u{E9}\":{}}")
    truncated = truncated.prefix(8 + 3)  // "{" "\"" and the first byte of é
    truncated.replaceSubrange(0..<8, with: [3, 0, 0, 0, 0, 0, 0, 0])
    expectRejected(truncated, .headerNotUTF8(offset: 2), mentioning: ["UTF-8", "offset 2"])
}

@Test func rejectsHeaderThatIsNotJSON() throws {
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(data: hostileFile(#"{"w": nope}"#)) }
    guard case .headerNotJSON = try #require(error) else {
        Issue.record("expected headerNotJSON, got \(String(describing: error))")
        return
    }
    #expect(error?.description.hasPrefix("header is not valid JSON: ") == true)
    #expect(error?.description.contains("\n") == false)
    // Numbers JSONSerialization cannot represent are a parse error too, not a crash.
    #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(data: hostileFile(#"{"w":1e999}"#)) }
    // Nesting deep enough to threaten the stack.
    #expect(throws: SafeTensorsError.self) {
        try SafeTensorsFile(data: hostileFile(String(repeating: "[", count: 100_000)))
    }
}

@Test func rejectsUTF16HeaderByItsNULBytes() {
    // Valid UTF-8 byte for byte, and JSONSerialization would happily decode it as UTF-16.
    let utf16 = Array(#"{"a":{}}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    var bytes = Data()
    withUnsafeBytes(of: UInt64(utf16.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: utf16)
    expectRejected(bytes, .headerNotJSON(reason: "NUL byte at header offset 1"), mentioning: ["JSON", "NUL", "offset 1"])
}

@Test func rejectsHeaderThatIsNotAnObject() {
    expectRejected(hostileFile("[1, 2]"), .headerNotObject(found: "[1, 2]"), mentioning: ["[1, 2]", "expected an object"])
    expectRejected(hostileFile("42"), .headerNotObject(found: "the number 42"), mentioning: ["number 42"])
    expectRejected(hostileFile(#""hi""#), .headerNotObject(found: "the string 'hi'"), mentioning: ["string 'hi'"])
}

// MARK: - Hostile input: tensor entries

@Test func rejectsEntryThatIsNotAnObject() {
    expectRejected(hostileFile(#"{"w":[0,4]}"#), .entryNotObject(tensor: "w", found: "[0, 4]"),
                   mentioning: ["'w'", "expected an object"])
}

@Test(arguments: ["dtype", "shape", "data_offsets"])
func rejectsEntryMissingAField(_ missing: String) {
    let fields = [#""dtype":"F32""#, #""shape":[1]"#, #""data_offsets":[0,4]"#]
        .filter { !$0.hasPrefix("\"\(missing)\"") }
    let header = #"{"bias_hh_l0":{"# + fields.joined(separator: ",") + "}}"
    expectRejected(hostileFile(header, data: [0, 0, 0, 0]), .missingField(tensor: "bias_hh_l0", field: missing),
                   mentioning: ["'bias_hh_l0'", "missing \"\(missing)\""])
}

@Test func rejectsFieldsOfTheWrongJSONType() {
    expectRejected(hostileFile(#"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                   .wrongFieldType(tensor: "w", field: "dtype", expected: "a string", found: "the number 32"),
                   mentioning: ["'w'", "\"dtype\"", "expected a string"])
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                   .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers", found: "the string '1'"),
                   mentioning: ["'w'", "\"shape\"", "array of integers"])
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":{"begin":0}}}"#, data: [0, 0, 0, 0]),
                   .invalidDataOffsets(tensor: "w", found: "an object"), mentioning: ["'w'", "data_offsets"])
}

@Test func rejectsUnknownDType() {
    expectRejected(hostileFile(#"{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, data: Array(repeating: 0, count: 16)),
                   .unknownDType(tensor: "w", dtype: "F128"), mentioning: ["'w'", "unknown dtype 'F128'", "F32"])
    // dtype names are case-sensitive, as in the reference implementation.
    expectRejected(hostileFile(#"{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                   .unknownDType(tensor: "w", dtype: "f32"), mentioning: ["dtype 'f32'"])
}

@Test func rejectsNegativeDimension() {
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,0]}}"#),
                   .invalidDimension(tensor: "w", index: 1, found: "the number -2"),
                   mentioning: ["'w'", "shape[1]", "-2", "non-negative integer"])
}

@Test func rejectsNonIntegerDimensions() {
    for (literal, found) in [("3.5", "the number 3.5"), ("3.0", "the number 3.0"), ("1e3", "the number 1000.0"),
                             ("99999999999999999999", "the number 100000000000000000000"), ("18446744073709551615", "the number 18446744073709551615"),
                             ("true", "the boolean true"), ("false", "the boolean false"), ("null", "null"), (#""4""#, "the string '4'")] {
        let header = #"{"w":{"dtype":"F32","shape":[1,"# + literal + #"],"data_offsets":[0,4]}}"#
        let error = #expect(throws: SafeTensorsError.self, "shape literal \(literal)") {
            try SafeTensorsFile(data: hostileFile(header, data: [0, 0, 0, 0]))
        }
        guard case let .invalidDimension(tensor, index, description)? = error else {
            Issue.record("shape literal \(literal): expected invalidDimension, got \(String(describing: error))")
            continue
        }
        #expect(tensor == "w" && index == 1)
        // Huge numbers print differently across Foundation versions; the rest is exact.
        #expect(description == found || literal.count > 10, "\(literal) described as \(description)")
        #expect(error?.description.contains("shape[1]") == true)
    }
}

@Test func rejectsShapeWhoseSizeOverflows() {
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                   .shapeOverflow(tensor: "w", shape: [4_294_967_296, 4_294_967_296]), mentioning: ["'w'", "overflows"])
    // The element count fits, but not once multiplied by 8 bytes.
    expectRejected(hostileFile(#"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                   .shapeOverflow(tensor: "w", shape: [2_305_843_009_213_693_952]), mentioning: ["overflows"])
    // A zero dimension makes the product zero however large the rest are.
    #expect(throws: Never.self) {
        try SafeTensorsFile(data: hostileFile(#"{"w":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}}"#))
    }
}

@Test func rejectsDataOffsetsThatAreNotTwoNonNegativeIntegers() {
    for (literal, found) in [("[4]", "[4]"), ("[0,4,8]", "[0, 4, 8]"), ("[-1,3]", "[-1, 3]"), ("[true,4]", "[true, 4]"),
                             ("[0.5,4]", "[0.5, 4]"), ("[0,null]", "[0, null]"), (#""0,4""#, "the string '0,4'"),
                             ("[0,18446744073709551615]", "[0, 18446744073709551615]")] {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":"# + literal + "}}"
        expectRejected(hostileFile(header, data: [0, 0, 0, 0]), .invalidDataOffsets(tensor: "w", found: found),
                       mentioning: ["'w'", "data_offsets", "two non-negative integers"])
    }
}

@Test func rejectsDataOffsetsWithBeginAfterEnd() {
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: Array(repeating: 0, count: 8)),
                   .reversedDataOffsets(tensor: "w", begin: 8, end: 4), mentioning: ["'w'", "data_offsets [8, 4]", "begin after end"])
}

@Test func rejectsDataOffsetsPastTheEndOfTheData() {
    let bytes = hostileFile(#"{"weight_hh_l0":{"dtype":"F32","shape":[5,5],"data_offsets":[0,900]}}"#,
                            data: Array(repeating: 0, count: 400))
    let expected = SafeTensorsError.dataOffsetsPastEnd(tensor: "weight_hh_l0", begin: 0, end: 900, dataLength: 400)
    expectRejected(bytes, expected, mentioning: ["'weight_hh_l0'", "data_offsets"])
    #expect(expected.description == "tensor 'weight_hh_l0': data_offsets [0, 900] run past the end of the data (400 bytes)")
}

@Test func rejectsByteLengthThatDoesNotMatchTheShape() {
    expectRejected(hostileFile(#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: Array(repeating: 0, count: 16)),
                   .byteLengthMismatch(tensor: "w", dtype: .f32, shape: [2, 2], byteLength: 12),
                   mentioning: ["'w'", "12 bytes", "F32", "[2, 2]", "needs 16"])
}

@Test func rejectsOverlappingTensors() {
    let data = [UInt8](repeating: 0, count: 32)
    expectRejected(hostileFile(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, data: data),
                   .overlappingTensors(first: "a", firstOffsets: [0, 16], second: "b", secondOffsets: [8, 24]),
                   mentioning: ["'a'", "'b'", "[0, 16]", "[8, 24]", "overlap"])
    // One tensor nested inside another; data order differs from name order.
    expectRejected(hostileFile(#"{"outer":{"dtype":"U8","shape":[28],"data_offsets":[4,32]},"mid":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"inner":{"dtype":"U8","shape":[4],"data_offsets":[20,24]}}"#, data: data),
                   .overlappingTensors(first: "outer", firstOffsets: [4, 32], second: "inner", secondOffsets: [20, 24]),
                   mentioning: ["overlap"])
    // The same bytes claimed twice.
    expectRejected(hostileFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"y":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}"#, data: data),
                   .overlappingTensors(first: "x", firstOffsets: [4, 8], second: "y", secondOffsets: [4, 8]),
                   mentioning: ["overlap"])
}

@Test func acceptsEmptyTensorsSharingAnOffset() throws {
    let header = #"{"e1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"e2":{"dtype":"F64","shape":[3,0],"data_offsets":[4,4]},"v":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"w":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},"z":{"dtype":"U8","shape":[0],"data_offsets":[6,6]}}"#
    let file = try SafeTensorsFile(data: hostileFile(header, data: [0, 0, 0, 0, 5, 6]))
    #expect(file["e1"]?.elementCount == 0 && file["e2"]?.shape == [3, 0] && file["z"]?.elementCount == 0)
    #expect(try file["w"]?.integers() == [5, 6])
    // No tensors and no data.
    #expect(try SafeTensorsFile(data: hostileFile("{}")).tensors.isEmpty)
}

/// Bytes after the last tensor's data were read as if not there (a file with 64 zero
/// bytes appended was accepted); safetensors' own loader refuses them ("incomplete
/// metadata, file not fully covered"), and so does rnnscope.
@Test func rejectsBytesAfterTheLastTensor() throws {
    expectRejected(hostileFile(#"{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2, 0, 0]),
                   .trailingData(covered: 2, dataLength: 4),
                   mentioning: ["2 bytes after the tensors' data belong to no tensor", "end at byte 2 of the 4"])
    expectRejected(hostileFile("{}", data: [1, 2, 3]), .trailingData(covered: 0, dataLength: 3),
                   mentioning: ["3 bytes after", "hold no data"])
    expectRejected(hostileFile(#"{"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#, data: [9]), .trailingData(covered: 0, dataLength: 1),
                   mentioning: ["1 bytes after"])
    // A whole valid file with bytes appended, as the report had it.
    let valid = sampleFile().serialized()
    #expect(throws: Never.self) { try SafeTensorsFile(data: valid) }
    let dataLength = valid.count - 8 - Int(valid.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    expectRejected(valid + Data(count: 64), .trailingData(covered: dataLength, dataLength: dataLength + 64),
                   mentioning: ["64 bytes after"])
}

/// Data the tensors do not cover end to end is malformed, as the reference loader
/// has it ("invalid offset"): a gap before the first tensor or between two, and an
/// empty tensor that points inside another's data.
@Test func rejectsDataNoTensorCovers() {
    let data = [UInt8](repeating: 0, count: 8)
    expectRejected(hostileFile(#"{"b":{"dtype":"U8","shape":[6],"data_offsets":[2,8]}}"#, data: data),
                   .uncoveredData(begin: 0, end: 2, previous: nil, next: "b"),
                   mentioning: ["bytes 0..<2 of the data belong to no tensor", "before 'b', the first tensor", "without gaps"])
    expectRejected(hostileFile(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#, data: data),
                   .uncoveredData(begin: 2, end: 4, previous: "a", next: "b"),
                   mentioning: ["bytes 2..<4", "between 'a', which ends at 2, and 'b', which begins at 4"])
    // Named in the order of the data, not of the names.
    expectRejected(hostileFile(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]},"z":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}"#, data: data),
                   .uncoveredData(begin: 3, end: 4, previous: "z", next: "a"), mentioning: ["between 'z'"])
    // An empty tensor far from the data, or inside another's.
    expectRejected(hostileFile(#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"e":{"dtype":"U8","shape":[0],"data_offsets":[3,3]}}"#, data: data),
                   .overlappingTensors(first: "a", firstOffsets: [0, 8], second: "e", secondOffsets: [3, 3]),
                   mentioning: ["tensor 'e' data_offsets [3, 3] point inside 'a'"])
    expectRejected(hostileFile(#"{"e":{"dtype":"U8","shape":[0],"data_offsets":[3,3]}}"#, data: [0, 0, 0]),
                   .uncoveredData(begin: 0, end: 3, previous: nil, next: "e"), mentioning: ["bytes 0..<3"])
}

// MARK: - Hostile input: metadata

@Test func rejectsMetadataThatIsNotAStringToStringObject() {
    expectRejected(hostileFile(#"{"__metadata__":["tanh"]}"#), .invalidMetadata(reason: "it is an array of 1 elements"),
                   mentioning: ["__metadata__", "strings to strings", "array"])
    expectRejected(hostileFile(#"{"__metadata__":{"epochs":3}}"#), .invalidMetadata(reason: "key 'epochs' holds the number 3"),
                   mentioning: ["__metadata__", "'epochs'", "number 3"])
    expectRejected(hostileFile(#"{"__metadata__":{"a":"x","b":null}}"#), .invalidMetadata(reason: "key 'b' holds null"),
                   mentioning: ["'b'", "null"])
    expectRejected(hostileFile(#"{"__metadata__":{"flag":true}}"#), .invalidMetadata(reason: "key 'flag' holds the boolean true"),
                   mentioning: ["boolean true"])
}

@Test func hostileNamesStayOnOneLine() {
    let name = "line1\nline2\r\u{1B}[31m" + String(repeating: "x", count: 500)
    let header = "{" + "\"line1\\nline2\\r\\u001b[31m" + String(repeating: "x", count: 500) + "\":{\"dtype\":\"NOPE\",\"shape\":[],\"data_offsets\":[0,0]}}"
    expectRejected(hostileFile(header), .unknownDType(tensor: name, dtype: "NOPE"), mentioning: ["line1\\nline2\\r\\e[31m", "…"])
}

// MARK: - Fuzzing

/// A parse that succeeds must still yield tensors whose bytes fit their shapes.
private func checkParsesOrThrows(_ bytes: Data) {
    do {
        let file = try SafeTensorsFile(data: bytes)
        for tensor in file.tensors.values {
            #expect(tensor.data.count == tensor.elementCount * tensor.dtype.byteSize)
        }
    } catch {
        #expect(error is SafeTensorsError)
        #expect(!"\(error)".contains("\n"))
    }
}

@Test func corruptedAndTruncatedFilesThrowInsteadOfTrapping() throws {
    for valid in [sampleFile().serialized(), try Data(contentsOf: fixtureURL)] {
        for count in 0...valid.count {
            checkParsesOrThrows(valid.prefix(count))
        }
        let replacements: [(UInt8) -> UInt8] = [
            { _ in 0 }, { _ in 0xFF }, { $0 ^ 0x01 }, { $0 ^ 0x80 }, { $0 &+ 1 },
            { _ in UInt8(ascii: "\"") }, { _ in UInt8(ascii: "9") }, { _ in UInt8(ascii: "-") }, { _ in UInt8(ascii: "}") },
        ]
        for position in valid.indices {
            for replace in replacements {
                var corrupted = valid
                corrupted[position] = replace(valid[position])
                checkParsesOrThrows(corrupted)
            }
        }
        checkParsesOrThrows(valid + Data(repeating: 0xAB, count: 13))
    }
}

@Test func duplicateAndCanonicallyEquivalentNamesDoNotTrap() {
    // Swift Strings compare "é" and "e\u{301}" equal, so these collide as
    // dictionary keys; the parser must cope rather than trap.
    let entry = #"{"dtype":"U8","shape":[1],"data_offsets":[0,1]}"#
    checkParsesOrThrows(hostileFile("{\"\u{E9}\":\(entry),\"e\u{301}\":\(entry)}", data: [1]))
    checkParsesOrThrows(hostileFile("{\"w\":\(entry),\"w\":\(entry)}", data: [1]))
}

@Test func randomGarbageThrowsInsteadOfTrapping() {
    // A fixed-seed xorshift generator keeps the test deterministic.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    let pieces = ["{", "}", "[", "]", ",", ":", "\"w\"", "\"dtype\"", "\"F32\"", "\"BF16\"", "\"shape\"", "\"data_offsets\"",
                  "\"__metadata__\"", "0", "4", "-1", "1e30", "3.5", "true", "null", "9223372036854775807", " "]
    for _ in 0..<2000 {
        var header = ""
        for _ in 0..<(next() % 40) { header += pieces[Int(next() % UInt64(pieces.count))] }
        let data = (0..<(next() % 24)).map { _ in UInt8(truncatingIfNeeded: next()) }
        checkParsesOrThrows(hostileFile(header, data: data))
    }
}

// MARK: - Files on disk

@Test func writeThenReadRoundTripsAndLeavesNoTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")

    try sampleFile().write(to: url)
    #expect(try SafeTensorsFile(contentsOf: url) == sampleFile())
    #expect(try Data(contentsOf: url) == sampleFile().serialized())

    // Overwriting an existing file replaces it whole.
    let smaller = SafeTensorsFile(tensors: ["x": SafeTensor(int64s: [9], shape: [1])])
    try smaller.write(to: url)
    #expect(try SafeTensorsFile(contentsOf: url) == smaller)

    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
}

@Test func writingIntoAMissingDirectoryThrowsOneLine() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("no/such/dir/model.safetensors")

    let error = #expect(throws: SafeTensorsError.self) { try sampleFile().write(to: url) }
    guard case let .cannotWrite(path, _)? = error else {
        Issue.record("expected cannotWrite, got \(String(describing: error))")
        return
    }
    #expect(path == url.path)
    let text = error?.description ?? ""
    #expect(text.contains(url.path) && text.contains("does not exist") && !text.contains("\n"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
}

@Test func writeRejectsTensorsThatCannotBeRepresented() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("bad.safetensors")

    let reserved = SafeTensorsFile(tensors: ["__metadata__": SafeTensor(floats: [1], shape: [1])])
    #expect(throws: SafeTensorsError.reservedName("__metadata__")) { try reserved.write(to: url) }

    var drifted = SafeTensor(floats: [1, 2], shape: [2])
    drifted.shape = [3]  // `shape` is a public var, so it can disagree with `data`
    let mismatched = SafeTensorsFile(tensors: ["w": drifted])
    #expect(throws: SafeTensorsError.byteLengthMismatch(tensor: "w", dtype: .f32, shape: [3], byteLength: 8)) {
        try mismatched.write(to: url)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
}

@Test func readingAMissingOrUnreadablePathNamesIt() throws {
    let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.safetensors")
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: missing) }
    #expect(error == .cannotRead(path: missing.path, reason: "No such file or directory"))
    #expect(error?.description == "cannot read safetensors file '\(missing.path)': No such file or directory")

    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let isDirectory = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: directory) }
    guard case let .cannotRead(path, _)? = isDirectory else {
        Issue.record("expected cannotRead, got \(String(describing: isDirectory))")
        return
    }
    #expect(path == directory.path)
    #expect(isDirectory?.description.contains("\n") == false)
}
