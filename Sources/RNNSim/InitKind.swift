/// How W_hh (and the rest) start. The choice decides whether gradients vanish
/// or explode before training has done anything.
public enum InitKind: String, CaseIterable, Sendable, Codable {
    /// W_hh Gaussian, rescaled so that its spectral radius ρ is exactly `rho`.
    case spectral
    /// Glorot & Bengio 2010: uniform ±√(6 / (fan_in + fan_out)).
    case xavier
    /// W_hh a random orthogonal matrix times `rho` (Saxe et al. 2014): all singular values equal.
    case orthogonal
    /// IRNN (Le, Jaitly & Hinton 2015): W_hh = α·I, biases 0, W_ih ~ N(0, 0.001²).
    case identity
}
