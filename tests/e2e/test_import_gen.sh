#!/usr/bin/env bash
# test_import_gen.sh - `allocscope import` and `allocscope gen` end to end:
# each importer against counts taken independently (grep/awk over the input),
# a real glibc mtrace log captured from a tiny program, error places and exit
# codes, whole-or-untouched output, and the shipped workloads' expansion.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
data=${ALLOCSCOPE_SHARED_DATA:-$root/../shared/data}
frag=$root/tests/data/import
enter_scratch

events_of() { grep -c '^- \[' "$1"; }
ops_of() { grep -c "^- \[$2," "$1"; }
peak_of() { sed -n 's/.*peak live \([0-9]*\) bytes.*/\1/p' "$1"; }

# ---- malloclab: counts and peak live computed by awk from the .rep itself --
rep_peak() {
	awk 'NR > 4 && NF {
		if ($1 == "a") { size[$2] = $3; live += $3 }
		else if ($1 == "r") { live += $3 - size[$2]; size[$2] = $3 }
		else if ($1 == "f") { live -= size[$2]; size[$2] = 0 }
		if (live > peak) peak = live
	} END { print peak + 0 }' "$1"
}
if [ -d "$data/malloclab" ]; then
	for rep in "$data"/malloclab/*.rep; do
		b=$(basename "$rep" .rep)
		if "$ALLOCSCOPE" import --from malloclab "$rep" -o "$b.yaml" 2> "$b.err"; then
			want=$(grep -c '^[afr] ' "$rep")
			got=$(events_of "$b.yaml")
			[ "$got" -eq "$want" ] && ok "malloclab $b: $got events" ||
				fail "malloclab $b: $got events, want $want"
			want=$(rep_peak "$rep")
			got=$(peak_of "$b.err")
			[ "$got" = "$want" ] && ok "malloclab $b: peak live $got" ||
				fail "malloclab $b: peak live $got, want $want"
			grep -q "^name: \"\\?$b\"\\?$" "$b.yaml" && ok "malloclab $b: name" ||
				fail "malloclab $b: name"
		else
			fail "malloclab $b: import failed: $(cat "$b.err")"
		fi
	done
	# The README's utilization table comes from this script, and the
	# in-house strategies' figures are deterministic: README must show what
	# the script prints today (system's column depends on the glibc build).
	inhouse=first-fit,first-fit:order=lifo,next-fit,best-fit,segregated,simple-seg,buddy,tlsf
	"$root/scripts/malloclab-util.sh" "$data/malloclab" "$inhouse" >util.out 2>&1
	check "malloclab-util.sh: a column per strategy, named in full" \
		grep -q "^trace  *$(echo "$inhouse" | sed 's/,/  */g')\$" util.out
	check "malloclab-util.sh: an average per strategy" \
		grep -qE '^average( +[0-9.]+%){8}$' util.out
	awk '/^[a-z0-9-]+ +[0-9.]+%/ { $1 = $1; print }' util.out >util.rows
	awk -F' *[|] *' '/^[|] trace [|]/ { table = 1; next } table && !/^[|]/ { exit }
		table && /%/ { row = $2; for (i = 3; i <= 10; i++) row = row " " $i; print row }' \
		"$root/README.md" >readme.rows
	if [ -s util.rows ] && cmp -s util.rows readme.rows; then
		ok "README's malloc-lab table matches malloclab-util.sh ($(wc -l <util.rows) rows)"
	else
		fail "README's malloc-lab table differs from malloclab-util.sh: $(diff readme.rows util.rows | head -n 6 | tr "\n" " ")"
	fi
else
	skip "malloclab: $data/malloclab not found"
fi

# ---- mtrace: a real log from glibc, checked against grep counts ------------
mtrace_counts() { # FILE YAML: + lines = mallocs, - = frees, > = reallocs
	local m f r
	m=$(grep -c '+ 0x' "$1"); f=$(grep -c '\- 0x' "$1"); r=$(grep -c '> 0x' "$1")
	[ "$(ops_of "$2" m)" -eq "$m" ] && [ "$(ops_of "$2" f)" -eq "$f" ] &&
		[ "$(ops_of "$2" r)" -eq "$r" ]
}
preload=$(ls /usr/lib/*/libc_malloc_debug.so.0 /lib/*/libc_malloc_debug.so.0 2>/dev/null | head -n 1)
if cc -O0 -o prog "$frag/mtrace_prog.c" 2>/dev/null &&
	MALLOC_TRACE=$work/live.mtrace LD_PRELOAD=$preload ./prog && [ -s live.mtrace ]; then
	check "mtrace: import a live glibc log" \
		"$ALLOCSCOPE" import --from mtrace live.mtrace -o live.yaml 2> live.err
	check "mtrace: live log counts match grep" mtrace_counts live.mtrace live.yaml
	[ "$(peak_of live.err)" = 8368 ] && ok "mtrace: live peak 8368" ||
		fail "mtrace: live peak $(peak_of live.err), want 8368"
else
	skip "mtrace: could not capture a log from glibc here"
fi
"$ALLOCSCOPE" import --from mtrace "$frag/mtrace-prog.txt" -o cap.yaml 2> cap.err
check "mtrace: stored capture counts match grep" mtrace_counts "$frag/mtrace-prog.txt" cap.yaml
[ "$(events_of cap.yaml)" -eq 24 ] && [ "$(peak_of cap.err)" = 8368 ] &&
	ok "mtrace: stored capture 24 events, peak 8368" || fail "mtrace: stored capture"
"$ALLOCSCOPE" import --from mtrace "$frag/mtrace-fragment.txt" -o mf.yaml 2> mf.err
[ "$(events_of mf.yaml)" -eq 7 ] && [ "$(peak_of mf.err)" = 336 ] &&
	grep -q 'warning: 1 frees of pointers never allocated' mf.err &&
	ok "mtrace: fragment 7 events, peak 336, one warning" || fail "mtrace: fragment"

# ---- android: both forms -----------------------------------------------------
"$ALLOCSCOPE" import --from android "$frag/android-plain.txt" -o ap.yaml 2> ap.err
[ "$(events_of ap.yaml)" -eq 8 ] && [ "$(peak_of ap.err)" = 372 ] &&
	grep -q ', t3\]$' ap.yaml && ok "android: plain form" || fail "android: plain form"
"$ALLOCSCOPE" import --from android "$frag/android-timestamps.txt" -o at.yaml 2> at.err
[ "$(events_of at.yaml)" -eq 7 ] && [ "$(peak_of at.err)" = 464 ] &&
	ok "android: timestamp form" || fail "android: timestamp form"

# ---- errors, usage, whole-or-untouched output ----------------------------------
printf '20000\n2\n2\n1\na 0 16\nq 1 2\n' > bad.rep
echo keep > out.yaml
expect_exit 2 "malformed .rep exits 2" "$ALLOCSCOPE" import --from malloclab bad.rep -o out.yaml
"$ALLOCSCOPE" import --from malloclab bad.rep -o out.yaml 2> bad.err
grep -q '^bad.rep:6:1: error: unknown request' bad.err && ok "error names bad.rep:6:1" ||
	fail "error place: $(cat bad.err)"
[ "$(cat out.yaml)" = keep ] && [ -z "$(ls out.yaml.tmp.* 2>/dev/null)" ] &&
	ok "failed import leaves the output untouched" || fail "output touched"
printf '1: malloc 0x10 8 5\n' > bad.android
"$ALLOCSCOPE" import --from android bad.android -o x.yaml 2> bad.err
grep -q '^bad.android:1:19: error:' bad.err && ok "android error place" ||
	fail "android error place: $(cat bad.err)"
# A signal in the middle of writing leaves no temporary file behind (and no
# output): gen of 4 million events writes for a few tenths of a second, and
# the signal is sent as soon as its temporary file appears.
printf 'allocscope: 1\nname: sig\ngenerate:\n  seed: 1\n  phases:\n    - events: 4000000\n      sizes: {uniform: [16, 4096]}\n      lifetime: {exponential: {mean: 2000}}\n' >sig.spec.yaml
for sig in INT TERM; do
	env --default-signal=$sig "$ALLOCSCOPE" gen sig.spec.yaml -o sig-$sig.yaml 2>/dev/null &
	pid=$!
	seen=
	for _ in $(seq 200000); do
		for f in sig-$sig.yaml.tmp.*; do [ -e "$f" ] && seen=$f; done
		[ -n "$seen" ] && break
		kill -0 $pid 2>/dev/null || break
	done
	kill -$sig $pid 2>/dev/null
	wait $pid
	rc=$?
	if [ -z "$seen" ]; then
		skip "SIG$sig during gen's write: the write was over before it was seen"
	else
		left=$(ls sig-$sig.yaml* 2>/dev/null | wc -l)
		[ "$left" -eq 0 ] && [ "$rc" -eq $((128 + $(kill -l $sig))) ] &&
			ok "SIG$sig during gen's write: no temporary file, no output, status $rc" ||
			fail "SIG$sig during gen's write: status $rc, left: $(ls sig-$sig.yaml* 2>/dev/null)"
	fi
done
# realloc growth past 2^64 saturates: never a block shrunk (it wrapped to 0).
printf 'allocscope: 1\nname: g\ngenerate:\n  phases:\n    - {events: 2, sizes: 4611686018427387904, realloc: {p: 1, growth: 4}}\n' >grow.yaml
"$ALLOCSCOPE" gen --max-size 18446744073709551615 grow.yaml -o grow.out.yaml 2>/dev/null
grep -q '^- \[r, 0, 18446744073709551615\]$' grow.out.yaml &&
	ok "realloc growth past 2^64 is the largest size" || fail "growth: $(tail -n 1 grow.out.yaml)"
cp "$root/workloads/tiny.yaml" self.yaml
expect_exit 2 "gen -o the spec itself is bad usage" "$ALLOCSCOPE" gen self.yaml -o self.yaml
cmp -s self.yaml "$root/workloads/tiny.yaml" && ok "and the spec is kept" || fail "gen replaced its spec"
printf '+ 0x10 0x4\n' >self.mtrace
expect_exit 2 "import -o the input itself is bad usage" "$ALLOCSCOPE" import --from mtrace self.mtrace -o self.mtrace
[ "$(cat self.mtrace)" = '+ 0x10 0x4' ] && ok "and the input is kept" || fail "import replaced its input"
expect_exit 0 "import --help" "$ALLOCSCOPE" import --help
expect_exit 2 "import without args" "$ALLOCSCOPE" import
expect_exit 2 "import unknown format" "$ALLOCSCOPE" import --from nope bad.rep -o x.yaml
expect_exit 2 "import missing input" "$ALLOCSCOPE" import --from mtrace nofile -o x.yaml
"$ALLOCSCOPE" import --from mtrace nofile -o x.yaml 2>nofile.err
grep -q '^nofile: error: cannot open: No such file or directory$' nofile.err &&
	ok "a missing input is named first, as the loader names one" || fail "said: $(cat nofile.err)"
# A request the trace cannot take is placed where it starts.
printf '1: malloc 0x10 8\n2:  malloc 0x20 99999999\n' >big.android
"$ALLOCSCOPE" import --from android big.android --max-size 1000 -o x.yaml 2>big.err
grep -q '^big.android:2:5: error: .*1000' big.err && ok "android: a size past --max-size at 2:5" ||
	fail "android past --max-size: $(cat big.err)"
expect_exit 2 "import bad --name" "$ALLOCSCOPE" import --from mtrace "$frag/mtrace-prog.txt" \
	-o x.yaml --name 'a b'
"$ALLOCSCOPE" import --from mtrace "$frag/mtrace-prog.txt" -o named.yaml --name my.trace 2>/dev/null
grep -q '^name: "\?my.trace"\?$' named.yaml && ok "--name" || fail "--name"
expect_exit 2 "an output directory that does not exist is bad usage" "$ALLOCSCOPE" import \
	--from mtrace "$frag/mtrace-prog.txt" -o /nonexistent-dir/x.yaml

# ---- gen ---------------------------------------------------------------------------
expect_exit 0 "gen --help" "$ALLOCSCOPE" gen --help
expect_exit 2 "gen without -o" "$ALLOCSCOPE" gen "$root/workloads/tiny.yaml"
"$ALLOCSCOPE" gen "$root/workloads/tiny.yaml" -o tiny.yaml 2> tiny.err
[ "$(events_of tiny.yaml)" -eq 10 ] && [ "$(peak_of tiny.err)" = 400 ] &&
	ok "gen tiny: 10 events, peak 400 as its description says" || fail "gen tiny"
printf 'allocscope: 1\nname: bad\ngenerate:\n  phases:\n    - events: 10\n      sizez: 8\n' > badspec.yaml
"$ALLOCSCOPE" gen badspec.yaml -o x.yaml 2> bad.err
[ $? -eq 2 ] && grep -q "^badspec.yaml:6:7: error: unknown key 'sizez'" bad.err &&
	ok "gen: spec error placed, exit 2" || fail "gen spec error: $(cat bad.err)"
# -o means what the name leads to: a link's file is replaced and the link
# stays; a FIFO or a pipe (/dev/stdout) is written through, never replaced
# by a regular file; a directory is refused and left alone.
echo old > target.yaml
ln -s target.yaml link.yaml
"$ALLOCSCOPE" gen "$root/workloads/tiny.yaml" -o link.yaml 2>/dev/null
[ -L link.yaml ] && [ "$(events_of target.yaml)" -eq 10 ] &&
	ok "gen -o LINK writes the link's file, keeps the link" || fail "gen -o LINK"
mkfifo fifo
timeout 20 cat fifo > fifo.out &  # a gen that replaced the FIFO would leave it waiting
reader=$!
"$ALLOCSCOPE" gen "$root/workloads/tiny.yaml" -o fifo 2>/dev/null
wait $reader
[ -p fifo ] && [ "$(events_of fifo.out)" -eq 10 ] &&
	ok "gen -o FIFO writes through it, the FIFO stays" || fail "gen -o FIFO"
# /proc/self/fd/1 rather than /dev/stdout, its link: a broken build run as
# root would replace /dev/stdout itself, but cannot create files in /proc.
n=$("$ALLOCSCOPE" gen "$root/workloads/tiny.yaml" -o /proc/self/fd/1 2>/dev/null | grep -c '^- \[')
[ "$n" -eq 10 ] && ok "gen -o /proc/self/fd/1 into a pipe" || fail "gen -o /proc/self/fd/1: $n events"
mkdir outdir
"$ALLOCSCOPE" gen "$root/workloads/tiny.yaml" -o outdir 2>dir.err
[ $? -eq 2 ] && [ -d outdir ] && grep -q "cannot write 'outdir': Is a directory" dir.err &&
	ok "gen -o DIR is bad usage, exit 2" || fail "gen -o DIR: $(cat dir.err)"

for spec in "$root"/workloads/*.yaml; do
	grep -q '^generate:' "$spec" || continue
	w=$(basename "$spec" .yaml)
	if "$ALLOCSCOPE" gen "$spec" -o "$w.1.yaml" 2>/dev/null &&
		"$ALLOCSCOPE" gen "$spec" -o "$w.2.yaml" 2>/dev/null; then
		n=$(events_of "$w.1.yaml")
		cmp -s "$w.1.yaml" "$w.2.yaml" && [ "$n" -ge 500000 ] && [ "$n" -le 2000000 ] &&
			ok "gen $w: $n events, identical twice" || fail "gen $w: $n events or differs"
		rm -f "$w.1.yaml" "$w.2.yaml"
	else
		fail "gen $w failed"
	fi
done
finish
