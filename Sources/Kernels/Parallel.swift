import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One product split into `parts` pieces (blocks of rows or of columns of C):
/// all a piece needs, kept on the caller's stack while the pieces run.
struct ProductJob {
    enum Kernel { case dot, broadcast, packed }
    package var kernel: Kernel
    package var transA: Bool, transB: Bool
    package var m: Int, n: Int, k: Int
    package var a: UnsafePointer<Float>, lda: Int
    /// op(B), or for `.packed` its panels (ldb unused).
    package var b: UnsafePointer<Float>, ldb: Int
    package var c: UnsafeMutablePointer<Float>, ldc: Int
    package var accumulate: Bool
    package var parts: Int
    var byRows: Bool
    package var flush: Bool
    /// A single row of A: the rows of B last to first (see `FloatKernels.gemm`).
    package var descending = false
}

/// Work splitting for the large products, and per-thread packing memory.
///
/// Determinism: a product is only ever split into disjoint blocks of C; every
/// element of C is computed by one thread, in the same order whatever the split,
/// so the bits never depend on the number of threads or on scheduling.
package enum KernelThreads {
    /// Cores to spread one large product over: those this process may run on
    /// (`taskset` narrows them), at most 8.
    package static let count: Int = {
        if let allowed = allowedCPUs(), allowed > 0 { return min(8, allowed) }
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, min(8, online > 0 ? Int(online) : 1))
    }()

    /// The CPUs in this process's affinity mask (Linux: "Cpus_allowed" in
    /// /proc/self/status, a hex mask), or nil where that is not available.
    static func allowedCPUs() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        return line.dropFirst("Cpus_allowed:".count).reduce(0) { count, digit in
            count + (digit.hexDigitValue?.nonzeroBitCount ?? 0)
        }
    }

    /// Runs every piece of `job`, concurrently when it has more than one, and
    /// returns when all have finished. A product large enough to split always
    /// flushes subnormals (see `FloatKernels.needsFlush`), which the caller has
    /// done on its own thread; the helpers always run flushed.
    @inline(__always)
    static func run(_ job: ProductJob) {
        assert(job.parts <= 1 || job.flush, "a split product must flush subnormals, as the helper threads do")
        if job.parts <= 1 {
            FloatKernels.runPiece(job, 0)
        } else {
            withUnsafePointer(to: job) { product in
                runPieces(job.parts, context: UnsafeRawPointer(product), work: job.m &* job.n &* job.k) { context, t, _ in
                    FloatKernels.runPiece(context.assumingMemoryBound(to: ProductJob.self).pointee, t)
                }
            }
        }
    }

    /// Runs `run(context, t, parts)` for every t in 0..<parts, on this thread
    /// and the helpers, and returns when all have finished. A function and a
    /// context rather than a closure, so nothing is allocated. `work`: its
    /// multiply-adds, where known (see `WorkerPool.wakeWork`).
    package static func runPieces(_ parts: Int, context: UnsafeRawPointer, work: Int = .max,
                          _ run: @convention(c) (UnsafeRawPointer, Int, Int) -> Void) {
        if parts <= 1 { return run(context, 0, 1) }
        withUnsafePointer(to: PoolJob(parts: parts, context: context, run: run, work: work)) { WorkerPool.shared.run($0) }
    }

    /// Runs `run(context, lower, upper)` on `parts` nearly equal blocks of
    /// 0..<rows at once, one per thread: for work whose rows never meet (the
    /// batch rows of a recurrence), so that the threads need no meeting point
    /// until the end. Threads run with subnormals flushed (the caller is, as
    /// the helpers are), so it is only for Float work.
    package static func runRows(_ rows: Int, parts: Int, context: UnsafeRawPointer,
                        _ run: @convention(c) (UnsafeRawPointer, Int, Int) -> Void) {
        withUnsafePointer(to: RowTask(rows: rows, context: context, run: run)) { task in
            runPieces(max(1, min(parts, rows)), context: UnsafeRawPointer(task)) { task, t, parts in
                let task = task.assumingMemoryBound(to: RowTask.self).pointee
                let rows = KernelThreads.piece(t, of: parts, task.rows, quantum: 1)
                task.run(task.context, rows.lowerBound, rows.upperBound)
            }
        }
    }

    private struct RowTask {
        let rows: Int
        let context: UnsafeRawPointer
        let run: @convention(c) (UnsafeRawPointer, Int, Int) -> Void
    }

    /// Part `t` of `0..<total` cut into `parts` nearly equal pieces whose
    /// boundaries are multiples of `quantum` (the last piece takes the rest).
    @inline(__always)
    package static func piece(_ t: Int, of parts: Int, _ total: Int, quantum: Int) -> Range<Int> {
        let units = (total + quantum - 1) / quantum
        let lo = min(total, (units * t / parts) * quantum)
        let hi = t == parts - 1 ? total : min(total, (units * (t + 1) / parts) * quantum)
        return lo..<hi
    }
}

/// Growable, 64-byte aligned Float buffers, two per thread (slot 0 for packed
/// panels, slot 1 for a transposed result), for the large products. Allocated
/// on a thread's first use, reused after, freed when the thread exits. Never
/// shared between threads, so no locking.
enum KernelScratch {
    private static let keys: (pthread_key_t, pthread_key_t) = (makeKey(), makeKey())

    private static func makeKey() -> pthread_key_t {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { block in
            let block: UnsafeMutableRawPointer? = block
            free(block)
        }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }

    /// Header (capacity in floats) occupies the first 64 bytes of a block.
    private static let header = 64

    /// A buffer of at least `count` floats owned by the calling thread. Valid
    /// until the next call to `floats` with the same slot on the same thread.
    package static func floats(_ count: Int, slot: Int = 0) -> UnsafeMutablePointer<Float> {
        let key = slot == 0 ? keys.0 : keys.1
        if let block = pthread_getspecific(key) {
            let capacity = block.load(as: Int.self)
            if capacity >= count {
                return (block + header).assumingMemoryBound(to: Float.self)
            }
            free(block)
            pthread_setspecific(key, nil)
        }
        let capacity = max(count, 1 << 14)
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, header + capacity * MemoryLayout<Float>.stride) == 0, let block = raw else {
            fatalError("KernelScratch: out of memory")
        }
        block.storeBytes(of: capacity, as: Int.self)
        pthread_setspecific(key, block)
        return (block + header).bindMemory(to: Float.self, capacity: capacity)
    }
}
