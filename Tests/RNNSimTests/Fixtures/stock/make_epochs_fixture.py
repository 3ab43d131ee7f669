"""A short training run in PyTorch that `rnnscope train --epochs` must repeat:
nn.RNN(3, 8) → nn.Linear(8, 2) on 5 sequences [T 6, B 5], MSE over every step,
torch.optim.SGD(lr=0.1), 3 epochs of DataLoader(batch_size=2, shuffle=False,
drop_last=True) — 2 minibatches per epoch, the fifth sequence left out. Saves
the model and data as a user would, and the trained weights in float32.

Run from this directory: python3 make_epochs_fixture.py  (torch, safetensors)
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(12)
HERE = os.path.dirname(os.path.abspath(__file__))
T, B, I, H, O = 6, 5, 3, 8, 2
EPOCHS, BATCH, LR = 3, 2, 0.1


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(I, H)
        self.fc = nn.Linear(H, O)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


model = Net()
inputs, targets = torch.randn(T, B, I), torch.randn(T, B, O)
d = os.path.join(HERE, "epochs-sgd")
os.makedirs(d, exist_ok=True)
save_file(model.state_dict(), os.path.join(d, "model.safetensors"))
save_file({"inputs": inputs, "targets": targets}, os.path.join(d, "data.safetensors"))

# The sequences are the data's second axis: the loader takes them batch-first.
loader = DataLoader(TensorDataset(inputs.transpose(0, 1), targets.transpose(0, 1)), batch_size=BATCH, shuffle=False,
                    drop_last=True)
optimiser = torch.optim.SGD(model.parameters(), lr=LR)
losses = []
for _ in range(EPOCHS):
    for x, y in loader:
        optimiser.zero_grad()
        loss = ((model(x.transpose(0, 1)) - y.transpose(0, 1)) ** 2).mean()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
save_file({n: p.detach().contiguous() for n, p in model.state_dict().items()}, os.path.join(d, "trained.safetensors"))
with open(os.path.join(d, "expected.json"), "w") as f:
    json.dump({"losses": losses, "args": ["--epochs", str(EPOCHS), "--set", f"train.batch={BATCH}", "--set", "train.optimizer=sgd",
                                          "--set", f"train.lr={LR}", "--set", "train.momentum=0", "--loss", "mse-all"]}, f, indent=1)
print("epochs-sgd losses", losses)
