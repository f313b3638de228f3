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

finish() {
	echo "$e2e_pass passed, $e2e_fail failed, $e2e_skip skipped"
	[ "$e2e_fail" -eq 0 ]
}
