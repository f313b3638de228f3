# heatmap.gp - strategies (down) x workloads (across) as coloured cells with
# their figures written in, one panel per metric, stacked; grey cells are
# rows that were not measured. def names the description written by a
# plot-*.awk pivot (heat_write_def in plot-csv.awk).

load dir . '/' . def
title_h = 64
note_h = note_lines > 0 ? 16 * note_lines + 14 : 0
H = np * panel_h + title_h + note_h
load scripts . '/plot-term.gp'

set datafile separator "\t"
set datafile commentschars ""
set multiplot title main font ',13'
if (note_lines > 0) {
	set label 99 note at screen 0.01, screen (note_h - 12.0) / H left front textcolor rgb '#aa2222'
}
set xrange [0.5 : nw + 0.5]
set yrange [ns + 0.5 : 0.5]
set xtics () rotate by 30 right scale 0 nomirror
set ytics () scale 0 nomirror
do for [k = 1:nw] {
	set xtics add (wname[k] k)
}
do for [k = 1:ns] {
	set ytics add (sname[k] k)
}
set border 0
set key off
set palette defined (0 '#fffbe0', 0.5 '#fdbe75', 1 '#ee6a3a')
set rmargin 14
set style fill solid 1.0 border lc rgb '#ffffff'
# A cell holds one or two lines of text: the first is centred when alone.
line1_y(second) = strlen(strcol(second)) > 0 ? $2 - 0.15 : $2
do for [p = 1:np] {
	set origin 0, (note_h + (np - p) * panel_h) / (1.0 * H)
	set size 1, panel_h / (1.0 * H)
	set title ptitle[p] font ',11'
	set cblabel cblabel[p]
	if (cbmax[p] == cbmax[p]) {
		set cbrange [cbmin : cbmax[p]]
	} else {
		set cbrange [cbmin : *]
	}
	cells = sprintf('%s/%s_%d.tsv', dir, prefix, p)
	bad = sprintf('%s/%s_bad_%d.tsv', dir, prefix, p)
	plot for [d = 1:(ncells[p] > 0)] cells using 1:2:(0.5):(0.5):3 with boxxyerror lc palette, \
	     for [d = 1:(ncells[p] > 0)] cells using 1:(line1_y(5)):4 with labels font ',10', \
	     for [d = 1:(ncells[p] > 0)] cells using 1:($2 + 0.18):5 with labels font ',9' \
		textcolor rgb '#444444', \
	     for [d = 1:(nbad[p] > 0)] bad using 1:2:(0.5):(0.5) with boxxyerror lc rgb '#e4e4e4', \
	     for [d = 1:(nbad[p] > 0)] bad using 1:(line1_y(4)):3 with labels font ',9' \
		textcolor rgb '#aa2222', \
	     for [d = 1:(nbad[p] > 0)] bad using 1:($2 + 0.18):4 with labels font ',9' \
		textcolor rgb '#aa2222'
	unset label 99
}
unset multiplot
