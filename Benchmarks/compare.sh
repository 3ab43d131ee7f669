#!/usr/bin/env bash
# Side-by-side benchmark: `rnnscope bench` against a from-scratch NumPy RNN,
# PyTorch eager and JAX compiled with XLA, on the same machine in one run, for
# the configurations in README, with the machine's sgemm peak (NumPy, n = 2048)
# for the batched lines. Needs python3 with numpy, torch and jax (pip install
# numpy torch jax). Your own model against PyTorch: Benchmarks/own_model.py.
#
#   Benchmarks/compare.sh            # all configurations
#   Benchmarks/compare.sh cells      # only the LSTM and GRU table
#   SECONDS_PER_RUN=5 Benchmarks/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SECONDS_PER_RUN:-3}

swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)/rnnscope

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
# The peers run with OpenBLAS's own choice of kernels and cache sizes: the
# machine's environment may pin them (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) for
# other work, which would hold NumPy and PyTorch below what they reach here.
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$@"; }
ms_of_peer() { peer "Benchmarks/peers/$1" --hidden "$2" --steps "$3" --batch "$4" --inputs 8 --seconds "$secs" ${5:+--cell "$5"} 2>/dev/null | field ms_per_iteration; }

# The machine's sgemm peak, as NumPy reaches it at n = 2048: the batched lines
# give rnnscope's GFLOP/s as a fraction of it.
peak=$(peer Benchmarks/peers/sgemm_peak.py --n 2048 --seconds "$secs" | field gflops)
printf 'load %s; NumPy sgemm peak (n = 2048): %.0f GFLOP/s\n\n' "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)" "$peak"

# The gated cells: the same iteration with an LSTM or GRU cell, against PyTorch
# eager and JAX (the whole iteration one XLA program), each configuration run
# back to back so that the three share the machine's state.
cells() {
    printf '| cell | hidden | T | batch | rnnscope ms | GFLOP/s | of sgemm peak | PyTorch ms | JAX ms | vs faster peer |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|\n'
    for cell in lstm gru; do
        for cfg in "128 100 1" "256 100 32"; do
            set -- $cfg
            ours=$("$bin" bench --cell "$cell" --hidden "$1" --steps "$2" --batch "$3" --inputs 8 --json)
            ms=$(echo "$ours" | field ms_per_iteration); gf=$(echo "$ours" | field gflops)
            pt=$(ms_of_peer peer_torch.py "$1" "$2" "$3" "$cell" || echo nan)
            jx=$(ms_of_peer peer_jax.py "$1" "$2" "$3" "$cell" || echo nan)
            python3 - "$cell" "$1" "$2" "$3" "$ms" "$gf" "$pt" "$jx" "$peak" <<'PY'
import sys, math
cell, h, t, b, ms, gf, pt, jx, peak = sys.argv[1:]
ms, gf, pt, jx, peak = float(ms), float(gf), float(pt), float(jx), float(peak)
best = min(x for x in (pt, jx) if not math.isnan(x))
share = f"{gf / peak:.0%}" if int(b) > 1 else "—"
print(f"| {cell} | {h} | {t} | {b} | {ms:.3f} | {gf:.1f} | {share} | {pt:.2f} | {jx:.2f} | {best / ms:.2f}× faster |")
PY
        done
    done
}
if [ "${1:-}" = cells ]; then cells; exit 0; fi

printf '| hidden | T | batch | rnnscope ms | GFLOP/s | of sgemm peak | NumPy ms | PyTorch ms | JAX ms | vs fastest peer |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for cfg in "128 100 1" "128 1000 1" "256 200 32" "512 100 64"; do
    set -- $cfg
    ours=$("$bin" bench --hidden "$1" --steps "$2" --batch "$3" --inputs 8 --json)
    ms=$(echo "$ours" | field ms_per_iteration); gf=$(echo "$ours" | field gflops)
    np=$(ms_of_peer peer_numpy.py "$1" "$2" "$3")
    pt=$(ms_of_peer peer_torch.py "$1" "$2" "$3" || echo nan)
    jx=$(ms_of_peer peer_jax.py "$1" "$2" "$3" || echo nan)
    python3 - "$1" "$2" "$3" "$ms" "$gf" "$np" "$pt" "$jx" "$peak" <<'PY'
import sys, math
h, t, b, ms, gf, np_, pt, jx, peak = sys.argv[1:]
ms, gf, np_, pt, jx, peak = float(ms), float(gf), float(np_), float(pt), float(jx), float(peak)
best = min(x for x in (np_, pt, jx) if not math.isnan(x))
share = f"{gf / peak:.0%}" if int(b) > 1 else "—"  # batch 1 is bound by L2, not by FMAs
print(f"| {h} | {t} | {b} | {ms:.3f} | {gf:.1f} | {share} | {np_:.2f} | {pt:.2f} | {jx:.2f} | {best / ms:.2f}× faster |")
PY
done

# Long sequences: time must grow linearly in T, memory stay near the hidden states.
short=$("$bin" bench --hidden 64 --steps 1000 --batch 1 --inputs 8 --json | field ms_per_iteration)
long=$("$bin" bench --hidden 64 --steps 100000 --batch 1 --inputs 8 --iterations 5 --json | field ms_per_iteration)
rss=$( { /usr/bin/time -f '%M' "$bin" bench --hidden 64 --steps 100000 --batch 1 --inputs 8 --iterations 3 --json >/dev/null; } 2>&1 | tail -1)
python3 - "$short" "$long" "$rss" <<'PY'
import sys
short, long_, rss_kb = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
states_mb = 100000 * 64 * 4 / 2**20
print(f"\nH=64, B=1: T=1,000 {short:.3f} ms, T=100,000 {long_:.1f} ms: ratio {long_ / short:.0f} (linear = 100)")
print(f"peak RSS at T=100,000: {rss_kb / 1024:.1f} MiB; the hidden states alone are {states_mb:.1f} MiB ({rss_kb / 1024 / states_mb:.2f}×)")
PY

echo
cells
