#!/usr/bin/env bash
# test_hostile.sh - hostile strategies (tests/plugins/) in one run matrix:
# each gives a row with the right status (crashed:SIGSEGV, invalid:..., oom:N
# with N counted independently by awk, timeout, crashed:SIGABRT), the well
# behaved rows stay ok, and the run exits 1; `check` names the event of an
# invalid block (misplaced, or a usable size below the request); a strategy
# run beside a hanging one keeps its figures; broken
# plugins (no symbol, wrong ABI, not ELF) exit 2.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
plugins=$root/$BUILD/tests/plugins
sanitize=${ALLOCSCOPE_SANITIZE:-0}
enter_scratch

for p in segv overlap misaligned short_usable null leak hang abort create_segv bad_abi bad_nosym linger; do
	if [ ! -f "$plugins/$p.so" ]; then
		skip "hostile plugins not built ($plugins/$p.so missing: make $BUILD/tests/plugins/$p.so)"
		finish
		exit
	fi
done

# A small trace with explicit events, so awk can count what the plugins see.
cat > spec.yaml <<'YAML'
allocscope: 1
name: hostile
generate:
  seed: 7
  phases:
    - events: 400
      sizes: {uniform: [0, 2048]}
      lifetime: {exponential: {mean: 40}}
      calloc: 0.1
      aligned: {p: 0.05, alignments: [64, 4096]}
      realloc: 0.1
      free_all: true
YAML
"$ALLOCSCOPE" gen spec.yaml -o trace.yaml 2>/dev/null || { fail "gen the test trace"; finish; exit; }

# Allocation calls (every event but f) whose size is not 0, past the first
# `after` allocation calls: the NULLs the null plugin returns that count as oom.
expected_oom() {
	awk -v after="$1" '/^- \[/ {
		gsub(/[][,]/, " "); op = $2
		if (op == "f") next
		calls++
		size = op == "c" ? $4 * $5 : op == "a" ? $5 : $4
		if (calls > after && size > 0) n++
	} END { print n + 0 }' trace.yaml
}

P=plugin:$plugins
strategies=system,$P/segv.so:after=100,$P/overlap.so:after=50,$P/misaligned.so:after=10
strategies=$strategies,$P/null.so,$P/null.so:after=100,$P/leak.so,$P/hang.so:after=20
strategies=$strategies,$P/abort.so:after=30,$P/short_usable.so:after=5
"$ALLOCSCOPE" run -a "$strategies" -w trace.yaml --timeout 3 -n 2 -o res >run.out 2>run.err
rc=$?
[ "$rc" -eq 1 ] && ok "a matrix with hostile strategies exits 1" || fail "run exit $rc, want 1"
dir=$(ls -d res/2*/ 2>/dev/null | head -n 1)
frag=$dir/fragmentation.csv
thr=$dir/throughput.csv
status_of() { # $1 = file, $2 = strategy: the row's last field
	awk -F, -v s="$2" '$2 == s { print $NF }' "$1"
}
expect_status() { # $1 = strategy, $2 = pattern (grep -E) for both CSVs' status
	local f got
	for f in "$frag" "$thr"; do
		got=$(status_of "$f" "$1")
		if echo "$got" | grep -qE "^($2)\$"; then
			ok "$(basename "$f") $1: $got"
		else
			fail "$(basename "$f") $1: status '$got', want /$2/"
		fi
	done
}
if [ -z "$dir" ] || [ ! -f "$frag" ] || [ ! -f "$thr" ]; then
	fail "run wrote no results directory"
else
	segv='crashed:SIGSEGV'
	# ASan turns a SEGV in the replay process into its report and an abort.
	[ "$sanitize" = 1 ] && segv='crashed:SIGSEGV|crashed:SIGABRT'
	expect_status system ok
	expect_status "$P/segv.so:after=100" "$segv"
	expect_status "$P/leak.so" ok
	expect_status "$P/hang.so:after=20" timeout
	expect_status "$P/abort.so:after=30" crashed:SIGABRT
	expect_status "$P/null.so" "oom:$(expected_oom 0)"
	expect_status "$P/null.so:after=100" "oom:$(expected_oom 100)"
	# An oom row's speed is that of skipped work: the summary does not
	# compare it with system's (its "vs system" column is "-"), an ok row's it does.
	check "the summary gives an oom row no speed against system" awk -v s="$P/null.so" '
		$1 == s { found = 1; if ($4 != "-") bad = 1 } END { exit bad || !found }' run.out
	check "the summary cuts a long status with '...' (the CSV keeps it whole)" awk -v s="$P/overlap.so:after=50" '
		$1 == s { found = 1; if ($NF !~ /\.\.\.$/ || length($0) > 200) bad = 1 } END { exit bad || !found }' run.out
	check "the summary compares an ok row with system" awk -v s="$P/leak.so" '
		$1 == s { found = 1; if ($4 !~ /^[0-9.]+x$/) bad = 1 } END { exit bad || !found }' run.out
	# The memory pass checks every block; its verdict is the row's in both
	# files (the throughput passes do not check, and are not run).
	expect_status "$P/overlap.so:after=50" \
		'invalid:event [0-9]+: slot [0-9]+ at 0x[0-9a-f]+ overlaps a live block'
	expect_status "$P/misaligned.so:after=10" \
		'invalid:event [0-9]+: slot [0-9]+ at 0x[0-9a-f]*8 is misaligned'
	expect_status "$P/short_usable.so:after=5" \
		'invalid:event [0-9]+: slot [0-9]+ at 0x[0-9a-f]+ reports a usable size of [0-9]+ for [0-9]+ bytes'
	# A neighbour's crash costs no ok row its repetitions or figures.
	check "every ok throughput row has its 2 reps and a median" awk -F, '
		NR > 1 && $10 == "ok" { n++; if ($4 != 2 || !($6 > 0) || !($7 <= $6 && $6 <= $8)) bad = 1 }
		END { exit bad || n < 2 }' "$thr"
	rows=$(($(wc -l <"$frag") - 1))
	[ "$rows" -eq 10 ] && ok "every strategy has its row" || fail "$rows rows, want 10"
	grep -A2 "strategy: \"$P/leak.so\"" "${dir}meta.yaml" |
		grep -q 'version: "not reported by the plugin"' &&
		ok "meta.yaml does not call a plugin in-house" || fail "meta.yaml: a plugin's version"
	[ "$(readlink res/latest)" = "$(basename "$dir")" ] &&
		ok "the run completed (latest points at it)" || fail "latest not updated"
fi

# A plugin whose create() crashes costs its row, not the harness.
"$ALLOCSCOPE" run -a "system,$P/create_segv.so" -w trace.yaml -n 1 -o res2 >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] && ok "create() crashing: exit 1" || fail "create() crashing: exit $rc, want 1"
frag=$(ls -d res2/2*/ 2>/dev/null | head -n 1)fragmentation.csv
got=$(status_of "$frag" "$P/create_segv.so" 2>/dev/null)
echo "$got" | grep -qE "^($segv)\$" && ok "create() crashing: $got" || fail "create() crashing: '$got'"
[ "$(status_of "$frag" system 2>/dev/null)" = ok ] && ok "create() crashing: system ok" ||
	fail "create() crashing: no system row"

# Memory passes run two at a time under one deadline: the strategy beside a
# hanging one finished in time and keeps its figures (the parent reads it
# only after waiting out the hang).
"$ALLOCSCOPE" run -a "$P/hang.so,first-fit" -w trace.yaml -n 1 --timeout 2 --no-latency \
	--no-cache -o res3 >/dev/null 2>&1
dir3=$(ls -d res3/2*/ 2>/dev/null | head -n 1)
for f in fragmentation.csv throughput.csv; do
	got=$(status_of "$dir3$f" first-fit 2>/dev/null)
	[ "$got" = ok ] && ok "beside a hang: first-fit ok in $f" ||
		fail "beside a hang: first-fit '$got' in $f, want ok"
done
[ "$(status_of "${dir3}throughput.csv" "$P/hang.so" 2>/dev/null)" = timeout ] &&
	ok "beside a hang: the hang is the timeout" || fail "beside a hang: no timeout row"

# `check` names the event: with after=2 the third allocation call (event 3,
# which reuses the freed slot 0) gets block 2's memory while 2 is live.
cat > overlap.yaml <<'YAML'
allocscope: 1
name: overlap
events:
  - [m, 1, 100]
  - [m, 2, 100]
  - [f, 1]
  - [m, 3, 100]
  - [m, 4, 100]
YAML
out=$("$ALLOCSCOPE" check -a "$P/overlap.so:after=2" -w overlap.yaml --timeout 10 2>&1)
rc=$?
[ "$rc" -eq 1 ] && ok "check of an overlapping plugin exits 1" || fail "check exit $rc, want 1"
echo "$out" | grep -q "^invalid .*invalid:event 4: slot 0 at 0x[0-9a-f]* overlaps a live block$" &&
	ok "check names event 4 (from 1), slot 0" || fail "check said: $out"
out=$("$ALLOCSCOPE" check -a "$P/misaligned.so" -w trace.yaml 2>&1)
echo "$out" | grep -q "invalid:event 1: slot 0 at 0x[0-9a-f]*8 is misaligned" &&
	ok "check names the first misaligned block" || fail "check said: $out"
# The C rule (an 8-byte block owes 8 bytes) is the preloaded baselines'; a
# plugin promises 16 bytes for every block, small ones too.
cat > small.yaml <<'YAML'
allocscope: 1
name: small
events:
  - [m, 1, 8]
  - [m, 2, 12]
YAML
out=$("$ALLOCSCOPE" check -a "$P/misaligned.so" -w small.yaml 2>&1)
echo "$out" | grep -q "invalid:event 1: slot 0 at 0x[0-9a-f]*8 is misaligned" &&
	ok "check holds a plugin's 8-byte blocks to 16 bytes" || fail "check said: $out"

# A replay is done when its process exits, not when the report pipe
# closes: a process the strategy left behind holding the pipe neither makes
# the row a timeout nor outlives the replay.
SECONDS=0
"$ALLOCSCOPE" run -a "$P/linger.so:after=3" -w trace.yaml -n 1 --no-cache --timeout 30 \
	-o res-linger >/dev/null 2>&1
took=$SECONDS
got=$(status_of res-linger/latest/throughput.csv "$P/linger.so:after=3" 2>/dev/null)
[ "$got" = ok ] && [ "$took" -lt 20 ] && ok "a process left holding the pipe: ok in ${took}s" ||
	fail "a process left holding the pipe: '$got' after ${took}s"
left=$(ps -eo args | grep -c "[_]_replay .*$plugins/linger.so")
[ "$left" -eq 0 ] && ok "and what it left is ended" || fail "$left lingering processes left"

# A realloc the strategy refuses leaves the old block: the timed passes must
# not touch it at the new size (they did, and crashed, blamed on the
# strategy). A terabyte realloc, refused by system and tlsf alike (under
# ASan, system is ASan's allocator, which aborts on such a request).
rfail_strategies="system tlsf"
[ "$sanitize" = 1 ] && rfail_strategies=tlsf
cat > rfail.yaml <<'YAML'
allocscope: 1
name: rfail
events:
  - [m, 1, 16]
  - [r, 1, 1000000000000]
  - [f, 1]
YAML
"$ALLOCSCOPE" run -a "$(echo $rfail_strategies | tr ' ' ,)" -w rfail.yaml -n 1 --no-cache \
	-o res-rfail >/dev/null 2>&1
for s in $rfail_strategies; do
	got=$(status_of res-rfail/latest/throughput.csv "$s" 2>/dev/null)
	[ "$got" = oom:1 ] && ok "a refused realloc: $s's throughput row says oom:1" ||
		fail "a refused realloc: $s's throughput row '$got', want oom:1"
done
rows=$(awk -F, '$3 == "realloc"' res-rfail/latest/latency.csv 2>/dev/null | wc -l)
want=$(echo $rfail_strategies | wc -w)
[ "$rows" -eq "$want" ] && ok "a refused realloc: every latency pass finishes" ||
	fail "a refused realloc: $rows latency rows for realloc, want $want"

# Ctrl-C or a kill of `check` ends its replay process too (the child leads
# its own process group, out of the terminal's reach), and then `check`
# itself, by the signal. A background job starts with SIGINT ignored, so
# env gives it back its default first, as an interactive shell would have.
cp trace.yaml "$PWD/hangsig.yaml"
replay_of_check() { pgrep -f "__replay --trace $PWD/hangsig.yaml" >/dev/null; }
for sig in INT TERM; do
	env --default-signal=$sig "$ALLOCSCOPE" check -a "$P/hang.so:after=5" \
		-w "$PWD/hangsig.yaml" --timeout 120 >/dev/null 2>&1 &
	parent=$!
	for _ in $(seq 100); do replay_of_check && break; sleep 0.1; done
	kill -$sig $parent
	wait $parent
	rc=$?
	for _ in $(seq 20); do replay_of_check || break; sleep 0.1; done
	if replay_of_check; then
		fail "SIG$sig to check left its replay process running"
		pkill -KILL -f "__replay --trace $PWD/hangsig.yaml"
	else
		ok "SIG$sig to check ends its replay process"
	fi
	want=$((128 + $(kill -l $sig)))
	[ "$rc" -eq "$want" ] && ok "check ends by SIG$sig (status $rc)" ||
		fail "check after SIG$sig: status $rc, want $want"
done

# On a terminal, the passes a crashed strategy no longer needs count as done:
# the last pass shown is the total's number.
if command -v script >/dev/null 2>&1; then
	script -qec "'$ALLOCSCOPE' run -a system,$P/segv.so:after=3 -w trace.yaml,small.yaml -n 1 \
		--no-cache -o res-tty >/dev/null" typescript >/dev/null 2>&1
	last=$(tr '\r' '\n' <typescript | sed -n 's/^\x1b\[K\[\([0-9]*\/[0-9]*\)\].*/\1/p' | tail -n 1)
	[ "$last" = 12/12 ] && ok "progress reaches 12/12 past a crashed strategy" ||
		fail "progress ended at '$last', want 12/12"
else
	skip "progress past a crash: no script(1) here"
fi

# Broken plugins and libraries are bad input: exit 2 and a message that says
# what is wrong. For lib:, whose faults would otherwise surface only as the
# dynamic loader's words in a row.
printf 'this is not a shared object, just text long enough to read a header\n' > notelf.so
expect_bad() { # $1 = plugin or lib, $2 = path, $3 = message pattern
	local out rc
	out=$("$ALLOCSCOPE" run -a "$1:$2" -w trace.yaml -o bad 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -q "$3"; then
		ok "$1:$(basename "$2"): exit 2, '$3'"
	else
		fail "$1:$(basename "$2"): exit $rc, said: $out"
	fi
}
expect_bad plugin "$plugins/bad_nosym.so" "does not export 'allocscope_strategy'"
expect_bad plugin "$plugins/bad_abi.so" "built for interface version 99, not 1"
expect_bad plugin "$work/notelf.so" "invalid ELF header"
expect_bad plugin "$work/missing.so" "cannot read plugin '$work/missing.so': No such file"
expect_bad plugin "$work" "is not a regular file"
expect_bad lib "$work/missing.so" "cannot read library '$work/missing.so': No such file"
expect_bad lib "$work/notelf.so" "is not an ELF shared object"
expect_bad lib "$work" "is not a regular file"
mkdir "sp ace" && cp notelf.so "sp ace/x.so"
# A library with malloc but no free would have glibc free its blocks: its
# row says so (the check needs the preloaded process, so it is the row's).
if [ "$sanitize" = 1 ]; then
	skip "lib: without free (a preloaded library cannot share an ASan process)"
elif command -v cc >/dev/null 2>&1; then
	printf '#include <stddef.h>\nextern void *__libc_malloc(size_t);\nvoid *malloc(size_t n) { return __libc_malloc(n); }\n' >mallocOnly.c
	cc -shared -fPIC -o mallocOnly.so mallocOnly.c
	"$ALLOCSCOPE" run -a "lib:$work/mallocOnly.so" -w trace.yaml -n 1 --no-cache -o res-lib \
		>/dev/null 2>&1
	got=$(status_of res-lib/2*/fragmentation.csv "lib:$work/mallocOnly.so" 2>/dev/null)
	echo "$got" | grep -q "^failed:.*free in the replay process does not come from" &&
		ok "lib: without free: its row says so" || fail "lib: without free: status '$got'"
else
	skip "lib: without free: no cc"
fi
expect_bad lib "$work/sp ace/x.so" "LD_PRELOAD cannot take a path with a space"
[ ! -e bad ] && ok "no results directory for bad plugins or libraries" ||
	fail "bad plugins or libraries left a results directory"

# A bare file name in the current directory is found, though dlopen and
# LD_PRELOAD alone would search the system's directories.
je=$(ldconfig -p 2>/dev/null | awk '/libjemalloc\.so\.2 / { print $NF; exit }')
if [ "$sanitize" = 1 ]; then
	skip "lib: preloading cannot share a process with ASan"
elif [ -z "$je" ]; then
	skip "no libjemalloc.so.2 to preload as lib:"
else
	cp "$je" ./libje.so
	"$ALLOCSCOPE" run -a lib:libje.so -w trace.yaml -n 1 --no-latency --no-cache -o lib \
		>/dev/null 2>lib.err
	rc=$?
	got=$(status_of "$(ls -d lib/2*/ 2>/dev/null | head -n 1)throughput.csv" lib:libje.so)
	[ "$rc" -eq 0 ] && [ "$got" = ok ] && ok "lib:NAME.so in the current directory is preloaded" ||
		fail "lib:libje.so: exit $rc, status '$got': $(cat lib.err)"
fi
cp "$plugins/leak.so" ./here.so
"$ALLOCSCOPE" run -a plugin:here.so -w trace.yaml -n 1 --no-latency --no-cache -o here \
	>/dev/null 2>here.err
[ $? -eq 0 ] && ok "plugin:NAME.so in the current directory loads" ||
	fail "plugin:here.so: $(cat here.err)"
out=$("$ALLOCSCOPE" check -a "plugin:$plugins/bad_abi.so" -w trace.yaml 2>&1)
[ $? -eq 2 ] && ok "check refuses a wrong-ABI plugin with exit 2" || fail "check said: $out"

finish
