#!/usr/bin/env bash
# Two or more rnnscope binaries against each other on one `bench` line, in
# alternating runs (7 rounds), each started the same way: copied to a folder of
# its own, all folder names the same length, and run as ./rnnscope (the length
# of the command line once moved where malloc put W_hh, and batch 1 with it:
# docs/performance.md, "Where malloc put W_hh"), and the machine's speed
# moves from minute to minute, so only alternating runs compare.
#
#   Benchmarks/ab.sh "--hidden 128 --steps 100 --batch 1 --inputs 8 --iterations 4000" old/rnnscope .build/release/rnnscope
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 \"bench arguments\" BINARY BINARY..." >&2; exit 2; }
args=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=()
n=0
for bin in "$@"; do
    [ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 2; }
    d=$(printf '%s/%02d' "$work" "$n"); mkdir "$d"; cp "$bin" "$d/rnnscope"; dirs+=("$d"); n=$((n + 1))
done
declare -A times
for _ in 1 2 3 4 5 6 7; do
    for d in "${dirs[@]}"; do
        # shellcheck disable=SC2086
        ms=$(cd "$d" && ./rnnscope bench $args --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ms_per_iteration"])')
        times[$d]="${times[$d]:-} $ms"
    done
done
i=0
for bin in "$@"; do
    d=${dirs[$i]}
    printf '%s: %s\n' "$bin" "$(tr ' ' '\n' <<<"${times[$d]}" | grep . | sort -g |
        awk '{a[NR] = $1} END {printf "median %.4f ms (min %.4f, max %.4f) of %d", a[int((NR + 1) / 2)], a[1], a[NR], NR}')"
    i=$((i + 1))
done
printf 'load %s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
