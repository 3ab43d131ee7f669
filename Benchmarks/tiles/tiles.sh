#!/usr/bin/env bash
# Compares the broadcast kernel's tile shapes (Sources/Kernels/TileShape.swift)
# on this machine: the kernels compiled alone for each shape, the products a
# core runs in the batched recurrence timed on one pinned core (thread CPU
# time, best of 7), and a hash of the bits of 90 products, the same for every
# shape. Run it several times on a busy machine: only the best rounds count.
#
#   Benchmarks/tiles/tiles.sh [ROUNDS]     (default 3)
#   RNNSCOPE_CPU=haswell Benchmarks/tiles/tiles.sh    (compiled for another CPU, as Package.swift takes it)
#   SHAPES="12x2 6x1" Benchmarks/tiles/tiles.sh      (only these shapes)
set -euo pipefail
cd "$(dirname "$0")"
k=../../Sources/Kernels
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
shapes="${SHAPES:-12x2 8x3 6x4 4x6 6x1}"
for t in $shapes; do
    swiftc -O -wmo -target-cpu "${RNNSCOPE_CPU:-native}" -D "TILE_$t" -module-name Kernels -package-name rnnscope -o "$out/tiles_$t" \
        main.swift $k/Gemm.swift $k/PackedOperand.swift $k/FloatKernels.swift $k/MicroKernels.swift \
        $k/Packing.swift $k/Parallel.swift $k/WorkerPool.swift $k/Denormals.swift $k/TileShape.swift
done
echo "load $(cut -d' ' -f1 /proc/loadavg)"
for _ in $(seq "${1:-3}"); do
    for t in $shapes; do taskset -c 1 "$out/tiles_$t" 2>/dev/null || "$out/tiles_$t"; done
done
