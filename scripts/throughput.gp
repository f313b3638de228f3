# throughput.gp - ns per event per strategy, one panel per workload: bars are
# the median over the runs, whiskers min..max. mode='abs' plots nanoseconds;
# mode='rel' the speed relative to `system` (its median over the strategy's,
# as the terminal summary gives it) on a log axis, bars drawn from 1.
# Reads dir/throughput-def.gp and dir/thr_*.tsv from plot-throughput.awk.

load dir . '/throughput-def.gp'
rel = (mode eq 'rel')
title_h = 60
note_h = note_lines > 0 ? 16 * note_lines + 14 : 0
# Wide enough for the two-line title even with a single panel.
W = cols * panel_w < 900 ? 900 : cols * panel_w
H = rows * panel_h + title_h + note_h
load scripts . '/plot-term.gp'

set datafile separator "\t"
set datafile commentschars ""
if (rel) {
	main = "Speed relative to glibc malloc (system): system's median time per event ÷ the strategy's\n" . \
	       "bars: " . reps_text . ", whiskers: slowest and fastest run; above 1 is faster than system (log scale)"
} else {
	main = "Throughput: nanoseconds per event (replay wall time ÷ events)\n" . \
	       "bars: " . reps_text . ", whiskers: fastest and slowest run; lower is better"
}
set multiplot title main font ',13'
if (note_lines > 0) {
	set label 99 note at screen 0.01, screen (note_h - 12.0) / H left front textcolor rgb '#aa2222'
}

set style fill solid 0.85 noborder
set boxwidth 0.7
set xrange [0.4 : ns + 0.6]
if (rel) {
	set logscale y
	set yrange [*:*]
	set format y '%g'
} else {
	set yrange [0 : *]
}
set xtics rotate by 40 right nomirror scale 0
set ytics nomirror
set grid ytics lc rgb '#dddddd'
set border 3
set key off
set ylabel rel ? 'speed vs system (× faster)' : 'nanoseconds per event'
set xtics ()
do for [k = 1:ns] {
	set xtics add (sname[k] k)
}
pw = 1.0 / cols
ph = 1.0 * panel_h / H
col_m = rel ? 5 : 2
do for [i = 1:nw] {
	set origin ((i - 1) % cols) * pw, (note_h + (rows - 1 - (i - 1) / cols) * panel_h) / (1.0 * H)
	set size pw, ph
	set title wname[i] font ',12'
	if (rel && !has_system[i]) {
		set label 1 'no ok system row for this workload' at graph 0.5, 0.6 center
	} else {
		unset label 1
	}
	data = sprintf('%s/thr_%d.tsv', dir, i)
	# Bars from the axis (abs) or from 1, up or down (rel, log scale).
	plot data using 1:col_m:($1 - 0.35):($1 + 0.35):(rel ? (column(col_m) < 1 ? column(col_m) : 1) : 0):\
		(rel ? (column(col_m) < 1 ? 1 : column(col_m)) : column(col_m)):($8 > 0 ? 0x9a9a9a : 0x3b75af) \
		with boxxyerror lc rgb variable, \
	     data using 1:col_m + 1:(0):(column(col_m + 2) - column(col_m + 1)) \
		with vectors heads size screen 0.006, 90 lc rgb '#202020' lw 1.2, \
	     for [d = 1:rel] 1 with lines dt 2 lc rgb '#555555', \
	     for [d = 1:(nbad[i] > 0)] sprintf('%s/thr_bad_%d.tsv', dir, i) \
		using 1:(rel ? 1 : 0):2 with labels rotate by 90 left offset 0, 0.4 textcolor rgb '#aa2222'
	unset label 99
}
unset multiplot
