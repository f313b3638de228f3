#!/usr/bin/env bash
# run.sh - runs every test: the cmocka unit binaries in $BUILD/tests/ and the
# end-to-end scripts in tests/e2e/. Prints each suite's own output, then one
# closing line "N passed, N failed, N skipped". Exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export ALLOCSCOPE="$PWD/$BUILD/allocscope"
export ALLOCSCOPE_SHARED_DATA=${ALLOCSCOPE_SHARED_DATA:-$PWD/../shared/data}
export ALLOCSCOPE_SANITIZE=${SANITIZE:-0}
cache=$(mktemp -d)
export ALLOCSCOPE_CACHE="$cache"
trap 'rm -rf "$cache"' EXIT
# Sanitizer reports must fail the test that triggers them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0
failed_suites=()

count() { # $1 = suite name, $2 = log file, $3 = exit code
	local p f s
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{n+=$1} END {print n+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{n+=$1} END {print n+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$2" | awk '{n+=$1} END {print n+0}')
	if grep -qE '^[0-9]+ passed, [0-9]+ failed' "$2"; then
		local line
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
		p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
		s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
		s=${s:-0}
	fi
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # a crash or sanitizer abort before any summary
		echo "!! $1 exited with status $3"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failed_suites+=("$1")
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "== $name"
	log=$(mktemp)
	"$t" 2>&1 | tee "$log"
	count "$name" "$log" "${PIPESTATUS[0]}"
	rm -f "$log"
done

for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "== $name"
	log=$(mktemp)
	bash "$t" 2>&1 | tee "$log"
	count "$name" "$log" "${PIPESTATUS[0]}"
	rm -f "$log"
done

echo
[ ${#failed_suites[@]} -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
