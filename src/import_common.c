/* import_common.c - what the importers share: the format table, a pointer map,
 * a line reader, number parsing and the trace name rule. */
#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


const struct import_format import_formats[] = {
	{"malloclab", import_malloclab},
	{"mtrace", import_mtrace},
	{"android", import_android},
};
const unsigned import_n_formats = sizeof import_formats / sizeof import_formats[0];

const struct import_format *import_format_find(const char *name)
{
	for (unsigned i = 0; i < import_n_formats; i++)
		if (!strcmp(import_formats[i].name, name))
			return &import_formats[i];
	return NULL;
}

/* ---- reports, lines, numbers ---------------------------------------------- */

void import_warn(struct import_report *r, const char *file, unsigned long line,
		 const char *fmt, ...)
{
	if (r->n_warnings == IMPORT_MAX_WARNINGS) {
		r->n_dropped_warnings++;
		return;
	}
	struct diag *w = &r->warnings[r->n_warnings++];
	diag_set(w, file, line, 0, "%s", "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->message, sizeof w->message, fmt, ap);
	va_end(ap);
}

long import_lines_next(struct import_lines *l, int *err)
{
	size_t n = 0;
	int ch;
	*err = 0;
	while ((ch = getc_unlocked(l->in)) != EOF && ch != '\n') {
		if (ch == '\0') {
			*err = EILSEQ; /* a line cut short at its NUL would pass unseen */
			l->lineno++;
			return -1;
		}
		if (n + 1 >= l->cap) {
			if (l->cap >= IMPORT_LINE_MAX) {
				*err = EFBIG;
				l->lineno++;
				return -1;
			}
			size_t cap = l->cap ? 2 * l->cap : 256;
			char *buf = realloc(l->buf, cap);
			if (!buf) {
				*err = ENOMEM;
				return -1;
			}
			l->buf = buf;
			l->cap = cap;
		}
		l->buf[n++] = (char)ch;
	}
	if (ch == EOF && (ferror(l->in) || !n)) {
		*err = ferror(l->in) ? (errno ? errno : EIO) : 0;
		return -1;
	}
	if (!l->buf && !(l->buf = malloc(l->cap = 256))) {
		*err = ENOMEM;
		return -1;
	}
	l->lineno++;
	if (n && l->buf[n - 1] == '\r')
		n--;
	l->buf[n] = '\0';
	return (long)n;
}

int import_lines_error(const struct import_lines *l, int err, const char *file, struct diag *d)
{
	if (err == EILSEQ)
		return diag_set(d, file, l->lineno, 0, "the line holds a NUL byte");
	if (err == EFBIG)
		return diag_set(d, file, l->lineno, 0, "the line is longer than %d bytes",
				IMPORT_LINE_MAX);
	return diag_set(d, file, 0, 0, "read error: %s", strerror(err));
}

const char *import_skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int import_parse_u64(const char **p, int base, uint64_t *out)
{
	const char *s = import_skip_blanks(*p);
	int prefix = base != 10 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (prefix)
		s += 2;
	unsigned radix = prefix || base == 16 ? 16 : 10;
	uint64_t v = 0;
	const char *start = s;
	for (int dv; (dv = digit_value(*s)) < (int)radix; s++) {
		if (__builtin_mul_overflow(v, radix, &v) ||
		    __builtin_add_overflow(v, (uint64_t)dv, &v))
			return -1;
	}
	if (s == start)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

int import_add(struct trace_builder *b, enum trace_op op, uint64_t id,
	       uint64_t size, uint64_t nmemb_or_align, unsigned thread,
	       const char *file, unsigned long line, unsigned long col, struct diag *d)
{
	char err[256];
	if (trace_builder_add(b, op, id, size, nmemb_or_align, thread, err, sizeof err))
		return diag_set(d, file, line, col, "%s", err);
	return 0;
}

void import_name_from_path(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (!trace_name_make(base, n, out, len))
		snprintf(out, len, "imported");
}

