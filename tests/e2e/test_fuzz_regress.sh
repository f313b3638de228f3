#!/usr/bin/env bash
# test_fuzz_regress.sh - `make fuzz-regress`: every libFuzzer harness runs
# once over its kept inputs in tests/corpus/<target>/ (seeds and the inputs
# of every crash or hang found and fixed), under ASan and UBSan. Skips when
# clang (libFuzzer) is not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	skip "clang is not installed: no libFuzzer harnesses (apt-get install clang libclang-rt-14-dev)"
	finish
	exit
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Unset the caller's sanitizer options: libFuzzer's own defaults apply.
if env -u ASAN_OPTIONS -u UBSAN_OPTIONS make -s --no-print-directory fuzz-regress >"$log" 2>&1; then
	while read -r _ target _ n _; do
		ok "$target: $n inputs"
	done < <(grep '^== fuzz_' "$log")
else
	cat "$log"
	fail "make fuzz-regress"
fi
finish
