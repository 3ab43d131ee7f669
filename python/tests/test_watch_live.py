"""`rnnscope watch` following a PyTorch loop while it trains, under tmux: the view
draws its records, space stops the loop's iterations and a second space lets them
go on, n lets one through (and the paused screen shows it), c turns the loop's
clipping off, and -, c turn it on at a threshold the loop's clip scale obeys."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from test_swift import BIN

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(BIN is None or TMUX is None, reason="needs tmux and a built rnnscope binary")

LOOP = r'''
import sys, time, torch
from torch import nn
import rnnscope
torch.manual_seed(3)
torch.set_num_threads(1)

class Forecaster(nn.Module):
    """A GRU with a two-layer head over its last step, trained to predict a noisy sine."""
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 12, batch_first=True)
        self.head = nn.Sequential(nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 1))
    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])

model = Forecaster()
opt = torch.optim.Adam(model.parameters(), 1e-2)
count = sys.argv[2]
with rnnscope.watch(model.gru, sys.argv[1], every=1, control=True, title="forecaster") as scope:
    for it in range(1, 100000):
        t = torch.rand(8, 1) * 6
        steps = torch.arange(15).float() / 3
        x = torch.stack([torch.sin(t + steps), torch.randn(8, 15) * 0.1], dim=2)
        loss = nn.functional.mse_loss(model(x), torch.sin(t + 5.0))
        loss.backward()
        scope.clip_grad_norm_(model.parameters(), 5.0)
        opt.step(); opt.zero_grad()
        scope.step(loss)
        with open(count + ".tmp", "w") as f:
            f.write(str(it))
        import os; os.replace(count + ".tmp", count)
        time.sleep(0.02)
'''


class Pane:
    def __init__(self, tmp, command):
        self.socket = f"rnnscope-pytest-{os.getpid()}"
        subprocess.run([TMUX, "-L", self.socket, "-u", "new-session", "-d", "-x", "100", "-y", "32", "-c", str(tmp),
                        command], check=True)

    def screen(self):
        return subprocess.run([TMUX, "-L", self.socket, "capture-pane", "-p"], capture_output=True, text=True).stdout

    def send(self, *keys):
        subprocess.run([TMUX, "-L", self.socket, "send-keys", *keys], check=True)

    def wait(self, what, condition, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.screen()
            if condition(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")

    def close(self):
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)


def iterations(path):
    try:
        with open(path) as f:
            return int(f.read() or 0)
    except (OSError, ValueError):
        return 0


def last_record(path):
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    return json.loads(lines[-1])


def test_the_view_follows_and_steers_a_running_loop(tmp_path):
    stream, count = tmp_path / "run.jsonl", tmp_path / "count"
    script = tmp_path / "loop.py"
    script.write_text(LOOP)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    loop = subprocess.Popen([sys.executable, str(script), str(stream), str(count)], env=env)
    pane = Pane(tmp_path, f"'{BIN}' watch '{stream}' --speed max; sleep 30")
    try:
        # The loop starts by importing torch: on a busy machine that alone can take half a minute.
        pane.wait("the loop's records", lambda s: "forecaster" in s and "following" in s and "gru" in s, timeout=120)
        assert iterations(count) > 0
        # space: the loop stops at its next scope.step()
        pane.send("Space")
        pane.wait("paused", lambda s: "your loop waits" in s)
        time.sleep(1.0)
        held = iterations(count)
        time.sleep(1.5)
        assert iterations(count) == held, "the loop went on while paused"
        # n lets exactly one more iteration through
        pane.send("n")
        deadline = time.time() + 10
        while iterations(count) == held and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        assert iterations(count) == held + 1
        # Paused, the screen shows the loop's newest record, the one n let through.
        newest = last_record(stream)["iteration"]
        pane.wait("the newest record on screen", lambda s: f"iteration {newest} " in s.splitlines()[1])
        # c: the loop clips at 5.0 (its records say so); c turns it off, the loop applies that
        assert last_record(stream)["clip_max_norm"] == 5.0
        pane.send("c")
        pane.send("Space")
        pane.wait("running again", lambda s: "RUNNING" in s)
        deadline = time.time() + 15
        while last_record(stream)["clip_max_norm"] != 0 and time.time() < deadline:
            time.sleep(0.1)
        assert last_record(stream)["clip_max_norm"] == 0, "c did not reach the loop's clip_grad_norm_"
        moving = iterations(count)
        time.sleep(1.0)
        assert iterations(count) > moving, "the second space did not let the loop go on"
        # - (sixteen times, while off) lowers the threshold to 5/65536 and c turns it on: below the
        # loop's ‖∇θ‖ (about 4e-3 late in a run), so the clip scale the loop applies falls under 1.
        for _ in range(16):
            pane.send("-")
        pane.send("c")
        deadline = time.time() + 15
        while last_record(stream)["clip_max_norm"] == 0 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        rec = last_record(stream)
        assert abs(rec["clip_max_norm"] - 5.0 / 65536) < 1e-9, rec["clip_max_norm"]
        assert rec["clipped"] and rec["clip_scale"] < 1 and rec["grad_norm"] * rec["clip_scale"] <= 5.0 / 65536 * 1.001
        pane.send("q")
        time.sleep(0.5)
        assert not os.path.exists(str(stream) + ".control"), "the view leaves no control file behind"
    finally:
        pane.close()
        loop.kill()
        loop.wait()


SINGLE = r'''
import sys, time, torch
from torch import nn
import rnnscope
torch.manual_seed(1)
torch.set_num_threads(1)
rnn, head = nn.RNN(3, 16), nn.Linear(16, 1)
params = list(rnn.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, 1e-3)
with rnnscope.watch(rnn, sys.argv[1], every=5, control=True, title="single") as scope:
    while True:
        out, _ = rnn(torch.randn(20, 4, 3))
        loss = head(out[-1]).pow(2).mean()
        loss.backward()
        scope.clip_grad_norm_(params, 100.0)
        opt.step(); opt.zero_grad()
        scope.step(loss)
        time.sleep(0.05)
'''


def test_clipping_keys_pressed_quickly_all_reach_the_loop(tmp_path):
    """A record every 0.25 s and keys 0.1 s apart: records the loop made before it read the
    latest key still carry the clipping from before it. They undid c and lost - and + presses
    (c, then - eight times, ended at 100/2**6 where it should end off, at 100/2**8)."""
    stream = tmp_path / "single.jsonl"
    script = tmp_path / "single.py"
    script.write_text(SINGLE)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    loop = subprocess.Popen([sys.executable, str(script), str(stream)], env=env)
    pane = Pane(tmp_path, f"'{BIN}' watch '{stream}'; sleep 30")

    def keys(text):
        for key in text:
            pane.send(key)
            time.sleep(0.1)

    def loop_clips_at(threshold, timeout=15):
        deadline = time.time() + timeout
        while last_record(stream)["clip_max_norm"] != threshold and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # and stays there
        assert last_record(stream)["clip_max_norm"] == threshold

    try:
        pane.wait("the loop's records", lambda s: "single" in s and "on, ‖g‖ ≤ 100" in s, timeout=120)
        keys("c--------")
        loop_clips_at(0)
        pane.wait("clipping off, as c left it", lambda s: "off (c)" in s)
        keys("c")
        loop_clips_at(100 / 2 ** 8)
        keys("++++++")
        loop_clips_at(100 / 2 ** 2)
        pane.wait("the loop's clipping on screen", lambda s: "on, ‖g‖ ≤ 25" in s)
    finally:
        pane.close()
        loop.kill()
        loop.wait()


def test_a_closed_scopes_file_is_shown_ended(tmp_path):
    """The scope closed (the with block ended): the view shows the file ENDED, where it
    read "WAITING FOR RECORDS … following" for ever."""
    import torch
    import rnnscope
    from helpers import Net, batches
    stream = tmp_path / "run.jsonl"
    model = Net("gru")
    with rnnscope.watch(model.rnn, str(stream), every=1, title="closed loop") as scope:
        for x, y in batches(3):
            torch.nn.functional.mse_loss(model(x), y).backward()
            scope.step()
    pane = Pane(tmp_path, f"'{BIN}' watch '{stream}' --speed max; sleep 30")
    try:
        pane.wait("the records, ended", lambda s: "closed loop" in s and "ENDED" in s and "3, ended" in s, timeout=30)
        assert "following" not in pane.screen()
    finally:
        pane.close()
