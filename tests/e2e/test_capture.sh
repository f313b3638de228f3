#!/usr/bin/env bash
# test_capture.sh - end-to-end tests of `allocscope capture`: captures the
# small programs of tests/progs/ (whose exact calls this script knows) and
# checks the traces event by event, plus the command line's error paths.
# Env: ALLOCSCOPE (default build/allocscope), BUILD (default build).
set -u
cd "$(dirname "$0")/../.."
ALLOCSCOPE=${ALLOCSCOPE:-build/allocscope}
BUILD=${BUILD:-build}
PROGS=$BUILD/tests/progs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

capture() { # capture OUT CMD...: runs a capture, stderr kept in OUT.err
	local out=$1; shift
	timeout 120 "$ALLOCSCOPE" capture -o "$out" -- "$@" 2>"$out.err"
}

events() { grep -- '^  - \[' "$1"; }

same_events() { # same_events TRACE EXPECTED_TEXT
	if diff <(events "$1") <(printf '%s\n' "$2") >"$TMP/diff"; then
		return 0
	fi
	sed 's/^/#   /' "$TMP/diff" | head -20
	return 1
}

# An independent liveness check: ids are born by m/c/a, live at r/f.
trace_valid() {
	events "$1" | tr -d '[],' | awk '
		$2 == "m" || $2 == "c" || $2 == "a" { if (live[$3]) bad++; live[$3] = 1; next }
		$2 == "r" { if (!live[$3]) bad++; next }
		$2 == "f" { if (!live[$3]) bad++; delete live[$3]; next }
		{ bad++ }
		END { exit bad > 0 }'
}

# The trace loader's verdict, when `allocscope info` is there.
loads() {
	"$ALLOCSCOPE" info "$1" >"$TMP/info.out" 2>&1 ||
		{ sed 's/^/#   /' "$TMP/info.out" | head -5; return 1; }
}

CALLS='  - [m, 1, 24]
  - [c, 2, 10, 8]
  - [r, 1, 48]
  - [m, 3, 32]
  - [r, 3, 64]
  - [a, 4, 64, 100]
  - [a, 5, 128, 256]
  - [a, 6, 32, 40]
  - [a, 7, 4096, 10]
  - [a, 8, 4096, 4096]
  - [f, 2]
  - [m, 2, 0]
  - [f, 2]
  - [f, 1]
  - [f, 3]
  - [f, 4]
  - [f, 5]
  - [f, 6]
  - [f, 7]
  - [f, 8]
  - [m, 8, 131071]
  - [r, 8, 131072]
  - [c, 7, 3, 200000]
  - [f, 8]
  - [f, 7]'

if [ ! -x "$ALLOCSCOPE" ] || [ ! -x "$PROGS/cap_calls" ]; then
	echo "# $ALLOCSCOPE or $PROGS/cap_calls missing: run make test"
	not_ok "binaries built"
	echo "$passed passed, $failed failed"
	exit 1
fi

# ---- command line --------------------------------------------------------
"$ALLOCSCOPE" capture --help >"$TMP/help" 2>&1
check "--help exits 0 and shows usage" [ $? -eq 0 ]
check "--help text" grep -q '^usage: allocscope capture' "$TMP/help"
"$ALLOCSCOPE" capture -o "$TMP/x.yaml" 2>/dev/null
check "no command: exit 2" [ $? -eq 2 ]
"$ALLOCSCOPE" capture -- true 2>/dev/null
check "no -o: exit 2" [ $? -eq 2 ]
"$ALLOCSCOPE" capture --bogus -o "$TMP/x.yaml" -- true 2>/dev/null
check "unknown option: exit 2" [ $? -eq 2 ]
"$ALLOCSCOPE" capture -n 'bad name' -o "$TMP/x.yaml" -- true 2>/dev/null
check "bad --name: exit 2" [ $? -eq 2 ]
capture "$TMP/x.yaml" "$TMP/no-such-program"
check "missing program: exit 1" [ $? -eq 1 ]
check "missing program: message" grep -q "error: cannot run '$TMP/no-such-program'" "$TMP/x.yaml.err"
check "missing program: no trace" [ ! -e "$TMP/x.yaml" ]
"$ALLOCSCOPE" capture -o "$TMP/nodir/x.yaml" -- touch "$TMP/ran" 2>"$TMP/nodir.err"
check "-o in a missing directory: exit 2" [ $? -eq 2 ]
check "-o in a missing directory: the program is not run" [ ! -e "$TMP/ran" ]

# ---- every intercepted call, exactly ----------------------------------------
capture "$TMP/calls.yaml" "$PROGS/cap_calls"
check "cap_calls: exit 0" [ $? -eq 0 ]
check "cap_calls: exact event sequence" same_events "$TMP/calls.yaml" "$CALLS"
check "cap_calls: name from the file" grep -qx 'name: "calls"' "$TMP/calls.yaml"
check "cap_calls: source records the command" \
	grep -q "^source: {kind: captured, command: \"$PROGS/cap_calls\", date: \"[0-9-]*\"" \
	"$TMP/calls.yaml"
check "cap_calls: trace loads" loads "$TMP/calls.yaml"
check "cap_calls: summary counts" \
	grep -q '25 events (m 4, c 2, a 5, r 3, f 11), 1 thread, peak live 731072 bytes' \
	"$TMP/calls.yaml.err"
check "cap_calls: conversion time reported" grep -q 'conversion to YAML took' "$TMP/calls.yaml.err"

# A Debian program's package is recorded, found through /bin as well when
# /usr is merged (dpkg lists coreutils' ls as /bin/ls, PATH finds /usr/bin/ls).
ls_path=$(command -v ls)
if command -v dpkg-query >/dev/null && { dpkg-query -S "$ls_path" || dpkg-query -S "${ls_path#/usr}"; } >/dev/null 2>&1; then
	capture "$TMP/ls.yaml" "$ls_path" "$TMP" >/dev/null
	check "ls: source names its package" \
		grep -q "package: \"coreutils [^\"]*\"" "$TMP/ls.yaml"
else
	echo "# no dpkg, or ls is not from a Debian package: package lookup not tested"
fi

# A process that execs the same program again gets one file per image: every
# trace the summary lists exists, and no two share a name.
capture "$TMP/ex.yaml" bash -c 'ls >/dev/null; exec bash -c "ls / >/dev/null; exec bash -c true"'
listed=$(sed -n 's|^  \([^:]*\.d/[^:]*\.yaml\): .*|\1|p' "$TMP/ex.yaml.err" | sort)
n_listed=$(echo "$listed" | grep -c .)
n_unique=$(echo "$listed" | sort -u | grep -c .)
n_files=$(echo "$listed" | while read -r f; do [ -f "$f" ] && echo "$f"; done | grep -c .)
check "exec of the same program: $n_listed traces listed, all distinct files" \
	[ "$n_listed" -ge 4 -a "$n_unique" -eq "$n_listed" -a "$n_files" -eq "$n_listed" ]

# Options after the command belong to it ("+" getopt), --name is used.
timeout 60 "$ALLOCSCOPE" capture -n my-run -o "$TMP/opts.yaml" "$PROGS/cap_calls" -o -n \
	2>"$TMP/opts.err"
check "command's own options pass through" same_events "$TMP/opts.yaml" "$CALLS"
check "--name sets name" grep -qx 'name: "my-run"' "$TMP/opts.yaml"

# ---- threads freeing each other's blocks ------------------------------------
capture "$TMP/threads.yaml" "$PROGS/cap_threads"
check "cap_threads: exit 0" [ $? -eq 0 ]
check "cap_threads: trace is consistent" trace_valid "$TMP/threads.yaml"
check "cap_threads: trace loads" loads "$TMP/threads.yaml"
# 4 workers x 20000: m 777 then r 778 by the owner, f by the next worker.
counts=$(events "$TMP/threads.yaml" | tr -d '[],' | awk '
	{ t = ($NF ~ /^t[0-9]+$/) ? $NF : "t0" }
	$2 == "m" && $4 == 777 { m++; owner[$3] = t; pending[$3] = 1 }
	$2 == "r" && $4 == 778 && pending[$3] && owner[$3] == t { r++; big[$3] = 1 }
	$2 == "f" && big[$3] { f++; if (owner[$3] != t) cross++; delete big[$3]; delete pending[$3] }
	{ threads[t] = 1 }
	END { n = 0; for (x in threads) n++; print m + 0, r + 0, f + 0, cross + 0, n }')
check "cap_threads: exact counts (m r f cross-thread threads)" [ "$counts" = "80000 80000 80000 80000 9" ]
# Issue 6: a captured trace replays without error against every kind of
# strategy (validity: alignment, overlap, payloads, the strategy's own check).
check "cap_threads: replays valid on first-fit, tlsf, buddy, system" \
	"$ALLOCSCOPE" check -a first-fit,tlsf,buddy,system -w "$TMP/threads.yaml"

# ---- aligned allocation, heavily ---------------------------------------------
capture "$TMP/aligned.yaml" "$PROGS/cap_aligned"
check "cap_aligned: exit 0" [ $? -eq 0 ]
check "cap_aligned: exactly 15000 aligned events" \
	[ "$(events "$TMP/aligned.yaml" | grep -c '^  - \[a,')" -eq 15000 ]
check "cap_aligned: replays valid on first-fit, segregated, simple-seg, system" \
	"$ALLOCSCOPE" check -a first-fit,segregated,simple-seg,system -w "$TMP/aligned.yaml"
[ "$counts" = "80000 80000 80000 80000 9" ] || echo "#   got: $counts"

# ---- fork: one file per process ------------------------------------------------
capture "$TMP/fork.yaml" "$PROGS/cap_fork"
check "cap_fork: exit 0" [ $? -eq 0 ]
check "cap_fork: parent's events" same_events "$TMP/fork.yaml" '  - [m, 1, 100]
  - [m, 2, 300]
  - [f, 1]
  - [f, 2]'
child=$(ls "$TMP"/fork.d/cap_fork.*.yaml 2>/dev/null)
check "cap_fork: exactly one child trace" [ "$(echo "$child" | grep -c .)" -eq 1 ]
check "cap_fork: child's events" same_events "${child:-/dev/null}" '  - [m, 1, 200]
  - [f, 1]'
check "cap_fork: inherited free counted as unknown" grep -q 'unknown_frees: 1 ' "${child:-/dev/null}"
check "cap_fork: child trace listed" grep -q "fork.d/cap_fork\.[0-9]*\.yaml: 2 events" "$TMP/fork.yaml.err"
check "cap_fork: child trace loads" loads "${child:-/dev/null}"

# ---- the edges: no events, quick_exit, a child elsewhere, early constructors ----
capture "$TMP/onlyfree.yaml" "$PROGS/cap_edges" onlyfree
child=$(ls "$TMP"/onlyfree.d/cap_edges.*.yaml 2>/dev/null)
check "a child that only frees: its trace has no events and loads" \
	grep -q "onlyfree.d/cap_edges\.[0-9]*\.yaml: 0 events" "$TMP/onlyfree.yaml.err"
check "a child that only frees: its trace loads" loads "${child:-/dev/null}"
capture "$TMP/quick.yaml" "$PROGS/cap_edges" quick
check "quick_exit: every event kept" grep -q ': 2000 events' "$TMP/quick.yaml.err"
# A relative -o, and a child forked after the program left the directory.
allocscope_abs=$(realpath "$ALLOCSCOPE") progs_abs=$(realpath "$PROGS")
(cd "$TMP" && timeout 60 "$allocscope_abs" capture -o rel.yaml -- "$progs_abs/cap_edges" chdir \
	2>rel.err)
check "a child after chdir, -o relative: its trace is written" \
	same_events "$(ls "$TMP"/rel.d/cap_edges.*.yaml 2>/dev/null || echo /dev/null)" '  - [m, 1, 123]
  - [f, 1]'
capture "$TMP/threads4100.yaml" "$PROGS/cap_edges" threads
check "4101 threads: the ones past t4095 are said to be merged" \
	grep -q 'threads past t4095 (5 of them) are all written as t4095' "$TMP/threads4100.yaml.err"
# A library the program links runs its constructors before the recorder's
# (libstdc++ allocates its exception pool so): recording starts in them.
if command -v cc >/dev/null 2>&1; then
	printf '#include <stdlib.h>\nvoid *early_block;\n__attribute__((constructor)) static void early(void) { early_block = malloc(77777); }\n' >"$TMP/early.c"
	printf 'extern void *early_block;\n#include <stdlib.h>\nint main(void) { free(early_block); return 0; }\n' >"$TMP/early_main.c"
	cc -shared -fPIC -o "$TMP/libearly.so" "$TMP/early.c" &&
		cc -o "$TMP/early" "$TMP/early_main.c" -L"$TMP" -learly -Wl,-rpath,"$TMP"
	capture "$TMP/early.yaml" "$TMP/early"
	check "an allocation in a linked library's constructor is recorded" \
		same_events "$TMP/early.yaml" '  - [m, 1, 77777]
  - [f, 1]'
else
	echo "# no cc: early constructors not tested"
fi
# A name that is YAML syntax on its own, and -o a pipe (the header's counts
# cannot be patched in place there).
timeout 60 "$ALLOCSCOPE" capture -n - -o "$TMP/dash.yaml" -- "$PROGS/cap_calls" 2>/dev/null
check "--name -: the trace loads" loads "$TMP/dash.yaml"
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/fromfifo.yaml" &
reader=$!
timeout 60 "$ALLOCSCOPE" capture -o "$TMP/fifo" -- "$PROGS/cap_calls" 2>"$TMP/fifo.err"
rc=$?
wait $reader
check "-o a FIFO: exit 0" [ $rc -eq 0 ]
check "-o a FIFO: the trace arrives whole" same_events "$TMP/fromfifo.yaml" "$CALLS"
check "-o a FIFO: with its counts" grep -q 'unknown_frees: 0' "$TMP/fromfifo.yaml"

# ---- exec: the exec'd program's own trace -----------------------------------------
capture "$TMP/exec.yaml" "$PROGS/cap_exec" "$PROGS/cap_calls"
check "cap_exec: exit 0" [ $? -eq 0 ]
check "cap_exec: main events" same_events "$TMP/exec.yaml" '  - [m, 1, 64]
  - [f, 1]'
child=$(ls "$TMP"/exec.d/cap_calls.*.yaml 2>/dev/null)
check "cap_exec: exec'd child events" same_events "${child:-/dev/null}" "$CALLS"
check "cap_exec: no other traces" [ "$(ls "$TMP/exec.d" | wc -l)" -eq 1 ]

# ---- signal handler -------------------------------------------------------------------
capture "$TMP/signal.yaml" "$PROGS/cap_signal"
check "cap_signal: exit 0" [ $? -eq 0 ]
check "cap_signal: handler's allocations recorded in order" same_events "$TMP/signal.yaml" \
'  - [m, 1, 10]
  - [m, 2, 11]
  - [c, 3, 3, 4]
  - [m, 4, 11]
  - [f, 2]
  - [f, 1]
  - [f, 4]
  - [f, 3]'

# ---- the program's exit status ---------------------------------------------------
capture "$TMP/status.yaml" sh -c 'exit 3'
check "failing program: exit 1" [ $? -eq 1 ]
check "failing program: status in summary" grep -q 'exited with status 3' "$TMP/status.yaml.err"
check "failing program: trace still written" trace_valid "$TMP/status.yaml"
check "raw files removed" [ -z "$(ls -A "$TMP" | grep allocscope-raw)" ]

# Names past the format's 127 characters: --name is refused before the
# program runs; a long -o is cut, so every trace written reads back.
long=$(printf 'x%.0s' $(seq 140))
"$ALLOCSCOPE" capture -n "$long" -o "$TMP/longname.yaml" -- true 2>"$TMP/longname.err"
check "a --name too long to read back: exit 2, said" \
	test $? -eq 2 -a ! -e "$TMP/longname.yaml" -a -n "$(grep "invalid trace name 'x" "$TMP/longname.err")"
mkdir "$TMP/long"
capture "$TMP/long/$long.yaml" sh -c 'ls / >/dev/null'
check "a long -o: the program's trace reads back" "$ALLOCSCOPE" info "$TMP/long/$long.yaml"
check "a long -o: the child's trace reads back" "$ALLOCSCOPE" info "$TMP/long/$long.d"/ls.*.yaml

# A file in the raw directory that is not a raw capture is named, and the
# directory still goes (capture made it; everything in it is capture's).
mkdir "$TMP/rawdir"
"$ALLOCSCOPE" capture -o "$TMP/noraw.yaml" --raw-dir "$TMP/no/such/dir" -- true 2>"$TMP/noraw.err"
check "a --raw-dir that cannot be used is bad input (exit 2)" [ $? -eq 2 ]
check "and is named" grep -q "cannot create a directory '$TMP/no/such/dir/allocscope-raw" "$TMP/noraw.err"
"$ALLOCSCOPE" capture -o "$TMP/bogus.yaml" --raw-dir "$TMP/rawdir" -- \
	sh -c 'echo junk > "$ALLOCSCOPE_CAPTURE_DIR/bogus.raw"' 2>"$TMP/bogus.err"
check "a bogus raw file is named" grep -q 'bogus.raw: error: not a raw capture file' "$TMP/bogus.err"
check "the raw directory is removed all the same" [ -z "$(ls -A "$TMP/rawdir")" ]

# LD_PRELOAD splits at spaces and colons: an allocscope installed under a
# path holding both must still preload its capture library (through an
# alias it removes afterwards) and record the same calls.
odd="$TMP/my tools:v2"
mkdir -p "$odd"
cp "$ALLOCSCOPE" "$(dirname "$ALLOCSCOPE")/liballocscope_capture.so" "$odd/"
aliases_before=$(ls -d /tmp/allocscope-capture.* 2>/dev/null | wc -l)
timeout 120 "$odd/$(basename "$ALLOCSCOPE")" capture -o "$TMP/odd.yaml" -- "$PROGS/cap_calls" \
	2>"$TMP/odd.yaml.err"
check "a capture library under a path with a space and a colon: exit 0" [ $? -eq 0 ]
check "and the same exact event sequence" same_events "$TMP/odd.yaml" "$CALLS"
check "and its preload alias is removed" \
	[ "$(ls -d /tmp/allocscope-capture.* 2>/dev/null | wc -l)" -eq "$aliases_before" ]

# Every trace captured above (forked and exec'd children included) replays
# without error against an in-house strategy and glibc.
for trace in "$TMP"/*.yaml "$TMP"/*.d/*.yaml; do
	[ -s "$trace" ] || continue
	check "$(basename "$trace"): replays valid on tlsf and system" \
		"$ALLOCSCOPE" check -a tlsf,system -w "$trace"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
