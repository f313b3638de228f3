/* import.h - converters from foreign allocation traces (CS:APP malloclab .rep,
 * glibc mtrace, bionic malloc_debug record_allocs) into a trace_builder.
 * Library code: errors come back as a struct diag, warnings in the report;
 * nothing here prints. Writing the YAML is the caller's (trace_write_file). */
#ifndef ALLOCSCOPE_IMPORT_H
#define ALLOCSCOPE_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "trace.h"
#include "u64map.h"

#define IMPORT_MAX_WARNINGS 8

/* What an importer tells its caller besides the events: counts of input it
 * chose to skip, and warnings (each a diag whose message is the text; the
 * caller prints them with diag_warn). Warnings past IMPORT_MAX_WARNINGS are
 * counted in n_dropped_warnings only. */
struct import_report {
	uint64_t lines;           /* input lines read */
	uint64_t skipped_frees;   /* frees of NULL or of blocks never seen */
	uint64_t failed_calls;    /* allocations the traced program saw fail */
	char layout[32];          /* the format variant detected, e.g. "autolab" */
	unsigned n_warnings, n_dropped_warnings;
	struct diag warnings[IMPORT_MAX_WARNINGS];
};

/* Every importer: reads `in` (named `file` in messages) to its end, feeds
 * each call to `b` and fills `r`. Returns 0, or -1 with `d` naming the line
 * (and the column of the offending token where one is known). */
typedef int import_fn(FILE *in, const char *file, struct trace_builder *b,
		      struct import_report *r, struct diag *d);

import_fn import_malloclab; /* import_malloclab.c */
import_fn import_mtrace;    /* import_mtrace.c */
import_fn import_android;   /* import_android.c */

struct import_format {
	const char *name;        /* the --from value */
	import_fn *fn;
};

/* The formats, in --help order; NULL when `name` is not one of them. */
const struct import_format *import_format_find(const char *name);
extern const struct import_format import_formats[];
extern const unsigned import_n_formats;

/* ---- shared by the importers (import_common.c) -------------------------- */

/* Adds a warning to the report (formatted like diag_set). */
void import_warn(struct import_report *r, const char *file, unsigned long line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A line reader that strips the trailing newline (and a CR before it).
 * Returns the line's length, or -1 at end of input or on an error: then
 * *err is the errno, EILSEQ for a NUL byte in the line or EFBIG for a line
 * past IMPORT_LINE_MAX, else 0. */
struct import_lines {
	FILE *in;
	char *buf;
	size_t cap;
	unsigned long lineno;
};
long import_lines_next(struct import_lines *l, int *err);
/* The error for a line reader's err: the line that holds a NUL byte or is
 * longer than IMPORT_LINE_MAX (a binary file, /dev/zero), else the read
 * error. Returns -1. */
#define IMPORT_LINE_MAX (1 << 20)
int import_lines_error(const struct import_lines *l, int err, const char *file, struct diag *d);

/* Parses an unsigned number at *p, skipping leading blanks: base 10 decimal,
 * base 16 hex with an optional 0x, base 0 hex after 0x else decimal.
 * Advances *p past it.
 * Returns 0, or -1 on no digits or overflow. */
int import_parse_u64(const char **p, int base, uint64_t *out);
/* Skips spaces and tabs. */
const char *import_skip_blanks(const char *p);

/* Calls trace_builder_add and turns its refusal (an id already live, a size
 * past the limit: the request as a whole) into a diag at `line`, `col` being
 * where the request starts. */
int import_add(struct trace_builder *b, enum trace_op op, uint64_t id,
	       uint64_t size, uint64_t nmemb_or_align, unsigned thread,
	       const char *file, unsigned long line, unsigned long col, struct diag *d);

/* The trace name for an input path: its basename without the last extension,
 * every character outside [A-Za-z0-9._-] replaced by '_'; "imported" when
 * nothing is left. */
void import_name_from_path(const char *path, char *out, size_t len);


#endif
