"""Loads weights rnnscope saved back into the PyTorch module the fixture came from.

    python3 load_trained.py CASE TRAINED.safetensors

CASE is lstm-fc-2layers (nn.LSTM(3, 8, num_layers=2) + fc = nn.Linear(8, 4)).
load_state_dict(..., strict=True) fails on any missing, unexpected or
misshapen tensor; the script then prints the model's mse-all loss on the
case's data before and after, as PyTorch computes it, one per line.
"""
import os
import sys

import torch.nn as nn
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
case, trained = sys.argv[1], sys.argv[2]
assert case == "lstm-fc-2layers", case

model = nn.Module()
model.lstm, model.fc = nn.LSTM(3, 8, num_layers=2), nn.Linear(8, 4)
data = load_file(os.path.join(HERE, case, "data.safetensors"))
for path in (os.path.join(HERE, case, "model.safetensors"), trained):
    model.load_state_dict(load_file(path), strict=True)
    out, _ = model.lstm(data["inputs"], (data["h0"], data["c0"]))
    print(((model.fc(out) - data["targets"]) ** 2).mean().item())
