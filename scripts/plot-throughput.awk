# plot-throughput.awk - pivots throughput.csv (SPEC §7) for throughput.gp:
# out/thr_W.tsv per workload index W (x, median, min, max, then the speed
# relative to system: system's median over the median, the slowest and the
# fastest run; 1 for the system row), out/thr_bad_W.tsv (x, status)
# for rows not plotted, and out/throughput-def.gp (names, layout, footnote).
# Needs plot-csv.awk and -v out=DIR.

BEGIN {
	want_columns = "workload,strategy,params,reps,events,ns_per_op_median,ns_per_op_min,ns_per_op_max,mops_per_sec,status"
}

/^[ \t\r]*$/ { next }

FNR == 1 {
	width = csv_header(FILENAME, FNR, f, csv_split($0, f))
	next
}

{
	csv_row(FILENAME, FNR, $0, f, width)
	w = f[1]; s = f[2]; status = f[10]
	if ((w, s) in seen)
		csv_fail(FILENAME, FNR, "second row for workload '" w "' and strategy '" s "'")
	seen[w, s] = 1
	if (!(w in widx)) { widx[w] = ++nw; wname[nw] = w }
	if (!(s in sidx)) { sidx[s] = ++ns; sname[ns] = s }
	if (status != "ok") {
		bad[w, s] = status
		bad_add(s, status, w)
		next
	}
	med[w, s] = csv_num(FILENAME, FNR, f, 6, "ns_per_op_median")
	lo[w, s] = csv_num(FILENAME, FNR, f, 7, "ns_per_op_min")
	hi[w, s] = csv_num(FILENAME, FNR, f, 8, "ns_per_op_max")
	reps[csv_num(FILENAME, FNR, f, 4, "reps")] = 1
}

# How many times faster than system (base, its median ns) a time v is.
function speed(v, base) {
	return base > 0 && v > 0 ? base / v : "NaN"
}

# The rows of one workload, in the global strategy order.
function write_workload(i,    w, j, s, dat, badf, base, n_bad) {
	w = wname[i]; dat = out "/thr_" i ".tsv"; badf = out "/thr_bad_" i ".tsv"
	base = ((w, "system") in med) ? med[w, "system"] : 0
	has_system[i] = base > 0
	n_bad = 0
	printf "" > dat
	printf "" > badf
	for (j = 1; j <= ns; j++) {
		s = sname[j]
		if ((w, s) in med)
			printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", j, med[w, s], lo[w, s], hi[w, s],
			    speed(med[w, s], base), speed(hi[w, s], base), speed(lo[w, s], base),
			    (s == "system") > dat
		else if ((w, s) in bad) {
			printf "%d\t%s\n", j, tsv_text(clip(bad[w, s], 28)) > badf
			n_bad++
		}
	}
	close(dat); close(badf)
	return n_bad
}

END {
	if (csv_failed)
		exit 1
	if (nw == 0)
		exit 3
	def = out "/throughput-def.gp"
	cols = grid_cols(nw); rows = int((nw + cols - 1) / cols)
	longest = 0
	for (j = 1; j <= ns; j++)
		if (length(axis_label(sname[j], 28)) > longest)
			longest = length(axis_label(sname[j], 28))
	print "nw = " nw "; ns = " ns "; cols = " cols "; rows = " rows > def
	print "longest = " longest > def
	print "array wname[" nw "]; array nbad[" nw "]; array has_system[" nw "]" > def
	print "array sname[" ns "]" > def
	for (i = 1; i <= nw; i++) {
		print "wname[" i "] = " gp_str(wname[i]) > def
		print "nbad[" i "] = " write_workload(i) "; has_system[" i "] = " has_system[i] > def
	}
	for (j = 1; j <= ns; j++)
		print "sname[" j "] = " gp_str(axis_label(sname[j], 28)) > def
	n_reps = 0
	for (r in reps) { n_reps++; one_rep = r }
	print "reps_text = " gp_str(n_reps == 1 ? "median of " one_rep " runs" : "median of the runs") > def
	any_system = "system" in sidx
	print "any_system = " (any_system ? 1 : 0) > def
	panel_w = 100 + 34 * ns; if (panel_w < 420) panel_w = 420
	print "panel_w = " panel_w "; panel_h = " (300 + 6 * longest) > def
	print "note = " gp_note("Not plotted:", note, bad_notes(note, nw), int(cols * panel_w / 7)) > def
	print "note_lines = " note_lines > def
	close(def)
}
