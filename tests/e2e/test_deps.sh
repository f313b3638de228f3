#!/usr/bin/env bash
# test_deps.sh - scripts/deps.sh, which make bench and make test run first,
# against stand-in dpkg-query, apt-get and id: a missing optional baseline
# never stops a build (it only makes that strategy unavailable), a missing
# required package does, and a failed install of everything falls back to
# the required set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
deps=$(cd "$here/../.." && pwd)/scripts/deps.sh
enter_scratch

mkdir bin
# dpkg-query: every package is installed but those in $FAKE_MISSING.
cat > bin/dpkg-query <<'SH'
#!/bin/sh
for p; do :; done
case " $FAKE_MISSING " in *" $p "*) exit 1 ;; esac
printf 'install ok installed'
SH
# apt-get: install fails when it is asked for one of $FAKE_UNINSTALLABLE,
# and logs every install it is asked for.
cat > bin/apt-get <<'SH'
#!/bin/sh
[ "$1" = update ] && exit 0
echo "$*" >> apt.log
for p; do
	case " $FAKE_UNINSTALLABLE " in *" $p "*) exit 100 ;; esac
done
SH
cat > bin/id <<'SH'
#!/bin/sh
echo "$FAKE_UID"
SH
chmod +x bin/*
export PATH="$PWD/bin:$PATH"

# deps MODE MISSING UNINSTALLABLE UID: runs deps.sh, exit status in $rc.
deps() {
	rm -f apt.log
	FAKE_MISSING=$2 FAKE_UNINSTALLABLE=$3 FAKE_UID=$4 sh "$deps" "$1" >out 2>&1
	rc=$?
}

deps ensure "" "" 0
[ "$rc" -eq 0 ] && [ ! -s out ] && [ ! -e apt.log ] &&
	ok "all installed: exit 0, silent, nothing installed" || fail "all installed: exit $rc: $(cat out)"

deps ensure "libmimalloc-dev" "libmimalloc-dev" 0
[ "$rc" -eq 0 ] && grep -q "unavailable" out &&
	ok "an optional package that cannot be installed: exit 0, said" ||
	fail "optional uninstallable: exit $rc: $(cat out)"

deps ensure "libyaml-dev libmimalloc-dev" "libmimalloc-dev" 0
[ "$rc" -eq 0 ] && [ "$(wc -l < apt.log)" -eq 2 ] && tail -n 1 apt.log | grep -q "libyaml-dev$" &&
	ok "a failed install falls back to the required package alone" ||
	fail "fallback: exit $rc, apt-get saw: $(cat apt.log 2>/dev/null)"

deps ensure "libyaml-dev" "libyaml-dev" 0
[ "$rc" -ne 0 ] && ok "a required package that cannot be installed: exit $rc" ||
	fail "required uninstallable: exit 0"

deps ensure "libmimalloc-dev" "" 1000
[ "$rc" -eq 0 ] && grep -q "run as root" out && [ ! -e apt.log ] &&
	ok "not root, an optional package missing: exit 0, the command to run shown" ||
	fail "not root, optional: exit $rc: $(cat out)"

deps ensure "libcmocka-dev" "" 1000
[ "$rc" -eq 1 ] && grep -q "libcmocka-dev" out &&
	ok "not root, a required package missing: exit 1, named" ||
	fail "not root, required: exit $rc: $(cat out)"

deps install "libmimalloc-dev" "" 1000
[ "$rc" -eq 1 ] && ok "make deps as a user with something missing: exit 1" ||
	fail "make deps as a user: exit $rc"

finish
