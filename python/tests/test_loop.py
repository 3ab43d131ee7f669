"""The loop's side: clipping as torch clips, the user's gradients untouched, which
iterations are recorded, and what grad_norm is."""
import json
import math

import pytest
import torch
from torch import nn

import rnnscope
from helpers import Net, batches, strict_lines, twins
from models import Model
from reference import reference_norms


def train(model, data, scope=None, clip=None, opt_lr=0.5):
    """Runs the loop; returns per iteration (returned norm, grads after clipping)."""
    opt = torch.optim.SGD(model.parameters(), lr=opt_lr)
    seen = []
    for x, y in data:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        norm = None
        if clip is not None:
            clipper = scope.clip_grad_norm_ if scope else torch.nn.utils.clip_grad_norm_
            norm = clipper(model.parameters(), clip)
        seen.append((norm, [p.grad.clone() for p in model.parameters()]))
        opt.step()
        opt.zero_grad()
        if scope:
            scope.step(loss)
    return seen


@pytest.mark.parametrize("clip", [None, 0.05, 100.0])
def test_watched_run_is_the_unwatched_run(clip, tmp_path):
    """Same gradients, same clipped gradients, same returned norm, same weights after."""
    watched, plain = twins()
    data = batches(5)
    with rnnscope.watch(watched.rnn, str(tmp_path / "run.jsonl"), every=2) as scope:
        a = train(watched, data, scope, clip)
    b = train(plain, data, None, clip)
    for (norm_a, grads_a), (norm_b, grads_b) in zip(a, b):
        if clip is not None:
            assert torch.equal(norm_a, norm_b)
        assert all(torch.equal(ga, gb) for ga, gb in zip(grads_a, grads_b))
    assert all(torch.equal(pa, pb) for pa, pb in zip(watched.parameters(), plain.parameters()))


def test_clip_record_is_torchs(tmp_path):
    model, twin = twins()
    path = tmp_path / "run.jsonl"
    data = batches(3)
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        train(model, data, scope, clip=0.05)
    unclipped = train(twin, data, None, clip=None)  # only its first iteration is the same run
    records = strict_lines(path)[1:]
    first = records[0]
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in unclipped[0][1]]))
    assert first["grad_norm"] == pytest.approx(norm.item(), rel=1e-6)
    assert first["clip_max_norm"] == 0.05 and first["clipped"]
    assert first["clip_scale"] == pytest.approx(0.05 / (norm.item() + 1e-6), rel=1e-6)
    assert all(r["clip_max_norm"] == 0.05 for r in records)


@pytest.mark.parametrize("max_norm", [-5.0, 0.0, float("nan")])
def test_a_threshold_that_is_no_clipping_is_refused(max_norm, tmp_path):
    """torch scales every gradient by a negative factor (-5: ascent), 0 or NaN, and the record
    said clip_max_norm -5 (which the viewer skips) or 0 ("none via scope" beside "→ ×0")."""
    model = Net()
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), every=1) as scope:
        torch.nn.functional.mse_loss(model(x), y).backward()
        with pytest.raises(ValueError, match="max_norm must be > 0"):
            scope.clip_grad_norm_(model.parameters(), max_norm)


def test_grad_norm_without_clipping_is_the_modules(tmp_path):
    """Measured as the backward ends, although the loop zeroes .grad before step()."""
    model, twin = twins()
    path = tmp_path / "run.jsonl"
    data = batches(2)
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        train(model, data, scope)
    grads = train(twin, data)
    records = strict_lines(path)[1:]
    for rec, (_, g) in zip(records, grads):
        rnn_grads = g[:len(list(twin.rnn.parameters()))]  # the rnn's parameters come first
        want = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(x) for x in rnn_grads]))
        assert rec["grad_norm"] == pytest.approx(want.item(), rel=1e-6)
        assert rec["clip_scale"] == 1 and rec["clipped"] is False and rec["clip_max_norm"] == 0


@pytest.mark.parametrize("every,iterations,want", [(10, 25, [1, 11, 21]), (1, 4, [1, 2, 3, 4]), (3, 3, [1])])
def test_every(every, iterations, want, tmp_path):
    model = Net()
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=every) as scope:
        train(model, batches(iterations), scope)
    lines = strict_lines(path)
    assert lines[0]["every"] == every and "iteration" not in lines[0]
    assert [r["iteration"] for r in lines[1:]] == want


@pytest.mark.parametrize("every", [0, 2.5, "10", True, None])
def test_every_that_is_not_a_whole_number_from_1_is_refused(every, tmp_path):
    with pytest.raises(ValueError, match="every must be a whole number"):
        rnnscope.watch(Net().rnn, str(tmp_path / "run.jsonl"), every=every)
    assert not (tmp_path / "run.jsonl").exists()


def test_nothing_is_hooked_between_recorded_iterations(tmp_path):
    model = Net()
    with rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), every=5) as scope:
        assert len(model.rnn._forward_hooks) == 1       # iteration 1 is recorded
        train(model, batches(1), scope)
        assert len(model.rnn._forward_hooks) == 0       # 2…5 are not
        train(model, batches(4), scope)
        assert len(model.rnn._forward_hooks) == 1       # 6 is
    assert len(model.rnn._forward_hooks) == 0


def test_accumulated_backward_passes_add_up(tmp_path):
    """Two backward passes through one forward call: the output gradients add, as .grad does."""
    model = Net()
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward(retain_graph=True)
        loss.backward()
        scope.step(loss)
        loss = torch.nn.functional.mse_loss(model(x), y)
        (2 * loss).backward()
        scope.step()
    once, twice = strict_lines(path)[1:]
    assert once["loss"] is not None and twice["loss"] is None
    for a, b in zip(once["hidden_grad_norms"], twice["hidden_grad_norms"]):
        assert a == pytest.approx(b, rel=1e-6)


def test_evaluation_forward_is_not_recorded(tmp_path, capsys):
    model = Net()
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        with torch.no_grad():
            model(x)
        scope.step()                     # no backward: no record, one warning
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        with torch.no_grad():
            model(x[:3])                 # evaluation after the backward does not replace it
        scope.step(loss)
    lines = strict_lines(path)
    assert [r["iteration"] for r in lines[1:]] == [2]
    assert len(lines[1]["hidden_grad_norms"][0]) == 6
    assert "did not run with gradients in iteration 1" in capsys.readouterr().err


def test_hooks_cleared_by_the_loop_are_said_and_put_back(tmp_path, capsys):
    """A loop that clears the module's hooks (module._forward_hooks.clear()) took the scope's
    with them: the warning said no backward reached the outputs. It says the hook was removed,
    and the scope hooks the module again for the next recorded iteration."""
    model = Net()
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        for i, (x, y) in enumerate(batches(4)):
            if i == 1:
                model.rnn._forward_hooks.clear()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            scope.step(loss)
    assert [r["iteration"] for r in strict_lines(path)[1:]] == [1, 3, 4]
    err = capsys.readouterr().err
    assert "forward hook on the watched module was removed" in err and "iteration 2" in err
    assert "no backward reached" not in err


def test_whole_model_may_be_passed(tmp_path):
    model = Net()
    assert rnnscope.watch(model, str(tmp_path / "a.jsonl")).module is model.rnn
    with pytest.raises(TypeError):
        rnnscope.watch(torch.nn.Linear(2, 2), str(tmp_path / "b.jsonl"))


def test_step_inside_inference_mode_and_no_grad(tmp_path):
    model = Net()
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        for mode in (torch.inference_mode, torch.no_grad):
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            with mode():
                scope.step(loss)
    first, second = strict_lines(path)[1:]
    assert first["hidden_grad_norms"] == second["hidden_grad_norms"]


def test_a_module_run_twice_says_its_norms_are_the_last_calls(tmp_path):
    """A siamese loss runs the module twice with gradients: the record says how many calls
    its norms are the last of, and one that ran once says nothing."""
    model = Net()
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y) + torch.nn.functional.mse_loss(model(2 * x), y)
        loss.backward()
        scope.step(loss)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    twice, once = strict_lines(path)[1:]
    assert twice["calls"] == 2
    assert "calls" not in once


def test_a_module_run_once_per_token_counts_every_call(tmp_path, capsys):
    """A decoder run one token at a time calls the module more often than the calls kept
    (rnnscope.scope.MAX_CALLS): the record and stderr count them all, not the ones kept."""
    rnn, head = nn.GRU(3, 5), nn.Linear(5, 3)
    path = tmp_path / "run.jsonl"
    calls = rnnscope.scope.MAX_CALLS + 9
    with rnnscope.watch(rnn, str(path), every=1) as scope:
        x, h, outs = torch.randn(1, 2, 3), None, []
        for _ in range(calls):
            out, h = rnn(x, h)
            x = head(out)
            outs.append(x)
        torch.stack(outs).pow(2).mean().backward()
        scope.step()
    assert strict_lines(path)[1]["calls"] == calls
    assert f"ran {calls} times with gradients" in capsys.readouterr().err


def test_a_watched_model_can_be_copied_and_saved_whole(tmp_path):
    """copy.deepcopy (an EMA or best-so-far snapshot) and torch.save of the whole model work
    while an iteration is being recorded; the copy is not watched, the original still is."""
    import copy
    import io
    model = Net()
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        snapshot = copy.deepcopy(model)          # raised TypeError: cannot pickle '_io.TextIOWrapper'
        saved = io.BytesIO()
        torch.save(model, saved)
        saved.seek(0)
        loaded = torch.load(saved, weights_only=False)
        shallow = copy.copy(model.rnn)           # shares the module's hook dict
        for other in (snapshot, loaded):
            torch.nn.functional.mse_loss(other(x), y).backward()
        shallow(x)[0].sum().backward()
        scope.step()                             # only copies ran: nothing to record
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    lines = strict_lines(path)
    assert [r["iteration"] for r in lines[1:]] == [2] and "calls" not in lines[1]


def test_clipping_called_twice_in_an_iteration_is_said(tmp_path, capsys):
    # Two parameter groups clipped apart (an encoder at 1, a head at 5): the record holds one
    # grad_norm and one threshold, those of the last call; the loop is told once.
    model = Net()
    with rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), every=1) as scope:
        for x, y in batches(3):
            torch.nn.functional.mse_loss(model(x), y).backward()
            scope.clip_grad_norm_(model.rnn.parameters(), 1.0)
            scope.clip_grad_norm_(model.fc.parameters(), 5.0)
            model.zero_grad()
            scope.step()
    err = capsys.readouterr().err
    assert err.count("scope.clip_grad_norm_ ran 2 times in iteration 1") == 1, err
    assert strict_lines(tmp_path / "run.jsonl")[1]["clip_max_norm"] == 5.0


def test_a_state_carried_in_place_before_step_is_recorded(tmp_path):
    """A loop that carries its state by writing h_n into the h0 buffer it passed, between
    the backward and scope.step(), is recorded with the h0 its forward ran from."""
    torch.manual_seed(0)
    rnn, head = nn.LSTM(3, 5), nn.Linear(5, 1)
    h, c = torch.zeros(1, 4, 5), torch.zeros(1, 4, 5)
    path = tmp_path / "run.jsonl"
    scope = rnnscope.watch(rnn, str(path), every=1)
    wants = []
    for _ in range(3):
        x = torch.randn(6, 4, 3)
        model = Model(rnn, head, lambda m, b: (m.head(m.rnn(b["x"], (b["h"], b["c"]))[0]) ** 2).mean())
        batch = {"x": x, "h": h.clone(), "c": c.clone()}
        wants.append(reference_norms(model, "rnn", lambda m: m.loss(batch)))
        out, (hn, cn) = rnn(x, (h, c))
        (head(out) ** 2).mean().backward()
        h.copy_(hn.detach())
        c.copy_(cn.detach())
        scope.step()
    scope.close()
    records = [json.loads(line) for line in open(path)][1:-1]
    assert [r["iteration"] for r in records] == [1, 2, 3]
    for r, (want_h, want_c) in zip(records, wants):
        for got, want in ((r["hidden_grad_norms"], want_h), (r["cell_grad_norms"], want_c)):
            for g, w in zip(got[0], want[0]):
                assert abs(g - w) <= 1e-5 * w


def test_step_called_before_the_backward_is_said(tmp_path, capsys):
    """scope.step() before loss.backward(): no iteration has a backward when it ends, and the
    backward that comes after is not counted in the next one; stderr says what to change."""
    model = Net()
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        for x, y in batches(3):
            loss = torch.nn.functional.mse_loss(model(x), y)
            scope.step(loss)
            loss.backward()
            model.zero_grad()
    assert path.read_text() == ""
    err = capsys.readouterr().err
    assert err.count("call scope.step() after loss.backward()") == 1, err


class PackingLSTM(nn.LSTM):
    """Takes the lengths and packs itself: its call is not nn.LSTM's (input, hx)."""

    def forward(self, x, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, state = super().forward(packed)
        return torch.nn.utils.rnn.pad_packed_sequence(out)[0], state


class OutputOnlyGRU(nn.GRU):
    def forward(self, x):
        return super().forward(x)[0]


class FlatteningGRU(nn.GRU):
    def forward(self, *args):
        self.flatten_parameters()
        return super().forward(*args)


@pytest.mark.parametrize("module,call", [
    (PackingLSTM(3, 5), lambda m: m(torch.randn(6, 4, 3), torch.tensor([6, 3, 5, 2]))[0]),
    (OutputOnlyGRU(3, 5), lambda m: m(torch.randn(6, 4, 3)))], ids=["lengths", "output-only"])
def test_a_subclass_called_otherwise_than_its_base_is_said_not_run(module, call, tmp_path, capsys):
    """Its lengths were read as h0 (an IndexError inside scope.step()), its lone output as
    (output, h_n) (a ValueError inside the forward)."""
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(module, str(path), every=1) as scope:
        call(module).pow(2).sum().backward()
        scope.step()
    assert path.read_text() == ""
    err = capsys.readouterr().err
    assert f"was called otherwise than nn.{type(module).__mro__[1].__name__}'s own forward" in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_subclass_with_its_own_forward_is_said_not_exact(tmp_path):
    """Its calls are shaped as nn.GRU's, but what it computes may not be nn.GRU's: the header says so."""
    torch.manual_seed(0)
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(FlatteningGRU(3, 5), str(path), every=1) as scope:
        scope.module(torch.randn(6, 4, 3))[0].pow(2).sum().backward()
        scope.step()
    header, record = strict_lines(path)[:2]
    assert header["exact"] is False and "FlatteningGRU overrides nn.GRU.forward" in header["inexact"][0]
    assert len(record["hidden_grad_norms"][0]) == 6
