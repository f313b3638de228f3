#!/usr/bin/env bash
# capture-overhead.sh - what `allocscope capture` costs a program: runs the
# Python JSON round trip (PYTHONMALLOC=malloc) N times untraced and N times
# with the capture library recording, alternating, and prints the median
# wall times and their ratio. Usage: scripts/capture-overhead.sh [N] [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-15}
records=${2:-60000}
lib=$PWD/build/liballocscope_capture.so
prog=$PWD/scripts/workload-programs/json_roundtrip.py
py=$(command -v /usr/bin/python3 || command -v python3)
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
export PYTHONMALLOC=malloc PYTHONHASHSEED=0

seconds() { # seconds CMD..: wall time of CMD in seconds
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	echo "$(((end - start) / 1000))" | awk '{ printf "%.4f\n", $1 / 1e6 }'
}

mkdir "$raw/rec"
for _ in $(seq "$n"); do
	seconds "$py" "$prog" "$records" >>"$raw/plain"
	seconds env LD_PRELOAD="$lib" ALLOCSCOPE_CAPTURE_DIR="$raw/rec" "$py" "$prog" "$records" >>"$raw/traced"
	rm -rf "$raw/rec"; mkdir "$raw/rec"
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p=$(median "$raw/plain")
t=$(median "$raw/traced")
awk -v p="$p" -v t="$t" -v n="$n" 'BEGIN {
	printf "untraced median %.3f s, traced median %.3f s, ratio %.3f (%d runs each)\n", p, t, t / p, n }'
