/* capture_convert.h - the harness side of `allocscope capture`: reads the raw
 * files liballocscope_capture.so wrote (src/preload/capture_raw.h) and turns
 * each into a format v1 YAML trace. Never prints. */
#ifndef ALLOCSCOPE_CAPTURE_CONVERT_H
#define ALLOCSCOPE_CAPTURE_CONVERT_H

#include <stdint.h>

#include "diag.h"
#include "trace.h"
#include "preload/capture_raw.h"

/* What goes into the trace's header lines; NULL fields are left out. */
struct capture_meta {
	const char *name;        /* required */
	const char *description;
	const char *command;     /* the command line as the user gave it */
	const char *date;        /* YYYY-MM-DD */
	const char *program;     /* resolved path of the executable */
	const char *package;     /* "PACKAGE VERSION", when known */
};

/* Figures of one converted trace, for the summary. */
struct capture_stats {
	uint64_t events;
	uint64_t count[TRACE_OP_COUNT]; /* by enum trace_op */
	uint32_t threads;
	uint64_t peak_live_bytes;
	uint64_t unknown_frees, nested_calls, stale_allocs;
	int truncated;
};

/* Reads and checks a raw file's header. */
int capture_raw_header_read(const char *raw_path, struct capture_raw_header *h,
			    struct diag *d);

/* Converts raw_path to YAML at out_path (written to a temporary name, then
 * renamed, so that out_path is whole or untouched). Fails on a write error
 * or a raw file whose records are inconsistent (a recorder bug). */
int capture_convert(const char *raw_path, const char *out_path,
		    const struct capture_meta *meta, struct capture_stats *st,
		    struct diag *d);

#endif
