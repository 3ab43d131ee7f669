#!/usr/bin/env python3
"""What rnnscope.watch costs a PyTorch loop: an LSTM (H 256, T 100, B 32, I 32) on
CPU, the plain loop against the same loop watched, in alternating blocks so that
both see the machine in the same state. Reports the mean time of a plain
iteration, of a watched iteration that is not recorded and of one that is (the
extra forward and backward of the recurrent layers, and ρ/σ_max), as a % of the
plain one, and the average over `every` iterations; means, and medians beside
them (another process's burst moves a mean a lot and a median little).

    python3 Benchmarks/watch_overhead.py [--every 25] [--rounds 10] [--threads 2] [--json]

Needs torch and the package (pip install ./python, or run from the checkout).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import rnnscope  # noqa: E402

H, T, B, I = 256, 100, 32, 32


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(I, H)
        self.fc = torch.nn.Linear(H, I)

    def forward(self, x):
        return self.fc(self.lstm(x)[0])


def iteration(model, opt, x, y, clip, step=None):
    start = time.perf_counter()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    clip(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
    if step is not None:
        step(loss)
    return time.perf_counter() - start


def measure(every, rounds, spectral):
    torch.manual_seed(0)
    plain, watched = Model(), Model()
    data = [(torch.randn(T, B, I), torch.randn(T, B, I)) for _ in range(4)]
    opt_p = torch.optim.SGD(plain.parameters(), lr=1e-3)
    opt_w = torch.optim.SGD(watched.parameters(), lr=1e-3)
    folder = tempfile.mkdtemp()
    scope = rnnscope.watch(watched.lstm, os.path.join(folder, "run.jsonl"), every=every, spectral=spectral)
    for i in range(3):  # warm up both
        iteration(plain, opt_p, *data[i % 4], torch.nn.utils.clip_grad_norm_)
        iteration(watched, opt_w, *data[i % 4], scope.clip_grad_norm_, scope.step)
    times = {"plain": [], "recorded": [], "unrecorded": []}
    # Plain and watched iterations alternate one by one, so that a busy machine slows both alike.
    for i in range(rounds * every):
        x, y = data[i % 4]
        times["plain"].append(iteration(plain, opt_p, x, y, torch.nn.utils.clip_grad_norm_))
        recorded = scope._recording
        dt = iteration(watched, opt_w, x, y, scope.clip_grad_norm_, scope.step)
        times["recorded" if recorded else "unrecorded"].append(dt)
    scope.close()
    return times


def overheads(plain, rec, unrec, every):
    average = (rec + (every - 1) * unrec) / every
    return {"recorded_pct": 100 * (rec / plain - 1), "unrecorded_pct": 100 * (unrec / plain - 1),
            "average_pct": 100 * (average / plain - 1)}


def report(times, every):
    """Means, as asked; medians beside them, which a busy machine's stalls do not move."""
    keys = ("plain", "recorded", "unrecorded")
    means = {k: 1000 * statistics.mean(times[k]) for k in keys}
    medians = {k: 1000 * statistics.median(times[k]) for k in keys}
    return {"every": every, "mean_ms": means, "median_ms": medians,
            "mean_overhead": overheads(*(means[k] for k in keys), every),
            "median_overhead": overheads(*(medians[k] for k in keys), every),
            "samples": {k: len(v) for k, v in times.items()}}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--every", type=int, default=25)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-spectral", action="store_true", help="watch with spectral=False")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    r = report(measure(a.every, a.rounds, not a.no_spectral), a.every)
    r.update(threads=a.threads, torch=torch.__version__, load=os.getloadavg()[0], spectral=not a.no_spectral)
    if a.json:
        print(json.dumps(r))
        return
    print(f"LSTM H {H}, T {T}, B {B}, I {I}, CPU, {a.threads} threads, torch {torch.__version__}, "
          f"load {r['load']:.1f}, spectral {'on' if r['spectral'] else 'off'}")
    print(f"{'':22} {'mean':>9} {'':>9} {'median':>9}")
    for label, key in (("plain iteration", "plain"), ("watched, not recorded", "unrecorded"),
                       ("watched, recorded", "recorded")):
        mean, median = r["mean_ms"][key], r["median_ms"][key]
        pct = "" if key == "plain" else f"{r['mean_overhead'][key + '_pct']:+8.1f}%"
        mpct = "" if key == "plain" else f"{r['median_overhead'][key + '_pct']:+8.1f}%"
        print(f"{label:22} {mean:7.1f}ms {pct:>9} {median:7.1f}ms {mpct:>9}")
    print(f"{'average, every ' + str(a.every):22} {'':9} {r['mean_overhead']['average_pct']:+8.1f}% "
          f"{'':9} {r['median_overhead']['average_pct']:+8.1f}%")


if __name__ == "__main__":
    main()
