#!/usr/bin/env bash
# test_measure.sh - the latency and cache passes end to end: latency.csv and
# cache.csv with the SPEC §7 headers, one latency row per (workload,
# strategy, call kind in the trace) with the trace's exact counts and ordered
# percentiles, one cache row per (workload, strategy) from hardware counters
# or callgrind (forced here too), the --cache-events bound, empty fields only
# where documented, meta.yaml's record, the options, latency-check.sh, and
# selfbench's CSV (every figure present and positive, -a naming the strategy
# of the latency rows, --latency-only; its bad usage) and
# latency-subtraction.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
enter_scratch
export TMPDIR="$work"

write_hand_trace hand.yaml
write_mixed_trace mixed.yaml
mixed_m=$(grep -c '\[m,' mixed.yaml)
mixed_f=$(grep -c '\[f,' mixed.yaml)

strategies=system,first-fit,tlsf
sanitize=${ALLOCSCOPE_SANITIZE:-0}
if [ "$sanitize" != 1 ]; then
	strategies=$strategies,jemalloc # a preloaded library cannot share a process with ASan
fi
n_strat=$(echo "$strategies" | tr ',' '\n' | wc -l)

ALLOCSCOPE_NO_HW_COUNTERS=1 "$ALLOCSCOPE" run -a "$strategies" -w hand.yaml,mixed.yaml -n 1 \
	--touch none --cache-events 1000 -o res >run.out 2>run.err
rc=$?
check "run with the latency and cache passes exits 0" test $rc -eq 0
[ $rc -eq 0 ] || cat run.err
r=res/latest

lh='workload,strategy,op,count,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns'
ch='workload,strategy,source,events,instructions,cycles,l1d_misses,llc_misses,dtlb_misses'
check "latency.csv header is the contract" test "$(head -n 1 $r/latency.csv)" = "$lh"
check "cache.csv header is the contract" test "$(head -n 1 $r/cache.csv)" = "$ch"

# hand has five kinds of call, mixed two.
check "one latency row per workload x strategy x call kind" \
	test "$(tail -n +2 $r/latency.csv | wc -l)" -eq $((7 * n_strat))
# Every call is recorded (a slow one less its time off the CPU).
check "latency counts are the trace's" awk -F, -v m="$mixed_m" -v f="$mixed_f" '
	NR == 1 { next }
	$1 == "hand" { want = $3 == "malloc" ? 2 : 1 }
	$1 == "mixed" { want = $3 == "malloc" ? m : $3 == "free" ? f : 0 }
	$4 != want { bad = 1 }
	END { exit bad }' $r/latency.csv
check "meta.yaml counts the calls that lost the CPU and the time they lost" \
	awk '/^  off_cpu_calls: [0-9]+$/ { n++ } /^  off_cpu_ns: [0-9]+$/ { n++ }
		END { exit n != 2 }' $r/meta.yaml

# Preempted calls, with a busy loop sharing the replay's CPU so that the
# scheduler takes it away every few ms. tests/plugins/slow.so does 1 ns of
# CPU work per KiB asked. 32 MiB calls (33 us) with a 32 MiB memset between
# them (about 3 ms): the switches fall in the touching, which must not be
# charged to the call after it (an earlier rule left a quarter of these
# calls out; charging the touch would put the max over a millisecond). 16 GiB
# calls (17 ms of work, longer than a time slice) do lose the CPU: each is
# recorded, at its work's time rather than at the twice as long it took.
slow=$repo/$BUILD/tests/plugins/slow.so
if [ -f "$slow" ] && command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	repeat_pair() { # NAME SIZE COUNT: COUNT mallocs of SIZE, each freed
		printf 'allocscope: 1\nname: %s\nevents:\n' "$1"
		for _ in $(seq "$3"); do printf '  - [m, 1, %s]\n  - [f, 1]\n' "$2"; done
	}
	repeat_pair touched 33554432 100 >touched.yaml
	repeat_pair longer 17179869184 20 >longer.yaml
	taskset -c 0 sh -c 'while :; do :; done' &
	hog=$!
	taskset -c 0 "$ALLOCSCOPE" run -a "plugin:$slow" -w touched.yaml -n 1 --no-cache \
		--touch all -o res-touched >/dev/null 2>&1
	taskset -c 0 "$ALLOCSCOPE" run -a "plugin:$slow" -w longer.yaml -n 1 --no-cache \
		--touch none -o res-longer >/dev/null 2>&1
	kill "$hog"
	wait "$hog" 2>/dev/null
	row=$(awk -F, '$3 == "malloc" { printf "%d %.0f %.0f", $4, $6 / 1000, $11 / 1000 }' \
		res-touched/latest/latency.csv 2>/dev/null)
	check "33 us calls after a long touch: all 100 recorded, p50 under 100 us, max under 1 ms (count, p50, max us: $row)" \
		awk -v row="$row" 'BEGIN { split(row, f, " "); exit !(f[1] == 100 && f[2] < 100 && f[3] < 1000) }'
	row=$(awk -F, '$3 == "malloc" { printf "%d %.2f", $4, $5 / 1e6 }' \
		res-longer/latest/latency.csv 2>/dev/null)
	left=$(awk '/^  off_cpu_calls:/ { print $2 }' res-longer/latest/meta.yaml 2>/dev/null)
	check "17 ms calls on a shared CPU: all 20 recorded, mean within 10% of the work's 16.78 ms (count, mean ms: $row)" \
		awk -v row="$row" 'BEGIN { split(row, f, " "); exit !(f[1] == 20 && f[2] > 15.1 && f[2] < 18.5) }'
	check "and counted as off the CPU in meta.yaml ($left of 20)" test "${left:-0}" -ge 15
else
	skip "preempted calls: no taskset, no CPU 0 or no $slow"
fi
check "latency figures are filled, non-negative and ordered" awk -F, '
	NR > 1 { for (i = 4; i <= 11; i++) if ($i == "" || $i < 0) bad = 1
		 if (!($6 <= $7 && $7 <= $8 && $8 <= $9 && $9 <= $10 && $10 <= $11)) bad = 1 }
	END { exit bad }' $r/latency.csv
check "op names are the plots' (malloc calloc aligned realloc free)" awk -F, '
	NR > 1 && $3 !~ /^(malloc|calloc|aligned|realloc|free)$/ { bad = 1 } END { exit bad }' $r/latency.csv
check "meta.yaml records the timer and its cost" \
	grep -qE '^  timer: "(tsc|clock)"' $r/meta.yaml
check "meta.yaml records a cost between 0 and 1000 ns" awk '
	/^  subtracted_ns_min:/ { if ($2 > 0 && $2 < 1000) ok = 1 } END { exit !ok }' $r/meta.yaml

# Neither counters nor valgrind: said on stderr at the start, not only in
# meta.yaml, and cache.csv keeps its header with no rows.
PATH=/nonexistent ALLOCSCOPE_NO_HW_COUNTERS=1 "$ALLOCSCOPE" run -a first-fit -w hand.yaml -n 1 \
	--no-latency -o res-nocache >nocache.out 2>nocache.err
check "a run with no cache source still succeeds" test $? -eq 0
# (A sanitizer build has its own reason for no simulator.)
check "and warns that there will be no cache figures, and why" grep -qE \
	'^allocscope: warning: no cache figures: .*(valgrind is not installed|AddressSanitizer)' nocache.err
check "its cache.csv has the header and no rows" test "$(wc -l <res-nocache/latest/cache.csv)" -eq 1
# callgrind writes into TMPDIR: one that cannot be written is said at the
# start, instead of every cache pass failing on valgrind's own complaint.
TMPDIR="$work/no-such-dir" ALLOCSCOPE_NO_HW_COUNTERS=1 "$ALLOCSCOPE" run -a first-fit \
	-w hand.yaml -n 1 --no-latency -o res-notmp >notmp.out 2>notmp.err
check "an unusable TMPDIR: the run still succeeds" test $? -eq 0
if [ "$sanitize" = 1 ]; then
	skip "an unusable TMPDIR for callgrind (no callgrind in a sanitizer build)"
else
	check "and warns that it has no cache figures because of TMPDIR" \
		grep -q "warning: no cache figures: .*'$work/no-such-dir' is not writable (TMPDIR)" notmp.err
fi
TMPDIR="$work/no-such-dir" "$ALLOCSCOPE" selfbench -w hand.yaml -n 1 -o sb-notmp.csv \
	>/dev/null 2>sb-notmp.err
check "selfbench puts its trace copy in TMPDIR, and says so when it cannot" \
	grep -q "cannot write a temporary copy of 'hand.yaml' as '$work/no-such-dir/" sb-notmp.err

if [ "$sanitize" = 1 ]; then
	echo "# callgrind cannot run AddressSanitizer binaries: the simulated cache pass is not checked here"
	skip "simulated cache rows (sanitizer build)"
	check "meta.yaml says why there are no cache rows" grep -q 'source: "none"' $r/meta.yaml
	check "cache.csv has its header and no rows" test "$(wc -l < $r/cache.csv)" -eq 1
else
	check "one cache row per workload x strategy" \
		test "$(tail -n +2 $r/cache.csv | wc -l)" -eq $((2 * n_strat))
	check "cache rows are simulated when the counters are off" \
		awk -F, 'NR > 1 && $3 != "sim" { bad = 1 } END { exit bad }' $r/cache.csv
	check "sim rows: events bounded by --cache-events (6 and 1000)" awk -F, '
		NR > 1 && !($1 == "hand" && $4 == 6 || $1 == "mixed" && $4 == 1000) { bad = 1 }
		END { exit bad }' $r/cache.csv
	check "sim rows: instructions, l1d and llc misses filled; cycles, dtlb empty" awk -F, '
		NR > 1 && !($5 > 0 && $7 != "" && $8 != "" && $6 == "" && $9 == "") { bad = 1 }
		END { exit bad }' $r/cache.csv
	check "a longer replay simulates more instructions (mixed over hand)" awk -F, '
		NR > 1 { ins[$1, $2] = $5; s[$2] = 1 }
		END { for (k in s) if (!(ins["mixed", k] > ins["hand", k])) bad = 1; exit bad }' $r/cache.csv
	check "jemalloc was preloaded under valgrind (its sim row exists)" \
		grep -q '^mixed,jemalloc,sim,' $r/cache.csv
	check "meta.yaml says the figures are simulated and which are absent" \
		grep -q 'cycles and dtlb_misses have no simulated figure' $r/meta.yaml
	check "no callgrind files left behind" test -z "$(ls "$work" | grep callgrind)"
fi

# Without the override: hardware counters where the machine has them.
"$ALLOCSCOPE" run -a system -w mixed.yaml -n 1 --cache-events 500 -o res2 >/dev/null 2>&1
r2=res2/latest
source=$(tail -n +2 $r2/cache.csv | cut -d, -f3)
if [ "$source" = hw ]; then
	check "hw row: every counted figure filled, instructions > 0" awk -F, '
		NR > 1 && !($5 > 0 && $4 == 3000) { bad = 1 } END { exit bad }' $r2/cache.csv
elif [ "$sanitize" = 1 ]; then
	skip "hardware or simulated cache row (sanitizer build, no counters)"
else
	echo "# no hardware counters on this machine: the default run falls back to callgrind"
	check "without counters the default run falls back to sim" test "$source" = sim
fi

"$ALLOCSCOPE" run -a system -w hand.yaml -n 1 --no-latency --no-cache -o res3 >/dev/null 2>&1
check "--no-latency --no-cache: neither file" \
	test ! -e res3/latest/latency.csv -a ! -e res3/latest/cache.csv -a -e res3/latest/throughput.csv
check "--no-cache is recorded in meta.yaml" grep -q 'source: "off"' res3/latest/meta.yaml

# A file name that is not UTF-8 (here Latin-1) is escaped in meta.yaml, so
# libyaml reads the whole document: info then stops only at its meaning.
latin1=$(printf 't\xe9.yaml')
cp hand.yaml "$latin1"
"$ALLOCSCOPE" run -a system -w "$latin1" -n 1 --no-latency --no-cache -o res5 >/dev/null 2>&1
check "meta.yaml escapes a file name that is not UTF-8" grep -qF 'file: "t\xe9.yaml"' res5/latest/meta.yaml
check "libyaml reads that meta.yaml to its end" \
	grep -q "missing 'allocscope: 1'" <("$ALLOCSCOPE" info res5/latest/meta.yaml 2>&1)
expect_exit 2 "--cache-events 0 is refused" "$ALLOCSCOPE" run -a system -w hand.yaml --cache-events 0 -o res4
expect_exit 2 "--cache-events x is refused" "$ALLOCSCOPE" run -a system -w hand.yaml --cache-events x -o res4
expect_exit 2 "__replay --max-events 0 is refused" \
	"$ALLOCSCOPE" __replay --trace hand.yaml --strategy system --pass cache --max-events 0

"$repo/scripts/latency-check.sh" $r >check.out 2>&1
check "latency-check.sh prints a ratio per (workload, strategy)" \
	test "$(grep -cE '^(hand|mixed) .* [0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ +[0-9]+\.[0-9]{3}' check.out)" -eq $((2 * n_strat))
expect_exit 2 "latency-check.sh refuses a directory without the CSVs" \
	"$repo/scripts/latency-check.sh" "$work"

selfbench_metrics="timer_cost_ns timer_check_short_ratio timer_check_medium_ratio
timer_check_long_ratio load_yaml_events_per_s libyaml_alone_events_per_s
load_yaml_vs_libyaml_ratio load_cache_events_per_s raw_loop_ns_per_event
replay_system_ns_per_event replay_overhead_ratio replay_system_spread
machine_compute_spread machine_memory_spread latency_mean_ns untimed_ns_per_event
serialized_ns_per_event fences_alone_ns_per_event serialized_vs_untimed_ratio
latency_vs_untimed_ratio latency_vs_serialized_ratio latency_vs_serialized_calls_ratio"
if [ "$sanitize" = 1 ]; then
	skip "selfbench (its raw loop calls glibc directly; timings under ASan mean nothing)"
else
	"$ALLOCSCOPE" selfbench -w mixed.yaml -n 3 -o sb.csv >sb.out 2>sb.err
	check "selfbench exits 0" test $? -eq 0
	check "selfbench's CSV header" test "$(head -n 1 sb.csv)" = "metric,value,unit,detail"
	missing=
	for m in $selfbench_metrics; do
		awk -F, -v m="$m" '$1 == m && $2 > 0 { found = 1 } END { exit !found }' sb.csv ||
			missing="$missing $m"
	done
	check "selfbench writes every figure, each positive${missing:+ (missing:$missing)}" \
		test -z "$missing"
	check "selfbench prints what it wrote" grep -q "written: sb.csv" sb.out
	"$ALLOCSCOPE" selfbench -w mixed.yaml -a first-fit -n 1 -o sb-ff.csv >sb-ff.out 2>&1
	check "selfbench -a: the latency rows name the strategy" \
		grep -q '^latency_mean_ns,.*against first-fit' sb-ff.csv
	"$ALLOCSCOPE" selfbench --latency-only -w mixed.yaml -a system -n 1 -o sb-lat.csv >/dev/null 2>&1
	check "selfbench --latency-only exits 0" test $? -eq 0
	check "selfbench --latency-only writes the latency rows and no other" test \
		"$(cut -d, -f1 sb-lat.csv | tr '\n' ' ')" = "metric latency_mean_ns untimed_ns_per_event \
serialized_ns_per_event fences_alone_ns_per_event serialized_vs_untimed_ratio \
latency_vs_untimed_ratio latency_vs_serialized_ratio latency_vs_serialized_calls_ratio "
	ALLOCSCOPE=$ALLOCSCOPE "$repo/scripts/latency-subtraction.sh" -n 1 -a system,first-fit \
		"$work/mixed.yaml" >subtraction.out 2>&1
	rc=$?
	check "latency-subtraction.sh runs (exit $rc: 0 within tolerance, 1 outside)" test $rc -le 1
	check "latency-subtraction.sh: a row per strategy, each with its two ratios" test \
		"$(awk '$1 == "mixed" && NF >= 8 { n++ } END { print n + 0 }' subtraction.out)" = 2
	check "latency-subtraction.sh: the two ratios by call speed" \
		awk '$1 == "untimed" && $2 == "rows" { h = 1 } h && / mean [0-9.]+ +[0-9]+ +[0-9.]+-[0-9.]+, mean / { b++ }
			END { exit !(h && b >= 1) }' subtraction.out
	check "latency-subtraction.sh: the summary line" \
		grep -q '^[0-9]* of 2 rows within 25% of the serialised calls; 0 failed$' subtraction.out
fi
# A plugin path with a quote and a comma stays one CSV field.
leak=$repo/$BUILD/tests/plugins/leak.so
if [ "$sanitize" != 1 ] && [ -f "$leak" ]; then
	cp "$leak" "$work/q\"x,y.so"
	"$ALLOCSCOPE" selfbench --latency-only -w mixed.yaml -a "plugin:$work/q\"x,y.so" -n 1 \
		-o sb-quote.csv >/dev/null 2>&1
	check "selfbench quotes a strategy holding a quote and a comma" \
		grep -q '^latency_mean_ns,[0-9.]*,ns,"against plugin:[^"]*q""x,y\.so, touch=none' sb-quote.csv
fi
# An output that cannot be written is found before anything is measured.
"$ALLOCSCOPE" selfbench -w mixed.yaml -n 3 -o nodir/sb.csv >/dev/null 2>sb-nodir.err
rc=$?
[ $rc -eq 2 ] && grep -q "cannot write 'nodir/sb.csv'" sb-nodir.err &&
	ok "selfbench -o in a missing directory: exit 2 up front" ||
	fail "selfbench -o nodir: exit $rc, $(cat sb-nodir.err)"
printf 'allocscope: 1\nname: empty\nevents: []\n' > empty.yaml
"$ALLOCSCOPE" selfbench -w empty.yaml -n 1 >/dev/null 2>empty.err
[ $? -eq 2 ] && grep -q "'empty.yaml' has no events: nothing to time" empty.err &&
	ok "selfbench on a trace without events says so, exit 2" || fail "selfbench empty: $(cat empty.err)"
expect_exit 2 "latency-subtraction.sh: bad usage" "$repo/scripts/latency-subtraction.sh" -x
expect_exit 2 "latency-subtraction.sh: -n must be a count" "$repo/scripts/latency-subtraction.sh" -n x
expect_exit 2 "latency-subtraction.sh: -n 0 is refused" "$repo/scripts/latency-subtraction.sh" -n 0
expect_exit 2 "latency-subtraction.sh: -t must be a fraction" "$repo/scripts/latency-subtraction.sh" -t 2
expect_exit 2 "selfbench -a with an unknown strategy is refused" \
	"$ALLOCSCOPE" selfbench -w mixed.yaml -a no-such-strategy
expect_exit 2 "selfbench without -w is refused" "$ALLOCSCOPE" selfbench -o sb2.csv
expect_exit 2 "selfbench -n 0 is refused" "$ALLOCSCOPE" selfbench -w mixed.yaml -n 0
finish
