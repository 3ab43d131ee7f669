#!/bin/sh
# Times ρ(W_hh) and σ_max(W_hh) of an H×H Gaussian matrix (N(0, 1/H), in Float
# as the trainer holds it) at sizes either side of powers of two, where a
# column-strided loop used to fall into the same cache sets (a 4–7× cliff),
# and either side of 128, where every eigenvalue gives way to Arnoldi.
# Each line: the median of 5 runs, and the products A·v restarted Arnoldi took.
# The machine's load comes first: quote figures from a quiet machine.
# Usage: Benchmarks/spectral.sh [path/to/rnnscope]   (default: a release build)
set -e
cd "$(dirname "$0")/.."
bin=${1:-.build/release/rnnscope}
[ -x "$bin" ] || swift build -c release --product rnnscope
uptime
for h in 128 129 255 256 511 512 1023 1024 2047 2048; do
    "$bin" bench --spectral --hidden "$h" --iterations 5
done
