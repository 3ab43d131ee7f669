"""control=True: the viewer pauses the loop, lets one iteration through, sets the clip."""
import json
import os
import threading
import time

import torch

import rnnscope
from helpers import Net, batches, strict_lines


def write_control(path, state):
    """As the viewer writes it: whole, by rename."""
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(state if isinstance(state, str) else json.dumps(state))
    os.replace(tmp, path)


def loop(scope, model, iterations, clip=None, grads=None):
    for x, y in batches(iterations):
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        if clip is not None:
            scope.clip_grad_norm_(model.parameters(), clip)
        if grads is not None:
            grads.append([p.grad.clone() for p in model.parameters()])
        model.zero_grad()
        scope.step(loss)


def wait_for(condition, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_pause_step_and_resume(tmp_path):
    path = tmp_path / "run.jsonl"
    control = tmp_path / "run.jsonl.control"
    write_control(control, {"pause": True, "step": 0})
    model = Net()
    scope = rnnscope.watch(model.rnn, str(path), every=10, control=True)
    worker = threading.Thread(target=loop, args=(scope, model, 25))
    worker.start()
    try:
        assert wait_for(lambda: scope.iteration == 1)
        time.sleep(0.3)
        assert scope.iteration == 1                       # held in step()
        write_control(control, {"pause": True, "step": 1})
        assert wait_for(lambda: scope.iteration == 2)     # one through
        time.sleep(0.3)
        assert scope.iteration == 2
        write_control(control, {"pause": True, "step": 3})
        assert wait_for(lambda: scope.iteration == 4)     # two more
        time.sleep(0.3)
        assert scope.iteration == 4
    finally:
        write_control(control, {"pause": False, "step": 3})
        worker.join(10)
    scope.close()
    assert scope.iteration == 25
    lines = strict_lines(path)
    assert lines[0]["control"] == str(control)
    # Iterations let through while paused are recorded as well.
    assert [r["iteration"] for r in lines[1:]] == [1, 2, 3, 4, 11, 21]


def test_clip_from_the_control_file(tmp_path):
    path = tmp_path / "run.jsonl"
    control = tmp_path / "run.jsonl.control"
    model = Net()
    write_control(control, {"pause": False, "step": 0, "clip": 0.001})
    with rnnscope.watch(model.rnn, str(path), every=1, control=True) as scope:
        scope.step()                                # reads the control file
        loop(scope, model, 2, clip=100.0)
        write_control(control, {"pause": False, "step": 0, "clip": 0})
        grads = []
        loop(scope, model, 2, clip=1e-9, grads=grads)
    records = strict_lines(path)[1:]
    override, off = records[0:2], records[3:]
    for r in override:
        assert r["clip_max_norm"] == 0.001 and r["clipped"] is True
        assert r["clip_scale"] < 0.01 and r["grad_norm"] > 0.01
    for r in off:
        assert r["clip_max_norm"] == 0 and r["clipped"] is False and r["clip_scale"] == 1
    # Clipping off: the gradients keep their size though the loop asked for 1e-9.
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads[-1]]))
    assert norm.item() > 1e-3 and off[-1]["grad_norm"] == norm.item()


def test_records_say_which_clip_setting_they_followed(tmp_path):
    # The viewer keeps its own setting until the records echo its latest clip_seq: a record
    # made before the loop read a change still carries the clipping from before it.
    path = tmp_path / "run.jsonl"
    control = tmp_path / "run.jsonl.control"
    model = Net()
    write_control(control, {"pause": False, "step": 0, "clip": 0.5, "clip_seq": 1001})
    with rnnscope.watch(model.rnn, str(path), every=1, control=True) as scope:
        loop(scope, model, 2, clip=100.0)
        write_control(control, {"pause": False, "step": 0, "clip": 0, "clip_seq": 1002})
        loop(scope, model, 2, clip=100.0)
        os.remove(control)                  # the viewer quit
        loop(scope, model, 2, clip=100.0)
    # Each iteration clips by the file read at the step() before it; the first ran before any.
    assert [(r["clip_max_norm"], r["clip_seq"]) for r in strict_lines(path)[1:]] == [
        (100, 0), (0.5, 1001), (0.5, 1001), (0, 1002), (0, 1002), (100, 0)]


def test_fast_changes_are_each_echoed_with_the_clipping_they_set(tmp_path):
    # A viewer changing clip faster than the loop records: whatever records a change reaches,
    # each says the clip_seq of the setting it clipped at, and the last the latest.
    path = tmp_path / "run.jsonl"
    control = tmp_path / "run.jsonl.control"
    model = Net()
    settings = {0: 100.0}
    scope = rnnscope.watch(model.rnn, str(path), every=1, control=True)

    def viewer():
        for n in range(1, 21):
            settings[5000 + n] = 100.0 / 2 ** n if n % 5 else 0.0
            write_control(control, {"pause": False, "step": 0, "clip": settings[5000 + n], "clip_seq": 5000 + n})
            time.sleep(0.015)

    def slow_loop():
        for x, y in batches(60):
            torch.nn.functional.mse_loss(model(x), y).backward()
            scope.clip_grad_norm_(model.parameters(), 100.0)
            model.zero_grad()
            scope.step()
            time.sleep(0.01)

    worker = threading.Thread(target=slow_loop)
    worker.start()
    viewer()
    worker.join(30)
    scope.close()
    records = strict_lines(path)[1:]
    assert len(records) == 60
    assert all(r["clip_max_norm"] == settings[r["clip_seq"]] for r in records)
    assert len({r["clip_seq"] for r in records}) > 10 and records[-1]["clip_seq"] == 5020


def test_null_clip_leaves_the_loops_own(tmp_path):
    path = tmp_path / "run.jsonl"
    model = Net()
    write_control(tmp_path / "run.jsonl.control", {"pause": False, "step": 0, "clip": None})
    with rnnscope.watch(model.rnn, str(path), every=1, control=True) as scope:
        loop(scope, model, 2, clip=0.5)
    assert all(r["clip_max_norm"] == 0.5 for r in strict_lines(path)[1:])


def test_bad_control_file_warns_once_and_deleted_file_unpauses(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    control = tmp_path / "run.jsonl.control"
    model = Net()
    with rnnscope.watch(model.rnn, str(path), every=1, control=True) as scope:
        write_control(control, "{not json")
        loop(scope, model, 1)
        write_control(control, "[1, 2")
        loop(scope, model, 1)
        write_control(control, {"pause": True})
        worker = threading.Thread(target=loop, args=(scope, model, 2))
        worker.start()
        assert wait_for(lambda: scope.iteration == 3)
        time.sleep(0.2)
        assert scope.iteration == 3
        os.remove(control)                  # the viewer quit
        worker.join(5)
        assert scope.iteration == 4
    assert capsys.readouterr().err.count("ignoring the control file") == 1


def test_control_off_by_default(tmp_path):
    control = tmp_path / "run.jsonl.control"
    write_control(control, {"pause": True})
    model = Net()
    with rnnscope.watch(model.rnn, str(tmp_path / "run.jsonl"), every=1) as scope:
        loop(scope, model, 2)                   # not held
    header, *records = strict_lines(tmp_path / "run.jsonl")
    assert header["control"] is None
    assert all("clip_seq" not in r for r in records)   # nothing to echo: no viewer steers it


def test_header_names_the_control_file_by_its_absolute_path(tmp_path, monkeypatch):
    # A viewer reading standard input (tail -f run.jsonl | rnnscope watch -) runs in a directory
    # of its own: a relative path in the header would name a file the loop never reads.
    monkeypatch.chdir(tmp_path)
    model = Net()
    with rnnscope.watch(model.rnn, "run.jsonl", every=1, control=True) as scope:
        loop(scope, model, 1)
        assert scope.control_path == str(tmp_path / "run.jsonl.control")
    assert strict_lines(tmp_path / "run.jsonl")[0]["control"] == str(tmp_path / "run.jsonl.control")
