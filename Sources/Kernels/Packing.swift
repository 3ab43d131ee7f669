// Copies of operand blocks into the contiguous layouts the broadcast kernel reads.
//
// B: a panel of columns [j, j + w) and rows [p0, p0 + kc) of op(B) becomes kc
// rows of `width` floats (width = w rounded up to a multiple of 16, zero-padded).
// A: rows [i0, i0 + rows) and steps [p0, p0 + kc) of op(A) become panels of
// `mr` rows, panel u (from row i0 + u) at offset u·kc, stored step-major
// ([p][mr], zero-padded rows), so the kernel's broadcasts read consecutive floats.

extension FloatKernels {
    static func packA(
        transA: Bool, _ a: UnsafePointer<Float>, _ lda: Int, i0: Int, rows: Int, p0: Int, kc: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        if transA {
            packTransposedA(a, lda, i0: i0, rows: rows, p0: p0, kc: kc, into: dst)
            return
        }
        let MR = mr
        var u = 0, panelIndex = 0
        while u < rows {
            let r = tileRows(rows &- u)
            let panel = dst + panelIndex &* MR &* kc
            // op(A)[i, p] = a[i·lda + p]: transpose 16 steps of up to mr (≤ 12) rows at a time.
            let src = a + ((i0 &+ u) &* lda &+ p0)
            var q = 0
            while q &+ 16 <= kc {
                let s = src + q
                let z = F16()
                var r0 = load16(s), r1 = r > 1 ? load16(s + lda) : z, r2 = r > 2 ? load16(s + 2 &* lda) : z
                var r3 = r > 3 ? load16(s + 3 &* lda) : z, r4 = r > 4 ? load16(s + 4 &* lda) : z
                var r5 = r > 5 ? load16(s + 5 &* lda) : z, r6 = r > 6 ? load16(s + 6 &* lda) : z
                var r7 = r > 7 ? load16(s + 7 &* lda) : z, r8 = r > 8 ? load16(s + 8 &* lda) : z
                var r9 = r > 9 ? load16(s + 9 &* lda) : z, r10 = r > 10 ? load16(s + 10 &* lda) : z
                var r11 = r > 11 ? load16(s + 11 &* lda) : z
                var r12 = z, r13 = z, r14 = z, r15 = z
                transpose16(&r0, &r1, &r2, &r3, &r4, &r5, &r6, &r7, &r8, &r9, &r10, &r11, &r12, &r13, &r14, &r15)
                let d = panel + q &* MR
                storeStep(r0, d); storeStep(r1, d + MR); storeStep(r2, d + 2 &* MR); storeStep(r3, d + 3 &* MR)
                storeStep(r4, d + 4 &* MR); storeStep(r5, d + 5 &* MR); storeStep(r6, d + 6 &* MR)
                storeStep(r7, d + 7 &* MR); storeStep(r8, d + 8 &* MR); storeStep(r9, d + 9 &* MR)
                storeStep(r10, d + 10 &* MR); storeStep(r11, d + 11 &* MR); storeStep(r12, d + 12 &* MR)
                storeStep(r13, d + 13 &* MR); storeStep(r14, d + 14 &* MR); storeStep(r15, d + 15 &* MR)
                q &+= 16
            }
            while q < kc {
                let d = panel + q &* MR
                for rr in 0..<MR { d[rr] = rr < r ? src[rr &* lda &+ q] : 0 }
                q &+= 1
            }
            u &+= r
            panelIndex &+= 1
        }
    }

    /// packA for op(A) = Aᵀ, op(A)[i, p] = a[p·lda + i]: step p of every panel
    /// comes from row p0 + p of a, so each row is read once, in order. (Panel by
    /// panel, every step was a jump of lda floats: at lda = 4H = 1024 a new page
    /// for each 12 floats, 7% of an LSTM iteration at H = 256, B = 32.)
    static func packTransposedA(
        _ a: UnsafePointer<Float>, _ lda: Int, i0: Int, rows: Int, p0: Int, kc: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let MR = mr
        for p in 0..<kc {
            let src = a + ((p0 &+ p) &* lda &+ i0)
            var u = 0, panelIndex = 0
            while u < rows {
                let r = tileRows(rows &- u)
                let d = dst + (panelIndex &* MR &* kc &+ p &* MR), s = src + u
                if r == 12 && MR == 12 {
                    UnsafeMutableRawPointer(d).storeBytes(of: UnsafeRawPointer(s).loadUnaligned(as: F8.self), as: F8.self)
                    UnsafeMutableRawPointer(d + 8).storeBytes(
                        of: UnsafeRawPointer(s + 8).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                } else {
                    for q in 0..<MR { d[q] = q < r ? s[q] : 0 }
                }
                u &+= r
                panelIndex &+= 1
            }
        }
    }

    /// Rows of the next tile (and A panel) when `left` rows remain: `mr`, but
    /// 16 rows as two tiles of 8, not 12 and a 4-row tile that loads B for few products.
    @inline(__always)
    static func tileRows(_ left: Int) -> Int { mr > 8 && left > mr && left <= 16 ? 8 : min(mr, left) }

    /// Stores lanes 0..<mr of v at p: one step of a packed A panel (mr ≤ 12).
    @inline(__always)
    static func storeStep(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
        switch mr {
        case 12: store12(v, p)
        case 8: UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: F8.self)
        case 4: UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf.lowHalf, as: SIMD4<Float>.self)
        default: for l in 0..<mr { p[l] = v[l] }
        }
    }

    /// Stores lanes 0..<12 of v at p.
    @inline(__always)
    static func store12(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: F8.self)
        UnsafeMutableRawPointer(p + 8).storeBytes(of: v.highHalf.lowHalf, as: SIMD4<Float>.self)
    }

    /// Panel of op(B) = Bᵀ: dst[p·width + jj] = b[(j + jj)·ldb + p0 + p].
    static func packTransposed(
        _ b: UnsafePointer<Float>, _ ldb: Int, p0: Int, kc: Int, j: Int, w: Int, width: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        var jj = 0
        while jj &+ 16 <= w {
            let src = b + ((j &+ jj) &* ldb &+ p0)
            var p = 0
            while p &+ 16 <= kc {
                transposeStore16(src + p, ldb, dst + (p &* width &+ jj), width)
                p &+= 16
            }
            while p < kc {
                var q = 0
                while q < 16 { dst[p &* width &+ jj &+ q] = src[q &* ldb &+ p]; q &+= 1 }
                p &+= 1
            }
            jj &+= 16
        }
        if jj < w || w < width {
            var p = 0
            while p < kc {
                let row = dst + p &* width
                var q = jj
                while q < w { row[q] = b[(j &+ q) &* ldb &+ p0 &+ p]; q &+= 1 }
                while q < width { row[q] = 0; q &+= 1 }
                p &+= 1
            }
        }
    }

    /// Panel of op(B) = B: dst[p·width + jj] = b[(p0 + p)·ldb + j + jj].
    static func packRows(
        _ b: UnsafePointer<Float>, _ ldb: Int, p0: Int, kc: Int, j: Int, w: Int, width: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        var p = 0
        while p < kc {
            let src = b + ((p0 &+ p) &* ldb &+ j)
            let row = dst + p &* width
            var q = 0
            while q &+ 16 <= w { store16(load16(src + q), row + q); q &+= 16 }
            while q < w { row[q] = src[q]; q &+= 1 }
            while q < width { row[q] = 0; q &+= 1 }
            p &+= 1
        }
    }

    /// Reads a 16×16 block (row q at src + q·ls) and writes its transpose
    /// (row q at dst + q·ld).
    @inline(__always)
    static func transposeStore16(
        _ src: UnsafePointer<Float>, _ ls: Int, _ dst: UnsafeMutablePointer<Float>, _ ld: Int
    ) {
        var r0 = load16(src), r1 = load16(src + ls), r2 = load16(src + 2 &* ls), r3 = load16(src + 3 &* ls)
        var r4 = load16(src + 4 &* ls), r5 = load16(src + 5 &* ls), r6 = load16(src + 6 &* ls), r7 = load16(src + 7 &* ls)
        var r8 = load16(src + 8 &* ls), r9 = load16(src + 9 &* ls), r10 = load16(src + 10 &* ls), r11 = load16(src + 11 &* ls)
        var r12 = load16(src + 12 &* ls), r13 = load16(src + 13 &* ls), r14 = load16(src + 14 &* ls), r15 = load16(src + 15 &* ls)
        transpose16(&r0, &r1, &r2, &r3, &r4, &r5, &r6, &r7, &r8, &r9, &r10, &r11, &r12, &r13, &r14, &r15)
        store16(r0, dst); store16(r1, dst + ld); store16(r2, dst + 2 &* ld); store16(r3, dst + 3 &* ld)
        store16(r4, dst + 4 &* ld); store16(r5, dst + 5 &* ld); store16(r6, dst + 6 &* ld); store16(r7, dst + 7 &* ld)
        store16(r8, dst + 8 &* ld); store16(r9, dst + 9 &* ld); store16(r10, dst + 10 &* ld); store16(r11, dst + 11 &* ld)
        store16(r12, dst + 12 &* ld); store16(r13, dst + 13 &* ld); store16(r14, dst + 14 &* ld); store16(r15, dst + 15 &* ld)
    }
}
