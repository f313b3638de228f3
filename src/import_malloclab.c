/* import_malloclab.c - the CS:APP malloc lab trace (.rep) importer.
 *
 * A .rep file is a header of four numbers, one a line, then one request a
 * line: `a ID SIZE` (malloc), `r ID SIZE` (realloc), `f ID` (free). Two header
 * layouts exist and are told apart by the first number:
 *   original (2002 handout, mdriver.c):  heap-size  num-ids  num-ops  weight
 *   Autolab (15-213 since 2016):         weight     num-ids  num-ops  peak-bytes
 * The original's suggested heap size is never below 100 in the handout's
 * traces, while the Autolab weight is 0..3, so a first number <= 3 means
 * Autolab. Semantics follow the drivers: `f -1` is free(NULL), `r` of an id
 * with no block is realloc(NULL) (a malloc), `r ID 0` frees (the handout's
 * mm_realloc contract). A header that disagrees with the body (op count, id
 * count, Autolab peak bytes) is a warning, not an error: the body is what
 * gets replayed.
 */
#include "import.h"

#include <stdlib.h>
#include <string.h>

enum { HDR_N = 4 };

struct rep_state {
	const char *file;
	struct trace_builder *b;
	struct import_report *r;
	struct diag *d;
	struct u64map live; /* id -> requested size */
	uint64_t ops, max_id_plus1, live_bytes, peak_bytes;
	unsigned long hdr_line[HDR_N]; /* where each header number was */
	unsigned long request_col;     /* where the current request starts */
	int any_id;
};

static unsigned long column_of(const char *line, const char *p)
{
	return (unsigned long)(p - line) + 1;
}

/* Reads the four header numbers; blank lines before and between them are
 * skipped, as the drivers' fscanf does. */
static int rep_header(struct import_lines *l, struct rep_state *s, uint64_t hdr[HDR_N])
{
	static const char *what[HDR_N] = {"first", "second", "third", "fourth"};
	int err;
	for (int i = 0; i < HDR_N;) {
		if (import_lines_next(l, &err) < 0)
			return err ? import_lines_error(l, err, s->file, s->d)
				   : diag_set(s->d, s->file, l->lineno, 0,
					      "truncated header: expected 4 numbers, found %d", i);
		const char *p = import_skip_blanks(l->buf);
		if (!*p)
			continue;
		if (import_parse_u64(&p, 10, &hdr[i]) == 0)
			p = import_skip_blanks(p); /* past the number: what follows it */
		if (*p)
			return diag_set(s->d, s->file, l->lineno, column_of(l->buf, p),
					"malformed header: the %s line must be one unsigned number",
					what[i]);
		s->hdr_line[i++] = l->lineno;
	}
	return 0;
}

static int rep_id(struct rep_state *s, const char *line, const char **p, unsigned long lineno,
		  int allow_null, uint64_t *id, int *is_null)
{
	const char *q = import_skip_blanks(*p);
	*is_null = 0;
	if (allow_null && q[0] == '-' && q[1] == '1' && (q[2] == ' ' || q[2] == '\t' || !q[2])) {
		*is_null = 1;
		*p = q + 2;
		return 0;
	}
	const char *start = q;
	if (import_parse_u64(&q, 10, id) || *id >= UINT64_MAX - 1)
		return diag_set(s->d, s->file, lineno, column_of(line, start),
				"expected a block id (an unsigned number)");
	*p = q;
	if (*id + 1 > s->max_id_plus1)
		s->max_id_plus1 = *id + 1;
	s->any_id = 1;
	return 0;
}

static int rep_free(struct rep_state *s, uint64_t id, unsigned long lineno)
{
	uint64_t *size = u64map_get(&s->live, id);
	if (!size) {
		s->r->skipped_frees++;
		return 0;
	}
	s->live_bytes -= *size;
	u64map_del(&s->live, id, NULL);
	return import_add(s->b, TRACE_FREE, id, 0, 0, 0, s->file, lineno, s->request_col, s->d);
}

static int rep_alloc(struct rep_state *s, char op, uint64_t id, uint64_t size,
		     unsigned long lineno)
{
	uint64_t *old = u64map_get(&s->live, id);
	if (op == 'r' && size == 0)
		return rep_free(s, id, lineno);
	enum trace_op top = op == 'r' && old ? TRACE_REALLOC : TRACE_MALLOC;
	if (import_add(s->b, top, id, size, 0, 0, s->file, lineno, s->request_col, s->d))
		return -1;
	if (top == TRACE_REALLOC)
		s->live_bytes -= *old;
	if (u64map_put(&s->live, id, size))
		return diag_set(s->d, s->file, lineno, 0, "out of memory");
	s->live_bytes += size;
	if (s->live_bytes > s->peak_bytes)
		s->peak_bytes = s->live_bytes;
	return 0;
}

static int rep_line(struct rep_state *s, const char *line, unsigned long lineno)
{
	const char *p = import_skip_blanks(line);
	if (!*p)
		return 0;
	char op = *p;
	if ((op != 'a' && op != 'r' && op != 'f') ||
	    (p[1] != ' ' && p[1] != '\t'))
		return diag_set(s->d, s->file, lineno, column_of(line, p),
				"unknown request '%.*s' (expected a, r or f)",
				(int)strcspn(p, " \t"), p);
	s->request_col = column_of(line, p);
	p++;
	uint64_t id, size = 0;
	int is_null;
	if (rep_id(s, line, &p, lineno, op == 'f', &id, &is_null))
		return -1;
	if (op != 'f') {
		const char *q = import_skip_blanks(p);
		if (import_parse_u64(&q, 10, &size))
			return diag_set(s->d, s->file, lineno, column_of(line, q),
					"expected a size (an unsigned number)");
		p = q;
	}
	p = import_skip_blanks(p);
	if (*p)
		return diag_set(s->d, s->file, lineno, column_of(line, p),
				"unexpected '%s' after the request", p);
	s->ops++;
	if (op == 'f') {
		if (is_null) {
			s->r->skipped_frees++;
			return 0;
		}
		return rep_free(s, id, lineno);
	}
	return rep_alloc(s, op, id, size, lineno);
}

static void rep_check_header(struct rep_state *s, const uint64_t hdr[HDR_N], int autolab)
{
	if (hdr[2] != s->ops)
		import_warn(s->r, s->file, s->hdr_line[2],
			    "header says %llu requests, the file has %llu",
			    (unsigned long long)hdr[2], (unsigned long long)s->ops);
	if (s->any_id && hdr[1] != s->max_id_plus1)
		import_warn(s->r, s->file, s->hdr_line[1],
			    "header says %llu block ids, the requests use ids up to %llu",
			    (unsigned long long)hdr[1], (unsigned long long)(s->max_id_plus1 - 1));
	if (autolab && hdr[3] != s->peak_bytes)
		import_warn(s->r, s->file, s->hdr_line[3],
			    "header says peak %llu bytes, the requests reach %llu",
			    (unsigned long long)hdr[3], (unsigned long long)s->peak_bytes);
}

int import_malloclab(FILE *in, const char *file, struct trace_builder *b,
		     struct import_report *r, struct diag *d)
{
	struct rep_state s = {.file = file, .b = b, .r = r, .d = d};
	struct import_lines l = {.in = in};
	uint64_t hdr[HDR_N];
	int rc = -1, err = 0;
	if (rep_header(&l, &s, hdr))
		goto out;
	int autolab = hdr[0] <= 3;
	snprintf(r->layout, sizeof r->layout, "%s", autolab ? "autolab" : "original");
	while (import_lines_next(&l, &err) >= 0)
		if (rep_line(&s, l.buf, l.lineno))
			goto out;
	if (err) {
		import_lines_error(&l, err, file, d);
		goto out;
	}
	r->lines = l.lineno;
	rep_check_header(&s, hdr, autolab);
	rc = 0;
out:
	free(l.buf);
	u64map_free(&s.live);
	return rc;
}
