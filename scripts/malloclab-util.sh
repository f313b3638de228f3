#!/usr/bin/env bash
# malloclab-util.sh - each strategy's utilization (peak live / peak heap, the
# malloc-lab figure) on the CS:APP malloc-lab traces: imports every .rep in
# DATA (default ../shared/data/malloclab), replays them once per strategy and
# prints a table with the average per strategy.
# Usage: scripts/malloclab-util.sh [DATA_DIR] [STRATEGIES] [extra run options..]
# ($ALLOCSCOPE names the binary; default build/allocscope.)
set -euo pipefail
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
cd "$(dirname "$0")/.."
allocscope=${ALLOCSCOPE:-build/allocscope}
data=${1:-../shared/data/malloclab}
strategies=${2:-first-fit,first-fit:order=lifo,next-fit,best-fit,segregated,simple-seg,buddy,tlsf,system}
shift 2 2>/dev/null || shift $#
[ -d "$data" ] || { echo "malloclab-util: no traces in '$data'" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
traces=()
for rep in "$data"/*.rep; do
	name=$(basename "$rep" .rep)
	"$allocscope" import --from malloclab "$rep" -o "$work/$name.yaml" 2>/dev/null
	traces+=("$work/$name.yaml")
done
list=$(IFS=,; echo "${traces[*]}")
"$allocscope" run -a "$strategies" -w "$list" -n 1 --no-latency --no-cache \
	-o "$work/results" "$@" >/dev/null
awk -F, '
	NR == 1 { next }
	{
		if (!($1 in w)) { w[$1] = 1; wl[++nw] = $1 }
		if (!($2 in s)) { s[$2] = 1; sl[++ns] = $2 }
		u[$1, $2] = ($11 == "ok") ? sprintf("%.1f%%", 100 * $9) : $11
		if ($11 == "ok") { sum[$2] += $9; cnt[$2]++ }
	}
	END {
		# Each column as wide as its strategy; an average of no ok row is "-".
		for (j = 1; j <= ns; j++) cw[j] = length(sl[j]) > 10 ? length(sl[j]) : 10
		printf "%-20s", "trace"; for (j = 1; j <= ns; j++) printf " %*s", cw[j], sl[j]; printf "\n"
		for (i = 1; i <= nw; i++) {
			printf "%-20s", wl[i]; for (j = 1; j <= ns; j++) printf " %*s", cw[j], u[wl[i], sl[j]]; printf "\n"
		}
		printf "%-20s", "average"
		for (j = 1; j <= ns; j++)
			printf " %*s", cw[j], cnt[sl[j]] ? sprintf("%.1f%%", 100 * sum[sl[j]] / cnt[sl[j]]) : "-"
		printf "\n"
	}' "$work"/results/latest/fragmentation.csv
