"""A model run through torch.compile is watched as the eager one: the scope's hooks sit on
the nn.RNN / nn.LSTM / nn.GRU module, which the compiled graph calls, and the recorded
norms equal the step-by-step reference."""
import json

import pytest
import torch
from torch import nn

import rnnscope
from reference import reference_norms


class Net(nn.Module):
    def __init__(self, rnn, width):
        super().__init__()
        self.rnn, self.head = rnn, nn.Linear(width, 2)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_a_compiled_model_records_the_reference_norms(cell, backend, tmp_path):
    torch.manual_seed(5)
    torch._dynamo.reset()
    net = Net(cell(3, 6, num_layers=2), 6)
    x, y = torch.randn(7, 4, 3), torch.randn(7, 4, 2)
    want_h, want_c = reference_norms(net, "rnn", lambda m: nn.functional.mse_loss(m(x), y))
    compiled = torch.compile(net, backend=backend)
    path = tmp_path / "run.jsonl"
    try:
        # every=2: the hook is there at iterations 1 and 3, not at 2, and the graph follows it
        with rnnscope.watch(net.rnn, str(path), every=2) as scope:
            for _ in range(3):
                loss = nn.functional.mse_loss(compiled(x), y)
                loss.backward()
                scope.step(loss)
                net.zero_grad()
    except Exception as error:  # inductor needs a C++ compiler, which a machine may lack
        if backend == "inductor" and "compiler" in str(error).lower():
            pytest.skip(f"inductor cannot compile here: {str(error).splitlines()[0]}")
        raise
    records = [json.loads(line) for line in open(path)][1:-1]
    assert [r["iteration"] for r in records] == [1, 3]
    for rec in records:  # no update between them: the same norms both times
        for got, want in ((rec["hidden_grad_norms"], want_h), (rec["cell_grad_norms"] if want_c else None, want_c)):
            if want is None:
                continue
            for row_got, row_want in zip(got, want, strict=True):
                for g, w in zip(row_got, row_want, strict=True):
                    assert abs(g - w) <= 1e-5 * abs(w), (g, w)
