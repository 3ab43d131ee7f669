// The broadcast kernel's main tile, mr × nr of C, chosen per processor at build
// time: `RNNSCOPE_TILE=8x3 swift build -c release` (Package.swift turns the
// shape into the condition TILE_8x3 and refuses any other value). The four
// AVX-512 shapes keep 24 accumulators in zmm registers; they differ in how
// many loads of B and broadcasts of A feed them (R broadcasts and V loads per
// R·V FMAs). 6×1, the default without AVX-512, keeps 12 accumulators in 16
// ymm registers: there each 16-float vector takes two.
// The sums are the same whatever the shape: every element of C is one chain
// of FMAs in the order of k (docs/performance.md#tile-shapes has the measurements).

extension FloatKernels {
    #if TILE_8x3
    /// Rows of the broadcast kernel's main tile (and of a packed A panel).
    static let mr = 8
    /// Columns of the broadcast kernel's main tile (and of a packed B panel).
    static let nr = 48
    #elseif TILE_6x4
    static let mr = 6
    static let nr = 64
    #elseif TILE_4x6
    static let mr = 4
    static let nr = 96
    #elseif TILE_6x1
    static let mr = 6
    static let nr = 16
    #else
    static let mr = 12
    static let nr = 32
    #endif

    /// `vtile` for the main tile, mr × nr.
    @inline(__always)
    static func vtileMain(
        _ kc: Int, _ a: UnsafePointer<Float>, _ ars: Int, _ aps: Int, _ b: UnsafePointer<Float>, _ bs: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        #if TILE_8x3
        vtile8x3(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        #elseif TILE_6x4
        vtile6x4(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        #elseif TILE_4x6
        vtile4x6(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        #elseif TILE_6x1
        vtile6x1(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        #else
        vtile12x2(kc, a, ars, aps, b, bs, c, ldc, accumulate)
        #endif
    }
}
