#!/usr/bin/env python3
"""Reference gradients for the gated cells from real torch.nn.LSTM / torch.nn.GRU.

  pip install torch safetensors
  python3 make_gated_fixtures.py        # rewrites the gated-* folders beside this script

Each case: a real nn.LSTM or nn.GRU module (float64, weights rounded to F32 so
that the Swift side reads exactly the same numbers), a linear readout, loss,
autograd. The loss and every parameter gradient come from the real
multi-layer module, run chunk by chunk with the state detached between chunks
when truncating. ‖∂L/∂h_t‖ for every layer and step comes from single-layer
copies of the real module stepped one step at a time, with retain_grad on
each h_t. ‖∂L/∂c_t‖ (the total gradient reaching c_t, from h_t and from
c_{t+1}) needs c_t before the cell uses it, which a fused module never shows:
it comes from an unroll of the documented equations, which the script checks
against the real module (loss, gradients, ‖∂L/∂h_t‖ to 1e-10) before writing.
"""
import os
import torch
from fixture_case import close, loss_of, write_case

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, cell, layers, bias, loss, truncate, clip, initial state
    ("gated-lstm-mse-last", "lstm", 1, True, "mse-last", 0, 0.0, False),
    ("gated-lstm-xent-all-2layers-truncate4-clip", "lstm", 2, True, "xent-all", 4, 0.05, False),
    ("gated-lstm-nobias-mse-all-h0c0", "lstm", 1, False, "mse-all", 0, 0.0, True),
    ("gated-lstm-2layers-xent-last-h0c0-truncate3", "lstm", 2, True, "xent-last", 3, 0.0, True),
    ("gated-gru-mse-last", "gru", 1, True, "mse-last", 0, 0.0, False),
    ("gated-gru-xent-all-2layers-truncate4-clip", "gru", 2, True, "xent-all", 4, 0.05, False),
    ("gated-gru-nobias-mse-all-h0", "gru", 1, False, "mse-all", 0, 0.0, True),
    ("gated-gru-2layers-nobias-mse-all-h0-truncate3", "gru", 2, False, "mse-all", 3, 0.0, True),
]
I, H, O, T, B = 3, 5, 4, 11, 3


def chunks(truncate):
    k = truncate or T
    return [(s, min(s + k, T)) for s in range(0, T, k)]


def real_module(cell, layers, bias, state, readout, x, tgt, loss):
    """Loss and parameter gradients from the real multi-layer module."""
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    net = mod(I, H, num_layers=layers, bias=bias).double()
    with torch.no_grad():
        for k, v in net.named_parameters():
            v.copy_(state[k])
    h = state["h0"].clone() if "h0" in state else torch.zeros(layers, B, H, dtype=torch.float64)
    c = state["c0"].clone() if "c0" in state else torch.zeros(layers, B, H, dtype=torch.float64)
    outs = []
    for s, e in chunks(TRUNC):
        out, hn = net(x[s:e], (h, c) if cell == "lstm" else h)
        outs.append(out)
        if cell == "lstm":
            h, c = hn[0].detach(), hn[1].detach()
        else:
            h = hn.detach()
    y = readout(torch.cat(outs))
    L = loss_of(y, tgt, loss)
    params = dict(net.named_parameters()) | {"readout.weight": readout.weight, "readout.bias": readout.bias}
    grads = torch.autograd.grad(L, list(params.values()))
    return L, dict(zip(params.keys(), grads))


def stepped_modules(cell, layers, bias, state, readout, x, tgt, loss):
    """‖∂L/∂h_t‖ from single-layer copies of the real module, one step at a time."""
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    nets = []
    for k in range(layers):
        n = mod(I if k == 0 else H, H, num_layers=1, bias=bias).double()
        with torch.no_grad():
            for name, v in n.named_parameters():
                v.copy_(state[name.replace("_l0", f"_l{k}")])
        nets.append(n)
    h = [state["h0"][k] if "h0" in state else torch.zeros(B, H, dtype=torch.float64) for k in range(layers)]
    c = [state["c0"][k] if "c0" in state else torch.zeros(B, H, dtype=torch.float64) for k in range(layers)]
    hs = [[] for _ in range(layers)]
    for t in range(T):
        if TRUNC and t > 0 and t % TRUNC == 0:
            h = [v.detach() for v in h]
            c = [v.detach() for v in c]
        inp = x[t]
        for k in range(layers):
            if cell == "lstm":
                out, (hn, cn) = nets[k](inp[None], (h[k][None], c[k][None]))
                c[k] = cn[0]
            else:
                out, hn = nets[k](inp[None], h[k][None])
            ht = out[0]
            ht.retain_grad()
            hs[k].append(ht)
            h[k] = ht
            inp = ht
    y = readout(torch.stack(hs[-1]))
    L = loss_of(y, tgt, loss)
    L.backward()
    return L, [[float(v.grad.norm()) for v in hs[k]] for k in range(layers)]


def equations(cell, layers, bias, state, readout, x, tgt, loss):
    """The documented equations unrolled: loss, gradients, ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖."""
    P = {k: v.clone().requires_grad_(True) for k, v in state.items() if k not in ("h0", "c0")}
    h = [state["h0"][k] if "h0" in state else torch.zeros(B, H, dtype=torch.float64) for k in range(layers)]
    c = [state["c0"][k] if "c0" in state else torch.zeros(B, H, dtype=torch.float64) for k in range(layers)]
    hs = [[] for _ in range(layers)]
    cs = [[] for _ in range(layers)]
    for t in range(T):
        if TRUNC and t > 0 and t % TRUNC == 0:
            h = [v.detach() for v in h]
            c = [v.detach() for v in c]
        inp = x[t]
        for k in range(layers):
            gx = inp @ P[f"weight_ih_l{k}"].T + (P[f"bias_ih_l{k}"] if bias else 0)
            gh = h[k] @ P[f"weight_hh_l{k}"].T + (P[f"bias_hh_l{k}"] if bias else 0)
            if cell == "lstm":
                i, f, g, o = (gx + gh).chunk(4, dim=1)
                ct = torch.sigmoid(f) * c[k] + torch.sigmoid(i) * torch.tanh(g)
                ct.retain_grad()
                cs[k].append(ct)
                ht = torch.sigmoid(o) * torch.tanh(ct)
                c[k] = ct
            else:
                xr, xz, xn = gx.chunk(3, dim=1)
                hr, hz, hn = gh.chunk(3, dim=1)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                ht = (1 - z) * torch.tanh(xn + r * hn) + z * h[k]
            ht.retain_grad()
            hs[k].append(ht)
            h[k] = ht
            inp = ht
    y = readout(torch.stack(hs[-1]))
    L = loss_of(y, tgt, loss)
    readout.zero_grad()
    L.backward()
    grads = {n: v.grad for n, v in P.items()} | {"readout.weight": readout.weight.grad, "readout.bias": readout.bias.grad}
    hn = [[float(v.grad.norm()) for v in hs[k]] for k in range(layers)]
    cn = [[float(v.grad.norm()) for v in cs[k]] for k in range(layers)] if cell == "lstm" else None
    return L, grads, hn, cn


for name, cell, layers, bias, loss, TRUNC, clip, initial in CASES:
    G = {"lstm": 4, "gru": 3}[cell]
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    # The module's own initialisation (U(±1/√H)), scaled up so that the gates
    # are far from their linear range, then rounded to F32.
    proto = mod(I, H, num_layers=layers, bias=bias)
    state = {k: (v.detach() * 2.5).float().double() for k, v in proto.state_dict().items()}
    readout = torch.nn.Linear(H, O).double()
    with torch.no_grad():
        readout.weight.copy_(readout.weight.float().double() * 2)
        readout.bias.copy_(readout.bias.float().double())
    if initial:
        state["h0"] = (torch.randn(layers, B, H) * 0.5).double()
        if cell == "lstm":
            state["c0"] = (torch.randn(layers, B, H) * 0.5).double()
    x = torch.randn(T, B, I).double()
    tgt = torch.randint(0, O, (T, B)) if loss.startswith("xent") else torch.randn(T, B, O).double()

    L, grads = real_module(cell, layers, bias, state, readout, x, tgt, loss)
    L2, hnorms = stepped_modules(cell, layers, bias, state, readout, x, tgt, loss)
    L3, grads3, hnorms3, cnorms = equations(cell, layers, bias, state, readout, x, tgt, loss)
    close(L, L2, f"{name} loss (stepped)")
    close(L, L3, f"{name} loss (equations)")
    for k in grads:
        close(grads[k], grads3[k], f"{name} {k} (equations)")
    close(hnorms, hnorms3, f"{name} hidden norms (equations)")

    norm, scale = write_case(os.path.join(HERE, name), state, readout, x, tgt, loss, L, grads, hnorms,
                             metadata={"cell": cell}, cnorms=cnorms, clip=clip,
                             args={"cell": cell, "layers": layers, "bias": bias, "loss": loss, "truncate": TRUNC,
                                   "clip": clip, "initial_state": initial})
    print(f"{name}: loss {float(L.detach()):.6f}, ‖g‖ {norm:.4g}, clip scale {scale:.4g}")
