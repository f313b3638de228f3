#!/usr/bin/env bash
# test_plots.sh - scripts/plot.sh on tests/data/results-sample (copied to a
# scratch directory): every expected PNG and SVG exists and is a real image,
# labels come through CSV quoting, an absent CSV is skipped, a malformed one
# fails with its file and line, and timeline names split at known workloads
# and show the strategy as typed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
plot=$root/scripts/plot.sh
sample=$root/tests/data/results-sample

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "gnuplot not found: skipping the plot tests ('make deps' installs gnuplot-nox)"
	skip "plots need gnuplot"
	finish
	exit
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fresh NAME: a copy of the sample at $work/NAME, without plots.
fresh() {
	cp -r "$sample" "$work/$1"
	rm -rf "$work/$1/plots"
}

# is_image FILE KIND MIN_BYTES: `file` says KIND and FILE is not a stub.
is_image() {
	[ -f "$1" ] && [ "$(wc -c <"$1")" -ge "$3" ] && file -b "$1" | grep -q "$2"
}

# render NAME: runs plot.sh on $work/NAME once; the exit code goes to
# $work/NAME.rc, stdout and stderr together to $work/NAME.log.
render() {
	"$plot" "$work/$1" >"$work/$1.log" 2>&1
	echo $? >"$work/$1.rc"
}

# exit_was NAME CODE / log_has NAME TEXT: what that one run did.
exit_was() { [ "$(cat "$work/$1.rc")" -eq "$2" ]; }
log_has() { grep -qF -- "$2" "$work/$1.log"; }

fresh all
render all
if exit_was all 0; then
	ok "plot.sh renders the sample (exit 0)"
else
	fail "plot.sh renders the sample"
	sed 's/^/# /' "$work/all.log"
fi
out=$work/all/plots
for name in throughput throughput-vs-system fragmentation cache \
	latency-python-json latency-ramp_peaks latency-malloclab-binary \
	heap-python-json heap-ramp_peaks heap-malloclab-binary; do
	check "$name.png is a PNG of 20 KB or more" is_image "$out/$name.png" 'PNG image data' 20000
	check "$name.svg is an SVG of 10 KB or more" is_image "$out/$name.svg" 'SVG' 10000
done
count=$(find "$out" -type f | wc -l)
if [ "$count" -eq 20 ]; then ok "exactly 20 files in plots/"; else fail "exactly 20 files in plots/ (found $count)"; fi
check "a quoted strategy name reaches the axis labels" \
	grep -q 'first-fit:order=lifo' "$out/throughput.svg"
check "a crashed row is labelled, not plotted" grep -q 'crashed:SIGSEGV' "$out/throughput.svg"
check "a skipped row is in the footnote" grep -q 'tlsf skipped:unavailable on python-json' \
	"$out/fragmentation.svg"
check "the cache title names the source" grep -q 'source: sim' "$out/cache.svg"
check "absent figures are n/a, not zero" grep -q '>n/a<' "$out/cache.svg"
check "a figure absent on every row gets no panel" \
	test -z "$(grep 'dTLB misses per 1000' "$out/cache.svg")"
check "cache colours compare within a workload" grep -q "the workload's lowest" "$out/cache.svg"
check "a run with no cache row is in the cache footnote with its status" \
	grep -q 'tlsf has no cache row (skipped:unavailable) on python-json' "$out/cache.svg"
check "the speed plot reads as the summary does: above 1 is faster" \
	grep -q 'above 1 is faster than system' "$out/throughput-vs-system.svg"
check "a crashed run is named under its latency plot" \
	grep -q 'first-fit:order=lifo has no latency rows (crashed:SIGSEGV)' "$out/latency-malloclab-binary.svg"
# Heap panels follow throughput.csv's order (the command line's), not the
# timeline files' alphabetical one; a long trace counts events in thousands.
order=$(grep -o '>\(system\|first-fit\|first-fit:order=lifo\|buddy:min=32\|tlsf\)<' \
	"$out/heap-ramp_peaks.svg" | tr -d '<>' | paste -sd, -)
check "heap panels follow the runs' order ($order)" \
	test "$order" = "system,first-fit,first-fit:order=lifo,buddy:min=32,tlsf"
check "a long trace's events are counted in thousands" \
	grep -q 'event index (thousands)' "$out/heap-ramp_peaks.svg"
check "heap panels are titled by the strategy as typed" \
	grep -q '>first-fit:order=lifo<' "$out/heap-python-json.svg"

# make plots takes RESULTS as one word, spaces and quotes included.
cp -r "$sample" "$work/it's a run"
rm -rf "$work/it's a run/plots"
make -C "$root" --no-print-directory plots RESULTS="$work/it's a run" >"$work/make.log" 2>&1
check "make plots renders a RESULTS path with a space and a quote" test $? -eq 0
check "into that directory" is_image "$work/it's a run/plots/throughput.png" PNG 20000

# In a decimal-comma locale awk would read 19.48 as 19 and gnuplot print
# 19,48: the plots must come out byte for byte as they do in C.
if comma_locale "$work/locale"; then
	fresh comma
	env $comma_env "$plot" "$work/comma" >"$work/comma.log" 2>&1
	check "a decimal-comma locale renders the sample (exit 0)" test $? -eq 0
	check "and draws the same plots as the C locale" diff -rq "$out" "$work/comma/plots"
else
	skip "a decimal-comma locale's plots: no such locale here"
fi

fresh missing
rm "$work/missing/cache.csv"
render missing
check "an absent cache.csv is not an error" exit_was missing 0
check "an absent cache.csv is reported as skipped" log_has missing 'skipping cache.csv: not found'
check "no cache plot without cache.csv" test ! -e "$work/missing/plots/cache.png"
check "the other plots are still drawn" is_image "$work/missing/plots/fragmentation.png" PNG 20000

# A run that had no cache source has a cache.csv of the header alone: no
# cache plot (not a panel of grey cells under a made-up source).
fresh nocache
head -n 1 "$sample/cache.csv" >"$work/nocache/cache.csv"
render nocache
check "a cache.csv with no rows is not an error" exit_was nocache 0
check "it is reported as having no rows" log_has nocache 'skipping cache.csv: no rows'
check "and draws no cache plot" test ! -e "$work/nocache/plots/cache.png"

fresh header
sed -i '1s/frag_peaks/fragpeaks/' "$work/header/fragmentation.csv"
render header
check "a renamed column fails (exit 1)" exit_was header 1
check "the error names the file, line and column" log_has header \
	"fragmentation.csv:1: error: column 7 is 'fragpeaks', expected 'frag_peaks'"
check "the plots of good CSVs are still drawn" is_image "$work/header/plots/throughput.png" PNG 20000

# A gnuplot that fails halfway through an image (a stand-in that writes a
# stub where it was told to, then exits 1) must not cost the plots that
# were there.
fresh rerender
render rerender
mkdir "$work/bin"
cat >"$work/bin/gnuplot" <<'SH'
#!/bin/sh
out=$(printf '%s' "$2" | sed -n "s/.*outbase='\([^']*\)'.*/\1/p")
fmt=$(printf '%s' "$2" | sed -n "s/.*fmt='\([a-z]*\)'.*/\1/p")
[ -n "$out" ] && echo stub >"$out.$fmt"
exit 1
SH
chmod +x "$work/bin/gnuplot"
cp "$work/rerender/plots/fragmentation.png" "$work/rerender-before.png"
PATH="$work/bin:$PATH" "$plot" "$work/rerender" >"$work/rerender.log" 2>&1
check "a failing gnuplot fails the render (exit 1)" test $? -eq 1
check "a failed re-render keeps the plot that was there" \
	cmp -s "$work/rerender-before.png" "$work/rerender/plots/fragmentation.png"
check "and leaves no partial image behind" \
	test -z "$(ls -A "$work/rerender/plots" | grep partial)"

fresh number
sed -i '3s/,0.1111,/,abc,/' "$work/number/fragmentation.csv"
render number
check "a non-number in an ok row fails at its line" log_has number \
	"fragmentation.csv:3: error: frag_peaks is 'abc', not a number"

fresh quote
sed -i '5s/"min=32,step=65536"/"min=32,step=65536/' "$work/quote/throughput.csv"
render quote
check "an unbalanced quote fails (exit 1)" exit_was quote 1
check "and says where" log_has quote 'throughput.csv:5: error: unbalanced quote'

fresh width
echo 'ramp_peaks,system,malloc,1,2,3' >>"$work/width/latency.csv"
render width
check "a short row fails" log_has width 'error: expected 11 fields, found 6'

fresh timeline
echo '12,abc,5' >>"$work/timeline/timeline/ramp_peaks__tlsf.csv"
render timeline
check "a malformed timeline fails (exit 1)" exit_was timeline 1
check "and says where" log_has timeline "ramp_peaks__tlsf.csv:1002: error: live_bytes is 'abc'"

fresh infinite
echo '12,1e999,5' >>"$work/infinite/timeline/ramp_peaks__tlsf.csv"
render infinite
check "a number out of range fails at its line" log_has infinite \
	"ramp_peaks__tlsf.csv:1002: error: live_bytes is '1e999', out of range"

# A row with nothing ever live has no frag_peaks (empty): its cell says so.
fresh nolive
sed -i '3s/^python-json,first-fit,18874368,20971520,20971520,18612224,0.1111,786432,0.9000,/python-json,first-fit,0,20971520,20971520,0,,0,,/' \
	"$work/nolive/fragmentation.csv"
render nolive
check "a row with nothing live renders (exit 0)" exit_was nolive 0
check "and its cell says nothing was live" grep -q '>nothing live<' "$work/nolive/plots/fragmentation.svg"

# A workload whose name holds "__" keeps it: the split is at the known name.
fresh dunder
for f in "$work"/dunder/*.csv; do sed -i 's/^ramp_peaks,/ramp__peaks,/' "$f"; done
for f in "$work"/dunder/timeline/ramp_peaks__*; do mv "$f" "${f/ramp_peaks__/ramp__peaks__}"; done
render dunder
check "a workload named with __ gets its own heap plot" \
	is_image "$work/dunder/plots/heap-ramp__peaks.png" PNG 20000
check "and its panels are the strategies" grep -q '>buddy:min=32<' "$work/dunder/plots/heap-ramp__peaks.svg"

# A plugin's path is escaped in the file name (src/timeline.c) and shown as
# typed in the panel title.
fresh escaped
for f in "$work"/escaped/*.csv; do sed -i 's|^ramp_peaks,tlsf,|ramp_peaks,plugin:/tmp/x_y.so,|' "$f"; done
mv "$work/escaped/timeline/ramp_peaks__tlsf.csv" \
	"$work/escaped/timeline/ramp_peaks__plugin:%2Ftmp%2Fx_y.so.csv"
render escaped
check "an escaped timeline name renders (exit 0)" exit_was escaped 0
check "and its panel is titled with the strategy as typed" \
	grep -q '>plugin:/tmp/x_y.so<' "$work/escaped/plots/heap-ramp_peaks.svg"

expect_exit 2 "a results directory that does not exist is bad usage" "$plot" "$work/nothing"
mkdir -p "$work/root/20261130-000000" && ln -s 20261130-000000 "$work/root/latest"
"$plot" "$work/root" >"$work/root.log" 2>&1
check "a directory with no results in it is bad input (exit 2)" test $? -eq 2
check "and the error says so" grep -q "'$work/root' holds no results" "$work/root.log"
check "and points at the newest run beside it" grep -q "the newest run is '$work/root/latest'" "$work/root.log"
check "and no plots/ is left in it" test ! -e "$work/root/plots"
expect_exit 0 "--help exits 0" "$plot" --help
finish
