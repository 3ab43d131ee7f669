"""Sequences of different lengths, as pack_padded_sequence runs them, and as rnnscope takes them.

A 2-layer nn.LSTM → nn.Linear in float64 runs three sequences of lengths 9, 6
and 3 packed, scored with cross-entropy over their real steps. rnnscope has no
lengths: the same sequences padded, with the target -100 (ignore_index) at every
padded step, must give the same loss and gradients under xent-all, since the
padded steps come after every real one. The data file holds them padded; a
second one adds the `lengths` tensor a user would save, which rnnscope refuses,
saying what to do instead.

Run from this directory: python3 make_packed_fixture.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(41)
torch.set_default_dtype(torch.float64)
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packed")
os.makedirs(d, exist_ok=True)
T, B, I, H, C = 9, 3, 3, 5, 4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(I, H, num_layers=2)
        self.fc = nn.Linear(H, C)


net = Net()
lengths = torch.tensor([9, 6, 3])
x, y = torch.randn(T, B, I), torch.randint(0, C, (T, B))
for b, n in enumerate(lengths):
    x[n:, b] = 0
    y[n:, b] = -100
out, _ = net.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
out, _ = pad_packed_sequence(out, total_length=T)
loss = nn.functional.cross_entropy(net.fc(out).reshape(-1, C), y.reshape(-1), ignore_index=-100)
loss.backward()

save_file(net.state_dict(), os.path.join(d, "model.safetensors"))
save_file({"inputs": x, "targets": y}, os.path.join(d, "data.safetensors"))
save_file({"inputs": x, "targets": y, "lengths": lengths}, os.path.join(d, "data-lengths.safetensors"))
save_file({n: p.grad for n, p in net.named_parameters()}, os.path.join(d, "expected.safetensors"))
with open(os.path.join(d, "expected.json"), "w") as f:
    json.dump({"loss": loss.item()}, f, indent=1)
print("packed loss", loss.item())
