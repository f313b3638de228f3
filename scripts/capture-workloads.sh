#!/usr/bin/env bash
# capture-workloads.sh - `make workloads`: captures real programs' allocation
# traces into workloads/captured/ (git-ignored) with `allocscope capture`.
# Usage: scripts/capture-workloads.sh BUILD_DIR. Programs not installed are
# skipped with a message; inputs are fixed so that a re-capture repeats.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ALLOCSCOPE=$BUILD/allocscope
OUT=workloads/captured
PROGRAMS=scripts/workload-programs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
export PYTHONHASHSEED=0 LC_ALL=C
failed=0

have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "capture-workloads: '$1' is not installed: skipping $2"
	return 1
}

capture() { # capture NAME DESCRIPTION CMD...: CMD's own process is the trace
	local name=$1 desc=$2
	shift 2
	echo "capture-workloads: $name"
	"$ALLOCSCOPE" capture -o "$OUT/$name.yaml" -n "$name" -d "$desc" -- "$@" || failed=1
}

# Renames a child process's trace (TRACE.d/PROG.PID.yaml) into place.
adopt_child() { # adopt_child NAME DESCRIPTION TRACE.d PROG
	local name=$1 desc=$2 dir=$3 prog=$4 file
	file=$(ls "$dir/$prog".*.yaml 2>/dev/null | head -1)
	if [ -z "$file" ]; then
		echo "capture-workloads: no '$prog' trace under $dir" >&2
		failed=1
		return
	fi
	awk -v name="$name" -v desc="$desc" \
		'NR == 2 { print "name: " name; print "description: \"" desc "\""; next } { print }' \
		"$file" >"$OUT/$name.yaml" || failed=1
}

if have python3 python-json; then
	PY=$(command -v /usr/bin/python3 || command -v python3)
	PYTHONMALLOC=malloc capture python-json \
		"json round trip of 30k records, PYTHONMALLOC=malloc PYTHONHASHSEED=0" \
		"$PY" "$PROGRAMS/json_roundtrip.py" 30000
fi

# cppcheck and cc1 read one C source of this project, frozen at a commit so
# that the workloads stay the same as the sources change. Outside a git
# checkout the current file stands in, with a warning.
INPUT_COMMIT=1dd5f63
INPUT_FILES="src/capture_convert.c src/capture_convert.h src/diag.h src/preload/capture_raw.h"
mkdir "$TMP/input"
# shellcheck disable=SC2086 # the file list is meant to split
if ! git archive "$INPUT_COMMIT" $INPUT_FILES 2>/dev/null | tar -x -C "$TMP/input" 2>/dev/null; then
	echo "capture-workloads: warning: commit $INPUT_COMMIT is not here (not a git clone?):" \
		"cppcheck and cc1 read the current src/capture_convert.c" >&2
	rm -rf "$TMP/input"
	mkdir -p "$TMP/input/src"
	cp -r src/capture_convert.c src/capture_convert.h src/diag.h src/preload "$TMP/input/src/"
fi
C_INPUT=$TMP/input/src/capture_convert.c

if have cppcheck cppcheck; then
	capture cppcheck "cppcheck analysing src/capture_convert.c of $INPUT_COMMIT (C++ program)" \
		cppcheck --quiet --std=c11 -I"$TMP/input/src" "$C_INPUT"
fi

if have gcc gcc-cc1; then
	echo "capture-workloads: gcc-cc1"
	if "$ALLOCSCOPE" capture -o "$TMP/gcc.yaml" -n gcc-driver -- \
		gcc -O2 -std=gnu11 -I"$TMP/input/src" -c "$C_INPUT" -o "$TMP/x.o"; then
		adopt_child gcc-cc1 "cc1 compiling src/capture_convert.c of $INPUT_COMMIT at -O2 (gcc -c)" \
			"$TMP/gcc.d" cc1
	else
		failed=1
	fi
fi

if have sqlite3 sqlite; then
	capture sqlite "sqlite3 in-memory: 50k-row table, index, joins, aggregates" \
		sqlite3 -bail :memory: ".read $PROGRAMS/sqlite_workload.sql" >/dev/null
elif have perl perl; then
	capture perl "perl hashes and strings: word counts of generated text" \
		perl -e 'my %h; for my $i (1..200000) { $h{"w" . ($i * 7919 % 50000)} .= "x" } print scalar(keys %h), "\n"'
fi

ls -l "$OUT"
exit $failed
