"""The exact ‖∂L/∂h_t‖: the module's layers rerun step by step, and autograd asked
for the total gradient reaching every h_t (and c_t) from the output gradients the
recorded backward delivered.

Everything above the module is summarised by those gradients: with
s = Σ ⟨output, ∂L/∂output⟩ + ⟨h_n, ∂L/∂h_n⟩ (+ ⟨c_n, ∂L/∂c_n⟩), ∂s/∂h_t = ∂L/∂h_t.
Only h0 and c0 require grad here, so no weight gradient is computed and the
user's .grad is never touched.
"""
import contextlib
import math
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .layout import Layout


@dataclass
class Inputs:
    """One forward call, in time-major packed form (a padded batch is a packed one
    whose batch sizes are all B). Rows of h0/c0 and grads are in sorted order."""
    data: Tensor               # [N, I]: the steps' inputs one after another
    batch_sizes: List[int]     # rows present at each step, non-increasing
    h0: Optional[Tensor]       # [L·D, B, H_out]
    c0: Optional[Tensor]       # [L·D, B, H]
    weights: Dict[str, Tensor]
    grad_output: Optional[Tensor]  # [N, D·H_out]
    grad_h_n: Optional[Tensor]     # [L·D, B, H_out]
    grad_c_n: Optional[Tensor]     # [L·D, B, H]


@dataclass
class Norms:
    hidden: List[List[float]]           # per row, t = 1…T
    cell: Optional[List[List[float]]]   # LSTM only
    gate_mean: Optional[List[float]]    # gated cells only
    gate_product: Optional[List[float]]
    gate_saturation: Optional[List[float]]


def gate_figures(gates: List[Tensor], batch: int):
    """The direct-path gate (LSTM f, GRU z) of one row, its values at the present rows
    of each step: (mean, mean over units and rows of Π_t, fraction < 0.05 or > 0.95)."""
    with torch.no_grad():
        flat = torch.cat([g.reshape(-1) for g in gates]).double()
        saturated = ((flat < 0.05) | (flat > 0.95)).double().mean()
        if all(g.shape[0] == batch for g in gates):
            product = torch.stack(gates).double().prod(0)
        else:  # packed: each sequence's product over its own steps
            product = torch.ones(batch, gates[0].shape[1], dtype=torch.float64, device=flat.device)
            for g in gates:
                product[: g.shape[0]] *= g.double()
        return torch.stack([flat.mean(), product.mean(), saturated])


def tanh(x: Tensor) -> Tensor:
    """tanh as 2σ(2x) − 1 (equal to rounding). torch.tanh goes through MKL's vector
    library, which opens a parallel region for anything above 2048 elements: on a busy
    machine each of those can wait a scheduler quantum (milliseconds) for its second
    thread, and the unroll makes hundreds of them. σ stays on one thread at these sizes."""
    return torch.sigmoid(2 * x).mul(2).sub(1)


# One step of each cell. `x_proj` already holds W_ih x_t + b_ih (and the parts of
# b_hh that are added outside any gate product); `w_hh_t` is W_hh transposed.
# Each returns (h_t, c_t or None, the direct-path gate or None).

def rnn_step(w, act, x_proj, h, c):
    return act(torch.addmm(x_proj, h, w["hh_t"])), None, None


def lstm_step(w, act, x_proj, h, c):
    # The g rows come doubled (direction_weights): σ of all four gates at once gives
    # s = σ(2·pre_g), and g = tanh(pre_g) = 2s − 1, so c' = f c + i g = f c − i + 2 i s.
    i, f, s, o = torch.sigmoid(torch.addmm(x_proj, h, w["hh_t"])).chunk(4, 1)
    c_new = torch.addcmul(f * c - i, i, s, value=2)
    h_new = o * tanh(c_new)
    if w["hr"] is not None:
        h_new = torch.mm(h_new, w["hr"].t())
    return h_new, c_new, f


def gru_step(w, act, x_proj, h, c):
    H = h.shape[1]
    gh = torch.addmm(w["b_hn_only"], h, w["hh_t"]) if w["b_hn_only"] is not None else torch.mm(h, w["hh_t"])
    r, z = torch.sigmoid(x_proj[:, :2 * H] + gh[:, :2 * H]).chunk(2, 1)
    n = tanh(torch.addcmul(x_proj[:, 2 * H:], r, gh[:, 2 * H:]))
    return torch.lerp(n, h, z), None, z   # (1 − z) n + z h


STEPS = {"rnn": rnn_step, "lstm": lstm_step, "gru": gru_step}


@dataclass
class Direction:
    """One layer and direction run over all steps."""
    hs: List[Tensor]             # h_t of the present rows, t = 0…T-1
    cs: Optional[List[Tensor]]
    h_n: Tensor                  # [B, H_out]: each sequence's last real step
    c_n: Optional[Tensor]
    gates: Optional[List[Tensor]]


def run_direction(layout: Layout, w: Dict[str, Tensor], x_steps: List[Tensor],
                  batch_sizes: List[int], h0: Tensor, c0: Optional[Tensor], reverse: bool) -> Direction:
    step = STEPS[layout.cell]
    act = torch.relu if layout.activation == "relu" else tanh
    T = len(batch_sizes)
    hs, cs, gates = [None] * T, [None] * T, [None] * T
    lstm = layout.cell == "lstm"
    finished_h, finished_c = [], []
    # Forward, rows drop out as their sequences end (kept aside: that is their h_n);
    # reverse, rows join at their last step, starting from their h0.
    b0 = batch_sizes[-1] if reverse else batch_sizes[0]
    h, c = h0[:b0], (c0[:b0] if lstm else None)
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        b = batch_sizes[t]
        if b > h.shape[0]:
            h = torch.cat([h, h0[h.shape[0]:b]])
            c = torch.cat([c, c0[c.shape[0]:b]]) if lstm else None
        elif b < h.shape[0]:
            finished_h.append(h[b:])
            h = h[:b]
            if lstm:
                finished_c.append(c[b:])
                c = c[:b]
        h, c, gates[t] = step(w, act, x_steps[t], h, c)
        hs[t], cs[t] = h, c
    h_n = torch.cat([h] + finished_h[::-1])
    c_n = torch.cat([c] + finished_c[::-1]) if lstm else None
    return Direction(hs, cs if lstm else None, h_n, c_n, gates if layout.cell != "rnn" else None)


def direction_weights(layout: Layout, weights: Dict[str, Tensor], suffix: str) -> Dict[str, Tensor]:
    """The weights of one layer and direction, arranged for the steps: b_hh joins b_ih
    where it is added outside a gate product (all of it but the GRU's b_hn)."""
    b_ih, b_hh = weights.get("bias_ih" + suffix), weights.get("bias_hh" + suffix)
    w_hh = weights["weight_hh" + suffix]
    w = {"ih": weights["weight_ih" + suffix], "hh_t": w_hh.t(), "hr": weights.get("weight_hr" + suffix),
         "bias": b_ih, "b_hn_only": None}
    if b_hh is not None and layout.cell == "gru":
        H = layout.hidden
        w["bias"] = torch.cat([b_ih[:2 * H] + b_hh[:2 * H], b_ih[2 * H:]])
        w["b_hn_only"] = torch.cat([torch.zeros_like(b_hh[:2 * H]), b_hh[2 * H:]])
    elif b_hh is not None:
        w["bias"] = b_ih + b_hh
    if layout.cell == "lstm":  # see lstm_step
        H = layout.hidden
        double_g = torch.ones(4 * H, 1, dtype=w_hh.dtype, device=w_hh.device)
        double_g[2 * H:3 * H] = 2
        w["ih"], w["hh_t"] = w["ih"] * double_g, (w_hh * double_g).t()
        w["bias"] = w["bias"] * double_g[:, 0] if w["bias"] is not None else None
    return w


def initial_states(layout: Layout, inp: Inputs, batch: int, dtype, device):
    """h0 and c0 as leaves that require grad: the graph the gradients flow through
    hangs from them (the weights and inputs stay detached)."""
    rows = layout.layers * layout.directions
    h0 = inp.h0 if inp.h0 is not None else torch.zeros(rows, batch, layout.out_size, dtype=dtype, device=device)
    h0 = h0.detach().to(dtype).requires_grad_(True)
    c0 = None
    if layout.cell == "lstm":
        c0 = inp.c0 if inp.c0 is not None else torch.zeros(rows, batch, layout.hidden, dtype=dtype, device=device)
        c0 = c0.detach().to(dtype).requires_grad_(True)
    return h0, c0


def run_layers(layout: Layout, data: Tensor, batch_sizes: List[int], weights: Dict[str, Tensor], h0, c0):
    """Every layer and direction, in row order, and the top layer's output [N, D·H_out]."""
    rows, layer_input = [], data
    for k in range(layout.layers):
        outputs = []
        for d in range(layout.directions):
            w = direction_weights(layout, weights, layout.suffix(k, d))
            # The input projection of all steps at once; only the recurrence is stepwise.
            x_steps = F.linear(layer_input, w["ih"], w["bias"]).split(batch_sizes)
            r = k * layout.directions + d
            run = run_direction(layout, w, x_steps, batch_sizes, h0[r], c0[r] if c0 is not None else None, d == 1)
            rows.append(run)
            outputs.append(torch.cat(run.hs))
        # Inter-layer dropout is not applied: its masks cannot be recovered (the header's inexact says so).
        layer_input = torch.cat(outputs, 1) if len(outputs) > 1 else outputs[0]
    return rows, layer_input


def pairing(rows: List[Direction], top_output: Tensor, inp: Inputs, dtype) -> Optional[Tensor]:
    """s = Σ ⟨outputs, their captured gradients⟩; None when no gradient arrived."""
    terms = []
    if inp.grad_output is not None:
        terms.append((top_output * inp.grad_output.to(dtype)).sum())
    if inp.grad_h_n is not None:
        terms.append((torch.stack([r.h_n for r in rows]) * inp.grad_h_n.to(dtype)).sum())
    if inp.grad_c_n is not None:
        terms.append((torch.stack([r.c_n for r in rows]) * inp.grad_c_n.to(dtype)).sum())
    return sum(terms) if terms else None


HALF = (torch.float16, torch.bfloat16)


def rerun_dtype(weight_dtype: torch.dtype) -> torch.dtype:
    """The weights' own precision, but float32 for half-precision weights: float16 holds
    nothing below 6e-8 and bfloat16 three digits, which would bury the vanishing steps."""
    return torch.float32 if weight_dtype in HALF else weight_dtype


def gradient_norms(layout: Layout, inp: Inputs, dtype: torch.dtype) -> Norms:
    """The exact per-step norms of one forward call, computed in `dtype`, or again in
    float64 when `dtype` could not hold one of them (see `held`)."""
    norms, all_held = norms_in(layout, inp, dtype)
    if not all_held and dtype != torch.float64:
        norms, _ = norms_in(layout, inp, torch.float64)
    return norms


def norm64(g: Tensor) -> Tensor:
    """‖g‖₂ in float64, as |g|_max · ‖g / |g|_max‖₂: the plain sum of squares underflows for
    norms below about 1e-154 (0 below 1e-162) and overflows above 1e154, which a gradient
    vanishing or exploding over many steps reaches. 0, Inf and NaN stay as they are."""
    g = g.detach().to(torch.float64)
    top = g.abs().max() if g.numel() else torch.zeros((), dtype=torch.float64, device=g.device)
    scale = torch.where((top > 0) & torch.isfinite(top), top, torch.ones_like(top))
    return scale * torch.linalg.vector_norm(g / scale)


def held(norm: float, elements: int, dtype: torch.dtype) -> bool:
    """Whether `dtype` holds a gradient of this norm to its own precision. Below its smallest
    normal number its spacing is tiny·eps at every magnitude: a vanishing gradient loses its
    digits there (float32 from about 1e-31, and is 0 below 1e-45) while the norm is nonzero.
    Zero itself is held: a step the loss does not reach is zero in any precision, and a
    gradient vanishing towards 0 passes through the range first."""
    info = torch.finfo(dtype)
    return norm == 0 or not norm < info.tiny / info.eps * math.sqrt(elements)


def norms_in(layout: Layout, inp: Inputs, dtype: torch.dtype):
    """(Norms computed in `dtype`, whether `dtype` held every one of them)."""
    device = inp.data.device
    weights = {n: w.detach().to(dtype) for n, w in inp.weights.items()}
    data = inp.data.detach().to(dtype)
    batch, steps = inp.batch_sizes[0], len(inp.batch_sizes)
    # Whatever mode scope.step() is called in, the rerun needs a graph in full precision.
    with torch.inference_mode(False), torch.enable_grad(), autocast_off(device):
        h0, c0 = initial_states(layout, inp, batch, dtype, device)
        rows, top = run_layers(layout, data, inp.batch_sizes, weights, h0, c0)
        s = pairing(rows, top, inp, dtype)
        targets = [h for r in rows for h in r.hs] + ([c for r in rows for c in r.cs] if c0 is not None else [])
        grads = torch.autograd.grad(s, targets, allow_unused=True) if s is not None else [None] * len(targets)
    # A step no gradient reached (allow_unused) has ∂L/∂h_t = 0.
    norms = torch.stack([norm64(g) if g is not None
                         else torch.zeros((), dtype=torch.float64, device=device) for g in grads]).tolist()
    all_held = all(held(v, h.numel(), dtype) for v, h in zip(norms, targets))
    n = len(rows)
    table = [norms[i * steps:(i + 1) * steps] for i in range(len(norms) // steps)]
    return Norms(table[:n], table[n:] if c0 is not None else None, *row_gate_figures(rows, batch)), all_held


def row_gate_figures(rows: List[Direction], batch: int):
    if rows[0].gates is None:
        return None, None, None
    stats = torch.stack([gate_figures(r.gates, batch) for r in rows]).tolist()
    return [s[0] for s in stats], [s[1] for s in stats], [s[2] for s in stats]


def autocast_off(device: torch.device):
    try:
        return torch.autocast(device_type=device.type, enabled=False)
    except RuntimeError:  # a device type autocast does not know: nothing to turn off
        return contextlib.nullcontext()
