#!/usr/bin/env python3
"""The machine's single-precision matrix-product peak as NumPy (OpenBLAS) reaches
it: C = A·B for n × n float32 matrices, the best of several products, as JSON
{"gflops": …}. The figure the batched iterations are held against.

  python3 sgemm_peak.py [--n 2048] [--seconds 3]
"""
import argparse, json, time
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2048); ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.n, a.n)).astype(np.float32); y = rng.standard_normal((a.n, a.n)).astype(np.float32)
    out = np.empty_like(x)
    np.matmul(x, y, out=out)
    best, end = float("inf"), time.perf_counter() + a.seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter(); np.matmul(x, y, out=out); best = min(best, time.perf_counter() - t0)
    print(json.dumps({"gflops": 2 * a.n ** 3 / best / 1e9, "n": a.n, "ms": best * 1e3}))

if __name__ == "__main__":
    main()
