"""A minibatch whose every target is ignored, in a run PyTorch carries on with:
nn.GRU(3, 4) → nn.Linear(4, 5) on 4 sequences [T 5], cross-entropy on the last
step, the last two sequences' targets −100. torch.optim.Adam(lr=0.05), 2 epochs of
DataLoader(batch_size=2, shuffle=False, drop_last=True): the second minibatch of
each epoch scores nothing, so its loss is NaN (0/0) and every gradient 0, and
Adam still moves the weights on its first moment. Saves the model, data, losses
and trained weights.

Run from this directory: python3 make_unscored_fixture.py  (torch, safetensors)
"""
import json
import math
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(5)
HERE = os.path.dirname(os.path.abspath(__file__))
T, B, I, H, O = 5, 4, 3, 4, 5
EPOCHS, BATCH, LR = 2, 2, 0.05


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(I, H)
        self.fc = nn.Linear(H, O)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[-1])


model = Net()
inputs, targets = torch.randn(T, B, I), torch.randint(0, O, (B,))
targets[2:] = -100
d = os.path.join(HERE, "unscored-batch")
os.makedirs(d, exist_ok=True)
save_file(model.state_dict(), os.path.join(d, "model.safetensors"))
save_file({"inputs": inputs, "targets": targets}, os.path.join(d, "data.safetensors"))

optimiser = torch.optim.Adam(model.parameters(), lr=LR)
losses = []
for _ in range(EPOCHS):
    for k in range(B // BATCH):
        x, y = inputs[:, k * BATCH:(k + 1) * BATCH], targets[k * BATCH:(k + 1) * BATCH]
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y, ignore_index=-100)
        loss.backward()
        optimiser.step()
        losses.append(None if math.isnan(loss.item()) else loss.item())
save_file({n: p.detach().contiguous() for n, p in model.state_dict().items()}, os.path.join(d, "trained.safetensors"))
with open(os.path.join(d, "expected.json"), "w") as f:
    json.dump({"losses": losses, "args": ["--epochs", str(EPOCHS), "--set", f"train.batch={BATCH}", "--set", "train.optimizer=adam",
                                          "--set", f"train.lr={LR}", "--loss", "xent-last"]}, f, indent=1)
print("unscored-batch losses", losses)
