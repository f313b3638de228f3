#!/usr/bin/env bash
# capture-overhead.sh - what capturing costs a program: the Python JSON round
# trip (PYTHONMALLOC=malloc) run ROUNDS times untraced and traced by the
# capture library exactly as `allocscope capture` sets it up (LD_PRELOAD and
# the raw directory). Each round runs the two back to back, in alternating
# order, and yields one ratio: on a shared machine whose speed drifts over
# seconds, a ratio of neighbours is steadier than a ratio of medians. Prints
# the median ratio with its quartiles, both medians, and then the time
# `allocscope capture` takes to convert the same run's records after it exits.
# With HEAPTRACK=1 each round also runs the program under heaptrack (an
# independent tracer) for a ratio taken the same way.
# Usage: [HEAPTRACK=1] scripts/capture-overhead.sh [ROUNDS] [RECORDS]
set -euo pipefail
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
cd "$(dirname "$0")/.."
rounds=${1:-21}
records=${2:-60000}
lib=$PWD/build/liballocscope_capture.so
prog=$PWD/scripts/workload-programs/json_roundtrip.py
py=$(command -v /usr/bin/python3 || command -v python3)
for f in "$lib" build/allocscope; do
	[ -e "$f" ] || { echo "capture-overhead: $f is missing: run make" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYTHONMALLOC=malloc PYTHONHASHSEED=0

heaptrack=${HEAPTRACK:-0}
if [ "$heaptrack" = 1 ] && ! command -v heaptrack >/dev/null; then
	echo "capture-overhead: HEAPTRACK=1 but heaptrack is not installed" >&2
	exit 2
fi

# Microseconds of one run of the program: plain, traced or heaptrack.
run_us() {
	local start end
	start=${EPOCHREALTIME/./}
	case $1 in
	traced) LD_PRELOAD="$lib" ALLOCSCOPE_CAPTURE_DIR="$work/raw" "$py" "$prog" "$records" >/dev/null ;;
	heaptrack) heaptrack -o "$work/raw/ht" "$py" "$prog" "$records" >/dev/null 2>&1 ;;
	*) "$py" "$prog" "$records" >/dev/null ;;
	esac
	end=${EPOCHREALTIME/./}
	echo $((end - start))
}

for i in $(seq "$rounds"); do
	mkdir "$work/raw"
	if [ $((i % 2)) -eq 1 ]; then
		plain=$(run_us plain); traced=$(run_us traced)
	else
		traced=$(run_us traced); plain=$(run_us plain)
	fi
	ht=0
	if [ "$heaptrack" = 1 ]; then
		ht=$(run_us heaptrack)
	fi
	rm -rf "$work/raw"
	echo "$plain $traced $ht" >>"$work/rounds"
done

awk -v rounds="$rounds" -v records="$records" '
function sort(v, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
}
function q(v, n, f,    k) { k = int(f * (n - 1) + 0.5) + 1; return v[k] }
{ p[NR] = $1; t[NR] = $2; r[NR] = $2 / $1; h[NR] = $3 / $1 }
END {
	sort(p, NR); sort(t, NR); sort(r, NR); sort(h, NR)
	printf "python JSON round trip of %d records, %d rounds:\n", records, rounds
	printf "  untraced median %.3f s, traced median %.3f s\n", q(p, NR, 0.5) / 1e6, q(t, NR, 0.5) / 1e6
	printf "  traced/untraced per round: median %.3f (quartiles %.3f .. %.3f, all %.3f .. %.3f)\n",
		q(r, NR, 0.5), q(r, NR, 0.25), q(r, NR, 0.75), r[1], r[NR]
	if (h[NR] > 0)
		printf "  heaptrack/untraced per round: median %.3f (quartiles %.3f .. %.3f)\n",
			q(h, NR, 0.5), q(h, NR, 0.25), q(h, NR, 0.75)
}' "$work/rounds"

build/allocscope capture -o "$work/trace.yaml" -- "$py" "$prog" "$records" 2>"$work/capture.err" ||
	{ cat "$work/capture.err" >&2; exit 1; }
sed -n 's/^allocscope: \(ran .* s\); traces:$/  allocscope capture: \1/p; s/^allocscope: \(conversion to YAML took .*\)$/  then \1/p; s/^  [^ ]*trace.yaml: /  trace: /p' \
	"$work/capture.err"
