/// A Float product started on a helper thread while the caller goes on, and
/// waited for before anything reads or writes its C again.
///
/// For batch 1, whose recurrence runs on the caller's thread alone (its steps are
/// too small to split): a backward window's ∂W_hh = Σ_t ∂a_tᵀ h_{t−1} is computed
/// by the otherwise idle helper while the recurrence of the next window runs. It is
/// the product `Gemm.run` computes, by the same kernels in the same order along k,
/// so the bits are the same whichever thread runs it (a split product always
/// flushes subnormals, and helpers always do).
package final class DeferredProduct: @unchecked Sendable {
    private struct Arguments {
        var transA: Bool, transB: Bool, m: Int, n: Int, k: Int
        var a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int
        var beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    }
    private let arguments = UnsafeMutablePointer<Arguments>.allocate(capacity: 1)
    private let job = UnsafeMutablePointer<PoolJob>.allocate(capacity: 1)
    private var started = false

    package init() {}

    deinit {
        finish()
        arguments.deallocate()
        job.deallocate()
    }

    /// Starts C = op(A)·op(B) + beta·C (as `Gemm.run`) on a helper, finishing the
    /// product started before it first; runs it here when no helper is free.
    package func start(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        finish()
        arguments.initialize(to: Arguments(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda,
                                           b: b, ldb: ldb, beta: beta, c: c, ldc: ldc))
        job.initialize(to: PoolJob(parts: 1, context: UnsafeRawPointer(arguments)) { context, _, _ in
            let p = context.assumingMemoryBound(to: Arguments.self).pointee
            FloatKernels.gemm(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, a: p.a, lda: p.lda,
                              b: p.b, ldb: p.ldb, beta: p.beta, c: p.c, ldc: p.ldc)
        })
        if WorkerPool.shared.start(job) {
            started = true
        } else {
            job.pointee.run(job.pointee.context, 0, 1)
        }
    }

    /// Returns once the product started last has been computed.
    package func finish() {
        if started {
            WorkerPool.shared.finishStarted()
            started = false
        }
    }
}
