/* diag.h - errors as values: library code fills a struct diag and returns -1;
 * only the CLI prints, in one style (GCC's `FILE:LINE:COL: error: MESSAGE`). */
#ifndef ALLOCSCOPE_DIAG_H
#define ALLOCSCOPE_DIAG_H

#include <stddef.h>

struct diag {
	char file[512];   /* empty when no file is involved */
	unsigned long line;   /* 1-based; 0 when unknown */
	unsigned long column; /* 1-based; 0 when unknown */
	char message[512];
};

/* Records an error at a place (file may be NULL, line/column 0) and returns -1,
 * so callers can write `return diag_set(d, ...)`. d may be NULL. */
int diag_set(struct diag *d, const char *file, unsigned long line,
	     unsigned long column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* `FILE:LINE:COL: MESSAGE` (or the shorter forms) into buf, for a message
 * that another process prints. */
void diag_format(const struct diag *d, char *buf, size_t len);

/* Prints `FILE:LINE:COL: error: MESSAGE` (or the shorter forms) to stderr. */
void diag_print(const struct diag *d);

/* Prints a warning in the same style. */
void diag_warn(const char *file, unsigned long line, unsigned long column,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A trace loader warning callback (trace_load_options.warn) that prints
 * each warning with diag_warn; ctx is unused. */
void diag_print_warning(void *ctx, const struct diag *w);

/* `allocscope: error: MESSAGE` for errors with no place. */
void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
