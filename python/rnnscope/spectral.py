"""ρ(W_hh) and σ_max(W_hh) per row, in float64 on CPU copies."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from .layout import Layout


def recurrent_matrices(layout: Layout, weights: Dict[str, Tensor]) -> List[Tensor]:
    return [weights["weight_hh" + layout.suffix(k, d)].detach().to("cpu", torch.float64)
            for k in range(layout.layers) for d in range(layout.directions)]


def spectrum(layout: Layout, weights: Dict[str, Tensor]) -> Tuple[Optional[List[float]], List[float]]:
    """(ρ per row, or None for gated cells, whose stacked [G·H, H] W_hh is not square; σ_max per row)."""
    mats = recurrent_matrices(layout, weights)
    sigma = [torch.linalg.matrix_norm(w, ord=2).item() for w in mats]
    if layout.cell != "rnn":
        return None, sigma
    rho = [torch.linalg.eigvals(w).abs().max().item() for w in mats]
    return rho, sigma
