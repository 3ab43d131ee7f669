/// `nn.Embedding` in front of the first layer: token ids in, x_t = E[id_t] out
/// (the seed deck's `e_t = E x_t` with x_t one-hot). Its backward is the same
/// lookup run the other way: each row of ∂L/∂x_t is added to the row of ∂L/∂E
/// its token picked.
enum Embedding {
    /// x[r] = E[tokens[r]] for every (t, b) row r; E is [V, I], x is [rows, I].
    static func forward<T: RNNFloat>(_ e: UnsafePointer<T>, width I: Int, tokens: UnsafePointer<Int32>, rows: Int,
                                     into x: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            (x + r * I).update(from: e + Int(tokens[r]) * I, count: I)
        }
    }

    /// ∂L/∂E[tokens[r]] += ∂L/∂x[r] for the given rows (a token seen twice gets both).
    static func backward<T: RNNFloat>(_ dx: UnsafePointer<T>, width I: Int, tokens: UnsafePointer<Int32>, rows: Int,
                                      into de: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            let row = de + Int(tokens[r]) * I, d = dx + r * I
            for i in 0..<I { row[i] += d[i] }
        }
    }
}
