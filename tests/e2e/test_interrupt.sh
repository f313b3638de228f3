#!/usr/bin/env bash
# test_interrupt.sh - SIGINT, SIGTERM and SIGHUP in the middle of `allocscope run`:
# the exit status is non-zero, the CSVs hold whole rows only (every line has
# the header's column count, no temporary files are left), the directory
# carries an INCOMPLETE marker naming the signal, results/latest still points
# at the previous complete run, and no replay process of the run survives.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
enter_scratch

# Three workloads, each replay a fraction of a second: long enough to
# interrupt in the middle, short enough for a test.
for w in a b c; do
	cat > "$w.yaml" <<YAML
allocscope: 1
name: interrupt-$w
generate:
  seed: $((RANDOM))
  phases:
    - events: 200000
      sizes: {uniform: [16, 4096]}
      lifetime: {exponential: {mean: 2000}}
      free_all: true
YAML
done
cat > small.yaml <<'YAML'
allocscope: 1
name: small
events:
  - [m, 1, 64]
  - [f, 1]
YAML

if ! "$ALLOCSCOPE" run -a system -w small.yaml -n 1 -o res >/dev/null 2>&1; then
	fail "a first complete run"
	finish
	exit
fi
previous=$(readlink res/latest)
ok "a complete run first: latest -> $previous"

# Waits (up to 60 s) until a run directory that is not in $1 (the list of
# those before the run) has a fragmentation row.
wait_for_rows() {
	local i dir
	for i in $(seq 600); do
		for dir in res/2*/; do
			case " $1 " in *" $dir "*) continue ;; esac
			if [ -f "$dir/fragmentation.csv" ] && [ "$(wc -l <"$dir/fragmentation.csv")" -ge 2 ]; then
				echo "${dir%/}"
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

interrupt_case() { # $1 = signal name
	local sig=$1 pid dir rc f bad left before
	before=$(echo res/2*/)
	"$ALLOCSCOPE" run -a system,first-fit,tlsf,buddy -w a.yaml,b.yaml,c.yaml -n 5 \
		--timeout 60 -o res >"run-$sig.out" 2>"run-$sig.err" &
	pid=$!
	if ! dir=$(wait_for_rows "$before"); then
		kill -KILL "$pid" 2>/dev/null
		fail "$sig: no rows appeared within 60 s"
		return
	fi
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" -ne 0 ] && ok "$sig: exit status $rc" || fail "$sig: exit status 0"
	grep -q "interrupted by SIG$sig" "run-$sig.err" &&
		ok "$sig: says it was interrupted" || fail "$sig: stderr: $(cat "run-$sig.err")"
	[ -f "$dir/INCOMPLETE" ] && grep -q "interrupted by SIG$sig" "$dir/INCOMPLETE" &&
		ok "$sig: INCOMPLETE marker: $(cat "$dir/INCOMPLETE")" ||
		fail "$sig: no INCOMPLETE marker naming the signal in $dir"
	[ "$(readlink res/latest)" = "$previous" ] &&
		ok "$sig: latest still points at $previous" ||
		fail "$sig: latest points at $(readlink res/latest)"
	left=$(find "$dir" -name '*.tmp.*' | wc -l)
	[ "$left" -eq 0 ] && ok "$sig: no temporary files left" || fail "$sig: $left temporary files left"
	for f in "$dir"/*.csv "$dir"/timeline/*.csv; do
		[ -f "$f" ] || continue
		bad=$(awk -F, 'NR == 1 { n = NF } NF != n { bad++ } END { print bad + 0 }' "$f")
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || bad=$((bad + 1))
		[ "$bad" -eq 0 ] && ok "$sig: $(basename "$f") whole ($(wc -l <"$f") lines)" ||
			fail "$sig: $(basename "$f") has $bad malformed lines"
	done
	[ "$(wc -l <"$dir/fragmentation.csv")" -ge 2 ] &&
		ok "$sig: the finished rows are kept" || fail "$sig: finished rows lost"
	# A pass the signal cut short is no row (its figures do not exist).
	bad=$(cat "$dir"/*.csv | grep -c ',interrupted$')
	[ "$bad" -eq 0 ] && ok "$sig: only finished rows" || fail "$sig: $bad rows of cut passes"
	left=$(ps -eo args | grep -c "[_]_replay --trace $work/")
	[ "$left" -eq 0 ] && ok "$sig: no replay process left" || fail "$sig: $left replay processes left"
}

interrupt_case INT
interrupt_case TERM
interrupt_case HUP

# A file-size limit (ulimit -f) makes writes fail: said as write errors, the
# run marked incomplete with the reason, no SIGXFSZ death and no row blamed
# on a strategy.
(ulimit -f 1; "$ALLOCSCOPE" run -a system -w a.yaml -n 1 --no-cache -o res-fsize \
	>/dev/null 2>fsize.err)
rc=$?
[ "$rc" -eq 1 ] && ok "past ulimit -f: exit 1" || fail "past ulimit -f: exit $rc, want 1"
grep -q "error: cannot write .*: File too large" fsize.err &&
	ok "past ulimit -f: the write error is said" || fail "past ulimit -f said: $(cat fsize.err)"
grep -q "timeline files\? could not be written" res-fsize/2*/INCOMPLETE 2>/dev/null &&
	ok "past ulimit -f: INCOMPLETE says why" || fail "INCOMPLETE: $(cat res-fsize/2*/INCOMPLETE)"
[ ! -e res-fsize/latest ] && ok "past ulimit -f: a run missing files is not made latest" ||
	fail "past ulimit -f: latest points at a run missing its timelines"
grep -q "crashed" res-fsize/2*/*.csv && fail "past ulimit -f: a row says crashed" ||
	ok "past ulimit -f: no row blames the strategy"

# An interruption in the latency pass keeps the throughput rows whose
# repetitions were all in. tests/plugins/slow.so takes 1 ms a call on 1 GiB
# requests, so each pass of 400 calls lasts long enough to be caught in.
slow=$root/$BUILD/tests/plugins/slow.so
if [ -f "$slow" ]; then
	printf 'allocscope: 1\nname: slow\nevents:\n' >slow.yaml
	for _ in $(seq 200); do printf '  - [m, 1, 1073741824]\n  - [f, 1]\n'; done >>slow.yaml
	"$ALLOCSCOPE" run -a "plugin:$slow" -w slow.yaml -n 2 --touch none --no-cache \
		-o res-slow >/dev/null 2>run-slow.err &
	pid=$!
	for _ in $(seq 300); do
		ps -eo args | grep -q "[_]_replay --trace slow.yaml .*--pass latency" && break
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	row=$(awk -F, 'NR == 2 { print $4 "," $10 }' res-slow/2*/throughput.csv 2>/dev/null)
	[ "$row" = "2,ok" ] && ok "interrupted in the latency pass: the throughput row stays (2 reps, ok)" ||
		fail "interrupted in the latency pass: throughput row '$row', want '2,ok' ($(cat run-slow.err))"
	[ "$(wc -l <res-slow/2*/latency.csv)" -eq 1 ] &&
		ok "interrupted in the latency pass: no latency row" || fail "a latency row of a cut pass"
else
	skip "interrupted in the latency pass: $slow not built"
fi
finish
