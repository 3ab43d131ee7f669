"""One-layer nn.RNN cases for the reference BPTT (ReferenceBPTT.swift): truncation,
h0 and the losses stock/ does not cover with one layer, answered by PyTorch
autograd in float64.

Each case builds a real nn.RNN and nn.Linear head in float64, runs it as a user
would train it with truncation K (nn.RNN over chunks of K steps from the detached
state of the chunk before), and records: the loss, the gradient of every
parameter under the module's own names, and ||dL/dh_t|| for every step
(Frobenius over the batch). nn.RNN does not expose h_t, so the same weights are
also run step by step (retain_grad on each h_t); the script asserts that this
gives nn.RNN's loss and gradients.

Run from this directory: python3 make_reference_fixtures.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(24)
torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


class Net(nn.Module):
    def __init__(self, I, H, O, nonlinearity):
        super().__init__()
        self.rnn = nn.RNN(I, H, nonlinearity=nonlinearity)
        self.head = nn.Linear(H, O)

    def forward(self, x, h0, truncate):
        """nn.RNN itself, chunk by chunk from a detached state."""
        K = truncate or x.shape[0]
        outs, h = [], h0
        for s in range(0, x.shape[0], K):
            out, h = self.rnn(x[s:s + K], h)
            outs.append(out)
            h = h.detach()
        return self.head(torch.cat(outs))


def unrolled(model, x, h0, truncate):
    """The same maths one step at a time, keeping every h_t."""
    rnn = model.rnn
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    h, states = h0[0], []
    for t in range(x.shape[0]):
        if truncate and t > 0 and t % truncate == 0:
            h = h.detach()
        h = act(x[t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
        h.retain_grad()
        states.append(h)
    return model.head(torch.stack(states)), states


def loss_of(y, targets, loss):
    if loss.endswith("-last"):
        y, targets = y[-1:], targets[-1:]
    if loss.startswith("mse"):
        return ((y - targets) ** 2).mean()
    return nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), targets.reshape(-1))


def make(name, I, H, O, T, B, nonlinearity, loss, truncate):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    model = Net(I, H, O, nonlinearity)
    x = torch.randn(T, B, I)
    targets = torch.randint(0, O, (T, B)) if loss.startswith("xent") else torch.randn(T, B, O)
    h0 = 0.5 * torch.randn(1, B, H)
    save_file(model.state_dict(), os.path.join(d, "model.safetensors"))
    save_file({"inputs": x, "targets": targets, "h0": h0}, os.path.join(d, "data.safetensors"))

    model.zero_grad()
    l = loss_of(model(x, h0, truncate), targets, loss)
    l.backward()
    module_grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    y, states = unrolled(model, x, h0, truncate)
    l2 = loss_of(y, targets, loss)
    l2.backward()
    assert torch.allclose(l, l2, rtol=1e-12, atol=0), (name, l.item(), l2.item())
    for n, p in model.named_parameters():
        assert torch.allclose(module_grads[n], p.grad, rtol=1e-10, atol=1e-14), (name, n)

    norms = [float(h.grad.norm()) for h in states]
    expected = {n: g.contiguous() for n, g in module_grads.items()}
    expected["hidden_grad_norms_l0"] = torch.tensor(norms)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    grad_norm = torch.sqrt(sum((g ** 2).sum() for g in module_grads.values())).item()
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"loss": l.item(), "grad_norm": grad_norm, "hidden_grad_norms_l0": norms,
                   "args": {"loss": loss, "truncate": truncate, "nonlinearity": nonlinearity}}, f, indent=1)
    print(name, "loss", l.item(), "grad norm", grad_norm)


make("tanh-xent-all-h0-truncate4", I=3, H=6, O=5, T=13, B=3, nonlinearity="tanh", loss="xent-all", truncate=4)
make("relu-mse-last-h0-truncate3", I=2, H=5, O=2, T=10, B=2, nonlinearity="relu", loss="mse-last", truncate=3)
make("tanh-xent-last-h0", I=4, H=7, O=3, T=9, B=4, nonlinearity="tanh", loss="xent-last", truncate=0)
make("tanh-mse-all-h0-truncate5", I=3, H=4, O=3, T=16, B=2, nonlinearity="tanh", loss="mse-all", truncate=5)
