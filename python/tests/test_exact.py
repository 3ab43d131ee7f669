"""The recorded ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) equal an independent step-by-step autograd reference."""
import json

import pytest
import torch

import rnnscope
from models import CASES, build
from reference import reference_norms

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
