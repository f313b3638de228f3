# lib.sh - shared by the end-to-end scripts: TAP-like check lines and the
# closing "N passed, N failed, N skipped" line that tests/run.sh adds up.
# Source it, call ok/fail/skip (or check CMD..), and end with `finish`.
ALLOCSCOPE=${ALLOCSCOPE:-build/allocscope}
BUILD=${BUILD:-build}
e2e_n=0 e2e_pass=0 e2e_fail=0 e2e_skip=0

ok() { e2e_n=$((e2e_n + 1)); e2e_pass=$((e2e_pass + 1)); echo "ok $e2e_n - $*"; }
fail() { e2e_n=$((e2e_n + 1)); e2e_fail=$((e2e_fail + 1)); echo "not ok $e2e_n - $*"; }
skip() { e2e_n=$((e2e_n + 1)); e2e_skip=$((e2e_skip + 1)); echo "ok $e2e_n - # SKIP $*"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# expect_exit CODE NAME CMD...: passes when CMD exits with CODE.
expect_exit() {
	local want=$1 name=$2 rc
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else fail "$name (exit $rc, want $want)"; fi
}

# enter_scratch: makes $ALLOCSCOPE an absolute path, then moves into a
# fresh directory, $work, removed when the script exits, so that a test's
# files and results never land in the checkout.
enter_scratch() {
	ALLOCSCOPE=$(cd "$(dirname "$ALLOCSCOPE")" && pwd)/$(basename "$ALLOCSCOPE")
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cd "$work" || exit 1
}

# write_hand_trace FILE: SPEC §4's example, hand-worked: peak live 228
# bytes after event 3 (24 + 80 + 100, then block 1 grows to 48).
write_hand_trace() {
	cat >"$1" <<'YAML'
allocscope: 1
name: hand
description: hand-worked, peak live 228 bytes after event 3
events:
  - [m, 1, 24]
  - [c, 2, 10, 8]
  - [a, 3, 64, 100]
  - [r, 1, 48]
  - [f, 2]
  - [m, 4, 32, t1]
YAML
}

# write_mixed_trace FILE: 3000 events of malloc (16..5015 bytes) and LIFO
# free, named "mixed", from a fixed LCG so every run writes the same bytes.
write_mixed_trace() {
	awk 'BEGIN {
		print "allocscope: 1"; print "name: mixed"; print "events:"
		s = 12345; live = 0
		for (i = 0; i < 3000; i++) {
			s = (s * 1103515245 + 12345) % 2147483648
			if (live > 0 && s % 3 == 0) { printf "  - [f, %d]\n", ids[live]; live-- }
			else { id++; live++; ids[live] = id; printf "  - [m, %d, %d]\n", id, 16 + s % 5000 }
		}
	}' >"$1"
}

# comma_locale DIR: builds de_DE.UTF-8 into DIR with localedef and sets
# comma_env to the environment that selects it ("LOCPATH=DIR
# LC_ALL=de_DE.UTF-8"), for a test that the scripts' numbers stay in C style.
# Fails (with a message) where the locale cannot be built or where awk there
# would not print a decimal comma, so that the test can skip.
comma_locale() {
	mkdir -p "$1"
	comma_env="LOCPATH=$1 LC_ALL=de_DE.UTF-8"
	if ! localedef -i de_DE -f UTF-8 "$1/de_DE.UTF-8" >/dev/null 2>&1 ||
		[ "$(env $comma_env awk 'BEGIN { printf "%.1f", 1.5 }')" != "1,5" ]; then
		echo "no decimal-comma locale here (localedef and the 'locales' package build one)"
		return 1
	fi
}

finish() {
	echo "$e2e_pass passed, $e2e_fail failed, $e2e_skip skipped"
	[ "$e2e_fail" -eq 0 ]
}
