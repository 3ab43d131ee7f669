#!/usr/bin/env python3
"""ρ and σ_max of an H × H Gaussian matrix (N(0, 1/H)) by the libraries the
hand-written solvers could be replaced with, cold, to the same tolerances:
ARPACK's implicitly restarted Arnoldi (dnaupd, through scipy's eigs) with
the same 100-vector space, ARPACK's Lanczos on WᵀW (svds) and LAPACK's dgeev
(every eigenvalue). Compare with `rnnscope bench --spectral --hidden H`.
Needs numpy and scipy.

  python3 Benchmarks/spectral_libraries.py [--hidden 1024]
"""
import argparse, time
import numpy as np
import scipy.linalg as la
import scipy.sparse.linalg as sla


def median_ms(f, runs):
    times, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter(); value = f(); times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2] * 1e3, value


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    h = a.hidden
    w = (np.random.default_rng(1).standard_normal((h, h)) / np.sqrt(h)).astype(np.float32).astype(np.float64)
    arnoldi = lambda: abs(sla.eigs(w, k=1, which="LM", ncv=min(100, h - 1), tol=1e-7, return_eigenvectors=False)[0])
    ms, rho = median_ms(arnoldi, a.runs)
    print(f"H={h}: ARPACK Arnoldi (eigs, 100 vectors, tol 1e-7): ρ = {rho:.8f} in {ms:.1f} ms")
    ms, sigma = median_ms(lambda: sla.svds(w, k=1, tol=1e-8, return_singular_vectors=False)[0], a.runs)
    print(f"H={h}: ARPACK Lanczos (svds, tol 1e-8): σ_max = {sigma:.8f} in {ms:.1f} ms")
    ms, rho = median_ms(lambda: np.abs(la.eigvals(w)).max(), max(1, a.runs // 2))
    print(f"H={h}: LAPACK dgeev (every eigenvalue): ρ = {rho:.8f} in {ms:.1f} ms")


if __name__ == "__main__":
    main()
