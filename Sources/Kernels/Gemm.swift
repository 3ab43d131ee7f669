/// Row-major matrix products, the only heavy arithmetic in the simulation.
///
///     C[m×n] = op(A)[m×k] · op(B)[k×n] + beta · C
///
/// where op(A) = A (stored m×k, row stride lda) or Aᵀ (stored k×m), and likewise
/// for B. beta is 0 (overwrite) or 1 (accumulate). Float goes to the tuned
/// kernels; any other precision (Double, for gradient checks) to the plain loops.
public enum Gemm {
    @inline(__always)
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public static func run<T: RNNFloat>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int,
        b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int, descending: Bool = false
    ) {
        if m == 0 || n == 0 { return }
        if T.self == Float.self {
            FloatKernels.gemm(
                transA: transA, transB: transB, m: m, n: n, k: k,
                a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
                b: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb,
                beta: Float(beta), c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc,
                descending: descending)
        } else {
            reference(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// The definition, in plain loops: what every tuned kernel is tested against.
    public static func reference<T: RNNFloat>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int,
        b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        for i in 0..<m {
            let ci = c + i * ldc
            if beta == 0 {
                for j in 0..<n { ci[j] = 0 }
            }
            for p in 0..<k {
                let aip = transA ? a[p * lda + i] : a[i * lda + p]
                if aip == 0 { continue }
                if transB {
                    for j in 0..<n { ci[j] += aip * b[j * ldb + p] }
                } else {
                    let bp = b + p * ldb
                    for j in 0..<n { ci[j] += aip * bp[j] }
                }
            }
        }
    }
}
