"""The recorded ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) equal an independent step-by-step autograd reference."""
import copy
import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import rnnscope
from models import CASES, Model, build
from reference import reference_norms, scaled_norm

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}


def recorded(model, batch, path, **options):
    scope = rnnscope.watch(model.rnn, str(path), every=1, **options)
    loss = model.loss(batch)
    loss.backward()
    scope.step(loss)
    scope.close()
    lines = [json.loads(line) for line in open(path)]
    return lines[0], lines[1]


def assert_norms_equal(got, want, rtol):
    assert len(got) == len(want)
    for row_got, row_want in zip(got, want):
        assert len(row_got) == len(row_want)
        for g, w in zip(row_got, row_want):
            assert abs(g - w) <= rtol * abs(w) + 1e-300, (g, w, abs(g - w) / abs(w))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_norms_match_reference(name, dtype, tmp_path):
    model, batch = build(name, dtype)
    want_h, want_c = reference_norms(model, "rnn", lambda m: m.loss(batch))
    header, rec = recorded(model, batch, tmp_path / "run.jsonl")
    assert header["exact"] and header["inexact"] == []
    assert_norms_equal(rec["hidden_grad_norms"], want_h, TOLERANCE[dtype])
    if want_c is not None:
        assert_norms_equal(rec["cell_grad_norms"], want_c, TOLERANCE[dtype])
    else:
        assert "cell_grad_norms" not in rec
    assert len(header["rows"]) == len(rec["hidden_grad_norms"])


def test_a_gradient_vanishing_below_float32s_range_is_recorded_not_zero(tmp_path):
    """A float32 tanh RNN whose gradient shrinks by ~0.1 a step: float32 holds it 40
    steps back and then rounds it to 0, which the view draws as "no gradient reaches
    this step". The norms are those of float64 autograd on the same weights."""
    torch.manual_seed(0)
    T, B, I, H = 120, 4, 5, 16
    rnn = nn.RNN(I, H)
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.15)
    head = nn.Linear(H, 2)
    x, y = torch.randn(T, B, I), torch.randn(B, 2)
    model = Model(rnn, head, lambda m, b: F.mse_loss(m.head(m.rnn(b["x"])[0][-1]), b["y"]))
    want, _ = reference_norms(copy.deepcopy(model).double(), "rnn", lambda m: m.loss({"x": x.double(), "y": y.double()}))
    assert 0 < want[0][0] < 1e-120  # far below float32's smallest number
    header, rec = recorded(model, {"x": x, "y": y}, tmp_path / "run.jsonl")
    assert header["exact"] and header["dtype"] == "float32"
    assert_norms_equal(rec["hidden_grad_norms"], want, 1e-5)


def test_zero_gradients_stay_zero_in_float32(tmp_path):
    """Steps after the last one the loss reads get exactly 0 in any precision."""
    torch.manual_seed(0)
    model = Model(nn.GRU(5, 6), nn.Linear(6, 2), lambda m, b: F.mse_loss(m.head(m.rnn(b["x"])[0][3]), b["y"]))
    batch = {"x": torch.randn(7, 3, 5), "y": torch.randn(3, 2)}
    want, _ = reference_norms(copy.deepcopy(model).double(), "rnn",
                              lambda m: m.loss({k: v.double() for k, v in batch.items()}))
    _, rec = recorded(model, batch, tmp_path / "run.jsonl")
    assert rec["hidden_grad_norms"][0][4:] == [0.0, 0.0, 0.0] == want[0][4:]
    assert_norms_equal(rec["hidden_grad_norms"], want, 1e-5)


@pytest.mark.parametrize("vanish", [True, False], ids=["1e-200", "1e176"])
def test_float64_norms_beyond_the_square_roots_of_its_range(vanish, tmp_path):
    """‖∂L/∂h_t‖ below 1e-154 or above 1e154: its sum of squares leaves float64's range,
    which made the first 0 (and digits short above it), the second Infinity."""
    torch.manual_seed(0)
    T = 300 if vanish else 1000
    rnn = nn.RNN(3, 8, nonlinearity="tanh" if vanish else "relu").double()
    with torch.no_grad():
        if vanish:
            rnn.weight_hh_l0.mul_(0.1)
        else:
            rnn.weight_hh_l0.copy_(1.5 * torch.eye(8, dtype=torch.float64))
            rnn.bias_hh_l0.fill_(1.0)
    x = torch.rand(T, 2, 3, dtype=torch.float64)
    model = Model(rnn, None, lambda m, b: m.rnn(b["x"])[0][-1].sum())
    want, _ = reference_norms(model, "rnn", lambda m: m.loss({"x": x}))
    assert (want[0][0] < 1e-200) if vanish else (1e170 < want[0][0] < math.inf)
    _, rec = recorded(model, {"x": x}, tmp_path / "run.jsonl")
    assert not rec["nonfinite"]
    assert_norms_equal(rec["hidden_grad_norms"], want, 1e-10)
    grads = torch.cat([p.grad.reshape(-1) for p in rnn.parameters()])
    assert rec["grad_norm"] == pytest.approx(scaled_norm(grads), rel=1e-12)
