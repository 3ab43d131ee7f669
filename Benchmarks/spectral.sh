#!/bin/sh
# Times ρ(W_hh) and σ_max(W_hh) at sizes either side of powers of two, where a
# column-strided loop used to fall into the same cache sets (a 4–7× cliff).
# Usage: Benchmarks/spectral.sh [path/to/rnnscope]   (default: a release build)
set -e
cd "$(dirname "$0")/.."
bin=${1:-.build/release/rnnscope}
[ -x "$bin" ] || swift build -c release --product rnnscope
for h in 255 256 511 512 1023 1024 2047 2048; do
    "$bin" bench --spectral --hidden "$h" --iterations 1
done
