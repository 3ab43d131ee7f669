import RNNSim
import Foundation

/// Writing values back in the dtype they were read in, so that a model saved
/// by rnnscope loads into the same PyTorch module (`load_state_dict(strict=True)`
/// keeps dtypes as they are in the file).
extension SafeTensor {
    /// The dtypes weights are read from and written to.
    public static let weightDTypes: [DType] = [.f32, .f64, .f16, .bf16]

    /// Values rounded to the nearest value of `dtype` (F32, F64, F16 or BF16).
    public init(values: [Double], dtype: DType, shape: [Int]) {
        switch dtype {
        case .f64: self.init(doubles: values, shape: shape)
        case .f16: self.init(dtype: .f16, shape: shape, data: Self.bytes(values.map { Float16(Float($0)).bitPattern }))
        case .bf16: self.init(dtype: .bf16, shape: shape, data: Self.bytes(values.map { bfloat16Bits(Float($0)) }))
        default:
            precondition(dtype == .f32, "weights are written as F32, F64, F16 or BF16")
            self.init(floats: values.map { Float($0) }, shape: shape)
        }
    }

    private static func bytes(_ values: [UInt16]) -> Data {
        var d = Data(capacity: values.count * 2)
        for v in values { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }
}

/// BF16 is the top half of a Float, rounded to nearest even as PyTorch's `.to(torch.bfloat16)` does.
func bfloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(bits >> 16) | 0x40 }
    let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}
