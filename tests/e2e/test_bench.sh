#!/usr/bin/env bash
# test_bench.sh - `allocscope bench` and `run` end to end in a scratch
# directory: the results layout of SPEC §7, exact CSV headers, one row per
# workload x strategy, sane figures, meta.yaml, exit codes, no overwriting;
# README's out-of-tree plugin build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
enter_scratch

mkdir workloads
write_hand_trace workloads/hand.yaml
write_mixed_trace workloads/mixed.yaml

strategies=system,first-fit,best-fit,tlsf,buddy
if [ "${ALLOCSCOPE_SANITIZE:-0}" != 1 ]; then
	strategies=$strategies,jemalloc # a preloaded library cannot share a process with ASan
fi
n_strat=$(echo "$strategies" | tr ',' '\n' | wc -l)

"$ALLOCSCOPE" bench -a "$strategies" -n 2 >bench.out 2>bench.err
check "bench exits 0" test $? -eq 0
check "no progress lines when stderr is not a terminal" test -z "$(grep ETA bench.err)"
check "results/latest is a symlink to a run" test -L results/latest -a -d results/latest
r=results/latest

th='workload,strategy,params,reps,events,ns_per_op_median,ns_per_op_min,ns_per_op_max,mops_per_sec,status'
fh='workload,strategy,peak_live_bytes,peak_heap_bytes,heap_at_peak_live_bytes,live_at_peak_heap_bytes,frag_peaks,internal_frag_bytes,utilization,max_rss_bytes,status'
check "throughput.csv header is the contract" test "$(head -n 1 $r/throughput.csv)" = "$th"
check "fragmentation.csv header is the contract" test "$(head -n 1 $r/fragmentation.csv)" = "$fh"
check "one throughput row per workload x strategy" \
	test "$(tail -n +2 $r/throughput.csv | wc -l)" -eq $((2 * n_strat))
check "one fragmentation row per workload x strategy" \
	test "$(tail -n +2 $r/fragmentation.csv | wc -l)" -eq $((2 * n_strat))
check "every throughput row ok with ns_per_op > 0" \
	awk -F, 'NR > 1 && !($10 == "ok" && $6 > 0 && $7 <= $6 && $6 <= $8 && $4 == 2) { bad = 1 } END { exit bad }' $r/throughput.csv
# Under ASan, glibc's malloc is not the allocator: mallinfo2 says nothing.
nosys=$([ "${ALLOCSCOPE_SANITIZE:-0}" = 1 ] && echo system || echo none)
check "peak_heap >= peak_live on every row" \
	awk -F, -v skip="$nosys" 'NR > 1 && $2 != skip && !($11 == "ok" && $4 >= $3 && $3 > 0) { bad = 1 } END { exit bad }' $r/fragmentation.csv
check "hand trace peak live is 228 bytes for every strategy" \
	awk -F, '$1 == "hand" && $3 != 228 { bad = 1 } END { exit bad }' $r/fragmentation.csv
# Worked by hand for first fit (8-byte headers, 16-byte blocks): at the peak
# (228 live after the realloc) the blocks hold 48 of 56, 80 of 88 and 100 of
# 104 usable bytes, 20 of slack; the heap is one 4 KiB step plus one page of
# index nodes. frag_peaks = 8192/228 - 1, utilization = 228/8192.
check "hand x first-fit: every fragmentation figure as worked by hand" \
	grep -q '^hand,first-fit,228,8192,8192,228,34.929825,20,0.027832,[0-9]*,ok$' $r/fragmentation.csv
check "every row: frag_peaks = heap/live - 1, utilization = live/heap, #2 >= live, #3 <= live" \
	awk -F, -v skip="$nosys" 'function abs(x) { return x < 0 ? -x : x }
		NR > 1 && $2 != skip && $11 == "ok" && (abs($7 - ($4 / $3 - 1)) > 1e-5 ||
		abs($9 - $3 / $4) > 1e-5 || $5 < $3 || $6 > $3 || $5 > $4) { bad = 1 }
		END { exit bad }' $r/fragmentation.csv
check "every throughput row: mops_per_sec = 1000 / ns_per_op_median" \
	awk -F, 'function abs(x) { return x < 0 ? -x : x }
		NR > 1 && $10 == "ok" && abs($9 - 1000 / $6) > 0.002 * $9 + 0.0015 { bad = 1 }
		END { exit bad }' $r/throughput.csv
check "params column holds the defaults" \
	grep -q '^hand,first-fit,order=address:step=4096,' $r/throughput.csv
check "timeline files exist with ~1000 samples" \
	test "$(wc -l < "$r/timeline/mixed__tlsf.csv")" -gt 900
check "a timeline runs from event 0 to the last (3000), heap >= live throughout" \
	awk -F, 'NR == 2 && $1 != 0 { bad = 1 } NR > 1 { last = $1; if ($3 < $2) bad = 1 }
		END { exit bad || last != 3000 }' "$r/timeline/mixed__tlsf.csv"
check "meta.yaml records glibc, libyaml and the command" \
	grep -q 'glibc: "2' $r/meta.yaml
if [ "${ALLOCSCOPE_SANITIZE:-0}" != 1 ]; then
	check "meta.yaml names jemalloc's own version" grep -q 'jemalloc: "jemalloc [0-9]' $r/meta.yaml
	# (a pipe after `check` would swallow its verdict: the line is a test)
	check "jemalloc rows are really jemalloc (version recorded)" \
		test -n "$(grep -A2 'strategy: "jemalloc"' $r/meta.yaml | grep 'version: "jemalloc [0-9]')"
fi
check "no INCOMPLETE marker in a finished run" test ! -e $r/INCOMPLETE
check "summary table printed" grep -q 'vs system' bench.out

first=$(readlink results/latest)
"$ALLOCSCOPE" run -a system -w workloads/hand.yaml -n 1 >/dev/null 2>&1
second=$(readlink results/latest)
check "a second run gets a new directory" test "$first" != "$second" -a -d "results/$first"

expect_exit 2 "unknown strategy is bad input" "$ALLOCSCOPE" run -a nosuch -w workloads/hand.yaml
expect_exit 2 "unknown parameter is bad input" "$ALLOCSCOPE" run -a first-fit:colour=red -w workloads/hand.yaml
expect_exit 2 "bad parameter value is bad input" "$ALLOCSCOPE" run -a first-fit:order=sideways -w workloads/hand.yaml
expect_exit 2 "missing trace is bad input" "$ALLOCSCOPE" run -a system -w nosuch.yaml
expect_exit 2 "bad -n is bad usage" "$ALLOCSCOPE" run -a system -w workloads/hand.yaml -n zero
expect_exit 2 "a lib: path that is not there is bad input" "$ALLOCSCOPE" run -a lib:/nonexistent/libm.so -w workloads/hand.yaml
printf 'allocscope: 1\nname: big\nevents:\n  - [m, 1, 2305843009213693952]\n' > big.yaml
"$ALLOCSCOPE" run -a first-fit -w big.yaml --max-size 18446744073709551615 --size-scale 4 \
	-o big >/dev/null 2>big.err
rc=$?
[ "$rc" -eq 2 ] && grep -q "big.yaml: its largest request" big.err && [ ! -d big ] &&
	ok "a request that --size-scale would overflow is bad input, before any run" ||
	fail "size-scale overflow: exit $rc: $(cat big.err)"
expect_exit 2 "check: a bad parameter value is bad input, as for run" "$ALLOCSCOPE" check -a first-fit:step=0 -w workloads/hand.yaml
for spec in "buddy:min= 32" "tlsf:sl=+16" "segregated:sub=0x4" "first-fit:step= 4096"; do
	expect_exit 2 "'$spec': a value is digits only" "$ALLOCSCOPE" run -a "$spec" -w workloads/hand.yaml
done
: > afile
expect_exit 2 "-o onto a regular file is bad usage" "$ALLOCSCOPE" run -a system -w workloads/hand.yaml -o afile
mkdir -p ownlatest && echo mine >ownlatest/latest
"$ALLOCSCOPE" run -a system -w workloads/hand.yaml -o ownlatest >/dev/null 2>ownlatest.err
rc=$?
[ "$rc" -eq 2 ] && grep -q "^ownlatest/latest: error: exists and is not a symbolic link" ownlatest.err &&
	[ "$(cat ownlatest/latest)" = mine ] && [ "$(ls ownlatest)" = latest ] &&
	ok "a user's own file named latest: exit 2 up front, the file kept, no run" ||
	fail "a user's own latest: exit $rc, $(cat ownlatest.err)"
expect_exit 2 "a trailing colon is bad input (buddy: would be a row key of its own)" \
	"$ALLOCSCOPE" run -a buddy: -w workloads/hand.yaml
expect_exit 2 "a strategy holding a newline is bad input (every CSV row and plot is keyed by it)" \
	"$ALLOCSCOPE" run -a "$(printf 'lib:/tmp/a\nb.so')" -w workloads/hand.yaml
expect_exit 2 "a parameter given twice is bad input" "$ALLOCSCOPE" run -a first-fit:order=lifo:order=fifo -w workloads/hand.yaml
expect_exit 2 "an empty --label is bad usage" "$ALLOCSCOPE" run -a system -w workloads/hand.yaml --label ''
expect_exit 2 "a --label too long for the directory name is bad usage" "$ALLOCSCOPE" run -a system -w workloads/hand.yaml --label "$(printf 'x%.0s' $(seq 65))"
many=$(printf 'first-fit:order=lifo,%.0s' $(seq 257))
"$ALLOCSCOPE" run -a "$many" -w workloads/hand.yaml >/dev/null 2>many.err
[ $? -eq 2 ] && grep -q "more than 256 strategies" many.err &&
	ok "more strategies than fit is bad usage, not cut short" || fail "257 strategies: $(cat many.err)"
"$ALLOCSCOPE" check -a first-fit >/dev/null 2>chk.err
[ $? -eq 2 ] && grep -q "^allocscope: error: check: needs -w TRACE" chk.err &&
	ok "check without -w says so" || fail "check without -w: $(head -n 1 chk.err)"
expect_exit 2 "a strategy named twice is bad usage" "$ALLOCSCOPE" run -a first-fit,tlsf,first-fit -w workloads/hand.yaml
expect_exit 2 "-n above 1000 is bad usage" "$ALLOCSCOPE" run -a system -w workloads/hand.yaml -n 1001
# Option mistakes are said the harness's way in every subcommand, exit 2.
for sub in run bench check info gen capture import selfbench; do
	"$ALLOCSCOPE" $sub --bogus >/dev/null 2>opt.err
	rc=$?
	[ "$rc" -eq 2 ] && grep -qx "allocscope: error: $sub: unknown option '--bogus'" opt.err &&
		ok "$sub --bogus: exit 2, said as an allocscope error" ||
		fail "$sub --bogus: exit $rc: $(head -n 1 opt.err)"
done
"$ALLOCSCOPE" run -w workloads/hand.yaml -a >/dev/null 2>opt.err
[ $? -eq 2 ] && grep -qx "allocscope: error: run: option '-a' needs a value" opt.err &&
	ok "a missing option value is named" || fail "run -a: $(head -n 1 opt.err)"
"$ALLOCSCOPE" list extra >/dev/null 2>opt.err
[ $? -eq 2 ] && grep -q "^allocscope: error: list: unexpected argument 'extra'" opt.err &&
	ok "list with an argument: exit 2, said" || fail "list extra: $(head -n 1 opt.err)"
expect_exit 0 "run --help" "$ALLOCSCOPE" run --help
expect_exit 0 "list" "$ALLOCSCOPE" list
check "bad input wrote no results directory" test "$(ls results | grep -vc latest)" -eq 2

"$ALLOCSCOPE" check -a first-fit,tlsf,system -w workloads/mixed.yaml >check.out 2>&1
check "check passes for valid strategies" test $? -eq 0
# A trace read from a pipe cannot be read twice: the replay takes the cache.
"$ALLOCSCOPE" check -a first-fit -w <(cat workloads/mixed.yaml) >check-pipe.out 2>&1
check "check of a trace from a pipe" grep -q '^ok .* every block valid' check-pipe.out
# Every strategy the registry lists as available here passes check, so a
# strategy added to registry.c is checked without a line of its own (under
# ASan, less the preloaded libraries, which cannot share its process).
registered=$("$ALLOCSCOPE" list | awk -v san="${ALLOCSCOPE_SANITIZE:-0}" '
	$2 == "available" && !(san == 1 && /\(preloaded\)/) { printf "%s%s", sep, $1; sep = "," }')
"$ALLOCSCOPE" check -a "$registered" -w workloads/mixed.yaml >registry.out 2>&1
check "check passes for every available strategy ($registered)" \
	test $? -eq 0 -a "$(grep -c '^ok ' registry.out)" -eq "$(echo "$registered" | tr , '\n' | wc -l)"

# Every repetition asked for is kept (an earlier version kept 64).
"$ALLOCSCOPE" run -a first-fit -w workloads/hand.yaml -n 70 --no-latency --no-cache -o many \
	>/dev/null 2>&1
reps=$(awk -F, 'NR == 2 { print $4 }' many/latest/throughput.csv 2>/dev/null)
check "-n 70 gives 70 reps (got '$reps')" test "$reps" = 70

# README's out-of-tree plugin build, exactly as written there.
A=$here/../../allocators
cp "$A/plugins/example_bump.c" mine.c
if cc -O2 -fPIC -shared -I "$A" mine.c "$A/os_heap.c" -o mine.so 2>cc.err; then
	"$ALLOCSCOPE" check -a plugin:./mine.so -w workloads/mixed.yaml >plugin.out 2>&1
	check "a plugin built outside the tree as README says passes check" test $? -eq 0
else
	fail "README's plugin build command: $(cat cc.err)"
fi

# A trace that never holds a byte peaks (at 0 live bytes) where it starts:
# its heap at peak live is the heap the strategy started with, not 0.
printf 'allocscope: 1\nname: empty\nevents: []\n' >empty.yaml
"$ALLOCSCOPE" run -a first-fit -w empty.yaml -n 1 --no-latency --no-cache -o res-empty \
	>/dev/null 2>&1
check "an empty trace: heap at peak live is the starting heap" awk -F, \
	'NR == 2 { exit !($3 == 0 && $4 > 0 && $5 == $4) }' res-empty/latest/fragmentation.csv

# README's worked example: the in-house strategies' frag_peaks on ramp are
# deterministic, so the figures shown must be what a run gives today.
inhouse="first-fit next-fit best-fit segregated simple-seg buddy tlsf"
"$ALLOCSCOPE" run -a "$(echo $inhouse | tr ' ' ,)" -w "$here/../../workloads/ramp.yaml" -n 1 \
	--no-latency --no-cache -o example >/dev/null 2>&1
awk -F, 'NR > 1 { printf "%s %.3f\n", $2, $7 }' example/latest/fragmentation.csv >example.got
awk -v names=" $inhouse " '/^ramp \(/ { shown = 1; next } shown && /^\.\.\./ { exit }
	shown && index(names, " " $1 " ") { print $1, $5 }' "$here/../../README.md" >example.shown
if [ "$(wc -l <example.got)" -eq 7 ] && cmp -s example.got example.shown; then
	ok "README's worked example shows today's frag_peaks for the 7 in-house strategies"
else
	fail "README's worked example frag_peaks differ from a run: $(diff example.shown example.got | tr '\n' ' ')"
fi
# On a terminal, progress redraws one line ([n/total] strategy × workload
# pass ETA), cut to the terminal's width so that it never wraps.
if command -v script >/dev/null 2>&1; then
	script -qec "stty cols 30; '$ALLOCSCOPE' run -a first-fit,system -w workloads/hand.yaml -n 2 \
		--no-cache -o res-tty >/dev/null" typescript >/dev/null 2>&1
	check "a run on a terminal exits 0" test $? -eq 0
	tr '\r' '\n' <typescript | sed -n 's/^\x1b\[K//p' | sed 's/\xc3\x97/x/g' >progress.txt
	check "it shows progress as [n/total] strategy × workload" grep -q '^\[1/8\] first-fit x hand' progress.txt
	check "every progress line fits 29 columns of a 30-column terminal" \
		awk 'length($0) > 29 { bad = 1 } END { exit bad || NR < 8 }' progress.txt
else
	skip "progress on a terminal: no script(1) here"
fi

finish
