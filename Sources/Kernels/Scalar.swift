import RealModule

/// The number type the simulation runs in: `Float` for training and display,
/// `Double` for finite-difference gradient checks of the very same code.
public protocol RNNFloat: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable {}

extension Float: RNNFloat {}
extension Double: RNNFloat {}
