"""Against the Swift side: `rnnscope grads --json` on the same stock model and batch
(computed there in double precision) gives the norms the package records (run here in
float64 from the same float32 values)."""
import json
import math
import os
import shutil
import subprocess

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import rnnscope
from helpers import strict_lines
from safetensors_file import save_file

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def binary():
    candidates = [os.environ.get("RNNSCOPE_BIN"), os.path.join(REPO, ".build", "release", "rnnscope"),
                  os.path.join(REPO, ".build", "debug", "rnnscope")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


BIN = binary()
pytestmark = pytest.mark.skipif(BIN is None, reason="no rnnscope binary: set RNNSCOPE_BIN or build it (swift build)")


class Stock(nn.Module):
    """[Embedding →] one recurrent module → nn.Linear, as `grads` reads a state dict."""

    def __init__(self, rnn, outputs, vocab=None):
        super().__init__()
        self.embed = nn.Embedding(vocab, rnn.input_size) if vocab else None
        self.rnn = rnn
        self.fc = nn.Linear(rnn.hidden_size, outputs)

    def forward(self, x, hx=None):
        out, _ = self.rnn(self.embed(x) if self.embed is not None else x, hx)
        return self.fc(out)


def lstm_mse_all_h0_c0():
    T, B = 9, 3
    model = Stock(nn.LSTM(4, 6, num_layers=2), 2)
    data = {"inputs": torch.randn(T, B, 4), "targets": torch.randn(T, B, 2),
            "h0": torch.randn(2, B, 6), "c0": torch.randn(2, B, 6)}
    return model, data, lambda y, d: F.mse_loss(y, d["targets"]), (data["h0"], data["c0"])


def embedding_gru_xent_all():
    T, B, V = 8, 4, 7
    model = Stock(nn.GRU(5, 6), 7, vocab=V)
    data = {"inputs": torch.randint(0, V, (T, B)), "targets": torch.randint(0, 7, (T, B))}
    return model, data, lambda y, d: F.cross_entropy(y.reshape(-1, 7), d["targets"].reshape(-1)), None


def tanh_rnn_mse_last():
    T, B = 10, 3
    model = Stock(nn.RNN(3, 5, num_layers=2), 2)
    data = {"inputs": torch.randn(T, B, 3), "targets": torch.randn(B, 2)}
    return model, data, lambda y, d: F.mse_loss(y[-1], d["targets"]), None


@pytest.mark.parametrize("case", [lstm_mse_all_h0_c0, embedding_gru_xent_all, tanh_rnn_mse_last])
def test_same_norms_as_rnnscope_grads(case, tmp_path):
    torch.manual_seed(0)
    model, data, loss_fn, hx = case()
    save_file(model.state_dict(), tmp_path / "model.safetensors")
    save_file(data, tmp_path / "data.safetensors")
    run = subprocess.run([BIN, "grads", "--model", str(tmp_path / "model.safetensors"),
                          "--data", str(tmp_path / "data.safetensors"), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    swift = json.loads(run.stdout)

    # The same float32 values, computed in float64 here as grads computes in double.
    model = model.double()
    data = {k: (v.double() if v.is_floating_point() else v) for k, v in data.items()}
    hx = tuple(h.double() for h in hx) if hx else None
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = loss_fn(model(data["inputs"], hx), data)
        loss.backward()
        scope.clip_grad_norm_(model.parameters(), math.inf)   # measures ‖∇θ‖ of the whole model
        scope.step(loss)
    rec = strict_lines(path)[1]

    assert rec["loss"] == pytest.approx(swift["loss"], rel=1e-10)
    assert rec["grad_norm"] == pytest.approx(swift["grad_norm"], rel=1e-10)
    names = ["hidden_grad_norms"] + (["cell_grad_norms"] if "cell_grad_norms" in swift else [])
    for name in names:
        assert len(rec[name]) == len(swift[name])
        for mine, theirs in zip(rec[name], swift[name]):
            assert mine == pytest.approx(theirs, rel=1e-10)
