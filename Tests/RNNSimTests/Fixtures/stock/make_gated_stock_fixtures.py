"""Stock nn.LSTM and nn.GRU models as users save them, with PyTorch autograd's answers.

The companion of make_fixtures.py for gated cells: each case builds a real
nn.LSTM or nn.GRU (with an nn.Linear head, optionally an nn.Embedding in
front), saves its state dict as a user would (save_file(model.state_dict())),
saves a batch (with h0, and c0 for the LSTM, when the case has them), and
records in float64 the loss, every parameter's gradient under the module's own
names (after clipping), ||dL/dh_t|| and, for the LSTM, ||dL/dc_t|| for every
layer and step (Frobenius over the batch).

The per-step norms come from the same weights run step by step (retain_grad on
each h_t and c_t); the script asserts this unrolled run gives the module's loss
and parameter gradients. It also writes two models rnnscope refuses: an LSTM
with proj_size and a bidirectional GRU.

Run from this directory: python3 make_gated_stock_fixtures.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(13)
HERE = os.path.dirname(os.path.abspath(__file__))


class Net(nn.Module):
    """One nn.LSTM or nn.GRU, one nn.Linear head, optionally an nn.Embedding in front."""

    def __init__(self, cell, rnn_name, head_name, I, H, O, layers, bias=True, batch_first=False, vocab=None):
        super().__init__()
        self.cell, self.rnn_name, self.head_name = cell, rnn_name, head_name
        self.embedding = nn.Embedding(vocab, I) if vocab else None
        module = nn.LSTM if cell == "lstm" else nn.GRU
        setattr(self, rnn_name, module(I, H, num_layers=layers, bias=bias, batch_first=batch_first))
        setattr(self, head_name, nn.Linear(H, O))

    def the_rnn(self):
        return getattr(self, self.rnn_name)

    def forward(self, x, state=None, truncate=0):
        """The module itself; with truncation, chunk by chunk from a detached state."""
        if self.embedding is not None:
            x = self.embedding(x)
        rnn = self.the_rnn()
        tdim = 1 if rnn.batch_first else 0
        T = x.shape[tdim]
        K = truncate or T
        outs = []
        for s in range(0, T, K):
            out, state = rnn(x.narrow(tdim, s, min(K, T - s)), state)
            outs.append(out)
            state = tuple(t.detach() for t in state) if isinstance(state, tuple) else state.detach()
        return getattr(self, self.head_name)(torch.cat(outs, dim=tdim))


def unrolled(model, x, h0, c0, truncate):
    """nn.LSTM's and nn.GRU's documented equations one step at a time, keeping every h_t and c_t."""
    rnn = model.the_rnn()
    if model.embedding is not None:
        x = model.embedding(x)
    if rnn.batch_first:
        x = x.transpose(0, 1)
    T, B, H = x.shape[0], x.shape[1], rnn.hidden_size
    hs, cs, below = [], [], [x[t] for t in range(T)]
    for k in range(rnn.num_layers):
        wih, whh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
        bih = getattr(rnn, f"bias_ih_l{k}") if rnn.bias else torch.zeros(wih.shape[0], dtype=x.dtype)
        bhh = getattr(rnn, f"bias_hh_l{k}") if rnn.bias else torch.zeros(wih.shape[0], dtype=x.dtype)
        h = h0[k] if h0 is not None else torch.zeros(B, H, dtype=x.dtype)
        c = c0[k] if c0 is not None else torch.zeros(B, H, dtype=x.dtype)
        layer_h, layer_c = [], []
        for t in range(T):
            if truncate and t > 0 and t % truncate == 0:
                h, c = h.detach(), c.detach()
            gi, gh = below[t] @ wih.T + bih, h @ whh.T + bhh
            if model.cell == "lstm":
                i, f, g, o = (gi + gh).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                c.retain_grad()
                layer_c.append(c)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                ir, iz, inn = gi.chunk(3, dim=1)
                hr, hz, hn = gh.chunk(3, dim=1)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                n = torch.tanh(inn + r * hn)
                h = (1 - z) * n + z * h
            h.retain_grad()
            layer_h.append(h)
        hs.append(layer_h)
        cs.append(layer_c)
        below = layer_h
    y = getattr(model, model.head_name)(torch.stack(hs[-1]))
    return (y.transpose(0, 1) if rnn.batch_first else y), hs, cs


def loss_of(y, targets, loss, batch_first):
    if batch_first:
        y, targets = y.transpose(0, 1), targets.transpose(0, 1)
    if loss.endswith("-last"):
        y, targets = y[-1:], targets[-1:]
    if loss.startswith("mse"):
        return ((y - targets) ** 2).mean()
    return nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), targets.reshape(-1))


def make(name, model, inputs, targets, loss, h0=None, c0=None, truncate=0, clip=0.0, flags=None):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    save_file(model.state_dict(), os.path.join(d, "model.safetensors"))
    data = {"inputs": inputs, "targets": targets}
    if h0 is not None:
        data["h0"] = h0
    if c0 is not None:
        data["c0"] = c0
    save_file(data, os.path.join(d, "data.safetensors"))

    # float64 from here on, from the values as saved
    ref = model.double()
    x = inputs if not inputs.is_floating_point() else inputs.double()
    tg = targets.double() if targets.is_floating_point() else targets
    h = h0.double() if h0 is not None else None
    c = c0.double() if c0 is not None else None
    if model.cell == "lstm":
        B, H = (x.shape[0] if ref.the_rnn().batch_first else x.shape[1]), ref.the_rnn().hidden_size
        zeros = torch.zeros(ref.the_rnn().num_layers, B, H, dtype=torch.float64)
        state = None if h is None and c is None else (h if h is not None else zeros, c if c is not None else zeros)
    else:
        state = h
    batch_first = ref.the_rnn().batch_first

    ref.zero_grad()
    l = loss_of(ref(x, state, truncate), tg, loss, batch_first)
    l.backward()
    module_grads = {n: p.grad.clone() for n, p in ref.named_parameters()}

    ref.zero_grad()
    y, hs, cs = unrolled(ref, x, h, c, truncate)
    l2 = loss_of(y, tg, loss, batch_first)
    l2.backward()
    assert torch.allclose(l, l2, rtol=1e-12, atol=0), (name, l.item(), l2.item())
    for n, p in ref.named_parameters():
        assert torch.allclose(module_grads[n], p.grad, rtol=1e-9, atol=1e-13), (name, n)

    params = list(ref.parameters())
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params)).item()
    scale = 1.0
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(params, clip)
        scale = min(1.0, clip / (norm + 1e-6))
    expected = {n: p.grad.detach().clone().contiguous() for n, p in ref.named_parameters()}
    norms = {}
    for kind, layers in (("hidden", hs), ("cell", cs)):
        for k, layer in enumerate(layers):
            if layer:
                key = f"{kind}_grad_norms_l{k}"
                norms[key] = [float(s.grad.norm()) for s in layer]
                expected[key] = torch.tensor(norms[key], dtype=torch.float64)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    out = {"loss": l.item(), "grad_norm": norm, "clip_scale": scale, **norms,
           "args": {"loss": loss, "truncate": truncate, "clip": clip, "flags": flags or []}}
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(name, "loss", l.item(), "grad norm", norm)


T, B = 12, 3

# A 2-layer nn.LSTM with an `fc` head, started from h0 and c0.
make("lstm-fc-2layers", Net("lstm", "lstm", "fc", 3, 8, 4, layers=2),
     torch.randn(T, B, 3), torch.randn(T, B, 4), "mse-last", h0=torch.randn(2, B, 8), c0=torch.randn(2, B, 8))

# nn.GRU(bias=False) under `encoder`, a `head`, every step scored, clipped.
make("gru-nobias", Net("gru", "encoder", "head", 3, 8, 2, layers=1, bias=False),
     torch.randn(T, B, 3), torch.randn(T, B, 2), "mse-all", clip=0.05)

# Embedding -> nn.LSTM(batch_first=True) -> Linear, class ids, truncation every 4 steps; --cell given.
make("lstm-embedding-batch-first", Net("lstm", "rnn", "decoder", 5, 8, 7, layers=1, batch_first=True, vocab=7),
     torch.randint(0, 7, (B, T)), torch.randint(0, 7, (B, T)), "xent-all", truncate=4,
     flags=["--batch-first", "--cell", "lstm"])

# A 2-layer nn.GRU from h0, scored at the last step with cross-entropy.
make("gru-2layers-h0", Net("gru", "rnn", "out", 3, 8, 5, layers=2),
     torch.randn(T, B, 3), torch.randint(0, 5, (T, B)), "xent-last", h0=torch.randn(2, B, 8))

# What rnnscope refuses, in one line each.
refused = os.path.join(HERE, "refused")
os.makedirs(refused, exist_ok=True)
proj = nn.Module()
proj.lstm, proj.fc = nn.LSTM(3, 8, proj_size=4), nn.Linear(4, 2)
save_file(proj.state_dict(), os.path.join(refused, "lstm-proj.safetensors"))
bi = nn.Module()
bi.gru, bi.fc = nn.GRU(3, 8, bidirectional=True), nn.Linear(16, 2)
save_file(bi.state_dict(), os.path.join(refused, "gru-bidirectional.safetensors"))
