"""ρ(W_hh) and σ_max(W_hh) per row, in float64 on CPU copies."""
import math
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from .layout import Layout


def recurrent_matrices(layout: Layout, weights: Dict[str, Tensor]) -> List[Tensor]:
    return [weights["weight_hh" + layout.suffix(k, d)].detach().to("cpu", torch.float64)
            for k in range(layout.layers) for d in range(layout.directions)]


def largest_singular_value(w: Tensor) -> float:
    """√λ_max of the smaller Gram matrix: matrix_norm(w, ord=2) to ~1e-15, several times
    faster than its SVD for a gated cell's stacked [G·H, H] W_hh."""
    if not torch.isfinite(w).all():
        return math.nan  # a run that diverged: no spectrum, and LAPACK would raise
    gram = w.t() @ w if w.shape[0] >= w.shape[1] else w @ w.t()
    try:
        return torch.linalg.eigvalsh(gram)[-1].clamp(min=0).sqrt().item()
    except torch.linalg.LinAlgError:  # the Gram matrix too ill-conditioned (or overflowed): the SVD itself
        return torch.linalg.matrix_norm(w, ord=2).item()


def spectral_radius(w: Tensor) -> float:
    if not torch.isfinite(w).all():
        return math.nan
    return torch.linalg.eigvals(w).abs().max().item()


def spectrum(layout: Layout, weights: Dict[str, Tensor]) -> Tuple[Optional[List[float]], List[float]]:
    """(ρ per row, or None for gated cells, whose stacked W_hh is not square; σ_max per row)."""
    mats = recurrent_matrices(layout, weights)
    sigma = [largest_singular_value(w) for w in mats]
    if layout.cell != "rnn":
        return None, sigma
    rho = [spectral_radius(w) for w in mats]
    return rho, sigma
