#!/bin/sh
# deps.sh - the Debian packages allocscope needs.
#   deps.sh install   install whatever is missing (root), or print the command
#   deps.sh ensure    the same, but silent when everything is there (make bench/test)
set -eu

# Required to build and test; the baselines' packages are optional at run time
# (their strategies show as unavailable) but installed when we can, as are
# clang (make fuzz) and locales (the tests' decimal-comma locale).
REQUIRED="gcc make libyaml-dev libjemalloc-dev libjemalloc2 libxxhash-dev libcmocka-dev gnuplot-nox valgrind"
OPTIONAL="libmimalloc-dev libgoogle-perftools-dev clang locales"

missing=""
for p in $REQUIRED $OPTIONAL; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-install}" = ensure ] || echo "deps: every package is installed"
	exit 0
fi

required_missing=""
for p in $missing; do
	case " $REQUIRED " in *" $p "*) required_missing="$required_missing $p" ;; esac
done

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root:  apt-get update && $cmd" >&2
	# Without a required package nothing builds; without an optional one
	# only that baseline is unavailable, which the run says in its row.
	[ -z "$required_missing" ] && [ "${1:-install}" = ensure ] && exit 0
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2 && exit 0
# The baselines are optional: retry with the required set alone.
echo "deps: could not install them all; the optional ones' strategies will show as unavailable" >&2
[ -z "$required_missing" ] && exit 0
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $required_missing >&2
