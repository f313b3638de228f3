#!/usr/bin/env bash
# test_info.sh - `allocscope info` end to end on a hand-worked trace: the
# figures it prints, loader errors in GCC style with exit 2, usage, and a
# failed write to stdout reported with exit 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Live bytes 100 300 364 164 364 400 336 336 36 0; lifetimes of the freed
# blocks 2, 4, 8, 4; block 5 (malloc(0)) is left live.
cat >"$work/hand.yaml" <<'YAML'
allocscope: 1
name: hand
description: ten events, one of each kind
events:
  - [m, 1, 100]
  - [m, 2, 200]
  - [c, 3, 4, 16]
  - [f, 2]
  - [r, 1, 300]
  - [a, 4, 64, 36, t1]
  - [f, 3]
  - [m, 5, 0]
  - [f, 1]
  - [f, 4]
YAML
"$ALLOCSCOPE" info "$work/hand.yaml" >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "info on a good trace exits 0"; else fail "info exits 0 (got $rc)"; sed 's/^/# /' "$work/err"; fi
has() { grep -qE -- "$1" "$work/out"; }
check "the name" has '^name +hand$'
check "events by kind with percentages" has '^  malloc +3 +30\.0%$'
check "frees" has '^  free +4 +40\.0%$'
check "threads" has '^threads +2$'
check "peak live bytes and blocks" has '^peak live +400 bytes in 3 blocks$'
check "most blocks live at once" has '^most blocks +3 live at once$'
check "bytes requested" has '^requested +700 bytes in 6 requests$'
check "the zero-size bucket" has '^  0 +1 +16\.7%  #+$'
check "an empty bucket inside the range" has '^  \[16 B, 32 B\) +0 +0\.0%$'
check "the fullest bucket has the longest bar" has '^  \[64 B, 128 B\) +2 +33\.3%  #{40}$'
check "lifetime percentiles" has '^ +median 4  p90 8  p99 8  max 8$'
check "blocks live at the end" has 'still live at the end: 1 block$'
check "realloc growth" has '^realloc +1 grew, 0 shrank, 0 kept their size$'

# Live blocks 1 2 3 2 1 2: the peak of live bytes (600) comes with 2 blocks,
# though 3 were live at once before it.
printf 'allocscope: 1\nname: few\nevents: [[m, 1, 100], [m, 2, 1], [m, 3, 1], [f, 2], [f, 3], [m, 4, 500]]\n' \
	>"$work/few.yaml"
"$ALLOCSCOPE" info "$work/few.yaml" >"$work/out" 2>&1
check "peak live names the blocks live at that moment" has '^peak live +600 bytes in 2 blocks$'
check "and the most blocks live at any moment apart" has '^most blocks +3 live at once$'

# Threads are counted as they made calls; ids skipped are shown apart.
printf 'allocscope: 1\nname: sparse\nevents: [[m, 1, 8, t0], [m, 2, 8, t7], [f, 1, t7]]\n' \
	>"$work/sparse.yaml"
"$ALLOCSCOPE" info "$work/sparse.yaml" >"$work/out" 2>&1
check "threads that made calls, with the ids' range" has '^threads +2 \(ids t0 to t7\)$'

printf 'allocscope: 1\nname: bad\nevents:\n  - [m, 1, 8]\n  - [f, 2]\n' >"$work/bad.yaml"
"$ALLOCSCOPE" info "$work/bad.yaml" >/dev/null 2>"$work/err"
rc=$?
check "a bad trace exits 2" test "$rc" -eq 2
check "with FILE:LINE:COL: error:" grep -qE "bad\.yaml:5:[0-9]+: error: " "$work/err"
expect_exit 2 "no trace is bad usage" "$ALLOCSCOPE" info
expect_exit 2 "a bad --max-size is bad usage" "$ALLOCSCOPE" info --max-size=lots "$work/hand.yaml"
expect_exit 2 "--max-size is passed to the loader" "$ALLOCSCOPE" info --max-size 100 "$work/hand.yaml"
expect_exit 0 "--help exits 0" "$ALLOCSCOPE" info --help
if [ -w /dev/full ]; then
	"$ALLOCSCOPE" info "$work/hand.yaml" >/dev/full 2>"$work/err"
	rc=$?
	check "a write error is a failed run (exit 1)" test "$rc" -eq 1
	check "and is reported" grep -q 'error: cannot write the output' "$work/err"
	# The same for every command's standard output, --help included.
	for args in list --version --help "run --help" \
		"run -a first-fit -w $work/hand.yaml -n 1 --no-latency --no-cache -o $work/full"; do
		# shellcheck disable=SC2086
		"$ALLOCSCOPE" $args >/dev/full 2>"$work/err"
		rc=$?
		check "'$(echo "$args" | cut -c1-24)' to a full disk exits 1 and says so" \
			sh -c "[ $rc -eq 1 ] && grep -q 'cannot write the output: No space left' '$work/err'"
	done
else
	skip "no /dev/full"
fi
"$ALLOCSCOPE" list >&- 2>"$work/err"
rc=$?
check "a closed standard output fails the command (exit 1) and says so" \
	sh -c "[ $rc -eq 1 ] && grep -q 'cannot write the output' '$work/err'"
finish
