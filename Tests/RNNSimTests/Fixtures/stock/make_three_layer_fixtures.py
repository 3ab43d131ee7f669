"""Three-layer nn.RNN, nn.LSTM and nn.GRU models, saved as users save them.

Each is one recurrent module of 3 layers (so a layer has one before it and one
after it) under `rnn` with an nn.Linear head `fc`, saved with
save_file(model.state_dict()). The tests delete one tensor of a layer at a time
and expect it named as missing, never the rest of the layer taken for extra
modules. The nn.GRU is also saved with bias=False, whose layers have weights only.

Run from this directory: python3 make_three_layer_fixtures.py  (torch, safetensors)
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(17)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "three-layers")
os.makedirs(HERE, exist_ok=True)

I, H, O = 3, 4, 2
for name, module, bias in [("rnn", nn.RNN, True), ("lstm", nn.LSTM, True), ("gru", nn.GRU, True), ("gru-nobias", nn.GRU, False)]:
    model = nn.Module()
    model.rnn, model.fc = module(I, H, num_layers=3, bias=bias), nn.Linear(H, O)
    save_file(model.state_dict(), os.path.join(HERE, f"{name}.safetensors"))
