"""The stream as docs/stream.md defines it: header fields, record fields, non-finite numbers."""
import json

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_sequence

import rnnscope
from helpers import Net, batches, strict_lines

HEADER = {"rnnscope": str, "source": str, "title": str, "cell": str, "activation": (str, type(None)),
          "layers": int, "directions": int, "hidden": int, "proj_size": int, "input_size": int,
          "steps": (int, type(None)), "rows": list, "device": str, "dtype": str, "world_size": int,
          "rank": int, "every": int, "exact": bool, "inexact": list, "control": (str, type(None))}
RECORD = {"iteration": int, "loss": (float, type(None)), "grad_norm": (float, type(None)), "clip_scale": float,
          "clipped": bool, "clip_max_norm": float, "nonfinite": bool, "hidden_grad_norms": list}


def one_iteration(model, path, x=None, y=None, **options):
    x, y = (x, y) if x is not None else batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1, **options) as scope:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    return strict_lines(path)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_header_and_record_fields(cell, tmp_path):
    header, rec = one_iteration(Net(cell, layers=2, bidirectional=True), tmp_path / "run.jsonl")
    for name, kind in HEADER.items():
        assert isinstance(header[name], kind), name
    assert header["source"] == "pytorch" and header["rnnscope"] == rnnscope.__version__
    assert header["cell"] == cell and header["activation"] == ("tanh" if cell == "rnn" else None)
    assert (header["layers"], header["directions"], header["hidden"], header["input_size"]) == (2, 2, 8, 4)
    assert header["rows"] == ["layer 1", "layer 1 reverse", "layer 2", "layer 2 reverse"]
    assert (header["steps"], header["device"], header["dtype"]) == (6, "cpu", "float32")
    assert (header["world_size"], header["rank"], header["exact"], header["inexact"], header["control"]) == (1, 0, True, [], None)
    for name, kind in RECORD.items():
        assert isinstance(rec[name], kind), name
    assert len(rec["hidden_grad_norms"]) == 4 and all(len(r) == 6 for r in rec["hidden_grad_norms"])
    assert len(rec["sigma_max"]) == 4
    assert ("spectral_radii" in rec) == (cell == "rnn") and ("spectral_radius" in rec) == (cell == "rnn")
    for name in ("gate_mean", "gate_product", "gate_saturation"):
        assert (name in rec) == (cell != "rnn")
    assert ("cell_grad_norms" in rec) == (cell == "lstm")


def test_packed_header_has_no_steps(tmp_path):
    model = Net("gru")
    seqs = [torch.randn(n, 4) for n in (5, 3, 2)]
    with rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), every=1) as scope:
        out, _ = model.rnn(pack_sequence(seqs))
        out.data.pow(2).sum().backward()
        scope.step()
    header, rec = strict_lines(tmp_path / "run.jsonl")
    assert header["steps"] is None and len(rec["hidden_grad_norms"][0]) == 5


def test_non_finite_numbers_are_strings(tmp_path):
    model = Net("rnn")
    path = tmp_path / "run.jsonl"
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        loss = model(x).pow(2).sum() * float("inf")
        loss.backward()
        scope.step(loss)
    text = open(path).read()
    header, rec = strict_lines(path)
    assert rec["loss"] == "Infinity" and rec["nonfinite"] is True
    assert rec["grad_norm"] in ("NaN", "Infinity") and "NaN" in text
    assert any(isinstance(v, str) for row in rec["hidden_grad_norms"] for v in row)


def test_standard_output(capsys):
    model = Net()
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, "-", every=1) as scope:
        torch.nn.functional.mse_loss(model(x), y).backward()
        scope.step()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["source"] == "pytorch"
    assert json.loads(lines[2]) == {"end": True}


def test_closing_ends_the_stream(tmp_path):
    """The last line says the writer closed the stream (the viewer shows it ENDED, not
    waiting for more): once, however often close() is called."""
    path = tmp_path / "run.jsonl"
    model = Net()
    x, y = batches(1)[0]
    with rnnscope.watch(model.rnn, str(path), every=1) as scope:
        torch.nn.functional.mse_loss(model(x), y).backward()
        scope.step()
        assert open(path).read().count("\n") == 2, "no end while the scope is open"
    scope.close()
    lines = open(path).read().splitlines()
    assert len(lines) == 3 and lines[2] == '{"end": true}'


def test_a_loop_that_raises_still_ends_its_stream(tmp_path):
    path = tmp_path / "run.jsonl"
    model = Net()
    x, y = batches(1)[0]
    with pytest.raises(RuntimeError):
        with rnnscope.watch(model.rnn, str(path), every=1) as scope:
            torch.nn.functional.mse_loss(model(x), y).backward()
            scope.step()
            raise RuntimeError("the loop failed")
    assert json.loads(open(path).read().splitlines()[-1]) == {"end": True}


def script_command(body: str):
    """A loop script in a Python of its own (the package under test and the tests'
    helpers importable), as a user's script runs: its exit is the interpreter's, not the test's."""
    import os
    import sys
    import textwrap
    # The package these tests import, wherever it is (a checkout or installed), and the helpers.
    package = os.path.dirname(os.path.dirname(rnnscope.__file__))
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{package!r}, {os.path.dirname(__file__)!r}]
        import torch, rnnscope
        from helpers import Net, train
    """) + textwrap.dedent(body)
    return [sys.executable, "-c", script]


def run_script(body: str):
    import subprocess
    return subprocess.run(script_command(body), capture_output=True, text=True, timeout=120)


def test_a_viewer_that_quits_reading_standard_output_leaves_the_loop_training():
    """`python train.py | rnnscope watch -` and q in the view: the loop's next record met a
    closed pipe and BrokenPipeError ended the training. It trains on unwatched, and says so once."""
    import subprocess
    loop = subprocess.Popen(script_command("""
        model = Net()
        scope = rnnscope.watch(model.rnn, "-", every=1)
        train(model, scope, 1)
        sys.stdin.readline()  # until the viewer has quit
        train(model, scope, 19)
        scope.close()
        print("trained", scope.iteration, file=sys.stderr)
    """), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(loop.stdout.readline())["source"] == "pytorch"
    loop.stdout.close()  # the viewer quits
    _, err = loop.communicate("quit\n", timeout=120)
    assert loop.returncode == 0, err
    notes = err.splitlines()
    assert notes[-1] == "trained 20", err
    assert [n for n in notes if n.startswith("rnnscope:")] == [
        "rnnscope: the reader of standard output has gone: no more records; the loop goes on"], err
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("ending", ["return", "raise", "exit", "close"])
def test_a_script_that_never_closes_its_scope_still_ends_its_stream(ending, tmp_path):
    """No `with` and no close(): the stream ends when Python exits, normally, on an
    uncaught exception or on sys.exit, so the viewer shows ENDED instead of waiting.
    A scope closed by hand is off the exit list: still one end record."""
    path = tmp_path / "run.jsonl"
    run = run_script(f"""
        model = Net()
        scope = rnnscope.watch(model.rnn, {str(path)!r}, every=1)
        train(model, scope, 2)
        if {ending!r} == "raise":
            raise RuntimeError("the loop failed")
        if {ending!r} == "exit":
            sys.exit(3)
        if {ending!r} == "close":
            scope.close()
    """)
    assert run.returncode == {"return": 0, "raise": 1, "exit": 3, "close": 0}[ending], run.stderr
    lines = open(path).read().splitlines()
    assert len(lines) == 4 and json.loads(lines[-1]) == {"end": True}, lines
    assert [json.loads(l)["iteration"] for l in lines[1:3]] == [1, 2]


def test_a_scope_dropped_unclosed_ends_its_stream(tmp_path):
    """The loop runs in a function that returns without closing its scope, the next
    iteration not a recorded one (nothing hooked holds the scope): the stream ends when
    the scope goes, not only when Python exits (the exit list holds it weakly)."""
    path = tmp_path / "run.jsonl"
    run = run_script(f"""
        import gc
        def main():
            model = Net()
            scope = rnnscope.watch(model.rnn, {str(path)!r}, every=2)
            train(model, scope, 3)
        main()
        gc.collect()
        print(open({str(path)!r}).read().splitlines()[-1])
    """)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {"end": True}, run.stdout
    lines = open(path).read().splitlines()
    assert [json.loads(l).get("iteration") for l in lines[1:]] == [1, 3, None] and lines.count('{"end": true}') == 1, lines


def test_a_stream_with_no_record_has_no_end(tmp_path):
    """No header was written (no iteration recorded): an end record alone would be a
    stream the viewer cannot read, so the file stays empty, waited on."""
    path = tmp_path / "run.jsonl"
    with rnnscope.watch(Net().rnn, str(path)):
        pass
    assert open(path).read() == ""


def test_rank_all_names_the_file_per_rank(tmp_path):
    model = Net()
    scope = rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), rank="all")
    scope.close()
    assert scope.path == str(tmp_path / "run.rank0.jsonl")
    with pytest.raises(ValueError):
        rnnscope.watch(model.rnn, str(tmp_path / "x.jsonl"), rank=1)


def test_title_and_spectral_off(tmp_path):
    header, rec = one_iteration(Net(), tmp_path / "run.jsonl", title="my run", spectral=False)
    assert header["title"] == "my run"
    assert "sigma_max" not in rec and "gate_mean" in rec


@pytest.mark.parametrize("title", [5, b"run", ["run"]])
def test_a_title_that_is_not_text_is_refused(title, tmp_path):
    """The viewer refuses a header whose title is not a string: refused at watch(), not after the run."""
    with pytest.raises(TypeError, match="title must be a string"):
        rnnscope.watch(nn.GRU(3, 4), str(tmp_path / "run.jsonl"), title=title)
    assert not (tmp_path / "run.jsonl").exists()


def test_spectral_figures(tmp_path):
    model = Net("rnn", layers=2)
    _, rec = one_iteration(model, tmp_path / "run.jsonl")
    for k in range(2):
        w = getattr(model.rnn, f"weight_hh_l{k}").detach().double()
        assert rec["spectral_radii"][k] == pytest.approx(torch.linalg.eigvals(w).abs().max().item(), rel=1e-12)
        assert rec["sigma_max"][k] == pytest.approx(torch.linalg.svdvals(w)[0].item(), rel=1e-12)
    assert rec["spectral_radius"] == rec["spectral_radii"][0]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_sigma_max_of_the_stacked_gates(cell, tmp_path):
    model = Net(cell, bidirectional=True)
    _, rec = one_iteration(model, tmp_path / "run.jsonl")
    for row, name in enumerate(["weight_hh_l0", "weight_hh_l0_reverse"]):
        w = getattr(model.rnn, name).detach().double()
        assert rec["sigma_max"][row] == pytest.approx(torch.linalg.matrix_norm(w, ord=2).item(), rel=1e-12)


def test_lstm_gate_figures(tmp_path):
    """f from the module's own outputs: f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)."""
    model = Net("lstm")
    x, y = batches(1)[0]
    _, rec = one_iteration(model, tmp_path / "run.jsonl", x, y)
    m, H = model.rnn, 8
    with torch.no_grad():
        out, _ = m(x)
        h_prev = torch.cat([torch.zeros(1, 3, H), out[:-1]])
        f = torch.sigmoid(x @ m.weight_ih_l0[H:2 * H].t() + m.bias_ih_l0[H:2 * H]
                          + h_prev @ m.weight_hh_l0[H:2 * H].t() + m.bias_hh_l0[H:2 * H]).double()
    assert rec["gate_mean"][0] == pytest.approx(f.mean().item(), rel=1e-5)
    assert rec["gate_product"][0] == pytest.approx(f.prod(0).mean().item(), rel=1e-5)
    assert rec["gate_saturation"][0] == pytest.approx(((f < 0.05) | (f > 0.95)).double().mean().item(), abs=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_weights_gone_nonfinite_are_recorded_not_raised(cell, tmp_path, capfd):
    """A run that diverged (NaN or Inf in W_hh after an update) is what the view is for:
    step() records it, with ρ and σ_max NaN, instead of raising from the user's loop."""
    model = Net(cell, layers=2)
    with torch.no_grad():
        model.rnn.weight_hh_l0[0, 0] = float("nan")
        model.rnn.weight_hh_l1[0, 0] = float("inf")
    header, rec = one_iteration(model, tmp_path / "run.jsonl")
    assert rec["sigma_max"] == ["NaN", "NaN"]
    if cell == "rnn":
        assert rec["spectral_radii"] == ["NaN", "NaN"] and rec["spectral_radius"] == "NaN"
    assert rec["nonfinite"] is True
    assert "MKL" not in capfd.readouterr().err  # no LAPACK complaint from a matrix never factorised
