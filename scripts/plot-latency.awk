# plot-latency.awk - pivots latency.csv (SPEC §7) for latency.gp: per
# workload W and call kind K, out/lat_W_K.tsv (x, p50, p99, p99.9, max in ns,
# floored at 1 ns for the log axis), and out/latency-def.gp (names, kinds
# and a y range in whole decades per workload, footnotes), and
# out/latency-workloads.txt (W, name). Strategies follow their order in
# -v runs=throughput.csv, and a row whose run was not ok is named in the
# footnote. Needs plot-csv.awk and -v out=DIR.

BEGIN {
	want_columns = "workload,strategy,op,count,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns"
	n_ops = split("malloc calloc aligned realloc free", op_order, " ")
	for (k = 1; k <= n_ops; k++)
		op_rank[op_order[k]] = k
	n_runs = read_runs(runs)
	for (k = 1; k <= n_runs; k++)
		if (!(run_s[k] in sidx)) { sidx[run_s[k]] = ++ns; sname[ns] = run_s[k] }
}

/^[ \t\r]*$/ { next }

FNR == 1 {
	width = csv_header(FILENAME, FNR, f, csv_split($0, f))
	next
}

# ns for the log axis: below 1 ns (the timer's cost subtracted) drawn at 1;
# floored[w] makes the plot of w say so.
function floor1(v) {
	if (v < 1) { v = 1; floored[w] = 1 }
	return v
}

{
	csv_row(FILENAME, FNR, $0, f, width)
	w = f[1]; s = f[2]; op = f[3]
	if (!(op in op_rank))
		csv_fail(FILENAME, FNR, "unknown op '" op "'")
	if ((w, s, op) in row)
		csv_fail(FILENAME, FNR, "second row for '" w "', '" s "', '" op "'")
	if (!(w in widx)) { widx[w] = ++nw; wname[nw] = w }
	if (!(s in sidx)) { sidx[s] = ++ns; sname[ns] = s }
	has[w, s] = 1
	if (csv_num(FILENAME, FNR, f, 4, "count") == 0)
		next
	has_op[w, op] = 1
	p50 = floor1(csv_num(FILENAME, FNR, f, 6, "p50_ns"))
	max = floor1(csv_num(FILENAME, FNR, f, 11, "max_ns"))
	row[w, s, op] = sprintf("%d\t%s\t%s\t%s\t%s", sidx[s], p50,
	    floor1(csv_num(FILENAME, FNR, f, 8, "p99_ns")),
	    floor1(csv_num(FILENAME, FNR, f, 9, "p999_ns")), max)
	if (!(w in lo) || p50 < lo[w]) lo[w] = p50
	if (!(w in hi) || max > hi[w]) hi[w] = max
}

# The power of ten at or below (dir < 0) or above (dir > 0) v >= 1.
function decade(v, dir,    d) {
	d = 1
	while (d * 10 <= v) d *= 10
	return dir > 0 && d < v ? d * 10 : d
}

# Writes the data of workload i; returns its kinds, space-separated.
function write_workload(i,    w, k, j, op, file, kinds) {
	w = wname[i]; kinds = ""
	for (k = 1; k <= n_ops; k++) {
		op = op_order[k]
		if (!((w, op) in has_op))
			continue
		kinds = kinds (kinds == "" ? "" : " ") op
		file = out "/lat_" i "_" op ".tsv"
		printf "" > file
		for (j = 1; j <= ns; j++)
			if ((w, sname[j], op) in row)
				print row[w, sname[j], op] > file
		close(file)
	}
	return kinds
}

# Strategies with no latency rows on workload i, and those drawn whose run
# was not ok (an oom:N row's calls include the failures it timed).
function row_note(i,    w, s, j, n, st, lines) {
	n = 0; w = wname[i]
	for (j = 1; j <= ns; j++) {
		s = sname[j]
		st = ((w, s) in run_status) && run_status[w, s] != "ok" ? run_status[w, s] : ""
		if (!((w, s) in has))
			lines[++n] = s " has no latency rows" (st != "" ? " (" st ")" : "")
		else if (st != "")
			lines[++n] = s " is drawn but its run was " st
	}
	return gp_note("Note:", lines, n, 130)
}

END {
	if (csv_failed)
		exit 1
	if (nw == 0)
		exit 3
	def = out "/latency-def.gp"; list = out "/latency-workloads.txt"
	longest = 0
	for (j = 1; j <= ns; j++)
		if (length(axis_label(sname[j], 28)) > longest)
			longest = length(axis_label(sname[j], 28))
	print "ns = " ns "; longest = " longest > def
	print "array sname[" ns "]" > def
	for (j = 1; j <= ns; j++)
		print "sname[" j "] = " gp_str(axis_label(sname[j], 28)) > def
	print "array wname[" nw "]; array kinds[" nw "]; array note[" nw "]; array note_n[" nw "]" > def
	print "array ylo[" nw "]; array yhi[" nw "]; array floored[" nw "]" > def
	for (i = 1; i <= nw; i++) {
		print "wname[" i "] = " gp_str(wname[i]) "; kinds[" i "] = " gp_str(write_workload(i)) > def
		print "note[" i "] = " row_note(i) "; note_n[" i "] = " note_lines > def
		w = wname[i]
		print "ylo[" i "] = " (w in lo ? decade(lo[w], -1) : 1) "; yhi[" i "] = " \
		    (w in hi ? decade(hi[w], 1) : 10) "; floored[" i "] = " (w in floored) > def
		print i "\t" wname[i] > list
	}
	close(def); close(list)
}
