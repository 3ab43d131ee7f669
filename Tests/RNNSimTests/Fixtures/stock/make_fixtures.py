"""Stock PyTorch models as users save them, with PyTorch autograd's answers.

Each case builds a real module (nn.RNN + nn.Linear, optionally nn.Embedding),
saves its state dict exactly as a user would (safetensors.torch.save_file or
save_model, no renaming, no metadata), saves a batch, and records in float64:
the loss, the gradient of every parameter under the module's own names (after
clipping), and ||dL/dh_t|| for every layer and step (Frobenius over the batch).

Per-step norms need h_t of every layer, which nn.RNN does not expose, so the
same weights are also run step by step (retain_grad on each h_t); the script
asserts that this unrolled run gives nn.RNN's outputs and parameter gradients.

Run from this directory: python3 make_fixtures.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file, save_model

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))


class Net(nn.Module):
    """One nn.RNN, one nn.Linear head, optionally an nn.Embedding in front."""

    def __init__(self, rnn_name, head_name, I, H, O, layers, nonlinearity="tanh", bias=True,
                 batch_first=False, vocab=None):
        super().__init__()
        self.rnn_name, self.head_name = rnn_name, head_name
        self.embedding = nn.Embedding(vocab, I) if vocab else None
        setattr(self, rnn_name, nn.RNN(I, H, num_layers=layers, nonlinearity=nonlinearity, bias=bias,
                                       batch_first=batch_first))
        setattr(self, head_name, nn.Linear(H, O))

    def the_rnn(self):
        return getattr(self, self.rnn_name)

    def the_head(self):
        return getattr(self, self.head_name)

    def forward(self, x, h0=None, truncate=0):
        """nn.RNN itself; with truncation, run chunk by chunk from a detached state."""
        if self.embedding is not None:
            x = self.embedding(x)
        rnn = self.the_rnn()
        tdim = 1 if rnn.batch_first else 0
        T = x.shape[tdim]
        K = truncate or T
        outs, h = [], h0
        for s in range(0, T, K):
            chunk = x.narrow(tdim, s, min(K, T - s))
            out, h = rnn(chunk, h)
            outs.append(out)
            h = h.detach()
        return self.the_head()(torch.cat(outs, dim=tdim))


def unrolled(model, x, h0, truncate):
    """The same maths one step at a time, keeping every h_t (time-major)."""
    rnn = model.the_rnn()
    if model.embedding is not None:
        x = model.embedding(x)
    if rnn.batch_first:
        x = x.transpose(0, 1)
    T, B = x.shape[0], x.shape[1]
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    states, below = [], [x[t] for t in range(T)]
    for k in range(rnn.num_layers):
        wih, whh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
        h = h0[k] if h0 is not None else torch.zeros(B, rnn.hidden_size, dtype=x.dtype)
        layer = []
        for t in range(T):
            if truncate and t > 0 and t % truncate == 0:
                h = h.detach()
            a = below[t] @ wih.T + h @ whh.T
            if rnn.bias:
                a = a + getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}")
            h = act(a)
            h.retain_grad()
            layer.append(h)
        states.append(layer)
        below = layer
    y = model.the_head()(torch.stack(states[-1]))
    return (y.transpose(0, 1) if rnn.batch_first else y), states


def loss_of(y, targets, loss, batch_first):
    if batch_first:
        y, targets = y.transpose(0, 1), targets.transpose(0, 1)
    if loss.endswith("-last"):
        y, targets = y[-1:], targets[-1:]
    if loss.startswith("mse"):
        return ((y - targets) ** 2).mean()
    return nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), targets.reshape(-1))


def make(name, model, inputs, targets, loss, h0=None, truncate=0, clip=0.0, saver="save_file", wrap=None,
         flags=None, dtype=torch.float32):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    model = model.to(dtype)
    saved = wrap(model) if wrap else model
    path = os.path.join(d, "model.safetensors")
    if saver == "save_model":
        save_model(saved, path)
    else:
        save_file(saved.state_dict(), path)
    data = {"inputs": inputs, "targets": targets}
    if h0 is not None:
        data["h0"] = h0
    save_file(data, os.path.join(d, "data.safetensors"))

    # float64 from here on, from the values as saved
    ref = model.double()
    x = inputs if not inputs.is_floating_point() else inputs.double()
    tg = targets.double() if targets.is_floating_point() else targets
    h = h0.double() if h0 is not None else None
    batch_first = ref.the_rnn().batch_first

    ref.zero_grad()
    l = loss_of(ref(x, h, truncate), tg, loss, batch_first)
    l.backward()
    module_grads = {n: p.grad.clone() for n, p in ref.named_parameters()}

    ref.zero_grad()
    y, states = unrolled(ref, x, h, truncate)
    l2 = loss_of(y, tg, loss, batch_first)
    l2.backward()
    assert torch.allclose(l, l2, rtol=1e-12, atol=0), (name, l.item(), l2.item())
    for n, p in ref.named_parameters():
        assert torch.allclose(module_grads[n], p.grad, rtol=1e-10, atol=1e-14), (name, n)

    params = list(ref.parameters())
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params)).item()
    scale = 1.0
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(params, clip)
        scale = min(1.0, clip / (norm + 1e-6))
    prefix = "module." if wrap else ""
    expected = {prefix + n: p.grad.detach().clone().contiguous() for n, p in ref.named_parameters()}
    norms = {}
    for k, layer in enumerate(states):
        norms[f"hidden_grad_norms_l{k}"] = [float(s.grad.norm()) for s in layer]
        expected[f"hidden_grad_norms_l{k}"] = torch.tensor(norms[f"hidden_grad_norms_l{k}"], dtype=torch.float64)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    out = {"loss": l.item(), "grad_norm": norm, "clip_scale": scale, **norms,
           "args": {"loss": loss, "truncate": truncate, "clip": clip, "flags": flags or []}}
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(name, "loss", l.item(), "grad norm", norm)


T, B = 12, 3

# A 2-layer stock model with an `fc` head, saved as save_file(model.state_dict()).
make("fc-2layers", Net("rnn", "fc", 3, 8, 4, layers=2),
     torch.randn(T, B, 3), torch.randn(T, B, 4), "mse-last")

# nn.RNN(bias=False, nonlinearity="relu"): nothing in the file says relu.
make("nobias-relu", Net("rnn", "head", 3, 8, 2, layers=1, nonlinearity="relu", bias=False),
     torch.randn(T, B, 3), torch.randn(T, B, 2), "mse-all", clip=0.05, flags=["--nonlinearity", "relu"])

# batch_first=True: inputs [B, T, I], class targets [B, T].
make("batch-first", Net("rnn", "out", 3, 8, 4, layers=1, batch_first=True),
     torch.randn(B, T, 3), torch.randint(0, 4, (B, T)), "xent-last", flags=["--batch-first"])

# An `encoder` RNN started from h0, trained with truncation every 4 steps.
make("h0-truncate", Net("encoder", "decoder", 3, 8, 2, layers=2),
     torch.randn(T, B, 3), torch.randn(T, B, 2), "mse-all", h0=torch.randn(2, B, 8), truncate=4)

# Embedding -> RNN -> Linear language model, token ids in, cross-entropy at every step.
make("embedding-lm", Net("rnn", "decoder", 5, 8, 7, layers=1, vocab=7),
     torch.randint(0, 7, (T, B)), torch.randint(0, 7, (T, B)), "xent-all")

# nn.DataParallel's `module.` prefix, float64 weights, saved with safetensors.torch.save_model.
make("dataparallel", Net("rnn", "head", 3, 8, 2, layers=1),
     torch.randn(T, B, 3), torch.randn(T, B, 2), "mse-all", saver="save_model", wrap=nn.DataParallel,
     dtype=torch.float64)

# What torch.save writes: rnnscope refuses it and says how to save safetensors.
torch.save(Net("rnn", "fc", 3, 8, 4, layers=1).state_dict(), os.path.join(HERE, "model.pt"))
