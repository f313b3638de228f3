# plot-cache.awk - pivots cache.csv (SPEC §7) into heatmap panels for
# heatmap.gp: L1d, LLC and dTLB misses per thousand events. Each cell says
# its figure; its colour is that figure over the lowest on its workload, so
# that the strategies compare within every workload however far apart the
# workloads are. A figure that is absent (simulators have no dTLB) is a grey
# "n/a" cell, never a zero, and a metric absent everywhere has no panel.
# With -v runs=throughput.csv the rows follow the command line and a run
# with no cache row is a grey cell named in the footnote with its status.
# The title says whether the figures come from hardware counters or callgrind.
# Needs plot-csv.awk and -v out=DIR.

BEGIN {
	want_columns = "workload,strategy,source,events,instructions,cycles,l1d_misses,llc_misses,dtlb_misses"
	metric[1] = "l1d_misses"; metric[2] = "llc_misses"; metric[3] = "dtlb_misses"
	label[1] = "L1d misses"; label[2] = "last-level cache misses"; label[3] = "dTLB misses"
	n_runs = read_runs(runs)
	for (k = 1; k <= n_runs; k++)
		heat_axes(run_w[k], run_s[k])
}

/^[ \t\r]*$/ { next }

FNR == 1 {
	width = csv_header(FILENAME, FNR, f, csv_split($0, f))
	next
}

function per_thousand(v) {
	return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v)
}

{
	csv_row(FILENAME, FNR, $0, f, width)
	w = f[1]; s = f[2]; src = f[3]
	if ((w, s) in seen)
		csv_fail(FILENAME, FNR, "second row for workload '" w "' and strategy '" s "'")
	seen[w, s] = 1
	if (src != "hw" && src != "sim")
		csv_fail(FILENAME, FNR, "source is '" src "', expected 'hw' or 'sim'")
	sources[src] = 1
	rows++
	heat_axes(w, s)
	events = csv_num(FILENAME, FNR, f, 4, "events")
	source[w, s] = src
	for (p = 1; p <= 3; p++)
		if (f[6 + p] != "" && events > 0) {
			v = 1000 * csv_num(FILENAME, FNR, f, 6 + p, metric[p]) / events
			value[p, w, s] = v
			has_metric[p] = 1
			if (!((p, w) in lowest) || v < lowest[p, w])
				lowest[p, w] = v
		}
}

# A cell's colour: its figure over the lowest of its workload (1 = the best).
function relative(p, w, v) {
	return lowest[p, w] > 0 ? v / lowest[p, w] : (v > 0 ? 1e9 : 1)
}

# Cells are written at the end, once it is known whether the sources are
# mixed (then each cell names its own); panel q shows metric shown[q].
function write_cells(mixed, np,    q, p, i, j, w, s, v, st) {
	for (q = 1; q <= np; q++)
		for (i = 1; i <= nw; i++)
			for (j = 1; j <= ns; j++) {
				p = shown[q]; w = wname[i]; s = sname[j]
				if ((p, w, s) in value) {
					v = value[p, w, s]
					heat_cell("cache", q, w, s, relative(p, w, v), per_thousand(v),
					    mixed ? source[w, s] : "")
				} else if ((w, s) in source) {
					heat_bad("cache", q, w, s, "n/a")
				} else {
					st = (w, s) in run_status ? run_status[w, s] : ""
					heat_bad("cache", q, w, s, st != "" && st != "ok" ? st : "no row")
					if (q == 1)
						bad_add(s, "has no cache row (" (st != "" && st != "ok" ? st : \
						    "its cache pass failed: meta.yaml says why") ")", w)
				}
			}
}

END {
	if (csv_failed)
		exit 1
	# No row at all (no counters and no simulator: meta.yaml says so) is no
	# plot, not a panel of grey cells under a source that never ran.
	if (rows == 0)
		exit 3
	mixed = ("hw" in sources) && ("sim" in sources)
	np = 0
	for (p = 1; p <= 3; p++)
		if (p in has_metric)
			shown[++np] = p
	if (np == 0)
		shown[++np] = 1 # every figure absent: one panel of grey cells says so
	write_cells(mixed, np)
	if (mixed)
		how = "mixed sources: each cell says hw (hardware counters) or sim (callgrind)"
	else if ("hw" in sources)
		how = "source: hw (hardware counters around the replay loop)"
	else
		how = "source: sim (callgrind cache simulation of the replay loop, which has no dTLB)"
	for (q = 1; q <= np; q++) {
		ptitle[q] = label[shown[q]] " per 1000 events; colour: × the lowest on the workload"
		cblabel[q] = "× the workload's lowest"
		cap[q] = 4
	}
	heat_cbmin = 1
	heat_write_def("cache", np, "Cache misses per thousand events (lower is better)\n" how)
}
