"""Models whose weights are saved reparametrized, as weight_norm, spectral_norm and
torch.nn.utils.parametrize save them: as factors (weight_hh_l0_g and _v,
parametrizations.weight_hh_l0.original0 ...), not as the weight. rnnscope
refuses each in one line naming the weight and the call that saves it plain;
the script checks that this call gives a state dict of plain weights with the
same forward pass.

Run from this directory: python3 make_reparametrized_fixtures.py  (torch, safetensors)
"""
import os
import warnings

import torch
import torch.nn as nn
from safetensors.torch import save_file
from torch.nn.utils import parametrize, remove_weight_norm, weight_norm
from torch.nn.utils.parametrizations import spectral_norm as p_spectral_norm
from torch.nn.utils.parametrizations import weight_norm as p_weight_norm

warnings.filterwarnings("ignore", category=FutureWarning)  # the old weight_norm is deprecated, and still used
torch.manual_seed(31)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "refused")


class Net(nn.Module):
    def __init__(self, rnn, fc):
        super().__init__()
        self.rnn, self.fc = rnn, fc

    def forward(self, x):
        return self.fc(self.rnn(x)[0])


def make(name, net, module, weight, old=False):
    save_file(net.state_dict(), os.path.join(HERE, f"{name}.safetensors"))
    x = torch.randn(5, 2, 3)
    before = net(x)
    if old:
        remove_weight_norm(module, weight)
    else:
        parametrize.remove_parametrizations(module, weight)
    assert weight in dict(module.named_parameters()), name
    assert all("parametrizations" not in n and not n.endswith(("_g", "_v")) for n in net.state_dict()), name
    assert torch.allclose(before, net(x), atol=1e-6), name


net = Net(weight_norm(nn.RNN(3, 5), "weight_hh_l0"), nn.Linear(5, 2))
make("reparam-weight-norm-hh", net, net.rnn, "weight_hh_l0", old=True)
net = Net(p_weight_norm(nn.GRU(3, 5, num_layers=2), "weight_ih_l1"), nn.Linear(5, 2))
make("reparam-parametrize-ih-l1", net, net.rnn, "weight_ih_l1")
net = Net(p_spectral_norm(nn.LSTM(3, 5), "weight_hh_l0"), nn.Linear(5, 2))
net.eval()  # spectral_norm's power iteration runs in training mode only
make("reparam-spectral-norm-hh", net, net.rnn, "weight_hh_l0")
net = Net(nn.RNN(3, 5), p_weight_norm(nn.Linear(5, 2)))
make("reparam-head", net, net.fc, "weight")
