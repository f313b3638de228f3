# plot-fragmentation.awk - pivots fragmentation.csv (SPEC §7) into one
# heatmap panel for heatmap.gp: colour frag_peaks, text frag_peaks and
# utilization; rows whose status is not ok become grey cells and a footnote.
# Needs plot-csv.awk and -v out=DIR.

BEGIN {
	want_columns = "workload,strategy,peak_live_bytes,peak_heap_bytes,heap_at_peak_live_bytes,live_at_peak_heap_bytes,frag_peaks,internal_frag_bytes,utilization,max_rss_bytes,status"
}

/^[ \t\r]*$/ { next }

FNR == 1 {
	width = csv_header(FILENAME, FNR, f, csv_split($0, f))
	next
}

{
	csv_row(FILENAME, FNR, $0, f, width)
	w = f[1]; s = f[2]
	if ((w, s) in seen)
		csv_fail(FILENAME, FNR, "second row for workload '" w "' and strategy '" s "'")
	seen[w, s] = 1
	heat_axes(w, s)
	if (f[11] != "ok") {
		heat_bad("frag", 1, w, s, f[11])
		bad_add(s, f[11], w)
		next
	}
	# No byte ever live (malloc(0) only, or no events): frag_peaks and
	# utilization are undefined, and the CSV leaves them empty.
	if (f[7] == "" && csv_num(FILENAME, FNR, f, 3, "peak_live_bytes") == 0) {
		heat_bad("frag", 1, w, s, "n/a:nothing live")
		next
	}
	frag = csv_num(FILENAME, FNR, f, 7, "frag_peaks")
	util = csv_num(FILENAME, FNR, f, 9, "utilization")
	heat_cell("frag", 1, w, s, frag, sprintf("%.2f", frag),
	    sprintf(util < 0.1 ? "util %.1f%%" : "util %.0f%%", 100 * util))
}

END {
	if (csv_failed)
		exit 1
	if (nw == 0)
		exit 3
	ptitle[1] = "in each cell: frag_peaks = peak heap ÷ peak live − 1, and utilization = peak live ÷ peak heap"
	cblabel[1] = "frag_peaks"
	cap[1] = 2
	heat_write_def("frag", 1, "Fragmentation at the peaks (Johnstone & Wilson measure #4; lower is better)")
}
