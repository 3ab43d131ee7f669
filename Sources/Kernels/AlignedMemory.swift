/// Buffers the kernels stream through start on a cache line. A 64-byte vector
/// load from a buffer that starts 16 or 32 bytes into a line spans two lines,
/// every time: where malloc happened to put W_hh (which moved with the length
/// of the command line) made batch 1 at H 128 up to 10% slower.
package enum AlignedMemory {
    /// A cache line, and the widest vector.
    package static let alignment = 64

    /// `capacity` values of T, uninitialised, at a multiple of `alignment`;
    /// released by the pointer's `deallocate()`.
    package static func allocate<T>(_: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1) &* MemoryLayout<T>.stride,
                                         alignment: max(alignment, MemoryLayout<T>.alignment))
            .bindMemory(to: T.self, capacity: max(capacity, 1))
    }

    /// Whether p starts on a cache line.
    @inline(__always)
    package static func isAligned(_ p: UnsafeRawPointer) -> Bool { UInt(bitPattern: p) % UInt(alignment) == 0 }
}
