import RealModule

/// A few values of one precision that the cells' pointwise equations run on at
/// once: 16 Float lanes (the tuned path, with FloatElementwise's exp), or one
/// value (Double for the checks, and the tail of a Float row). Each cell writes
/// its equations once, over `Lanes`.
protocol Lanes {
    associatedtype Scalar: RNNFloat
    init(repeating: Scalar)
    static func load(_ p: UnsafePointer<Scalar>) -> Self
    func store(_ p: UnsafeMutablePointer<Scalar>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    var sigmoid: Self { get }
    var tanh: Self { get }
}

extension Lanes {
    @inline(__always) static var one: Self { Self(repeating: 1) }
    @inline(__always) static var zero: Self { Self(repeating: 0) }
}

extension Float: Lanes {
    typealias Scalar = Float
    @inline(__always) init(repeating v: Float) { self = v }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Float { p.pointee }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { p.pointee = self }
    @inline(__always) var sigmoid: Float { Activation.sigmoid.apply(self) }
    @inline(__always) var tanh: Float { Float.tanh(self) }
}

extension Double: Lanes {
    typealias Scalar = Double
    @inline(__always) init(repeating v: Double) { self = v }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Double { p.pointee }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Double>) { p.pointee = self }
    @inline(__always) var sigmoid: Double { Activation.sigmoid.apply(self) }
    @inline(__always) var tanh: Double { Double.tanh(self) }
}

extension SIMD16: Lanes where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
    // Inlined into the cells' kernels, where they run 16 lanes wide (see FloatElementwise.exp)
    var sigmoid: Self { @_transparent get { FloatElementwise.sigmoid(self) } }
    var tanh: Self { @_transparent get { FloatElementwise.tanh(self) } }
}

/// The pointwise part of a cell's step: `run(V.self, b, j)` does units j ..< j + lanes of batch row b.
protocol LaneKernel {
    func run<V: Lanes>(_ lanes: V.Type, _ b: Int, _ j: Int)
}

extension UnsafeMutablePointer where Pointee: RNNFloat {
    /// The same memory, as the scalars of lane type V (which are Pointee's).
    @inline(__always) func lanes<V: Lanes>(_: V.Type) -> UnsafeMutablePointer<V.Scalar> {
        UnsafeMutableRawPointer(self).assumingMemoryBound(to: V.Scalar.self)
    }
}

extension UnsafePointer where Pointee: RNNFloat {
    @inline(__always) func lanes<V: Lanes>(_: V.Type) -> UnsafePointer<V.Scalar> {
        UnsafeRawPointer(self).assumingMemoryBound(to: V.Scalar.self)
    }
}

enum Pointwise {
    /// Runs `kernel` over every unit of `rows` batch rows of `units` units: 16 at a
    /// time for Float (single Floats for the tail of a row), one at a time for Double.
    @inline(__always)
    static func run<T: RNNFloat, K: LaneKernel>(_: T.Type, rows: Int, units: Int, _ kernel: K) {
        for b in 0..<rows {
            var j = 0
            if T.self == Float.self {
                while j + 16 <= units { kernel.run(SIMD16<Float>.self, b, j); j += 16 }
                while j < units { kernel.run(Float.self, b, j); j += 1 }
            } else {
                precondition(T.self == Double.self)
                while j < units { kernel.run(Double.self, b, j); j += 1 }
            }
        }
    }
}
