#!/usr/bin/env bash
# test_huge.sh - traces too large to make: a `generate:` spec past the event
# limit (or one whose repeat multiplies empty phases) is refused at once; one
# that would not fit in memory is refused before expansion, and an explicit
# trace growing past the memory left (ulimit -v) is refused with a message,
# never killed; a request larger than the machine's memory is an oom: row
# for every in-house strategy, not a block the kernel would kill it for. The 100-million-event measurement is in the README table
# (too slow for a test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
enter_scratch

spec() { # $1 = file, $2 = repeat, $3 = the phases line
	printf 'allocscope: 1\nname: huge\ngenerate:\n  repeat: %s\n  phases: %s\n' "$2" "$3" > "$1"
}
# refused FILE PATTERN [ULIMIT_KIB]: exit 2 within 5 s, message matching PATTERN.
refused() {
	local out rc start=$SECONDS
	out=$( (if [ -n "${3:-}" ]; then ulimit -v "$3"; fi; exec "$ALLOCSCOPE" info "$1") 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -qE "$2" && [ $((SECONDS - start)) -le 5 ]; then
		ok "$1 refused: $out"
	else
		fail "$1: exit $rc after $((SECONDS - start)) s: $out"
	fi
}

spec e12.yaml 1 '[{events: 1000000000000, sizes: 64}]'
refused e12.yaml '^e12.yaml:5:[0-9]+: error: 1000000000000 is out of range \[0, 1000000000\]$'
spec product.yaml 100000 '[{events: 100000, sizes: 64}]'
refused product.yaml '^product.yaml:4:3: error: the spec expands to more than 1000000000 events'
spec empty-phases.yaml 1000000000 '[{free: all}, {free: all}]'
refused empty-phases.yaml 'the spec expands to more than 1000000000 events \(each phase counting at least 1'

if [ "${ALLOCSCOPE_SANITIZE:-0}" = 1 ]; then
	skip "ulimit -v cases: AddressSanitizer needs terabytes of address space"
	finish
	exit
fi

# 200 million events are 3052 MiB: refused under a 1 GiB address space.
spec mem.yaml 1 '[{events: 200000000, sizes: 64, lifetime: 10}]'
refused mem.yaml "^mem.yaml:4:3: error: the spec's trace needs 3051.8 MiB of memory, only [0-9.]+ MiB are available$" 1048576

# An explicit trace grows its event array by doubling, asking before each
# step: under shrinking limits every load either works or is refused with a
# message; none dies of a signal, and the small limits refuse. (No cache:
# a cached trace is mapped, not built.)
export ALLOCSCOPE_CACHE=/dev/null/no-cache
printf 'allocscope: 1\nname: mid\ngenerate:\n  phases: [{events: 300000, sizes: 64, lifetime: 10}]\n' > mid-spec.yaml
"$ALLOCSCOPE" gen mid-spec.yaml -o mid.yaml 2>/dev/null || fail "gen mid.yaml"
refusals=0 crashes=0 others=0
for kib in 65536 32768 16384 12288 10240 8192; do
	out=$( (ulimit -v "$kib"; exec "$ALLOCSCOPE" info mid.yaml) 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		continue
	elif [ "$rc" -eq 2 ] && echo "$out" | grep -qE '^mid.yaml:[0-9]+:[0-9]+: error: growing the trace past [0-9]+ events needs [0-9.]+ MiB of memory, only [0-9.]+ MiB are available$'; then
		refusals=$((refusals + 1))
	elif [ "$rc" -ge 128 ]; then
		crashes=$((crashes + 1))
		echo "# ulimit -v $kib: killed by signal $((rc - 128)): $out"
	else
		others=$((others + 1))
		echo "# ulimit -v $kib: exit $rc: $out"
	fi
done
[ "$crashes" -eq 0 ] && ok "no load died of a signal under ulimit -v" || fail "$crashes loads died"
[ "$refusals" -ge 1 ] && ok "$refusals loads refused with the memory message" ||
	fail "no load was refused with the memory message"
[ "$others" -eq 0 ] && ok "no other failure" || fail "$others loads failed otherwise"
# A stream that never ends is read only while memory holds it.
refused /dev/zero '^/dev/zero: error: not a regular file, and after [0-9]+ bytes its text would not fit' 2000000

# Twice the machine's memory, within the 64 GiB reservation: the heap cannot
# commit it, so malloc returns NULL. (--touch none: a build that handed out
# the block would say ok here rather than be OOM-killed.)
kib=$(awk '/^(MemTotal|SwapTotal):/ { n += $2 } END { print n }' /proc/meminfo)
big=$((2 * kib * 1024))
if [ "$big" -lt $((60 << 30)) ]; then
	printf 'allocscope: 1\nname: toobig\nevents:\n  - [m, 1, 64]\n  - [m, 2, %s]\n  - [m, 3, 64]\n' \
		"$big" > toobig.yaml
	strategies=first-fit,next-fit,best-fit,segregated,simple-seg,buddy,tlsf
	"$ALLOCSCOPE" run -a "$strategies" -w toobig.yaml -n 1 --touch none --no-latency --no-cache \
		-o big >/dev/null 2>&1
	got=$(awk -F, 'NR > 1 { print $NF }' big/latest/throughput.csv 2>/dev/null | sort -u)
	[ "$got" = "oom:1" ] && ok "a request of twice the memory ($big bytes) is oom:1 for all seven" ||
		fail "a request of twice the memory: statuses '$got'"
else
	skip "more than 30 GiB of memory: twice it would pass the heap's reservation anyway"
fi

finish
