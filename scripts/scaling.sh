#!/usr/bin/env bash
# scaling.sh - the strategies' speed at a large live set, and as it grows:
# replays scripts/specs/live-100k.yaml and live-1m.yaml (about 1e5 and 1e6
# blocks live, 2 million events of churn) against every strategy in one run,
# then prints ns/event at 1M relative to glibc (system) and the growth of
# ns/event from 100k to 1M live blocks.
# Usage: scripts/scaling.sh [REPS] [STRATEGIES]   (needs about 3 GiB of memory)
set -euo pipefail
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
cd "$(dirname "$0")/.."
reps=${1:-3}
strategies=${2:-system,jemalloc,tlsf,segregated,first-fit,best-fit,next-fit,buddy,simple-seg}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
build/allocscope run -a "$strategies" -w scripts/specs/live-100k.yaml,scripts/specs/live-1m.yaml \
	-n "$reps" --no-latency --no-cache -o "$out" >/dev/null
awk -F, '
	NR == 1 { next }
	$10 != "ok" { bad[$2] = $10; next }
	{ ns[$1, $2] = $6; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		printf "%-12s %12s %12s %14s %16s\n", "strategy", "ns@100k", "ns@1M", "1M vs system", "1M vs 100k"
		for (i = 1; i <= n; i++) {
			s = order[i]
			printf "%-12s %12.1f %12.1f %13.2fx %15.2fx\n", s, ns["live-100k", s], ns["live-1m", s],
				ns["live-1m", s] / ns["live-1m", "system"], ns["live-1m", s] / ns["live-100k", s]
		}
		for (s in bad) printf "%-12s %s\n", s, bad[s]
	}' "$out"/latest/throughput.csv
