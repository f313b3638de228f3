#!/usr/bin/env bash
# test_compare.sh - scripts/compare.sh on hand-made results directories: each
# verdict from the spreads (faster, slower, within spread, one rep, lost and
# regained ok), the speed as old's median over new's, frag_peaks beside it,
# the exit status (1 for a slower row or a lost ok, 2 for bad input), and the
# two-run form with its strategy column and its warning about settings.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
compare=$repo/scripts/compare.sh
enter_scratch

thr_header='workload,strategy,params,reps,events,ns_per_op_median,ns_per_op_min,ns_per_op_max,mops_per_sec,status'
frag_header='workload,strategy,peak_live_bytes,peak_heap_bytes,heap_at_peak_live_bytes,live_at_peak_heap_bytes,frag_peaks,internal_frag_bytes,utilization,max_rss_bytes,status'

# One run of lib:old.so and lib:new.so on six workloads, one per verdict.
mkdir one
cat >one/throughput.csv <<EOF
$thr_header
fast,lib:old.so,,5,1000,40.0,38.0,44.0,25.0,ok
fast,lib:new.so,,5,1000,20.0,19.0,22.0,50.0,ok
slow,lib:old.so,,5,1000,10.0,9.0,11.0,100.0,ok
slow,lib:new.so,,5,1000,12.5,11.5,13.0,80.0,ok
same,lib:old.so,,5,1000,10.0,9.0,12.0,100.0,ok
same,lib:new.so,,5,1000,11.0,10.0,13.0,90.9,ok
single,lib:old.so,,1,1000,10.0,10.0,10.0,100.0,ok
single,lib:new.so,,1,1000,5.0,5.0,5.0,200.0,ok
broke,lib:old.so,,5,1000,10.0,9.0,11.0,100.0,ok
broke,lib:new.so,,0,1000,,,,,crashed:SIGSEGV
mended,lib:old.so,,0,1000,,,,,oom:3
mended,lib:new.so,,5,1000,10.0,9.0,11.0,100.0,ok
EOF
cat >one/fragmentation.csv <<EOF
$frag_header
fast,lib:old.so,1000,1250,1250,1000,0.25,0,0.8,4096,ok
fast,lib:new.so,1000,1100,1100,1000,0.1,0,0.9091,4096,ok
same,lib:old.so,0,4096,4096,0,,0,,4096,ok
same,lib:new.so,0,4096,4096,0,,0,,4096,ok
EOF

"$compare" one lib:old.so lib:new.so >one.out 2>one.err
rc=$?
check "a slower row and a lost ok make the exit status 1" test $rc -eq 1
row() { grep "^$1 " one.out; }
check "spreads apart, new below old: faster, speed 40/20 = 2.00x, frag_peaks old -> new" \
	grep -Eq '^fast +40\.0 \(38\.0-44\.0\) +20\.0 \(19\.0-22\.0\) +2\.00x +faster +0\.250 -> 0\.100$' one.out
check "spreads apart, new above old: slower, 10/12.5 = 0.80x" \
	grep -Eq '^slow .* 0\.80x +slower +- -> -$' one.out
check "overlapping spreads: within spread; nothing live: no frag_peaks" \
	grep -Eq '^same .* 0\.91x +within spread +- -> -$' one.out
check "a single repetition has no spread to judge by" grep -Eq '^single .* 2\.00x +one rep' one.out
check "a new row that crashed has lost its ok" grep -Eq '^broke .*crashed:SIGSEGV +- +lost ok$' one.out
check "an old row that failed and a new one that runs: now ok" \
	grep -Eq '^mended +oom:3 .* now ok$' one.out
check "the closing line counts every verdict" \
	grep -qx '1 faster, 1 slower, 1 within spread, 1 one rep, 1 lost ok (of 6 rows)' one.out
check "the header names old and new and the run" grep -qx 'lib:old.so -> lib:new.so, one run: one' one.out
check "nothing on stderr" test ! -s one.err

# A decimal-comma locale must not change how numbers are read or printed.
if comma_locale "$work/locale"; then
	env $comma_env "$compare" one lib:old.so lib:new.so >comma.out 2>&1
	check "a decimal-comma locale prints the same comparison" cmp -s one.out comma.out
else
	skip "compare.sh in a decimal-comma locale: no such locale here"
fi

# Without the slower and the broken rows the change is not worse: exit 0.
grep -v '^slow,\|^broke,' one/throughput.csv >one/t && mv one/t one/throughput.csv
expect_exit 0 "no slower row and no lost ok: exit 0" "$compare" one lib:old.so lib:new.so

# Two runs of the same strategies: rows keyed by workload and strategy.
mkdir before after
printf '%s\n' "$thr_header" 'ramp,system,,3,10,30.0,29.0,31.0,33.3,ok' \
	'ramp,tlsf,"sl=32,step=4096",3,10,20.0,19.0,21.0,50.0,ok' \
	'only-before,tlsf,,3,10,20.0,19.0,21.0,50.0,ok' >before/throughput.csv
printf '%s\n' "$thr_header" 'ramp,system,,3,10,30.0,28.0,32.0,33.3,ok' \
	'ramp,tlsf,"sl=32,step=4096",3,10,10.0,9.0,11.0,100.0,ok' >after/throughput.csv
printf 'settings:\n  touch: pages\n  size_scale: 1\n' >before/meta.yaml
printf 'settings:\n  touch: none\n  size_scale: 1\n' >after/meta.yaml
"$compare" before after >two.out 2>two.err
rc=$?
check "two runs: exit 0 when nothing is slower" test $rc -eq 0
check "two runs: each row names its workload and strategy" \
	grep -Eq '^ramp  tlsf +20\.0 \(19\.0-21\.0\) +10\.0 \(9\.0-11\.0\) +2\.00x +faster' two.out
check "two runs: a quoted params field is read as one field" grep -Eq '^ramp  system .* within spread' two.out
check "two runs: only the rows both have are compared" \
	grep -qx '1 faster, 0 slower, 1 within spread, 0 one rep, 0 lost ok (of 2 rows)' two.out
check "two runs: the header says the machine's drift is in the ratios" grep -q "drift" two.out
check "two runs with different --touch are warned about" \
	grep -q "warning: the runs differ in touch ('pages' and 'none')" two.err

# Bad input: exit 2 and a message naming the place.
expect_exit 2 "one argument is bad usage" "$compare" one
expect_exit 2 "a directory without throughput.csv" "$compare" "$work" lib:old.so lib:new.so
expect_exit 2 "a strategy the run does not have" "$compare" one lib:old.so lib:nothing.so
mkdir bad
printf 'workload,strategy,oops\nramp,system,1\n' >bad/throughput.csv
"$compare" bad system tlsf >bad.out 2>bad.err
rc=$?
check "a throughput.csv with the wrong header: exit 2" test $rc -eq 2
check "the error names the file and line" grep -q '^bad/throughput.csv:1: error: expected the columns' bad.err
printf '%s\n' "$thr_header" 'ramp,system,,3,10,fast,1,2,3,ok' 'ramp,tlsf,,3,10,1,1,1,1,ok' >bad/throughput.csv
"$compare" bad system tlsf >bad.out 2>bad.err
check "a median that is not a number is named at its line" \
	grep -q "^bad/throughput.csv:2: error: ns_per_op_median is 'fast', not a number" bad.err
expect_exit 2 "a median that is not a number exits 2" "$compare" bad system tlsf
# A trace without events has no time to compare (its times print as 0).
mkdir empty
printf '%s\n' "$thr_header" 'none,system,,3,0,0.000,0.000,0.000,0.000,ok' \
	'none,tlsf,,3,0,0.000,0.000,0.000,0.000,ok' >empty/throughput.csv
"$compare" empty system tlsf >empty.out 2>&1
rc=$?
check "a trace without events: exit 0, 'nothing to time'" test $rc -eq 0 -a \
	"$(grep -c 'no events *no events *- *nothing to time$' empty.out)" -eq 1
printf '%s\n' "$thr_header" 'ramp,system,,3,10,5,6,7,1,ok' 'ramp,tlsf,,3,10,0,0,0,1,ok' >bad/throughput.csv
"$compare" bad system tlsf >bad.out 2>bad.err
check "a median below its min is named at its line" \
	grep -q "^bad/throughput.csv:2: error: ns_per_op min, median and max are not" bad.err

finish
