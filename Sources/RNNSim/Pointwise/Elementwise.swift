/// The per-step elementwise work of the forward and backward passes:
/// h = act(a) in place, ∂L/∂a = act'(h) ⊙ ∂L/∂h, ‖v‖₂, and sums of rows.
/// Float runs 16 lanes at a time with its own exp; other precisions use the
/// scalar definitions in `Activation`.
enum Elementwise {
    /// h = act(a), in place over n values.
    @inline(__always)
    static func activate<T: RNNFloat>(_ act: Activation, _ v: UnsafeMutablePointer<T>, _ n: Int) {
        if act == .linear { return }
        if T.self == Float.self {
            FloatElementwise.activate(act, UnsafeMutableRawPointer(v).assumingMemoryBound(to: Float.self), n)
        } else {
            for j in 0..<n { v[j] = act.apply(v[j]) }
        }
    }

    /// da = act'(a) ⊙ dh, with act' written in terms of the output h.
    @inline(__always)
    static func backprop<T: RNNFloat>(_ act: Activation, h: UnsafePointer<T>, dh: UnsafePointer<T>, da: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            FloatElementwise.backprop(act, h: UnsafeRawPointer(h).assumingMemoryBound(to: Float.self),
                                      dh: UnsafeRawPointer(dh).assumingMemoryBound(to: Float.self),
                                      da: UnsafeMutableRawPointer(da).assumingMemoryBound(to: Float.self), n)
        } else {
            for j in 0..<n { da[j] = act.derivative(output: h[j]) * dh[j] }
        }
    }

    /// sum[j] += Σ_r rows[r·width + j] for j < width, each sum taken row by row
    /// in order (16 lanes of Float at a time: a bias gradient, the sum of ∂L/∂a_t
    /// over steps; as scalar loops it was 3% of a batch-1 iteration at H 128).
    @inline(__always)
    static func addRows<T: RNNFloat>(_ rows: UnsafePointer<T>, count: Int, width: Int, into sum: UnsafeMutablePointer<T>) {
        if T.self == Float.self {
            FloatElementwise.addRows(UnsafeRawPointer(rows).assumingMemoryBound(to: Float.self), count: count, width: width,
                                     into: UnsafeMutableRawPointer(sum).assumingMemoryBound(to: Float.self))
        } else {
            for r in 0..<count { for j in 0..<width { sum[j] += rows[r * width + j] } }
        }
    }

    /// ‖v‖₂, with the squares summed in Double: float32 squares of a vanished
    /// gradient (‖v‖ ≈ 1e-25) would underflow to zero. Doubles are scaled by their
    /// largest |v_i| first: their own squares leave Double's range below 1e-154 and
    /// above 1e154, which `grads` on a gradient vanishing or exploding over many steps reaches.
    @inline(__always)
    static func norm<T: RNNFloat>(_ v: UnsafePointer<T>, _ n: Int) -> Double {
        if T.self == Float.self {
            return FloatElementwise.norm(UnsafeRawPointer(v).assumingMemoryBound(to: Float.self), n)
        }
        var top = 0.0
        for i in 0..<n {
            let a = abs(Double(v[i]))
            if a > top || a.isNaN { top = a }
            if top.isNaN { break }
        }
        // 0, Inf and NaN are what they are.
        let scale = top > 0 && top.isFinite ? top : 1
        var sum = 0.0
        for i in 0..<n { let x = Double(v[i]) / scale; sum += x * x }
        return scale * sum.squareRoot()
    }
}

enum FloatElementwise {
    typealias V = SIMD16<Float>

    static func activate(_ act: Activation, _ v: UnsafeMutablePointer<Float>, _ n: Int) {
        let raw = UnsafeMutableRawPointer(v)
        var i = 0
        while i + 16 <= n {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: apply(act, x), toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { v[i] = act.apply(v[i]); i += 1 }
    }

    static func backprop(_ act: Activation, h: UnsafePointer<Float>, dh: UnsafePointer<Float>, da: UnsafeMutablePointer<Float>, _ n: Int) {
        let hr = UnsafeRawPointer(h), dhr = UnsafeRawPointer(dh), dar = UnsafeMutableRawPointer(da)
        var i = 0
        while i + 16 <= n {
            let hv = hr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let g = dhr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let d: V
            switch act {
            case .tanh: d = 1 - hv * hv
            case .sigmoid: d = hv * (1 - hv)
            case .relu: d = V(repeating: 0).replacing(with: 1, where: hv .> 0)
            case .linear: d = V(repeating: 1)
            }
            dar.storeBytes(of: d * g, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { da[i] = act.derivative(output: h[i]) * dh[i]; i += 1 }
    }

    static func addRows(_ rows: UnsafePointer<Float>, count: Int, width: Int, into sum: UnsafeMutablePointer<Float>) {
        // Row by row, so that the rows stream in order and the sums stay in L1.
        let out = UnsafeMutableRawPointer(sum)
        for r in 0..<count {
            let row = UnsafeRawPointer(rows + r &* width)
            var j = 0
            while j + 16 <= width {
                let s = out.loadUnaligned(fromByteOffset: j * 4, as: V.self) + row.loadUnaligned(fromByteOffset: j * 4, as: V.self)
                out.storeBytes(of: s, toByteOffset: j * 4, as: V.self)
                j += 16
            }
            while j < width { sum[j] += rows[r &* width &+ j]; j += 1 }
        }
    }

    static func norm(_ v: UnsafePointer<Float>, _ n: Int) -> Double {
        let raw = UnsafeRawPointer(v)
        var acc = SIMD8<Double>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let x = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            acc.addProduct(x, x)
            i += 8
        }
        var sum = acc.sum()
        while i < n { let x = Double(v[i]); sum += x * x; i += 1 }
        return sum.squareRoot()
    }

    @inline(__always)
    static func apply(_ act: Activation, _ x: V) -> V {
        switch act {
        case .tanh: return tanh(x)
        case .sigmoid: return sigmoid(x)
        case .relu: return x.replacing(with: 0, where: x .< 0)  // keeps NaN
        case .linear: return x
        }
    }

    /// e^x to about 1 ulp (Cephes expf): x = n·ln2 + r, e^r by a degree-6
    /// polynomial, 2^n by building the exponent bits. Results below the smallest
    /// normal float flush to 0; NaN is restored by the callers.
    @_transparent  // inlined everywhere: called, a SIMD16 travels in four xmm registers and the body runs 4 lanes wide
    static func exp(_ x: V) -> V {
        let clamped = x.replacing(with: 88.3762626647949, where: x .> 88.3762626647949)
            .replacing(with: -87.3365447504, where: x .< -87.3365447504)
        // n = round(x / ln2) by adding 1.5·2²³: the sum's low mantissa bits are
        // then n + 127 (the magic constant carries the exponent bias), with no
        // float-to-int conversion, which Swift does not vectorise.
        let shifted = clamped * 1.44269504088896341 + 12583039  // 1.5·2²³ + 127
        let n = shifted - 12583039
        var r = clamped - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * r * r + r + 1
        // 2ⁿ: the biased exponent n + 127 moved from the low mantissa bits to the exponent field
        let bits = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &<< 23
        return (er * unsafeBitCast(bits, to: V.self)).replacing(with: 0, where: x .< -87.3365447504)
    }

    /// tanh to about 2 ulp: a Cephes polynomial near 0, 1 − 2/(e^{2|x|} + 1) elsewhere.
    @_transparent  // inlined everywhere: called, a SIMD16 travels in four xmm registers and the body runs 4 lanes wide
    static func tanh(_ x: V) -> V {
        let ax = x.replacing(with: -x, where: x .< 0)
        let z = x * x
        var p = V(repeating: -5.70498872745e-3)
        p = p * z + 2.06390887954e-2
        p = p * z - 5.37397155531e-2
        p = p * z + 1.33314422036e-1
        p = p * z - 3.33332819422e-1
        let small = p * z * x + x
        let e = exp(2 * ax.replacing(with: 44, where: ax .> 44))
        var large = 1 - 2 / (e + 1)
        large = large.replacing(with: -large, where: x .< 0)
        return small.replacing(with: large, where: ax .>= 0.625).replacing(with: x, where: x .!= x)
    }

    /// σ(x) = 1 / (1 + e^{−x}) for x ≥ 0 and e^x / (1 + e^x) below, so neither side overflows.
    @_transparent  // inlined everywhere: called, a SIMD16 travels in four xmm registers and the body runs 4 lanes wide
    static func sigmoid(_ x: V) -> V {
        let negative = x .< 0
        let e = exp(x.replacing(with: -x, where: .!negative).replacing(with: 0, where: x .!= x))  // e^{−|x|}
        let r = 1 / (1 + e)
        let s = r.replacing(with: e * r, where: negative)
        return s.replacing(with: x, where: x .!= x)
    }
}
