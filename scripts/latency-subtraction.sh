#!/usr/bin/env bash
# latency-subtraction.sh - is the latency pass's timer subtraction right, on
# every (workload, strategy)? Runs `allocscope selfbench --latency-only` for
# each pair (touch=none, REPS fresh processes of each loop) and sets the
# latency mean beside the serialised loop less the fences alone: the same
# calls, waited for with the same fences, but no clock read and nothing
# subtracted. Their ratio is 1 when the subtraction is right; the ratio to the
# untimed loop (what latency-check.sh compares) is printed beside it.
# Prints a table, then the two ratios by the calls' untimed speed (the
# table of README's "Latency against throughput"); exits 0 when every ratio
# lies within 1 +- TOLERANCE (default 0.25), 1 when some do not, 2 on bad
# usage.
# usage: scripts/latency-subtraction.sh [-n REPS] [-t TOLERANCE] [-a STRAT,..] [TRACE..]
#   default: every available strategy on workloads/*.yaml and workloads/captured/*.yaml
set -uo pipefail
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
cd "$(dirname "$0")/.."
allocscope=${ALLOCSCOPE:-build/allocscope}
reps=3 tolerance=0.25 strategies=
usage() { echo "usage: scripts/latency-subtraction.sh [-n REPS] [-t TOLERANCE] [-a STRAT,..] [TRACE..]" >&2; exit 2; }
while getopts n:t:a: opt; do
	case $opt in
	n) reps=$OPTARG ;;
	t) tolerance=$OPTARG ;;
	a) strategies=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $reps in '' | *[!0-9]* | 0) echo "latency-subtraction: error: -n '$reps': want a count from 1" >&2; exit 2 ;; esac
awk -v t="$tolerance" 'BEGIN { exit !(t ~ /^[0-9]*\.?[0-9]+$/ && t > 0 && t < 1) }' ||
	{ echo "latency-subtraction: error: -t '$tolerance': want a fraction between 0 and 1" >&2; exit 2; }
[ -x "$allocscope" ] || { echo "latency-subtraction: error: '$allocscope' not built (make)" >&2; exit 2; }
if [ -z "$strategies" ]; then
	strategies=$("$allocscope" list | awk '$2 == "available" { printf "%s%s", sep, $1; sep = "," }')
fi
if [ $# -eq 0 ]; then
	set -- workloads/*.yaml
	[ -d workloads/captured ] && set -- "$@" workloads/captured/*.yaml
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

printf '%-14s %-12s %9s %9s %9s %9s %9s %11s\n' workload strategy untimed serial fences latency lat/untim lat/calls
within=0 rows=0 failed=0
for trace in "$@"; do
	name=$(basename "$trace" .yaml)
	for strategy in ${strategies//,/ }; do
		csv=$out/$name-$strategy.csv
		if ! "$allocscope" selfbench --latency-only -w "$trace" -a "$strategy" -n "$reps" \
			-o "$csv" >/dev/null 2>"$out/err"; then
			printf '%-14s %-12s  selfbench failed: %s\n' "$name" "$strategy" "$(tail -1 "$out/err")"
			failed=$((failed + 1))
			continue
		fi
		line=$(awk -F, -v tol="$tolerance" '
			NR > 1 { v[$1] = $2 }
			END {
				calls = v["latency_vs_serialized_calls_ratio"]
				off = calls == "" || calls < 1 - tol || calls > 1 + tol
				printf "%9.1f %9.1f %9.1f %9.1f %9.3f %11s%s\n", v["untimed_ns_per_event"],
					v["serialized_ns_per_event"], v["fences_alone_ns_per_event"],
					v["latency_mean_ns"], v["latency_vs_untimed_ratio"],
					calls == "" ? "-" : sprintf("%.3f", calls), off ? "  OUTSIDE" : ""
			}' "$csv")
		printf '%-14s %-12s %s\n' "$name" "$strategy" "$line" | tee -a "$out/rows"
		rows=$((rows + 1))
		case $line in *OUTSIDE) ;; *) within=$((within + 1)) ;; esac
	done
done
# By the calls' untimed speed: the shorter the call, the more of it the
# waiting takes away, so the two ratios part there.
[ -s "$out/rows" ] && awk -v tol="$tolerance" '
function band(ns, workload) {
	if (workload == "tiny") return 4
	return ns >= 50 ? 1 : ns >= 20 ? 2 : 3
}
function within(r) { return r != "-" && r >= 1 - tol && r <= 1 + tol }
{
	b = band($3, $1); n[b]++
	r1 = $7; r2 = $8
	if (!(b in lo1) || r1 < lo1[b]) lo1[b] = r1
	if (!(b in hi1) || r1 > hi1[b]) hi1[b] = r1
	sum1[b] += r1; in1[b] += within(r1)
	if (r2 != "-") {
		if (!(b in lo2) || r2 < lo2[b]) lo2[b] = r2
		if (!(b in hi2) || r2 > hi2[b]) hi2[b] = r2
		sum2[b] += r2; n2[b]++
	}
	in2[b] += within(r2)
}
END {
	name[1] = "50 ns or more"; name[2] = "20 to 50 ns"; name[3] = "below 20 ns"; name[4] = "tiny"
	printf "\n%-14s %5s   %-22s %7s   %-22s %7s\n", "untimed", "rows", "latency/untimed", "within",
		"latency/serial calls", "within"
	for (b = 1; b <= 4; b++) {
		if (!n[b]) continue
		printf "%-14s %5d   %.2f-%.2f, mean %.2f %9d   ", name[b], n[b], lo1[b], hi1[b],
			sum1[b] / n[b], in1[b]
		if (n2[b]) printf "%.2f-%.2f, mean %.2f %9d\n", lo2[b], hi2[b], sum2[b] / n2[b], in2[b]
		else printf "%-22s %7d\n", "-", in2[b]
	}
	print ""
}' "$out/rows"
pct=$(awk -v t="$tolerance" 'BEGIN { printf "%.0f", t * 100 }')
echo "$within of $rows rows within $pct% of the serialised calls; $failed failed"
[ "$within" -eq "$rows" ] && [ "$failed" -eq 0 ]
