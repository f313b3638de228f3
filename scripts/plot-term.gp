# plot-term.gp - opens the output of a plot script: `load` it after setting
# W and H (pixels); plot.sh passes fmt ('png' or 'svg'), pngterm (pngcairo
# or png) and outbase (the path without extension) with -e.
set encoding utf8
if (fmt eq 'svg') {
	set terminal svg size W, H font 'DejaVu Sans,11' background '#ffffff' noenhanced
} else {
	if (pngterm eq 'pngcairo') {
		set terminal pngcairo size W, H font 'DejaVu Sans,10' background '#ffffff' noenhanced
	} else {
		set terminal png size W, H font 'DejaVu Sans,10' background '#ffffff' noenhanced
	}
}
set output outbase . '.' . fmt
set termoption noenhanced
