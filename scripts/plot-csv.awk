# plot-csv.awk - functions shared by the plot-*.awk pivots (POSIX awk, mawk
# included): RFC 4180 field splitting, header and number checks that fail with
# `FILE:LINE: error: ...`, and quoting of strings for generated gnuplot code.

# Splits one CSV record into f[1..n] and returns n, or -1 when a quote is
# unbalanced. Quoted fields may hold commas and doubled quotes; records never
# span lines in allocscope's CSVs.
function csv_split(s, f,    n, i, c, len, field, inq) {
	sub(/\r$/, "", s)
	if (index(s, "\"") == 0)
		return split(s, f, ",")
	n = 0; field = ""; inq = 0; len = length(s)
	for (i = 1; i <= len; i++) {
		c = substr(s, i, 1)
		if (inq && c == "\"") {
			if (substr(s, i + 1, 1) == "\"") { field = field c; i++ }
			else inq = 0
		} else if (inq) {
			field = field c
		} else if (c == "\"") {
			inq = 1
		} else if (c == ",") {
			f[++n] = field; field = ""
		} else {
			field = field c
		}
	}
	if (inq)
		return -1
	f[++n] = field
	return n
}

# Reports an error at the current record of `file` and stops the program with
# status 1 (END blocks must test csv_failed before writing anything).
# A line of 0 names the whole file.
function csv_fail(file, line, msg) {
	printf "%s:%s error: %s\n", file, line ? line ":" : "", msg > "/dev/stderr"
	csv_failed = 1
	exit 1
}

# Checks that the header's first columns are `want` (comma-separated names)
# and returns the header's column count, which every row must then have.
function csv_header(file, line, f, n,    w, nw, i) {
	nw = split(want_columns, w, ",")
	if (n < nw)
		csv_fail(file, line, "expected the columns '" want_columns "', found " n " columns")
	for (i = 1; i <= nw; i++)
		if (f[i] != w[i])
			csv_fail(file, line, "column " i " is '" f[i] "', expected '" w[i] "'")
	return n
}

# Splits the record `s` of `file` into f[] and checks its width.
function csv_row(file, line, s, f, width,    n) {
	n = csv_split(s, f)
	if (n < 0)
		csv_fail(file, line, "unbalanced quote")
	if (n != width)
		csv_fail(file, line, "expected " width " fields, found " n)
	return n
}

function csv_is_num(s) {
	return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/
}

# The number in column `col` of f[], which must be a finite number (1e999
# reads as inf, which no axis can hold).
function csv_num(file, line, f, col, name,    v) {
	if (!csv_is_num(f[col]))
		csv_fail(file, line, name " is '" f[col] "', not a number")
	v = f[col] + 0
	if (v > 1e308 || v < -1e308)
		csv_fail(file, line, name " is '" f[col] "', out of range")
	return v
}

# A gnuplot string literal for s: single quotes, in which only '' is special.
function gp_str(s) {
	gsub(/'/, "''", s)
	return "'" s "'"
}

# The body of a gnuplot double-quoted string for s: \, " and newline
# escaped. A loop, because awks disagree on backslashes in gsub replacements.
function gp_escape(s,    r, i, c) {
	r = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"")
			r = r "\\" c
		else if (c == "\n")
			r = r "\\n"
		else
			r = r c
	}
	return r
}

function gp_dstr(s) {
	return "\"" gp_escape(s) "\""
}

# Data-file text: tabs and newlines would break the tab-separated columns.
function tsv_text(s) {
	gsub(/[\t\r\n]/, " ", s)
	return s
}

# At most n characters of s, the last of them "..." when it is cut: for
# labels drawn inside a plot (the footnote carries the whole text).
function clip(s, n) {
	return length(s) <= n ? s : substr(s, 1, n - 3) "..."
}

# A strategy as an axis label: one longer than n characters keeps its end
# ("...null.so:after=100"), where a plugin's or library's name and its
# parameters are, and gives up the leading directories.
function axis_label(s, n) {
	return length(s) <= n ? s : "..." substr(s, length(s) - n + 4)
}

# The runs of a results directory, from its throughput.csv (`file`; "" or a
# file that cannot be read gives none): run_w[k] and run_s[k] in the order
# of the rows (the command line's), run_status[w, s]. Returns how many. The
# other plots take their strategy order and each row's status from here.
function read_runs(file,    line, lineno, f, n, k) {
	k = 0
	if (file == "")
		return 0
	while ((getline line < file) > 0) {
		if (++lineno == 1 || line ~ /^[ \t\r]*$/)
			continue
		n = csv_split(line, f)
		if (n < 3)
			continue
		run_w[++k] = f[1]; run_s[k] = f[2]; run_status[f[1], f[2]] = f[n]
	}
	close(file)
	return k
}

# cols x rows grid for n panels, as close to square as possible.
function grid_cols(n,    c) {
	c = int(sqrt(n))
	if (c * c < n)
		c++
	return c < 1 ? 1 : c
}

# Joins the entries of note[1..n] with "; " into lines of at most `width`
# characters, as a gnuplot double-quoted string with \n line breaks ("" when
# n is 0). Returns the string; the line count goes to note_lines.
function gp_note(prefix, note, n, width,    s, line, i, e) {
	note_lines = 0
	if (n == 0)
		return "\"\""
	line = prefix; s = ""
	for (i = 1; i <= n; i++) {
		e = gp_escape(note[i] (i < n ? ";" : ""))
		if (length(line) + 1 + length(e) > width && line != prefix) {
			s = s line "\\n"; note_lines++; line = "  " e
		} else {
			line = line " " e
		}
	}
	note_lines++
	return "\"" s line "\""
}

# Rows that are not plotted, grouped by strategy and status so that a
# strategy skipped everywhere takes one entry: bad_add() while reading,
# bad_notes() at the end to fill note[] for gp_note.
function bad_add(strategy, status, workload,    k) {
	k = strategy SUBSEP status
	if (!(k in bad_where)) {
		bad_key[++bad_n] = k; bad_where[k] = workload; bad_count[k] = 1
	} else {
		bad_where[k] = bad_where[k] ", " workload; bad_count[k]++
	}
}

function bad_notes(note, n_workloads,    i, k, p) {
	for (i = 1; i <= bad_n; i++) {
		k = bad_key[i]
		split(k, p, SUBSEP)
		note[i] = p[1] " " p[2] " on " \
		    (bad_count[k] == n_workloads && n_workloads > 1 ? "every workload" : bad_where[k])
	}
	return bad_n
}

# ---- heatmaps (heatmap.gp): workloads across, strategies down ------------
# Cells go to out/PREFIX_P.tsv (x, y, value, first text line, second line)
# and out/PREFIX_bad_P.tsv (x, y, status split at its first ':' into two
# lines, so that it fits a cell); the description of the panels
# (np, ptitle[], cblabel[], and cap[] where one outlier must not wash out
# the other colours; heat_cbmin, the value of the lightest colour, 0 unless
# set) and of the axes to out/PREFIX-def.gp.

function heat_axes(w, s) {
	if (!(w in widx)) { widx[w] = ++nw; wname[nw] = w }
	if (!(s in sidx)) { sidx[s] = ++ns; sname[ns] = s }
}

function heat_cell(prefix, p, w, s, value, text1, text2) {
	if (!(p in top_value) || value > top_value[p])
		top_value[p] = value
	printf "%d\t%d\t%s\t%s\t%s\n", widx[w], sidx[s], value, tsv_text(text1),
	    tsv_text(text2) > (out "/" prefix "_" p ".tsv")
	n_cells[p]++
}

function heat_bad(prefix, p, w, s, status,    c, kind, why) {
	c = index(status, ":")
	kind = c ? substr(status, 1, c - 1) : status
	why = c ? clip(substr(status, c + 1), 14) : ""
	printf "%d\t%d\t%s\t%s\n", widx[w], sidx[s], tsv_text(kind), tsv_text(why) \
	    > (out "/" prefix "_bad_" p ".tsv")
	n_badcells[p]++
}

function heat_write_def(prefix, np, main,    def, p, i, lw, ls, pw, capped) {
	def = out "/" prefix "-def.gp"
	lw = 0; ls = 0
	for (i = 1; i <= nw; i++) if (length(wname[i]) > lw) lw = length(wname[i])
	for (i = 1; i <= ns; i++) if (length(axis_label(sname[i], 28)) > ls) ls = length(axis_label(sname[i], 28))
	print "prefix = " gp_str(prefix) "; np = " np "; nw = " nw "; ns = " ns > def
	print "cbmin = " (heat_cbmin == "" ? 0 : heat_cbmin) > def
	print "main = " gp_dstr(main) > def
	print "array wname[" nw "]; array sname[" ns "]" > def
	for (i = 1; i <= nw; i++) print "wname[" i "] = " gp_str(wname[i]) > def
	for (i = 1; i <= ns; i++) print "sname[" i "] = " gp_str(axis_label(sname[i], 28)) > def
	print "array ptitle[" np "]; array cblabel[" np "]" > def
	print "array ncells[" np "]; array nbad[" np "]; array cbmax[" np "]" > def
	for (p = 1; p <= np; p++) {
		capped = (p in cap) && top_value[p] > cap[p]
		if (capped)
			cblabel[p] = cblabel[p] " (colour capped at " cap[p] ")"
		print "ptitle[" p "] = " gp_str(ptitle[p]) "; cblabel[" p "] = " gp_str(cblabel[p]) > def
		print "cbmax[" p "] = " (capped ? cap[p] : "NaN") > def
		print "ncells[" p "] = " (n_cells[p] + 0) "; nbad[" p "] = " (n_badcells[p] + 0) > def
		close(out "/" prefix "_" p ".tsv"); close(out "/" prefix "_bad_" p ".tsv")
	}
	pw = 7 * ls + 110 * nw + 200
	if (pw < 820)
		pw = 820
	print "W = " pw "; panel_h = " (130 + 40 * (ns < 5 ? 5 : ns) + 5 * lw) > def
	print "note = " gp_note("Not plotted:", note, bad_notes(note, nw), int(pw / 7)) > def
	print "note_lines = " note_lines > def
	close(def)
}
