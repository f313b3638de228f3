# latency.gp - the latency percentiles of one workload (wi, set by plot.sh):
# one panel per call kind, per strategy a line from p50 to max with marks at
# p50, p99, p99.9 and max, on a log axis shared by the panels.
# Reads dir/latency-def.gp and dir/lat_*.tsv from plot-latency.awk.

load dir . '/latency-def.gp'
nk = words(kinds[wi])
cols = nk < 3 ? nk : (nk == 4 ? 2 : 3)
rows = (nk + cols - 1) / cols
panel_w = 120 + 48 * ns < 460 ? 460 : 120 + 48 * ns
panel_h = 300 + 6 * longest
title_h = 64
legend_h = 30
note_h = (note_n[wi] + floored[wi]) * 16 + (note_n[wi] + floored[wi] > 0 ? 14 : 0)
W = cols * panel_w
H = rows * panel_h + title_h + legend_h + note_h
load scripts . '/plot-term.gp'

set datafile separator "\t"
set datafile commentschars ""
set multiplot title sprintf("Latency per call on %s: nanoseconds, log scale (lower is better)\n" . \
	"per strategy: a line from the median to the slowest call, marks at p50, p99, p99.9 and max", \
	wname[wi]) font ',13'
footnote = note[wi] . (floored[wi] ? (note_n[wi] > 0 ? "\n" : "") . \
	"Values below 1 ns (after subtracting the timer's cost) are drawn at 1 ns." : "")
set label 99 footnote at screen 0.01, screen (note_h - 12.0) / H left front textcolor rgb '#aa2222'

set logscale y
set yrange [ylo[wi] : yhi[wi]]
set format y '%.0s%c'
set xrange [0.4 : ns + 0.6]
set xtics () rotate by 40 right nomirror scale 0
do for [k = 1:ns] {
	set xtics add (sname[k] k)
}
set ytics nomirror
set grid ytics mytics lc rgb '#e4e4e4'
set border 3
set ylabel 'ns per call'
set key off
pw = 1.0 / cols
ph = 1.0 * panel_h / H
do for [p = 1:nk] {
	op = word(kinds[wi], p)
	set origin ((p - 1) % cols) * pw, (note_h + (rows - 1 - (p - 1) / cols) * panel_h) / (1.0 * H)
	set size pw, ph
	set title op font ',12'
	data = sprintf('%s/lat_%d_%s.tsv', dir, wi, op)
	if (p == 1) {
		set key vertical maxrows 1 reverse Left at screen 0.5, screen 1.0 - (title_h + 4.0) / H center top \
			samplen 1 width 2 font ',11'
	}
	plot data using 1:2:(0):($5 - $2) with vectors nohead lc rgb '#9a9a9a' lw 2 notitle, \
	     data using 1:2 with points pt 7 ps 1.1 lc rgb '#3b75af' title 'p50 (median)', \
	     data using 1:3 with points pt 9 ps 1.3 lc rgb '#e08a1e' title 'p99', \
	     data using 1:4 with points pt 5 ps 1.0 lc rgb '#c0392b' title 'p99.9', \
	     data using 1:5 with points pt 2 ps 1.3 lc rgb '#222222' title 'max'
	set key off
	unset label 99
}
unset multiplot
