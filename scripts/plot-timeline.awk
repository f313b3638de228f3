# plot-timeline.awk - pivots the timeline/WORKLOAD__STRATEGY.csv files (SPEC
# §7) for timeline.gp. Reads the list of files on stdin and -v known=FILE,
# the workload names seen in the other CSVs: a file belongs to the longest
# known workload its name starts with (then "__"), else it is split at its
# first "__"; the rest is the strategy, shown as typed once the %XX escapes
# of src/timeline.c are undone. Writes out/tl_N.tsv (event, live, heap) per file, out/timeline-def.gp
# and out/timeline-workloads.txt (W, name). Panels follow the strategies'
# order in -v runs=throughput.csv (the command line's; the rest after them)
# and name a row's status when it is not ok. Needs plot-csv.awk, -v out=DIR.

BEGIN {
	want_columns = "event,live_bytes,heap_bytes"
	while ((getline line < known) > 0)
		if (line != "")
			is_known[line] = 1
	close(known)
	for (k = read_runs(runs); k > 0; k--)
		run_rank[run_s[k]] = k
}

# Splits the base name `b` of a timeline file into tl_w and tl_s.
function timeline_name(b,    w, best) {
	best = ""
	for (w in is_known)
		if (index(b, w "__") == 1 && length(w) > length(best))
			best = w
	if (best == "") {
		if (!index(b, "__"))
			return 0
		best = substr(b, 1, index(b, "__") - 1)
	}
	tl_w = best
	tl_s = substr(b, length(best) + 3)
	return 1
}

# Undoes timeline.c's escapes: %XX (two upper-case hex digits) is that byte.
function unescape(s,    out, i, hex) {
	out = ""
	while ((i = index(s, "%")) > 0) {
		hex = substr(s, i + 1, 2)
		if (hex ~ /^[0-9A-F][0-9A-F]$/) {
			out = out substr(s, 1, i - 1) sprintf("%c", hex_value(hex))
			s = substr(s, i + 3)
		} else {
			out = out substr(s, 1, i)
			s = substr(s, i + 1)
		}
	}
	return out s
}

function hex_value(h) {
	return 16 * (index("0123456789ABCDEF", substr(h, 1, 1)) - 1) + \
		index("0123456789ABCDEF", substr(h, 2, 1)) - 1
}

# Checks one timeline file and copies it to out/tl_n.tsv; returns its rows.
function timeline_copy(path, n,    line, lineno, width, f, dat, rows, e, live, heap) {
	dat = out "/tl_" n ".tsv"
	printf "" > dat
	lineno = 0; rows = 0
	while ((getline line < path) > 0) {
		lineno++
		if (line ~ /^[ \t\r]*$/)
			continue
		if (lineno == 1) {
			width = csv_header(path, lineno, f, csv_split(line, f))
			continue
		}
		csv_row(path, lineno, line, f, width)
		e = csv_num(path, lineno, f, 1, "event")
		live = csv_num(path, lineno, f, 2, "live_bytes")
		heap = csv_num(path, lineno, f, 3, "heap_bytes")
		print e "\t" live "\t" heap > dat
		rows++
		if (e > top_event[tl_w]) top_event[tl_w] = e
		if (live > top_live[tl_w]) top_live[tl_w] = live
		if (heap > peak_heap[n]) peak_heap[n] = heap
	}
	if (lineno == 0)
		csv_fail(path, 0, "cannot read the file, or it is empty")
	close(path); close(dat)
	return rows
}

{
	path = $0
	base = path
	sub(/.*\//, "", base)
	sub(/\.csv$/, "", base)
	if (!timeline_name(base))
		csv_fail(path, 0, "the name is not WORKLOAD__STRATEGY.csv")
	if (!(tl_w in widx)) { widx[tl_w] = ++nw; wname[nw] = tl_w }
	n++
	panel_of[widx[tl_w], ++count[widx[tl_w]]] = n
	strategy[n] = unescape(tl_s)
	title[n] = axis_label(strategy[n], 48)
	if ((tl_w, strategy[n]) in run_status && run_status[tl_w, strategy[n]] != "ok")
		title[n] = title[n] "\nstatus " clip(run_status[tl_w, strategy[n]], 40)
	rows[n] = timeline_copy(path, n)
}

# Sorts the panels of workload i into the runs' order (insertion sort: a
# dozen panels), strategies the runs do not name after them by name.
function order_panels(i,    j, k, p, q) {
	for (j = 2; j <= count[i]; j++) {
		p = panel_of[i, j]
		for (k = j - 1; k >= 1 && panel_after(panel_of[i, k], p); k--)
			panel_of[i, k + 1] = panel_of[i, k]
		panel_of[i, k + 1] = p
	}
}

function panel_after(a, b,    ra, rb) {
	ra = strategy[a] in run_rank ? run_rank[strategy[a]] : 1e9
	rb = strategy[b] in run_rank ? run_rank[strategy[b]] : 1e9
	return ra != rb ? ra > rb : strategy[a] > strategy[b]
}

# The y range of workload i, in bytes: every panel on one scale so that
# footprints compare, unless a few footprints dwarf the rest (a baseline's
# arena on a tiny trace); then the scale is twice the median footprint (and
# at least the live peak) and the panels above it say their peak in words.
function y_top(i,    j, k, m, v, tmp, top, cap) {
	m = 0; top = 0
	for (j = 1; j <= count[i]; j++) {
		v = peak_heap[panel_of[i, j]]
		tmp[++m] = v
		if (v > top) top = v
	}
	for (j = 2; j <= m; j++)
		for (k = j; k > 1 && tmp[k - 1] > tmp[k]; k--) { v = tmp[k]; tmp[k] = tmp[k - 1]; tmp[k - 1] = v }
	cap = 2 * tmp[int((m + 1) / 2)]
	if (cap < top_live[wname[i]]) cap = top_live[wname[i]]
	if (top < top_live[wname[i]]) top = top_live[wname[i]]
	return top <= cap ? 1.05 * top : 1.05 * cap
}

# A byte count in words, for an off-scale note (sets unit_name).
function in_words(v,    div) {
	div = unit(v)
	return sprintf(v / div >= 100 ? "%.0f %s" : "%.3g %s", v / div, unit_name)
}

# Events per tic label: the axis counts in thousands or millions when the
# trace is long, so that 1.5M never prints as "2M".
function x_unit(e) {
	if (e >= 2e6) { x_name = "event index (millions)"; return 1e6 }
	if (e >= 2e4) { x_name = "event index (thousands)"; return 1e3 }
	x_name = "event index"
	return 1
}

# Binary unit for the largest byte figure of a workload.
function unit(v,    i, names) {
	split("bytes KiB MiB GiB TiB", names, " ")
	for (i = 1; i < 5 && v >= 2 * 1024; i++)
		v /= 1024
	unit_name = names[i]
	return 1024 ^ (i - 1)
}

END {
	if (csv_failed)
		exit 1
	if (n == 0)
		exit 3
	def = out "/timeline-def.gp"; list = out "/timeline-workloads.txt"
	print "array wname[" nw "]; array npanels[" nw "]; array first[" nw "]" > def
	print "array divisor[" nw "]; array unit[" nw "]; array xmax[" nw "]; array ymax[" nw "]" > def
	print "array xdiv[" nw "]; array xname[" nw "]" > def
	print "array ptitle[" n "]; array prows[" n "]; array pfile[" n "]; array poff[" n "]" > def
	k = 0
	for (i = 1; i <= nw; i++) {
		w = wname[i]
		order_panels(i)
		top = y_top(i)
		div = unit(top)
		print "wname[" i "] = " gp_str(w) "; npanels[" i "] = " count[i] "; first[" i "] = " k + 1 > def
		print "divisor[" i "] = " div "; unit[" i "] = " gp_str(unit_name) \
		    "; xmax[" i "] = " (top_event[w] > 0 ? top_event[w] : 1) "; ymax[" i "] = " \
		    (top > 0 ? top : 1) > def
		print "xdiv[" i "] = " x_unit(top_event[w]) "; xname[" i "] = " gp_str(x_name) > def
		for (j = 1; j <= count[i]; j++) {
			p = panel_of[i, j]; k++
			off = peak_heap[p] > top ? "heap off the scale: peak " in_words(peak_heap[p]) : ""
			print "ptitle[" k "] = " gp_dstr(title[p]) "; prows[" k "] = " rows[p] \
			    "; pfile[" k "] = " p "; poff[" k "] = " gp_str(off) > def
		}
		print i "\t" w > list
	}
	close(def); close(list)
}
