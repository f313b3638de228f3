#!/bin/sh
# plot.sh RESULTS_DIR - renders the plots of a results directory (SPEC §7)
# into RESULTS_DIR/plots/ as PNG and SVG. plot-*.awk check and pivot each CSV
# into tab-separated files in a temporary directory; scripts/*.gp draw them.
# A CSV that is absent is skipped; one that cannot be plotted fails (exit 1).
set -u
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48 (and gnuplot likewise).
export LC_ALL=C

prog=plot.sh
usage="usage: scripts/plot.sh RESULTS_DIR   (make plots RESULTS=dir)"

case "${1:-}" in
-h | --help) echo "$usage"; exit 0 ;;
'') echo "$prog: error: no results directory given" >&2; echo "$usage" >&2; exit 2 ;;
esac
results=${1%/}
if [ ! -d "$results" ]; then
	echo "$prog: error: '$results' is not a directory" >&2
	exit 2
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "$prog: error: gnuplot not found ('make deps' installs gnuplot-nox)" >&2
	exit 1
fi
if ! [ -f "$results/throughput.csv" ] && ! [ -f "$results/fragmentation.csv" ] &&
	! [ -f "$results/latency.csv" ] && ! [ -f "$results/cache.csv" ] &&
	! [ -d "$results/timeline" ]; then
	echo "$prog: error: '$results' holds no results (no CSV of SPEC §7, no timeline/)" >&2
	[ -e "$results/latest" ] && echo "$prog: note: the newest run is '$results/latest'" >&2
	exit 2
fi
scripts=$(cd "$(dirname "$0")" && pwd)
plots=$results/plots
mkdir -p "$plots" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/allocscope-plot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"; rm -f "$plots"/.*.partial.png "$plots"/.*.partial.svg' EXIT
trap 'exit 1' INT TERM HUP

if gnuplot -e 'print GPVAL_TERMINALS' 2>&1 | grep -qw pngcairo; then
	pngterm=pngcairo
else
	pngterm=png
fi
failed=0

# A gnuplot string literal: single quotes, '' inside.
gp_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

fail() {
	echo "$prog: error: $*" >&2
	failed=1
}

# pivot NAME AWKSCRIPT FILE.. - runs the check-and-pivot step; returns 1
# (after reporting) when the CSV cannot be plotted or has no rows.
pivot() {
	name=$1 script=$2
	shift 2
	awk -v out="$tmp" -f "$scripts/plot-csv.awk" -f "$scripts/$script" "$@"
	case $? in
	0) return 0 ;;
	3) echo "$prog: skipping $name: no rows" ;;
	*) fail "cannot plot '$name'" ;;
	esac
	return 1
}

# render SCRIPT OUTNAME [GNUPLOT-ASSIGNMENTS] - draws plots/OUTNAME.png and
# .svg; gnuplot's messages are shown only when it fails.
# Each image is drawn under a hidden name and renamed over the old one only
# when whole, so a failed re-render keeps the plot that was there.
render() {
	gp=$1 outbase=$plots/$2 partial=$plots/.$2.partial extra=${3:-}
	for fmt in png svg; do
		if ! gnuplot -e "dir=$(gp_quote "$tmp"); scripts=$(gp_quote "$scripts");
			fmt='$fmt'; pngterm='$pngterm'; outbase=$(gp_quote "$partial"); $extra" \
			"$scripts/$gp" 2>"$tmp/gnuplot.err" || [ ! -s "$partial.$fmt" ] ||
			! mv -f "$partial.$fmt" "$outbase.$fmt"; then
			rm -f "$partial.$fmt"
			cat "$tmp/gnuplot.err" >&2
			fail "gnuplot failed on '$gp' for '$2.$fmt'"
			return 1
		fi
	done
	echo "$prog: wrote $outbase.png and .svg"
}

# A workload name as part of a file name (SPEC names are [A-Za-z0-9._-]+).
file_part() {
	printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'
}

# The CSV whose rows give the other plots their strategy order and each
# row's status, or nothing when the run has none.
runs_file() {
	[ -f "$results/throughput.csv" ] && printf '%s' "$results/throughput.csv"
}

# present NAME - true when RESULTS/NAME exists, else says it is skipped.
present() {
	[ -f "$results/$1" ] && return 0
	echo "$prog: skipping $1: not found in '$results'"
	return 1
}

plot_throughput() {
	present throughput.csv && pivot throughput.csv plot-throughput.awk \
		"$results/throughput.csv" || return
	render throughput.gp throughput "mode='abs'"
	if grep -q '^any_system = 1' "$tmp/throughput-def.gp"; then
		render throughput.gp throughput-vs-system "mode='rel'"
	else
		echo "$prog: skipping throughput-vs-system: no 'system' rows"
	fi
}

plot_fragmentation() {
	present fragmentation.csv && pivot fragmentation.csv plot-fragmentation.awk \
		"$results/fragmentation.csv" || return
	render heatmap.gp fragmentation "def='frag-def.gp'"
}

plot_cache() {
	present cache.csv && pivot cache.csv plot-cache.awk -v runs="$(runs_file)" \
		"$results/cache.csv" || return
	render heatmap.gp cache "def='cache-def.gp'"
}

# One file per workload: ~12 strategies x 5 kinds x 4 percentiles is too
# much for one chart.
plot_latency() {
	present latency.csv && pivot latency.csv plot-latency.awk -v runs="$(runs_file)" \
		"$results/latency.csv" || return
	while IFS='	' read -r i workload; do
		render latency.gp "latency-$(file_part "$workload")" "wi=$i"
	done <"$tmp/latency-workloads.txt"
}

# The heap-over-time files are matched to the workloads the other CSVs name.
plot_timeline() {
	if [ ! -d "$results/timeline" ]; then
		echo "$prog: skipping heap over time: no timeline/ in '$results'"
		return
	fi
	for f in throughput.csv latency.csv fragmentation.csv cache.csv; do
		[ -f "$results/$f" ] && awk -F, 'FNR > 1 { print $1 }' "$results/$f"
	done | sort -u >"$tmp/known-workloads.txt"
	find "$results/timeline" -maxdepth 1 -type f -name '*.csv' | LC_ALL=C sort |
		awk -v out="$tmp" -v known="$tmp/known-workloads.txt" -v runs="$(runs_file)" \
			-f "$scripts/plot-csv.awk" -f "$scripts/plot-timeline.awk"
	case $? in
	0) ;;
	3) echo "$prog: skipping heap over time: no timeline/*.csv"; return ;;
	*) fail "cannot plot 'timeline/'"; return ;;
	esac
	while IFS='	' read -r i workload; do
		render timeline.gp "heap-$(file_part "$workload")" "wi=$i"
	done <"$tmp/timeline-workloads.txt"
}

plot_throughput
plot_latency
plot_timeline
plot_fragmentation
plot_cache
exit $failed
