/* trace_write.c - writes a struct trace as format v1 YAML with explicit
 * events, one compact flow sequence per line; slots become the block ids
 * (a slot names at most one live block at a time, as an id must). */
#include "trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "yaml_quote.h"

#define WRITE_BUF 65536
#define WRITE_EVENT_MAX 96 /* "- [a, 4294967295, 2^63, 2^64-1, t65535]\n" fits */

struct write_buf {
	FILE *out;
	size_t len;
	char p[WRITE_BUF];
};

static int write_flush(struct write_buf *w)
{
	if (w->len && fwrite(w->p, 1, w->len, w->out) != w->len)
		return -1;
	w->len = 0;
	return 0;
}

static int write_str(struct write_buf *w, const char *s, size_t n)
{
	if (w->len + n > sizeof w->p && write_flush(w))
		return -1;
	if (n > sizeof w->p)
		return fwrite(s, 1, n, w->out) == n ? 0 : -1;
	memcpy(w->p + w->len, s, n);
	w->len += n;
	return 0;
}

/* Appends the decimal digits of v at p; returns the new end. */
static char *write_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

struct quoted_sink {
	struct write_buf *w;
	int err;
};

static void put_quoted(void *ctx, const char *bytes, size_t n)
{
	struct quoted_sink *q = ctx;
	if (!q->err && write_str(q->w, bytes, n))
		q->err = 1;
}

static int write_quoted(struct write_buf *w, const char *s)
{
	struct quoted_sink q = {w, 0};
	yaml_quote(s, put_quoted, &q);
	return q.err ? -1 : 0;
}

static int write_key(struct write_buf *w, const char *key, const char *quoted_value)
{
	return write_str(w, key, strlen(key)) || write_quoted(w, quoted_value) ||
	       write_str(w, "\n", 1);
}

static int write_header(struct write_buf *w, const struct trace *t)
{
	char version[32];
	int n = snprintf(version, sizeof version, "allocscope: %d\n", TRACE_FORMAT_VERSION);
	if (write_str(w, version, (size_t)n) || write_key(w, "name: ", t->name))
		return -1;
	if (t->description && write_key(w, "description: ", t->description))
		return -1;
	/* already a one-line flow mapping (see struct trace) */
	if (t->source && (write_str(w, "source: ", 8) || write_str(w, t->source, strlen(t->source)) ||
			  write_str(w, "\n", 1)))
		return -1;
	/* `events:` with no items would be a null, not an empty sequence. */
	return t->n_events ? write_str(w, "events:\n", 8) : write_str(w, "events: []\n", 11);
}

static char *write_event(char *p, const struct trace_event *e)
{
	*p++ = '-';
	*p++ = ' ';
	*p++ = '[';
	*p++ = trace_op_letter(e->op);
	*p++ = ',';
	*p++ = ' ';
	p = write_u64(p, e->slot);
	if (e->op == TRACE_CALLOC || e->op == TRACE_ALIGNED) {
		memcpy(p, ", ", 2);
		/* calloc's product is stored: nmemb 1 keeps its total */
		p = write_u64(p + 2, e->op == TRACE_CALLOC ? 1 : (uint64_t)1 << e->align_log2);
	}
	if (e->op != TRACE_FREE) {
		memcpy(p, ", ", 2);
		p = write_u64(p + 2, e->size);
	}
	if (e->thread) {
		memcpy(p, ", t", 3);
		p = write_u64(p + 3, e->thread);
	}
	memcpy(p, "]\n", 2);
	return p + 2;
}

int trace_write_yaml(const struct trace *t, FILE *out)
{
	struct write_buf *w = malloc(sizeof *w);
	if (!w)
		return -1;
	w->out = out;
	w->len = 0;
	int rc = write_header(w, t);
	for (uint64_t i = 0; rc == 0 && i < t->n_events; i++) {
		if (w->len + WRITE_EVENT_MAX > sizeof w->p && (rc = write_flush(w)))
			break;
		w->len = (size_t)(write_event(w->p + w->len, &t->events[i]) - w->p);
	}
	if (rc == 0)
		rc = write_flush(w);
	free(w);
	if (rc == 0 && (fflush(out) || ferror(out)))
		rc = -1;
	if (rc && !errno)
		errno = EIO;
	return rc;
}

int trace_write_file(const struct trace *t, const char *path, struct diag *d)
{
	char tmp[4200];
	FILE *out = fileio_fopen_temp(path, tmp, sizeof tmp);
	if (!out)
		return diag_set(d, path, 0, 0, "cannot write: %s", strerror(errno));
	int bad = trace_write_yaml(t, out);
	int e = errno;
	if (fileio_fcommit_temp(out, tmp, !bad) && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad)
		return diag_set(d, path, 0, 0, "cannot write: %s", strerror(e));
	return 0;
}
