"""Float64 models and data, as a user who trains in float64 (or saves NumPy arrays) saves them.

Each case builds a real nn.RNN, nn.LSTM or nn.GRU in float64 (its weights are
float64 values, not float32 ones widened), saves its state dict with
save_file(model.state_dict()) and a float64 batch, and records float64
autograd's loss, gradient norm, every parameter's gradient and ||dL/dh_t|| (and
||dL/dc_t||) of every layer and step. grads must give them to round-off: a
float32 rounding of the weights or the data on the way in is off by ~1e-7.

The per-step norms come from the same weights run step by step (retain_grad on
each h_t and c_t); the script asserts that this run gives the module's loss and
parameter gradients.

Run from this directory: python3 make_float64_fixtures.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(21)
torch.set_default_dtype(torch.float64)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "float64")
T, B, I, H, O = 7, 3, 3, 5, 2


class Net(nn.Module):
    def __init__(self, module, layers):
        super().__init__()
        self.rnn = module(I, H, num_layers=layers)
        self.fc = nn.Linear(H, O)


def unrolled(net, cell, x, h0, c0):
    """The modules' documented equations one step at a time, keeping every h_t and c_t."""
    rnn = net.rnn
    hs, cs, below = [], [], [x[t] for t in range(T)]
    for k in range(rnn.num_layers):
        wih, whh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
        bih, bhh = getattr(rnn, f"bias_ih_l{k}"), getattr(rnn, f"bias_hh_l{k}")
        h, c = h0[k], c0[k]
        layer_h, layer_c = [], []
        for t in range(T):
            gi, gh = below[t] @ wih.T + bih, h @ whh.T + bhh
            if cell == "lstm":
                i, f, g, o = (gi + gh).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                c.retain_grad()
                layer_c.append(c)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif cell == "gru":
                ir, iz, inn = gi.chunk(3, dim=1)
                hr, hz, hn = gh.chunk(3, dim=1)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                h = (1 - z) * torch.tanh(inn + r * hn) + z * h
            else:
                h = torch.tanh(gi + gh)
            h.retain_grad()
            layer_h.append(h)
        hs.append(layer_h)
        cs.append(layer_c)
        below = layer_h
    return net.fc(torch.stack(hs[-1])), hs, cs


def make(cell, module, layers):
    net = Net(module, layers)
    x, y = torch.randn(T, B, I), torch.randn(T, B, O)
    h0, c0 = torch.randn(layers, B, H), torch.randn(layers, B, H)
    d = os.path.join(HERE, cell)
    os.makedirs(d, exist_ok=True)
    save_file(net.state_dict(), os.path.join(d, "model.safetensors"))
    data = {"inputs": x, "targets": y, "h0": h0}
    if cell == "lstm":
        data["c0"] = c0
    save_file(data, os.path.join(d, "data.safetensors"))

    out, _ = net.rnn(x, (h0, c0) if cell == "lstm" else h0)
    loss = ((net.fc(out) - y) ** 2).mean()
    loss.backward()
    module_grads = {n: p.grad.clone() for n, p in net.named_parameters()}
    net.zero_grad()
    y2, hs, cs = unrolled(net, cell, x, h0, c0 if cell == "lstm" else torch.zeros_like(c0))
    loss2 = ((y2 - y) ** 2).mean()
    loss2.backward()
    assert torch.allclose(loss, loss2, rtol=1e-14, atol=0), cell
    for n, p in net.named_parameters():
        assert torch.allclose(module_grads[n], p.grad, rtol=1e-12, atol=1e-15), (cell, n)

    expected = {n: p.grad.detach().clone() for n, p in net.named_parameters()}
    norms = {}
    for kind, layers_ in (("hidden", hs), ("cell", cs)):
        for k, layer in enumerate(layers_):
            if layer:
                norms[f"{kind}_grad_norms_l{k}"] = [float(s.grad.norm()) for s in layer]
    for key, values in norms.items():
        expected[key] = torch.tensor(values)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    grad_norm = torch.sqrt(sum((g ** 2).sum() for g in module_grads.values())).item()
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"loss": loss.item(), "grad_norm": grad_norm, **norms}, f, indent=1)
    print(cell, "loss", loss.item(), "grad norm", grad_norm)


make("rnn", nn.RNN, 2)
make("lstm", nn.LSTM, 2)
make("gru", nn.GRU, 1)
