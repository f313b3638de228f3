/* diag.c - the one place that formats errors and warnings for the user. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int diag_set(struct diag *d, const char *file, unsigned long line,
	     unsigned long column, const char *fmt, ...)
{
	if (!d)
		return -1;
	snprintf(d->file, sizeof d->file, "%s", file ? file : "");
	d->line = line;
	d->column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
	return -1;
}

/* As much of `FILE:LINE:COL: ` as is known; empty without a file. */
static void place_format(char *buf, size_t len, const char *file, unsigned long line,
			 unsigned long column)
{
	if (!file || !*file)
		snprintf(buf, len, "%s", "");
	else if (line && column)
		snprintf(buf, len, "%s:%lu:%lu: ", file, line, column);
	else if (line)
		snprintf(buf, len, "%s:%lu: ", file, line);
	else
		snprintf(buf, len, "%s: ", file);
}

static void print_place(const char *file, unsigned long line, unsigned long column)
{
	char place[600];
	place_format(place, sizeof place, file, line, column);
	fputs(place[0] ? place : "allocscope: ", stderr);
}

void diag_format(const struct diag *d, char *buf, size_t len)
{
	char place[600];
	place_format(place, sizeof place, d->file, d->line, d->column);
	snprintf(buf, len, "%s%s", place, d->message);
}

void diag_print(const struct diag *d)
{
	print_place(d->file, d->line, d->column);
	fprintf(stderr, "error: %s\n", d->message);
}

void diag_warn(const char *file, unsigned long line, unsigned long column,
	       const char *fmt, ...)
{
	print_place(file, line, column);
	fputs("warning: ", stderr);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_print_warning(void *ctx, const struct diag *w)
{
	(void)ctx;
	diag_warn(w->file, w->line, w->column, "%s", w->message);
}

static void vprint_plain(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "allocscope: %s: ", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void error_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_plain("error", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_plain("warning", fmt, ap);
	va_end(ap);
}
