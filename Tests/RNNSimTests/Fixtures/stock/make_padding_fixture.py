"""nn.Embedding(padding_idx=0) and nn.CrossEntropyLoss's ignore_index=-100, as
PyTorch computes them: the fixture for rnnscope's --padding-idx and --ignore-index.

Sequences of different lengths padded with token 0, whose padded steps have
target -100: the loss is the mean over the other targets, and the
embedding's row 0 gets no gradient. Records in float64 the loss, every
parameter's gradient under its own name, and ||dL/dh_t|| for every step
(Frobenius over the batch), as make_fixtures.py does.

Run from this directory: python3 make_padding_fixture.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(20)
HERE = os.path.dirname(os.path.abspath(__file__))
T, B, V, I, H = 10, 4, 7, 5, 8


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, I, padding_idx=0)
        self.rnn = nn.RNN(I, H)
        self.decoder = nn.Linear(H, V)


model = LM()
lengths = [10, 7, 4, 9]
tokens = torch.randint(1, V, (T, B))
targets = torch.randint(0, V, (T, B))
# Two sequences padded at the end, two at the start (where the padding's
# embedding reaches scored steps through the recurrence: without padding_idx
# its row would get a gradient).
for b, n in enumerate(lengths):
    pad = slice(n, T) if b % 2 == 0 else slice(0, T - n)
    tokens[pad, b] = 0
    targets[pad, b] = -100

d = os.path.join(HERE, "padding-ignore")
os.makedirs(d, exist_ok=True)
save_file(model.state_dict(), os.path.join(d, "model.safetensors"))
save_file({"inputs": tokens, "targets": targets}, os.path.join(d, "data.safetensors"))

ref = model.double()
# nn.RNN itself, for the loss and the gradients.
out, _ = ref.rnn(ref.embedding(tokens))
loss = nn.CrossEntropyLoss()(ref.decoder(out).reshape(-1, V), targets.reshape(-1))
loss.backward()
grads = {n: p.grad.clone() for n, p in ref.named_parameters()}
assert grads["embedding.weight"][0].abs().max() == 0

# The same maths one step at a time, for ||dL/dh_t||.
ref.zero_grad()
x = ref.embedding(tokens)
h = torch.zeros(B, H, dtype=torch.float64)
states = []
for t in range(T):
    h = torch.tanh(x[t] @ ref.rnn.weight_ih_l0.T + ref.rnn.bias_ih_l0 + h @ ref.rnn.weight_hh_l0.T + ref.rnn.bias_hh_l0)
    h.retain_grad()
    states.append(h)
loss2 = nn.CrossEntropyLoss()(ref.decoder(torch.stack(states)).reshape(-1, V), targets.reshape(-1))
loss2.backward()
assert torch.allclose(loss, loss2, rtol=1e-12, atol=0)
for n, p in ref.named_parameters():
    assert torch.allclose(grads[n], p.grad, rtol=1e-10, atol=1e-14), n

norms = [float(s.grad.norm()) for s in states]
expected = {n: g.contiguous() for n, g in grads.items()}
expected["hidden_grad_norms_l0"] = torch.tensor(norms, dtype=torch.float64)
save_file(expected, os.path.join(d, "expected.safetensors"))
norm = torch.sqrt(sum((g ** 2).sum() for g in grads.values())).item()
with open(os.path.join(d, "expected.json"), "w") as f:
    json.dump({"loss": loss.item(), "grad_norm": norm, "clip_scale": 1.0, "hidden_grad_norms_l0": norms,
               "scored_targets": int((targets != -100).sum()),
               "args": {"loss": "xent-all", "truncate": 0, "clip": 0.0, "flags": ["--padding-idx", "0"]}}, f, indent=1)
print("padding-ignore loss", loss.item(), "grad norm", norm)
