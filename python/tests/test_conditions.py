"""What cannot be exact is said: inter-layer dropout in training, autocast, half-precision
weights. A GradScaler's scale is taken out."""
import pytest
import torch

import rnnscope
from helpers import Net, batches, strict_lines
from reference import reference_norms


def run(model, path, autocast=None):
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        if autocast:
            with torch.autocast("cpu", dtype=autocast):
                loss = torch.nn.functional.mse_loss(model(x).float(), y)
        else:
            loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    return strict_lines(path)


def test_dropout_between_layers_in_training_is_inexact(tmp_path):
    model = Net("lstm", layers=2, dropout=0.3).train()
    header, rec = run(model, tmp_path / "run.jsonl")
    assert header["exact"] is False
    assert len(header["inexact"]) == 1
    assert "dropout=0.3" in header["inexact"][0] and "without" in header["inexact"][0]
    assert all(v > 0 for row in rec["hidden_grad_norms"] for v in row)


def test_dropout_in_training_is_said_when_the_loop_validates_before_step(tmp_path):
    """The mode that counts is the training forward's: a loop that switches to eval() for
    validation before scope.step() still had dropout in the backward recorded."""
    model = Net("lstm", layers=2, dropout=0.3).train()
    x, y = batches(1)[0]
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        model.eval()
        with torch.no_grad():
            model(x)
        scope.step(loss)
        model.train()
    header, _ = strict_lines(path)
    assert header["exact"] is False and "dropout=0.3" in header["inexact"][0]


def test_dropout_in_eval_mode_is_exact(tmp_path):
    model = Net("gru", layers=2, dropout=0.3).double().eval()
    x, y = (t.double() for t in batches(1)[0])
    want, _ = reference_norms(model, "rnn", lambda m: torch.nn.functional.mse_loss(m(x), y))
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        torch.nn.functional.mse_loss(model(x), y).backward()
        scope.step()
    header, rec = strict_lines(path)
    assert header["exact"] is True and header["inexact"] == []
    for got_row, want_row in zip(rec["hidden_grad_norms"], want):
        assert got_row == pytest.approx(want_row, rel=1e-10)


def test_autocast_bfloat16_says_what_it_is(tmp_path):
    model = Net("lstm", layers=2)
    header, rec = run(model, tmp_path / "run.jsonl", autocast=torch.bfloat16)
    assert header["dtype"] == "float32 (autocast bfloat16)"
    assert header["exact"] is False and "autocast" in header["inexact"][0] and "bfloat16" in header["inexact"][0]
    assert len(rec["hidden_grad_norms"]) == 2
    assert all(v > 0 and v == v for row in rec["hidden_grad_norms"] for v in row)


def test_autocast_close_to_float32(tmp_path):
    """The float32 rerun from bfloat16-run output gradients agrees with float32 to bfloat16's precision."""
    torch.manual_seed(3)
    a = Net("lstm")
    torch.manual_seed(3)
    b = Net("lstm")
    low = run(a, tmp_path / "low.jsonl", autocast=torch.bfloat16)[1]
    full = run(b, tmp_path / "full.jsonl")[1]
    for lo, hi in zip(low["hidden_grad_norms"], full["hidden_grad_norms"]):
        assert lo == pytest.approx(hi, rel=0.05)


def test_gru_under_cpu_autocast_returns_float32_but_ran_in_bfloat16(tmp_path):
    """CPU autocast returns nn.GRU's output in float32, but its matrix products ran in
    bfloat16 (the output differs from float32's by bfloat16 rounding): inexact, said so."""
    model = Net("gru")
    x = batches(1)[0][0]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = model.rnn(x)[0]
    assert low.dtype == torch.float32 and (low - model.rnn(x)[0]).abs().max() > 1e-4
    header, _ = run(model, tmp_path / "run.jsonl", autocast=torch.bfloat16)
    assert header["dtype"] == "float32 (autocast bfloat16)"
    assert header["exact"] is False and "bfloat16" in header["inexact"][0]


def test_packed_lstm_under_cpu_autocast_is_inexact(tmp_path):
    """A PackedSequence also comes back in float32 from bfloat16 products."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(4, 8)
    x = torch.nn.utils.rnn.pack_padded_sequence(torch.randn(6, 3, 4), torch.tensor([6, 4, 2]))
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(lstm, str(path), every=1) as scope:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out, _ = lstm(x)
        assert out.data.dtype == torch.float32
        out.data.square().sum().backward()
        scope.step()
    header, _ = strict_lines(path)
    assert header["exact"] is False and header["dtype"] == "float32 (autocast bfloat16)"


def test_float64_module_under_autocast_is_exact(tmp_path):
    """autocast casts only float32: a float64 module runs in float64, exactly rerun."""
    model = Net("gru").double()
    x, y = (t.double() for t in batches(1)[0])
    path = tmp_path / "run64.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    header, _ = strict_lines(path)
    assert header["dtype"] == "float64" and header["exact"] is True


def scaled_iteration(model, x, y, scaler, scope, micro_batches=2):
    """Gradient accumulation under a GradScaler: each micro-batch's scaled loss backward."""
    for _ in range(micro_batches):
        loss = torch.nn.functional.mse_loss(model(x), y) / micro_batches
        scaler.scale(loss).backward()
    scope.step(loss)


def test_grad_scaler_given_records_the_norms_of_the_unscaled_loss(tmp_path):
    """The backward runs from scale·L, so the output gradients it delivers are scale times
    ∂L/∂output; the scaler given to watch() divides them back."""
    model = Net("gru").double()
    x, y = (t.double() for t in batches(1)[0])
    want, _ = reference_norms(model, "rnn", lambda m: torch.nn.functional.mse_loss(m(x), y) / 2)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1, scaler=scaler) as scope:
        scaled_iteration(model, x, y, scaler, scope)
    module_grad = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.rnn.parameters()])) / 1024
    header, rec = strict_lines(path)
    assert header["exact"] is True and rec["calls"] == 2
    for got_row, want_row in zip(rec["hidden_grad_norms"], want):
        assert got_row == pytest.approx(want_row, rel=1e-10)
    assert rec["grad_norm"] == pytest.approx(float(module_grad), rel=1e-10)


def test_grad_scaler_not_given_is_refused(tmp_path):
    """Without the scaler every norm would be silently scale times too large: refused, nothing written."""
    model = Net("lstm")
    x, y = batches(1)[0]
    scaler = torch.amp.GradScaler("cpu")
    path = tmp_path / "run.jsonl"
    with pytest.raises(ValueError, match=r"GradScaler.*scaler=") as refusal:
        with rnnscope.watch(model.rnn, str(path), every=1) as scope:
            scaled_iteration(model, x, y, scaler, scope)
    assert "\n" not in str(refusal.value)
    assert path.read_text() == ""


def test_disabled_grad_scaler_is_no_scale(tmp_path):
    """GradScaler(enabled=False), the usual switch for AMP off, scales nothing."""
    model = Net("rnn").double()
    x, y = (t.double() for t in batches(1)[0])
    want, _ = reference_norms(model, "rnn", lambda m: torch.nn.functional.mse_loss(m(x), y) / 2)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        scaled_iteration(model, x, y, scaler, scope)
    _, rec = strict_lines(path)
    assert rec["hidden_grad_norms"][0] == pytest.approx(want[0], rel=1e-10)


def test_grad_scaler_of_an_earlier_run_is_not_this_loops(tmp_path):
    """A scaler that an earlier mixed-precision run left alive (a notebook) scales nothing here."""
    model = Net("rnn").double()
    x, y = (t.double() for t in batches(1)[0])
    earlier = torch.amp.GradScaler("cpu")
    earlier.scale(torch.nn.functional.mse_loss(model(x), y)).backward()
    earlier.step(torch.optim.SGD(model.parameters(), lr=0.0))
    earlier.update()
    model.zero_grad()
    want, _ = reference_norms(model, "rnn", lambda m: torch.nn.functional.mse_loss(m(x), y))
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    _, rec = strict_lines(path)
    assert rec["hidden_grad_norms"][0] == pytest.approx(want[0], rel=1e-10)


def test_grad_scaler_of_an_earlier_run_stepped_before_scope_step_is_refused(tmp_path):
    """The earlier run's scaler scales this loop too, stepped before scope.step() and updated
    after it: its scale had not moved at the first record, and the norms were scale times too
    large. Its step() has marked the optimizer it steps, which update() clears: refused."""
    model = Net("rnn").double()
    x, y = (t.double() for t in batches(1)[0])
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(torch.nn.functional.mse_loss(model(x), y)).backward()
    scaler.step(opt)
    scaler.update()
    opt.zero_grad()
    path = tmp_path / "run.jsonl"
    with pytest.raises(ValueError, match=r"GradScaler.*scaler="):
        with rnnscope.watch(model.rnn, str(path), every=1) as scope:
            loss = torch.nn.functional.mse_loss(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scope.step(loss)
    assert path.read_text() == ""


class LastStep(torch.nn.Module):
    """A loss at the last step only, so that ‖∂L/∂h_t‖ falls by orders of magnitude back in time."""
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 16)
        self.fc = torch.nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.rnn(x)[0][-1])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
def test_half_precision_module_is_rerun_in_float32_and_says_so(dtype, tmp_path):
    """A float16 rerun buries the vanishing steps in its rounding (subnormals from 6e-8): 4× off
    at t = 1 here, under a header saying exact. The rerun is float32, and the header says why
    it is not the module's own backward."""
    torch.manual_seed(8)
    model = LastStep().to(dtype)
    x, y = torch.randn(30, 8, 4).to(dtype), torch.randn(8, 1).to(dtype)
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    header, rec = strict_lines(path)
    name = str(dtype).replace("torch.", "")
    assert header["dtype"] == name and header["exact"] is False
    assert len(header["inexact"]) == 1 and name in header["inexact"][0] and "float32 rerun" in header["inexact"][0]
    # The same weights and output gradients in float64: only the output gradients' own rounding differs.
    wide = LastStep().double()
    wide.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    grad_out = {}
    out = wide.rnn(x.double())[0]
    out.register_hook(lambda g: grad_out.setdefault("g", g))
    torch.nn.functional.mse_loss(wide.fc(out[-1]), y.double()).backward()
    want, _ = reference_norms(wide, "rnn", lambda m: (m.rnn(x.double())[0] * grad_out["g"]).sum())
    assert rec["hidden_grad_norms"][0] == pytest.approx(want[0], rel=2e-2)


def critic_step(model, scope, penalty: bool):
    """A WGAN-GP critic's loss: autograd.grad(create_graph=True) differentiates the module's outputs."""
    x = batches(1)[0][0].double().requires_grad_(penalty)
    critic = model(x).sum()
    gp = torch.autograd.grad(critic, x, create_graph=True)[0].norm() ** 2 if penalty else 0
    (critic + gp).backward()
    scope.step()


@pytest.mark.parametrize("first", [True, False], ids=["from-the-start", "later"])
def test_a_gradient_penalty_through_the_module_is_said_not_exact(first, tmp_path, capsys):
    """The loss also reaches h_t through the gradient's graph: the header said exact, 30% off.
    One that starts after the header was written is said on stderr."""
    torch.manual_seed(0)
    model = Net("gru").double()
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        critic_step(model, scope, penalty=first)
        critic_step(model, scope, penalty=True)
    header = strict_lines(path)[0]
    assert header["exact"] is not first and any("create_graph=True" in s for s in header["inexact"]) is first
    err = capsys.readouterr().err
    assert (err == "") is first and ("iteration 2:" in err and "does not say so" in err) is not first
