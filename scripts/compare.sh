#!/bin/sh
# compare.sh - an allocator change, old against new: per workload, the
# median ns/event of each with its spread (fastest to slowest repetition), the
# speed of new relative to old (old's median over new's: above 1 is faster),
# a verdict, and frag_peaks of each. Two forms:
#
#   compare.sh RESULTS_DIR OLD_STRATEGY NEW_STRATEGY
#       two strategies of one run, e.g. `allocscope run -a lib:./old.so,
#       lib:./new.so ...`: the same machine at the same time, repetitions
#       taken in turn, so the ratio is the change's and not the machine's;
#   compare.sh OLD_RESULTS_DIR NEW_RESULTS_DIR
#       every (workload, strategy) row the two runs share: any drift of the
#       machine between the runs is in every ratio.
#
# The verdict is `faster` or `slower` only when the two spreads do not
# overlap, `within spread` otherwise, and `one rep` when a side has a single
# repetition (no spread to judge by). Exits 1 when some row is slower or has
# lost its `ok` status, 0 otherwise, 2 on bad input.
set -eu
# Numbers in the C locale's style: in a decimal-comma locale awk would read
# 19.48 as 19 and print it as 19,48.
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: compare.sh RESULTS_DIR OLD_STRATEGY NEW_STRATEGY | OLD_RESULTS_DIR NEW_RESULTS_DIR"
case $# in
2) mode=runs old_dir=$1 new_dir=$2 old_s= new_s= ;;
3) mode=strategies old_dir=$1 new_dir=$1 old_s=$2 new_s=$3 ;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
for d in "$old_dir" "$new_dir"; do
	if [ ! -r "$d/throughput.csv" ]; then
		echo "compare: error: cannot read '$d/throughput.csv'" >&2
		exit 2
	fi
done

# A setting of meta.yaml (`  touch: pages`), or "" when there is none.
setting() {
	[ -r "$1/meta.yaml" ] && sed -n "s/^  $2: //p" "$1/meta.yaml" | head -n 1 || true
}
if [ "$mode" = runs ]; then
	for key in touch size_scale; do
		a=$(setting "$old_dir" $key) b=$(setting "$new_dir" $key)
		if [ "$a" != "$b" ]; then
			echo "compare: warning: the runs differ in $key ('$a' and '$b'):" \
				"their figures are not of the same work" >&2
		fi
	done
fi

awk -v mode="$mode" -v old_dir="$old_dir" -v new_dir="$new_dir" \
	-v old_s="$old_s" -v new_s="$new_s" -f "$here/plot-csv.awk" -f /dev/stdin <<'AWK'
# Reads DIR/throughput.csv (and fragmentation.csv when there is one) into the
# arrays of `side`; in strategies mode only the rows of `strategy`.
function read_side(dir, side, strategy) {
	want_columns = "workload,strategy,params,reps,events,ns_per_op_median,ns_per_op_min,ns_per_op_max,mops_per_sec,status"
	read_csv(dir "/throughput.csv", side, strategy, "thr")
	want_columns = "workload,strategy,peak_live_bytes,peak_heap_bytes,heap_at_peak_live_bytes,live_at_peak_heap_bytes,frag_peaks,internal_frag_bytes,utilization,max_rss_bytes,status"
	if ((getline line < (dir "/fragmentation.csv")) > 0) {
		close(dir "/fragmentation.csv")
		read_csv(dir "/fragmentation.csv", side, strategy, "frag")
	}
}

function read_csv(file, side, strategy, kind,    line, lineno, f, width, key) {
	lineno = 0
	while ((getline line < file) > 0) {
		if (++lineno == 1) {
			width = csv_header(file, lineno, f, csv_split(line, f))
			continue
		}
		if (line ~ /^[ \t\r]*$/)
			continue
		csv_row(file, lineno, line, f, width)
		if (mode == "strategies" && f[2] != strategy)
			continue
		key = mode == "runs" ? f[1] SUBSEP f[2] : f[1]
		if (kind == "frag") {
			# Empty where nothing was ever live: undefined, shown as "-".
			if (f[11] == "ok" && f[7] != "")
				frag[side, key] = csv_num(file, lineno, f, 7, "frag_peaks")
			continue
		}
		if ((side, key) in status)
			csv_fail(file, lineno, "second row for workload '" f[1] "' and strategy '" f[2] "'")
		status[side, key] = f[10]
		if (side == "new")
			order[++n] = key
		# A trace without events has no time per event to compare.
		if (f[10] == "ok" && csv_num(file, lineno, f, 5, "events") == 0)
			status[side, key] = "no events"
		if (status[side, key] != "ok")
			continue
		reps[side, key] = csv_num(file, lineno, f, 4, "reps")
		med[side, key] = csv_num(file, lineno, f, 6, "ns_per_op_median")
		lo[side, key] = csv_num(file, lineno, f, 7, "ns_per_op_min")
		hi[side, key] = csv_num(file, lineno, f, 8, "ns_per_op_max")
		# A speed ratio of a zero, negative or misordered time means nothing.
		if (!(lo[side, key] > 0 && lo[side, key] <= med[side, key] && med[side, key] <= hi[side, key]))
			csv_fail(file, lineno, "ns_per_op min, median and max are not 0 < min <= median <= max")
	}
	close(file)
}

function label(key,    p) {
	split(key, p, SUBSEP)
	return mode == "runs" ? p[1] "  " p[2] : p[1]
}

function timing(side, key) {
	return sprintf("%.1f (%.1f-%.1f)", med[side, key], lo[side, key], hi[side, key])
}

function frag_text(side, key) {
	return (side, key) in frag ? sprintf("%.3f", frag[side, key]) : "-"
}

BEGIN {
	read_side(old_dir, "old", old_s)
	read_side(new_dir, "new", new_s)
	if (csv_failed)
		exit 2
	if (mode == "strategies") {
		printf "%s -> %s, one run: %s\n", old_s, new_s, old_dir
		if (n == 0) {
			printf "compare: error: '%s' has no rows for strategy '%s'\n", new_dir, new_s > "/dev/stderr"
			exit 2
		}
	} else {
		printf "%s -> %s: two runs, so the machine's drift between them is in every ratio\n", old_dir, new_dir
	}
	width = 8
	for (i = 1; i <= n; i++)
		if (length(label(order[i])) > width)
			width = length(label(order[i]))
	name_fmt = "%-" width "s"
	printf name_fmt "  %22s  %22s  %7s  %-14s %s\n", mode == "runs" ? "workload  strategy" : "workload",
	    "old ns/event (spread)", "new ns/event (spread)", "speed", "verdict", "frag_peaks old -> new"
	for (i = 1; i <= n; i++) {
		key = order[i]
		if (!(("old", key) in status))
			continue
		shared++
		old_ok = status["old", key] == "ok"; new_ok = status["new", key] == "ok"
		if (status["old", key] == "no events" && status["new", key] == "no events") {
			printf name_fmt "  %22s  %22s  %7s  %s\n", label(key), "no events", "no events",
			    "-", "nothing to time"
		} else if (old_ok && new_ok) {
			speed = sprintf("%.2fx", med["new", key] > 0 ? med["old", key] / med["new", key] : 0)
			if (reps["old", key] < 2 || reps["new", key] < 2)
				verdict = "one rep"
			else if (hi["new", key] < lo["old", key])
				verdict = "faster"
			else if (lo["new", key] > hi["old", key])
				verdict = "slower"
			else
				verdict = "within spread"
			count[verdict]++
			printf name_fmt "  %22s  %22s  %7s  %-14s %s -> %s\n", label(key), timing("old", key),
			    timing("new", key), speed, verdict, frag_text("old", key), frag_text("new", key)
		} else {
			if (old_ok)
				count["lost"]++
			printf name_fmt "  %22s  %22s  %7s  %s\n", label(key),
			    old_ok ? timing("old", key) : status["old", key],
			    new_ok ? timing("new", key) : status["new", key], "-",
			    old_ok ? "lost ok" : new_ok ? "now ok" : "neither ok"
		}
	}
	if (shared == 0) {
		print "compare: error: the two sides share no workload" > "/dev/stderr"
		exit 2
	}
	printf "%d faster, %d slower, %d within spread, %d one rep, %d lost ok (of %d rows)\n",
	    count["faster"], count["slower"], count["within spread"], count["one rep"], count["lost"], shared
	exit count["slower"] || count["lost"] ? 1 : 0
}

# csv_fail exits with 1, which here means "slower": bad input is 2.
END {
	if (csv_failed)
		exit 2
}
AWK
