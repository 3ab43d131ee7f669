import RNNSim
import Foundation

// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
//
//   [8 bytes]  N, the header length, little-endian UInt64
//   [N bytes]  UTF-8 JSON object: name -> {"dtype", "shape", "data_offsets": [begin, end]},
//              plus an optional "__metadata__": {String: String}
//   [rest]     the data buffer; offsets are relative to its start, values little-endian,
//              and the tensors' offsets cover it exactly, end to end, without gaps
//
// Files come from elsewhere, so the reader treats every byte as hostile: each
// problem is reported as a one-line `SafeTensorsError`, never a trap.

// MARK: - Errors

public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case fileTooShort(byteCount: Int)
    case emptyHeader
    case headerTooLarge(length: UInt64)
    case headerPastEndOfFile(length: UInt64, available: Int)
    case headerNotUTF8(offset: Int)
    case headerNotJSON(reason: String)
    case headerNotObject(found: String)
    /// A name written twice in one object of the header: which one is meant is a
    /// guess (the reference loader refuses it too).
    case duplicateKey(key: String, inside: String)
    case entryNotObject(tensor: String, found: String)
    case missingField(tensor: String, field: String)
    case wrongFieldType(tensor: String, field: String, expected: String, found: String)
    case unknownDType(tensor: String, dtype: String)
    case invalidDimension(tensor: String, index: Int, found: String)
    case shapeOverflow(tensor: String, shape: [Int])
    case invalidDataOffsets(tensor: String, found: String)
    case reversedDataOffsets(tensor: String, begin: Int, end: Int)
    case dataOffsetsPastEnd(tensor: String, begin: Int, end: Int, dataLength: Int)
    case byteLengthMismatch(tensor: String, dtype: SafeTensor.DType, shape: [Int], byteLength: Int)
    case overlappingTensors(first: String, firstOffsets: [Int], second: String, secondOffsets: [Int])
    /// Bytes `begin..<end` of the data that no tensor's data_offsets cover, before
    /// the tensor `next` (after `previous`, or at the start of the data when nil).
    case uncoveredData(begin: Int, end: Int, previous: String?, next: String)
    /// Bytes after the last tensor's data: the data buffer is `dataLength` bytes,
    /// the tensors cover `covered`.
    case trailingData(covered: Int, dataLength: Int)
    case invalidMetadata(reason: String)
    case reservedName(String)
    case notFloatingPoint(SafeTensor.DType)
    case notInteger(SafeTensor.DType)
    case integerOutOfRange(dtype: SafeTensor.DType, index: Int, value: UInt64)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    /// The largest header accepted: far beyond any real model, small enough
    /// that a corrupt length cannot make us allocate gigabytes.
    public static let maxHeaderLength: UInt64 = 100_000_000

    public var description: String {
        switch self {
        case let .fileTooShort(count):
            return "file is \(count) bytes long, too short to hold the 8-byte header length"
        case .emptyHeader:
            return "header length is 0; a safetensors header holds at least '{}'"
        case let .headerTooLarge(length):
            return "header length \(length) bytes exceeds the \(Self.maxHeaderLength)-byte limit"
        case let .headerPastEndOfFile(length, available):
            return "header length \(length) bytes runs past the end of the file (only \(available) bytes follow the length)"
        case let .headerNotUTF8(offset):
            return "header is not valid UTF-8 (bad byte at header offset \(offset))"
        case let .headerNotJSON(reason):
            return "header is not valid JSON: \(oneLine(reason))"
        case let .headerNotObject(found):
            return "header JSON is \(found), expected an object mapping tensor names to entries"
        case let .duplicateKey(key, inside):
            return "header names \(quoted(key)) twice in \(inside); which one is meant cannot be told"
        case let .entryNotObject(tensor, found):
            return "tensor \(quoted(tensor)): entry is \(found), expected an object with dtype, shape and data_offsets"
        case let .missingField(tensor, field):
            return "tensor \(quoted(tensor)): missing \"\(field)\""
        case let .wrongFieldType(tensor, field, expected, found):
            return "tensor \(quoted(tensor)): \"\(field)\" is \(found), expected \(expected)"
        case let .unknownDType(tensor, dtype):
            let known = SafeTensor.DType.allCases.map(\.rawValue).joined(separator: ", ")
            return "tensor \(quoted(tensor)): unknown dtype \(quoted(dtype)) (known: \(known))"
        case let .invalidDimension(tensor, index, found):
            return "tensor \(quoted(tensor)): shape[\(index)] is \(found), expected a non-negative integer"
        case let .shapeOverflow(tensor, shape):
            return "tensor \(quoted(tensor)): shape \(shape) is too large, its byte size overflows Int"
        case let .invalidDataOffsets(tensor, found):
            return "tensor \(quoted(tensor)): data_offsets is \(found), expected two non-negative integers [begin, end]"
        case let .reversedDataOffsets(tensor, begin, end):
            return "tensor \(quoted(tensor)): data_offsets [\(begin), \(end)] have begin after end"
        case let .dataOffsetsPastEnd(tensor, begin, end, dataLength):
            return "tensor \(quoted(tensor)): data_offsets [\(begin), \(end)] run past the end of the data (\(dataLength) bytes)"
        case let .byteLengthMismatch(tensor, dtype, shape, byteLength):
            let needed = SafeTensor.byteCount(shape: shape, dtype: dtype).map(String.init) ?? "more than Int.max"
            return "tensor \(quoted(tensor)): holds \(byteLength) bytes but \(dtype.rawValue) shape \(shape) needs \(needed)"
        case let .overlappingTensors(first, firstOffsets, second, secondOffsets):
            if secondOffsets.count == 2 && secondOffsets[0] == secondOffsets[1] {
                return "tensor \(quoted(second)) data_offsets \(secondOffsets) point inside \(quoted(first))'s \(firstOffsets); each tensor's data begins where the one before it ends"
            }
            return "tensors \(quoted(first)) data_offsets \(firstOffsets) and \(quoted(second)) data_offsets \(secondOffsets) overlap"
        case let .uncoveredData(begin, end, previous, next):
            let around = previous.map { "between \(quoted($0)), which ends at \(begin), and \(quoted(next)), which begins at \(end)" }
                ?? "before \(quoted(next)), the first tensor, which begins at \(end)"
            return "bytes \(begin)..<\(end) of the data belong to no tensor (\(around)); a safetensors file's tensors cover its data without gaps"
        case let .trailingData(covered, dataLength):
            let tensors = covered == 0 ? "the tensors hold no data, and \(dataLength) bytes follow the header" : "the tensors end at byte \(covered) of the \(dataLength) after the header"
            return "\(dataLength - covered) bytes after the tensors' data belong to no tensor (\(tensors)); a safetensors file ends where its last tensor does, and safetensors' own loader refuses it too"
        case let .invalidMetadata(reason):
            return "__metadata__ must be an object mapping strings to strings, but \(oneLine(reason))"
        case let .reservedName(name):
            return "tensor name \(quoted(name)) is reserved for the metadata and cannot name a tensor"
        case let .notFloatingPoint(dtype):
            return "dtype \(dtype.rawValue) does not hold floating-point values; use integers() instead"
        case let .notInteger(dtype):
            return "dtype \(dtype.rawValue) does not hold integers; use floats() or doubles() instead"
        case let .integerOutOfRange(dtype, index, value):
            return "element \(index) of a \(dtype.rawValue) tensor is \(value), too large for Int64"
        case let .cannotRead(path, reason):
            return "cannot read safetensors file \(quoted(path: path)): \(oneLine(reason))"
        case let .cannotWrite(path, reason):
            return "cannot write safetensors file \(quoted(path: path)): \(oneLine(reason))"
        }
    }
}

/// Names and values in messages come from the file: escaped and shortened
/// (`TextSafety`) so that every description stays one readable line.
private func quoted(_ text: String) -> String { TextSafety.quoted(text) }

private func quoted(path: String) -> String { TextSafety.quoted(path, limit: 400) }

private func oneLine(_ text: String) -> String { TextSafety.escaped(text, limit: 400) }

// MARK: - Tensor

public struct SafeTensor: Sendable, Equatable {
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
        case bool = "BOOL"

        public var byteSize: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .f8e5m2, .f8e4m3, .i8, .u8, .bool: 1
            }
        }
    }

    public var dtype: DType
    public var shape: [Int]
    /// Raw little-endian element bytes, `elementCount * dtype.byteSize` of them.
    public var data: Data

    public init(dtype: DType, shape: [Int], data: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "SafeTensor: negative dimension in shape \(shape)")
        precondition(Self.byteCount(shape: shape, dtype: dtype) == data.count,
                     "SafeTensor: \(data.count) bytes do not fit \(dtype.rawValue) shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        // Re-base slices so `data` always starts at index 0.
        self.data = data.startIndex == 0 ? data : Data(data)
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .f32, shape: shape, data: Self.littleEndianBytes(floats.map(\.bitPattern)))
    }

    public init(doubles: [Double], shape: [Int]) {
        self.init(dtype: .f64, shape: shape, data: Self.littleEndianBytes(doubles.map(\.bitPattern)))
    }

    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .i64, shape: shape, data: Self.littleEndianBytes(int64s))
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The values as `Float`; F64 values are rounded to the nearest `Float`.
    public func floats() throws -> [Float] {
        switch dtype {
        case .f32: return load(UInt32.self).map(Float.init(bitPattern:))
        case .f64: return load(UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .f16: return load(UInt16.self).map(floatFromHalf)
        case .bf16: return load(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }  // BF16 is the top half of a Float
        case .f8e5m2: return load(UInt8.self).map { floatFromHalf(UInt16($0) << 8) }    // E5M2 is the top byte of an F16
        case .f8e4m3: return load(UInt8.self).map(floatFromE4M3)
        case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool:
            throw SafeTensorsError.notFloatingPoint(dtype)
        }
    }

    /// The values as `Double`; every dtype narrower than F64 converts exactly.
    public func doubles() throws -> [Double] {
        if dtype == .f64 { return load(UInt64.self).map(Double.init(bitPattern:)) }
        return try floats().map(Double.init)
    }

    /// The values in `T`'s precision: as `doubles()` for Double, as `floats()` for Float.
    public func values<T: RNNFloat>(_: T.Type) throws -> [T] {
        T.self == Double.self ? try doubles() as! [T] : try floats() as! [T]
    }

    /// The values as `Int64`; BOOL reads as 0 or 1, and a U64 value above
    /// `Int64.max` throws rather than wrapping.
    public func integers() throws -> [Int64] {
        switch dtype {
        case .i64: return load(UInt64.self).map { Int64(bitPattern: $0) }
        case .i32: return load(UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case .i16: return load(UInt16.self).map { Int64(Int16(bitPattern: $0)) }
        case .i8: return load(UInt8.self).map { Int64(Int8(bitPattern: $0)) }
        case .u32: return load(UInt32.self).map(Int64.init)
        case .u16: return load(UInt16.self).map(Int64.init)
        case .u8: return load(UInt8.self).map(Int64.init)
        case .bool: return load(UInt8.self).map { $0 == 0 ? 0 : 1 }
        case .u64:
            return try load(UInt64.self).enumerated().map { index, value in
                guard let exact = Int64(exactly: value) else {
                    throw SafeTensorsError.integerOutOfRange(dtype: dtype, index: index, value: value)
                }
                return exact
            }
        case .f64, .f32, .f16, .bf16, .f8e5m2, .f8e4m3:
            throw SafeTensorsError.notInteger(dtype)
        }
    }

    /// `product(shape) * dtype.byteSize`, or nil if it overflows `Int`.
    static func byteCount(shape: [Int], dtype: DType) -> Int? {
        var count = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Reads every whole element in `data`. Bytes in a `Data` have no alignment
    /// guarantee (a tensor may start at any offset of the file), hence `loadUnaligned`.
    private func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var bytes = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}

// MARK: - Narrow float formats

/// IEEE half precision to `Float` (exact). Swift's `Float16` does this, but it
/// is missing on Intel macOS, so the bit-level version stands in there.
func floatFromHalf(_ bits: UInt16) -> Float {
    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    return Float(Float16(bitPattern: bits))
    #else
    return floatFromHalfBits(bits)
    #endif
}

/// The portable conversion behind `floatFromHalf`; compiled everywhere so the
/// tests can check it against `Float16` bit pattern by bit pattern.
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10 & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:  // zero or subnormal: mantissa × 2⁻²⁴, exact in Float
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:  // infinity or NaN; quiet the NaN as the hardware conversion does
        let quiet: UInt32 = mantissa == 0 ? 0 : 0x40_0000
        return Float(bitPattern: sign | 0x7F80_0000 | quiet | mantissa << 13)
    default:  // rebias the exponent from 15 to 127
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// OCP FP8 E4M3 ("FN": no infinities, S.1111.111 is NaN, bias 7) to `Float`.
func floatFromE4M3(_ bits: UInt8) -> Float {
    let exponent = Int(bits >> 3 & 0xF)
    let mantissa = Float(bits & 0x7)
    let magnitude: Float
    if exponent == 0xF && bits & 0x7 == 0x7 {
        magnitude = .nan
    } else if exponent == 0 {
        magnitude = mantissa * 0x1p-9  // subnormal: mantissa/8 × 2^(1-7)
    } else {
        magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }
    return bits & 0x80 == 0 ? magnitude : -magnitude
}

// MARK: - File

public struct SafeTensorsFile: Sendable, Equatable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]

    static let metadataKey = "__metadata__"

    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> SafeTensor? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// Parses and validates a whole file held in memory.
    public init(data: Data) throws {
        let file = try SafeTensorsReader(data).read()
        self.init(tensors: file.tensors, metadata: file.metadata)
    }

    /// Reads a file, refusing before it reads more than the 8-byte length one
    /// whose reading would pass the memory cap (`MemoryBudget`): the bytes, the
    /// tensors copied out of them, and the parsed header, whose bookkeeping
    /// (JSONSerialization's objects) costs up to `headerBytesPerByte` per byte.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let bytes: Data
        do {
            let file = try InputFile(path)
            let head = try file.read(at: 0, count: 8)
            if head.count == 8 {
                let length = head.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let header = Double(min(length, UInt64(file.size)))
                let needed = 2 * Double(file.size) + Self.headerBytesPerByte * header
                let cap = try MemoryBudget.limit()
                if needed > cap {
                    throw SafeTensorsError.cannotRead(path: path, reason: "parsing its \(MemoryBudget.format(Double(file.size))) (a \(MemoryBudget.format(header)) header) needs about \(MemoryBudget.format(needed)), over the \(MemoryBudget.format(cap)) memory limit; raise it with \(MemoryBudget.variable)=SIZE if the file is genuine")
                }
            }
            bytes = try file.readAll()
        } catch let error as InputFileError {
            throw SafeTensorsError.cannotRead(path: path, reason: error.reason)
        }
        try self.init(data: bytes)
    }

    /// Peak bytes of parsing per byte of header (`HeaderJSON`), for the worst
    /// headers tried: 170,000 empty tensors (10 MB), 1.2 M keys of one integer
    /// (13 MB) and 3.3 M empty arrays (10 MB) peak at 12 to 14 times their size
    /// (JSONSerialization took 64 times), rounded up.
    static let headerBytesPerByte: Double = 16

    /// The file's bytes, laid out as the reference implementation does: the
    /// header is compact JSON ("__metadata__" first, then tensors by name)
    /// padded with spaces to a multiple of 8 bytes, and the data buffer holds
    /// the tensors contiguously in that same name order.
    ///
    /// A tensor named "__metadata__" cannot be represented and traps here;
    /// `write(to:)` reports it as an error instead.
    public func serialized() -> Data {
        precondition(tensors[Self.metadataKey] == nil, SafeTensorsError.reservedName(Self.metadataKey).description)
        // Sort by UTF-8 bytes, as Rust's String ordering does, not by Swift's
        // Unicode-aware String comparison.
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { "\(JSONString.quoted($0)):\(JSONString.quoted(metadata[$0]!))" }
            entries.append("\(JSONString.quoted(Self.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.data.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(#"\#(JSONString.quoted(name)):{"dtype":"\#(tensor.dtype.rawValue)","shape":[\#(shape)],"data_offsets":[\#(offset),\#(end)]}"#)
            offset = end
        }
        var header = Data("{\(entries.joined(separator: ","))}".utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var file = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        for name in names { file.append(tensors[name]!.data) }
        return file
    }

    /// Writes through `OutputFile`: atomically, keeping an existing file's
    /// mode, through symbolic links, never over a FIFO, device or directory.
    public func write(to url: URL) throws {
        let path = url.path
        if tensors[Self.metadataKey] != nil {
            throw SafeTensorsError.reservedName(Self.metadataKey)
        }
        // `data` and `shape` are public vars, so they may have drifted apart;
        // never write a file that the reader would reject.
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            if tensor.shape.contains(where: { $0 < 0 }) || SafeTensor.byteCount(shape: tensor.shape, dtype: tensor.dtype) != tensor.data.count {
                throw SafeTensorsError.byteLengthMismatch(tensor: name, dtype: tensor.dtype, shape: tensor.shape, byteLength: tensor.data.count)
            }
        }

        do { try OutputFile.write(serialized(), to: path) } catch let error as OutputFileError {
            // A write the system refused (a full disk) stays an OutputFileError: it carries status 74.
            if error.status != 2 { throw error }
            throw SafeTensorsError.cannotWrite(path: path, reason: error.reason)
        }
    }
}

// MARK: - Reader

/// One pass of validation over a file's bytes. Every check happens before
/// any slice is taken, so hostile input can only ever produce an error.
private struct SafeTensorsReader {
    let bytes: Data

    init(_ bytes: Data) {
        // Re-base so offsets below are plain 0-based positions.
        self.bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
    }

    private struct Entry {
        let name: String
        let dtype: SafeTensor.DType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    func read() throws -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw SafeTensorsError.fileTooShort(byteCount: bytes.count) }
        let length = bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }  // little-endian
        guard length > 0 else { throw SafeTensorsError.emptyHeader }
        guard length <= SafeTensorsError.maxHeaderLength else { throw SafeTensorsError.headerTooLarge(length: length) }
        guard length <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.headerPastEndOfFile(length: length, available: bytes.count - 8)
        }
        let headerEnd = 8 + Int(length)
        let header = try parseHeader(bytes[8..<headerEnd])
        let dataLength = bytes.count - headerEnd

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        // Sorted so that a file with several problems always reports the same one.
        for name in header.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if name == SafeTensorsFile.metadataKey {
                metadata = try parseMetadata(header[name]!)
            } else {
                entries.append(try parseEntry(name: name, header[name]!, dataLength: dataLength))
            }
        }
        try checkNoOverlap(entries)
        try checkCoverage(entries, dataLength: dataLength)

        var tensors: [String: SafeTensor] = [:]
        for entry in entries {
            let slice = bytes[(headerEnd + entry.begin)..<(headerEnd + entry.end)]
            tensors[entry.name] = SafeTensor(dtype: entry.dtype, shape: entry.shape, data: Data(slice))
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    private func parseHeader(_ header: Data) throws -> [String: HeaderJSON] {
        // Decode ourselves first: JSONSerialization would silently accept
        // UTF-16/32, and this also pinpoints the first bad byte.
        var decoder = UTF8()
        var iterator = header.makeIterator()
        var offset = 0
        decoding: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: break decoding
            case .error: throw SafeTensorsError.headerNotUTF8(offset: offset)
            }
        }
        // A NUL is valid UTF-8 but never valid JSON, and would make
        // JSONSerialization guess a UTF-16/32 encoding.
        if let nul = header.firstIndex(of: 0) {
            throw SafeTensorsError.headerNotJSON(reason: "NUL byte at header offset \(nul - header.startIndex)")
        }
        let json = try HeaderJSON.parse([UInt8](header))
        guard case .object(let pairs) = json else { throw SafeTensorsError.headerNotObject(found: json.described) }
        try Self.refuseDuplicates(pairs, inside: "the header")
        for pair in pairs {
            if case .object(let inner) = pair.value {
                try Self.refuseDuplicates(inner, inside: pair.key == SafeTensorsFile.metadataKey ? "__metadata__" : "the entry of \(quoted(pair.key))")
            }
        }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    private static func refuseDuplicates(_ pairs: [(key: String, value: HeaderJSON)], inside: String) throws {
        var seen = Set<String>()
        for pair in pairs where !seen.insert(pair.key).inserted {
            throw SafeTensorsError.duplicateKey(key: pair.key, inside: inside)
        }
    }

    private func parseMetadata(_ value: HeaderJSON) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw SafeTensorsError.invalidMetadata(reason: "it is \(value.described)")
        }
        let object = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        var metadata: [String: String] = [:]
        for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard case .string(let string) = object[key]! else {
                throw SafeTensorsError.invalidMetadata(reason: "key \(quoted(key)) holds \(object[key]!.described)")
            }
            metadata[key] = string
        }
        return metadata
    }

    private func parseEntry(name: String, _ value: HeaderJSON, dataLength: Int) throws -> Entry {
        guard case .object = value else {
            throw SafeTensorsError.entryNotObject(tensor: name, found: value.described)
        }
        func field(_ key: String) throws -> HeaderJSON {
            guard let field = value[key] else { throw SafeTensorsError.missingField(tensor: name, field: key) }
            return field
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw SafeTensorsError.wrongFieldType(tensor: name, field: "dtype", expected: "a string", found: dtypeValue.described)
        }
        guard let dtype = SafeTensor.DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(tensor: name, dtype: dtypeName)
        }

        let shapeValue = try field("shape")
        guard case .array(let dims) = shapeValue else {
            throw SafeTensorsError.wrongFieldType(tensor: name, field: "shape", expected: "an array of integers", found: shapeValue.described)
        }
        let shape = try dims.enumerated().map { index, dim in
            guard let size = dim.nonNegativeInteger else {
                throw SafeTensorsError.invalidDimension(tensor: name, index: index, found: dim.described)
            }
            return size
        }
        guard let byteLength = SafeTensor.byteCount(shape: shape, dtype: dtype) else {
            throw SafeTensorsError.shapeOverflow(tensor: name, shape: shape)
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
        else {
            throw SafeTensorsError.invalidDataOffsets(tensor: name, found: offsetsValue.described)
        }
        guard begin <= end else { throw SafeTensorsError.reversedDataOffsets(tensor: name, begin: begin, end: end) }
        guard end <= dataLength else {
            throw SafeTensorsError.dataOffsetsPastEnd(tensor: name, begin: begin, end: end, dataLength: dataLength)
        }
        guard end - begin == byteLength else {
            throw SafeTensorsError.byteLengthMismatch(tensor: name, dtype: dtype, shape: shape, byteLength: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Tensors must not share bytes. Once sorted by start, ranges that are
    /// disjoint so far are also ordered, so each needs comparing only with
    /// the one before it. Empty ranges hold no bytes and overlap nothing.
    private func checkNoOverlap(_ entries: [Entry]) throws {
        let ranges = entries.filter { $0.begin < $0.end }.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, entry) in zip(ranges, ranges.dropFirst()) where entry.begin < previous.end {
            throw SafeTensorsError.overlappingTensors(
                first: previous.name, firstOffsets: [previous.begin, previous.end],
                second: entry.name, secondOffsets: [entry.begin, entry.end])
        }
    }

    /// The tensors, in the order of their data, must cover the data exactly: each
    /// beginning where the one before ended (the first at 0), the last ending where
    /// the file does. The reference loader refuses anything else ("invalid offset",
    /// "incomplete metadata, file not fully covered"): bytes no tensor owns are a
    /// truncated or tampered file, and reading past them would guess.
    private func checkCoverage(_ entries: [Entry], dataLength: Int) throws {
        // Overlaps between non-empty ranges are already refused, so in this order
        // only an empty tensor can begin before the end of the one before it.
        let ordered = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        var previous: Entry?
        for entry in ordered {
            if entry.begin > position {
                throw SafeTensorsError.uncoveredData(begin: position, end: entry.begin, previous: previous?.name, next: entry.name)
            }
            if entry.begin < position, let previous {
                throw SafeTensorsError.overlappingTensors(
                    first: previous.name, firstOffsets: [previous.begin, previous.end],
                    second: entry.name, secondOffsets: [entry.begin, entry.end])
            }
            position = entry.end
            previous = entry
        }
        if position < dataLength { throw SafeTensorsError.trailingData(covered: position, dataLength: dataLength) }
    }
}

