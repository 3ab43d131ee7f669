#!/usr/bin/env python3
"""Your own model: `rnnscope train --model … --headless` against the plain
PyTorch loop a practitioner writes for it, on the same model and data, back to
back.

Two stock models, made here with torch and saved as users save them
(save_file(model.state_dict())), with their data:

  lstm  nn.LSTM(32, 256) → nn.Linear(256, 8), T 100, MSE on every step
  gru   nn.Embedding(65, 64) → nn.GRU(64, 512) → nn.Linear(512, 65), T 128,
        cross-entropy on every step (a character model's shape)

Both train with SGD (lr 0.01), batch 32, global-norm clipping at 1.0, taken in
order (`--epochs`, as DataLoader(shuffle=False)). PyTorch runs eager
`nn.LSTM` / `nn.GRU` (its fused kernels) with 1 and with 2 threads, the best
of the two counted; rnnscope records ‖∂L/∂h_t‖ of every step as always.
ms per iteration is the slope between a short and a long run of each (so
neither side's start-up is counted). Needs torch and safetensors, and a
release build (`swift build -c release`).

  python3 Benchmarks/own_model.py [--repeats 3] [--keep DIR]
"""
import argparse, json, os, subprocess, sys, tempfile, time

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, LR, CLIP = 32, 0.01, 1.0


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(32, 256)
        self.fc = nn.Linear(256, 8)

    def forward(self, x):
        return self.fc(self.lstm(x)[0])


class CharGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(65, 64)
        self.gru = nn.GRU(64, 512)
        self.fc = nn.Linear(512, 65)

    def forward(self, x):
        return self.fc(self.gru(self.embed(x))[0])


def make(name, folder, sequences):
    """The model and its data, saved as a user saves them; returns (model, inputs, targets, loss)."""
    torch.manual_seed(0)
    if name == "lstm":
        model, T = LSTMNet(), 100
        x, y = torch.randn(T, sequences, 32), torch.randn(T, sequences, 8)
        loss = lambda out, y: nn.functional.mse_loss(out, y)
    else:
        model, T = CharGRU(), 128
        x, y = torch.randint(0, 65, (T, sequences)), torch.randint(0, 65, (T, sequences))
        loss = lambda out, y: nn.functional.cross_entropy(out.reshape(-1, 65), y.reshape(-1))
    save_file(model.state_dict(), os.path.join(folder, f"{name}.safetensors"))
    save_file({"inputs": x, "targets": y}, os.path.join(folder, f"{name}-data.safetensors"))
    return model, x, y, loss


def torch_seconds(model, x, y, loss_fn, epochs, threads):
    """Wall time of `epochs` passes of the plain loop, batches in order."""
    torch.set_num_threads(threads)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    batches = x.shape[1] // BATCH
    start = time.perf_counter()
    for _ in range(epochs):
        for b in range(batches):
            xb, yb = x[:, b * BATCH:(b + 1) * BATCH], y[:, b * BATCH:(b + 1) * BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
    return time.perf_counter() - start


def rnnscope_seconds(binary, name, folder, epochs):
    model = os.path.join(folder, f"{name}.safetensors")
    data = os.path.join(folder, f"{name}-data.safetensors")
    start = time.perf_counter()
    subprocess.run([binary, "train", "--model", model, "--data", data, "--headless", "--epochs", str(epochs),
                    "--set", f"train.batch={BATCH}", "--set", "train.optimizer=sgd", "--set", f"train.lr={LR}",
                    "--set", f"train.clip={CLIP}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def slope(run, short, long_, iterations_per_epoch, repeats):
    """ms per iteration: (best long − best short) / the iterations between them."""
    s = min(run(short) for _ in range(repeats))
    l = min(run(long_) for _ in range(repeats))
    return (l - s) / ((long_ - short) * iterations_per_epoch) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of each length, the fastest counted")
    ap.add_argument("--keep", help="write the models and data here (default: a temporary folder)")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "rnnscope"))
    a = ap.parse_args()
    if not os.access(a.binary, os.X_OK):
        sys.exit(f"no rnnscope binary at {a.binary}: swift build -c release")
    sequences = BATCH * 8  # 8 iterations per epoch
    folder = a.keep or tempfile.mkdtemp(prefix="rnnscope-own-model-")
    os.makedirs(folder, exist_ok=True)
    print(f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}, load {os.getloadavg()[0]:.2f}")
    print("| model | rnnscope ms/it | PyTorch ms/it (1 thread, 2 threads) | ratio |")
    print("|---|---|---|---|")
    for name in ["lstm", "gru"]:
        model, x, y, loss_fn = make(name, folder, sequences)
        per_epoch = sequences // BATCH
        ours = slope(lambda e: rnnscope_seconds(a.binary, name, folder, e), 1, 4, per_epoch, a.repeats)
        theirs = {t: slope(lambda e: torch_seconds(model, x, y, loss_fn, e, t), 1, 4, per_epoch, a.repeats)
                  for t in (1, 2)}
        best = min(theirs.values())
        label = "nn.LSTM I 32, H 256, T 100" if name == "lstm" else "Embedding → nn.GRU H 512, T 128, vocabulary 65"
        print(f"| {label} | {ours:.1f} | {best:.1f} ({theirs[1]:.1f}, {theirs[2]:.1f}) | {best / ours:.2f}× |",
              flush=True)


if __name__ == "__main__":
    main()
