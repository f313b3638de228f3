# plot-cache.awk - pivots cache.csv (SPEC §7) into three heatmap panels for
# heatmap.gp: L1d, LLC and dTLB misses per thousand events. A figure that is
# absent (simulators have no dTLB) is a grey "n/a" cell, never a zero, and a
# run with no row (it crashed) a grey "no row" cell; the title says whether
# the figures come from hardware counters or callgrind.
# Needs plot-csv.awk and -v out=DIR.

BEGIN {
	want_columns = "workload,strategy,source,events,instructions,cycles,l1d_misses,llc_misses,dtlb_misses"
	metric[1] = "l1d_misses"; metric[2] = "llc_misses"; metric[3] = "dtlb_misses"
	label[1] = "L1d misses"; label[2] = "last-level cache misses"; label[3] = "dTLB misses"
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
	heat_axes(w, s)
	events = csv_num(FILENAME, FNR, f, 4, "events")
	source[w, s] = src
	for (p = 1; p <= 3; p++)
		if (f[6 + p] != "" && events > 0)
			value[p, w, s] = 1000 * csv_num(FILENAME, FNR, f, 6 + p, metric[p]) / events
}

# Cells are written at the end, once it is known whether the sources are
# mixed (then each cell names its own).
function write_cells(mixed,    p, i, j, w, s, v) {
	for (p = 1; p <= 3; p++)
		for (i = 1; i <= nw; i++)
			for (j = 1; j <= ns; j++) {
				w = wname[i]; s = sname[j]
				if ((p, w, s) in value) {
					v = value[p, w, s]
					heat_cell("cache", p, w, s, v, per_thousand(v),
					    mixed ? source[w, s] : "")
				} else {
					heat_bad("cache", p, w, s, ((w, s) in source) ? "n/a" : "no row")
				}
			}
}

END {
	if (csv_failed)
		exit 1
	if (nw == 0)
		exit 3
	mixed = ("hw" in sources) && ("sim" in sources)
	write_cells(mixed)
	if (mixed)
		how = "mixed sources: each cell says hw (hardware counters) or sim (callgrind)"
	else if ("hw" in sources)
		how = "source: hw (hardware counters around the replay loop)"
	else
		how = "source: sim (callgrind cache simulation of the replay loop, which has no dTLB)"
	for (p = 1; p <= 3; p++) {
		ptitle[p] = label[p] " per 1000 events"
		cblabel[p] = label[p] " / 1000 events"
	}
	heat_write_def("cache", 3, "Cache misses per thousand events (lower is better)\n" how)
}
