"""The header and record objects of the stream, field for field as docs/stream.md names them."""
import math
import os
import sys
from typing import List, Optional

import torch
from torch import nn

from .layout import Layout, base_class, forward_overridden
from .unroll import HALF, Norms

VERSION = "0.2.0"


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def default_title(module: nn.Module, world_size: int, rank: int) -> str:
    title = f"{type(module).__name__}({module.extra_repr()})"
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] not in ("", "-c", "-") else ""
    if script:
        title += f" · {script}"
    if world_size > 1:
        title += f" · rank {rank} of {world_size}"
    return title


DIFFERENTIATED_TWICE = (
    "A gradient of the {name}'s outputs was itself differentiated (create_graph=True: a gradient penalty, double "
    "backprop): the loss then reaches h_t through that backward graph too, which these norms, from the gradients "
    "its outputs received (all of them, added), leave out.")


def inexact_sentences(module: nn.Module, layout: Layout, weight_dtype: torch.dtype, ran_dtype: torch.dtype,
                      training: bool, differentiated_twice: bool = False) -> List[str]:
    """One sentence for each reason the figures are not the recorded backward's own;
    `training`: the module's mode when the recorded forward ran."""
    out = []
    name = type(module).__name__
    if forward_overridden(module):
        base = base_class(module).__name__
        out.append(f"{name} overrides nn.{base}.forward: these norms are nn.{base}'s equations rerun on its weights, "
                   f"inputs and output gradients, its own only if its forward computes what nn.{base}'s does.")
    if differentiated_twice:
        out.append(DIFFERENTIATED_TWICE.format(name=name))
    if layout.dropout > 0 and layout.layers > 1 and training:
        out.append(f"{name}(dropout={layout.dropout:g}) in training mode drops units between its {layout.layers} layers "
                   "with masks that cannot be recovered: every row's norms and gate figures are computed without "
                   "that dropout, so they are not those of the backward that trained.")
    if weight_dtype in HALF:
        half = dtype_name(weight_dtype)
        out.append(f"The {name}'s weights are {half}: these norms are a float32 rerun from the same weights, inputs "
                   f"and output gradients, not the {half} arithmetic of its own backward, and differ from that by "
                   f"{half} rounding, most at the smallest norms.")
    if ran_dtype != weight_dtype:
        out.append(f"Under autocast the {name} ran in {dtype_name(ran_dtype)}: these norms are a "
                   f"{dtype_name(weight_dtype)} rerun from the same weights, inputs and output gradients, not the "
                   f"{dtype_name(ran_dtype)} arithmetic of its own backward, and differ from that by "
                   f"{dtype_name(ran_dtype)} rounding.")
    return out


def header(module, layout: Layout, *, title, steps, device, weight_dtype, ran_dtype, world_size, rank,
           every, control, inexact: List[str]) -> dict:
    dtype = dtype_name(weight_dtype)
    if ran_dtype != weight_dtype:
        dtype += f" (autocast {dtype_name(ran_dtype)})"
    fields = {
        "rnnscope": VERSION, "source": "pytorch", "title": title,
        "cell": layout.cell, "activation": layout.activation, "layers": layout.layers,
        "directions": layout.directions, "hidden": layout.hidden, "proj_size": layout.proj_size,
        "input_size": layout.input_size, "steps": steps, "rows": layout.rows,
        "device": str(device), "dtype": dtype, "world_size": world_size, "rank": rank, "every": every,
        "exact": not inexact, "inexact": inexact, "control": control,
        "batch_first": layout.batch_first,
    }
    if world_size > 1:
        fields["batch_note"] = (f"hidden_grad_norms are of rank {rank}'s own batch and loss (one of {world_size}); "
                                "grad_norm is of the gradient as the optimiser saw it, averaged over the ranks "
                                "by DistributedDataParallel")
    return fields


def clip_figures(clip) -> dict:
    """grad_norm and the clipping fields; `clip` is None when clip_grad_norm_ was not called."""
    if clip is None:
        return {"clip_scale": 1.0, "clipped": False, "clip_max_norm": 0.0}
    total, max_norm, two_norm = clip
    if math.isinf(max_norm):
        scale = 1.0
    else:
        # As torch.nn.utils.clip_grad_norm_ computes the factor, in the norm's own dtype.
        scale = torch.clamp(max_norm / (total.detach() + 1e-6), max=1.0).item()
    return {"grad_norm": float(two_norm), "clip_scale": scale, "clipped": scale < 1.0 or math.isnan(scale),
            "clip_max_norm": 0.0 if math.isinf(max_norm) else max_norm}


def record(iteration: int, loss: Optional[float], grad_norm: Optional[float], clip, layout: Layout,
           norms: Norms, spectrum, calls: int = 1, clip_seq: Optional[int] = None) -> dict:
    fields = {"iteration": iteration, "loss": loss, "grad_norm": grad_norm}
    if calls > 1:
        # The module ran several times with gradients (a siamese loss, accumulated micro-batches):
        # the norms are of its last call only, which the viewer says.
        fields["calls"] = calls
    fields.update(clip_figures(clip))
    if clip_seq is not None:
        # A loop the viewer steers: which of its clip settings this clipping followed.
        fields["clip_seq"] = clip_seq
    gn = fields["grad_norm"]
    fields["nonfinite"] = (gn is not None and not math.isfinite(gn)) or any(
        not math.isfinite(v) for row in norms.hidden for v in row)
    if spectrum is not None:
        rho, sigma = spectrum
        if rho is not None:
            fields["spectral_radius"] = rho[0]
            fields["spectral_radii"] = rho
        fields["sigma_max"] = sigma
    if norms.gate_mean is not None:
        fields.update(gate_mean=norms.gate_mean, gate_product=norms.gate_product, gate_saturation=norms.gate_saturation)
    fields["hidden_grad_norms"] = norms.hidden
    if norms.cell is not None:
        fields["cell_grad_norms"] = norms.cell
    return fields
