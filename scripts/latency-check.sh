#!/bin/sh
# latency-check.sh - checks the latency pass's timer subtraction against the
# throughput pass: per (workload, strategy) of a results directory, the
# event-weighted mean of latency.csv's per-call means against throughput.csv's
# ns_per_op_median. Meaningful for a run with --touch none (both passes then
# do the same work). Prints a table with the ratio per row; exits 0 when every
# ratio lies within 1 +- TOLERANCE (default 0.25), 1 when some do not, 2 on
# bad input.
# usage: scripts/latency-check.sh [-t TOLERANCE] RESULTS_DIR
set -eu
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
tolerance=0.25
if [ "${1:-}" = "-t" ]; then
	tolerance=${2:?usage: latency-check.sh [-t TOLERANCE] RESULTS_DIR}
	shift 2
fi
dir=${1:?usage: latency-check.sh [-t TOLERANCE] RESULTS_DIR}
for f in throughput.csv latency.csv; do
	if [ ! -r "$dir/$f" ]; then
		echo "latency-check: error: cannot read '$dir/$f'" >&2
		exit 2
	fi
done
if [ -r "$dir/meta.yaml" ] && ! grep -q '^  touch: none' "$dir/meta.yaml"; then
	echo "latency-check: note: '$dir' was not run with --touch none: touching is in the" \
		"throughput figure but not in the latency one" >&2
fi

awk -v tol="$tolerance" -f "$here/plot-csv.awk" -f /dev/stdin \
	"$dir/throughput.csv" "$dir/latency.csv" <<'AWK'
FNR == 1 { file++; next }
/^[ \t\r]*$/ { next }
{
	if (csv_split($0, f) < 0)
		csv_fail(FILENAME, FNR, "unbalanced quote")
	key = f[1] SUBSEP f[2]
}
file == 1 {
	if (f[10] != "ok" || f[6] == "")
		next
	thr_ns[key] = f[6]
	order[++n] = key
	next
}
file == 2 {
	weighted[key] += f[4] * f[5]
	count[key] += f[4]
}
END {
	if (csv_failed)
		exit 2
	printf "%-16s %-24s %10s %12s %7s\n", "workload", "strategy", "ns/event", "latency-mean", "ratio"
	for (i = 1; i <= n; i++) {
		key = order[i]
		split(key, part, SUBSEP)
		if (!(key in count) || count[key] == 0 || thr_ns[key] <= 0) {
			printf "%-16s %-24s %10.1f %12s %7s  no latency rows\n", part[1], part[2], thr_ns[key], "-", "-"
			bad++
			continue
		}
		mean = weighted[key] / count[key]
		ratio = mean / thr_ns[key]
		off = ratio < 1 - tol || ratio > 1 + tol
		printf "%-16s %-24s %10.1f %12.1f %7.3f%s\n", part[1], part[2], thr_ns[key], mean, ratio,
			off ? "  OUTSIDE" : ""
		bad += off
		sum += ratio; rows++
		if (rows == 1 || ratio < lo) lo = ratio
		if (rows == 1 || ratio > hi) hi = ratio
	}
	if (rows)
		printf "%d of %d rows within %.0f%% (ratios %.3f .. %.3f, mean %.3f)\n", n - bad, n, tol * 100, lo, hi, sum / rows
	exit bad ? 1 : 0
}
AWK
