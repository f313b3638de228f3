# timeline.gp - heap over time for one workload (wi, set by plot.sh): one
# small panel per strategy with the same axes, live bytes (what the trace
# holds) shaded and heap bytes (the allocator's footprint) drawn over it; the
# gap between them is fragmentation and overhead. A footprint far above the
# others runs off the top and its panel says its peak (plot-timeline.awk
# chooses the scale). Reads dir/timeline-def.gp and dir/tl_*.tsv.

load dir . '/timeline-def.gp'
np = npanels[wi]
cols = np < 3 ? np : (np == 4 ? 2 : 3)
rows = (np + cols - 1) / cols
panel_w = 440
panel_h = 270
title_h = 90
W = cols * panel_w
H = rows * panel_h + title_h
load scripts . '/plot-term.gp'

set datafile separator "\t"
set datafile commentschars ""
set multiplot title sprintf("Heap over time on %s: bytes held vs event index, one panel per strategy\n" . \
	"grey: live bytes (requested, not yet freed); line: heap bytes (the allocator's footprint)", \
	wname[wi]) font ',13'
set xrange [0 : 1.0 * xmax[wi] / xdiv[wi]]
set yrange [0 : 1.0 * ymax[wi] / divisor[wi]]
set format x '%g'
set xtics nomirror
set ytics nomirror
set grid lc rgb '#e4e4e4'
set border 3
set xlabel xname[wi] offset 0, 0.5
set ylabel unit[wi]
set style fill solid 1.0 noborder
set key off
pw = 1.0 / cols
ph = 1.0 * panel_h / H
do for [p = 1:np] {
	k = first[wi] + p - 1
	set origin ((p - 1) % cols) * pw, ((rows - 1 - (p - 1) / cols) * panel_h) / (1.0 * H)
	set size pw, ph
	set title ptitle[k] font ',11'
	if (prows[k] == 0) {
		set label 1 'no samples' at graph 0.5, 0.5 center
	} else {
		unset label 1
	}
	if (strlen(poff[k]) > 0) {
		set label 2 poff[k] at graph 0.98, graph 0.92 right front textcolor rgb '#c0392b' font ',10'
	} else {
		unset label 2
	}
	if (p == 1) {
		set key vertical maxrows 1 reverse Left at screen 0.5, screen 1.0 - 62.0 / H center top \
			samplen 2 width 2 font ',11'
	}
	data = sprintf('%s/tl_%d.tsv', dir, pfile[k])
	plot for [d = 1:(prows[k] > 0)] data using ($1 / xdiv[wi]):($2 / divisor[wi]) \
		with filledcurves y1 = 0 lc rgb '#cfcfcf' title 'live bytes', \
	     for [d = 1:(prows[k] > 0)] data using ($1 / xdiv[wi]):($3 / divisor[wi]) with steps lw 1.6 \
		lc rgb '#c0392b' title 'heap bytes'
	set key off
}
unset multiplot
