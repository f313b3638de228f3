/* import_mtrace.c - the glibc mtrace(3) (MALLOC_TRACE) log importer.
 *
 * glibc's malloc/mtrace-impl.c writes one record a line, each optionally led
 * by the caller, `@ FILE:(SYM+0xOFF)[0xADDR] `, `@ FILE:[0xADDR] ` or
 * `@ [0xADDR] `:
 *   = Start / = End          tracing switched on / off
 *   + PTR SIZE               malloc, calloc (SIZE = nmemb * size), memalign
 *                            and realloc(NULL, n); PTR is (nil) on failure
 *   - PTR                    free (and realloc(p, 0)); free(NULL) is not logged
 *   < OLD  then  > NEW SIZE  realloc that succeeded, on two lines
 *   ! OLD SIZE               realloc that failed: the old block stays
 * SIZE is %#lx (hex with 0x, but plain "0" for zero). The log cannot tell
 * calloc or memalign from malloc, so everything allocated is a malloc here.
 * Pointers become block ids (a fresh id per allocation; realloc keeps it).
 * Frees of pointers never seen (allocated before tracing began) are skipped
 * and counted; an allocation at an address still live (its free went
 * unlogged) ends the old block first, also counted.
 */
#include "import.h"

#include <stdlib.h>
#include <string.h>

struct mt_state {
	const char *file;
	struct trace_builder *b;
	struct import_report *r;
	struct diag *d;
	struct u64map ids; /* live pointer -> block id */
	uint64_t next_id;
	uint64_t pending_old;  /* the `<` pointer awaiting its `>` line */
	unsigned long pending_line; /* 0: none pending */
	uint64_t unseen_reallocs, reused;
	unsigned long record_col; /* where the current record's op is */
};

static unsigned long col(const char *line, const char *p)
{
	return (unsigned long)(p - line) + 1;
}

/* The record after the optional caller: returns a pointer to its op char or
 * NULL when the line has no recognisable record. */
static const char *mt_record(const char *line)
{
	if (line[0] != '@')
		return line;
	for (const char *q = strchr(line, ']'); q; q = strchr(q + 1, ']'))
		if (q[1] == ' ' && q[2] && strchr("+-<>!", q[2]) && q[3] == ' ')
			return q + 2;
	return NULL;
}

static int mt_ptr(struct mt_state *s, const char *line, const char **p,
		  unsigned long lineno, uint64_t *ptr)
{
	const char *q = import_skip_blanks(*p);
	if (!strncmp(q, "(nil)", 5)) {
		*ptr = 0;
		*p = q + 5;
		return 0;
	}
	if (q[0] != '0' || q[1] != 'x' || import_parse_u64(&q, 16, ptr))
		return diag_set(s->d, s->file, lineno, col(line, q),
				"expected a pointer (0x... or (nil))");
	*p = q;
	return 0;
}

static int mt_size(struct mt_state *s, const char *line, const char **p,
		   unsigned long lineno, uint64_t *size)
{
	const char *q = import_skip_blanks(*p);
	if (import_parse_u64(&q, 0, size))
		return diag_set(s->d, s->file, lineno, col(line, q), "expected a size");
	*p = q;
	return 0;
}

static int mt_end(struct mt_state *s, const char *line, const char *p, unsigned long lineno)
{
	p = import_skip_blanks(p);
	if (*p)
		return diag_set(s->d, s->file, lineno, col(line, p),
				"unexpected '%s' after the record", p);
	return 0;
}

static int mt_free(struct mt_state *s, uint64_t ptr, unsigned long lineno)
{
	uint64_t *id = u64map_get(&s->ids, ptr);
	if (!id) {
		s->r->skipped_frees++;
		return 0;
	}
	uint64_t v = *id;
	u64map_del(&s->ids, ptr, NULL);
	return import_add(s->b, TRACE_FREE, v, 0, 0, 0, s->file, lineno, s->record_col, s->d);
}

/* A new block at `ptr`; frees a live block there first (see the header). */
static int mt_malloc(struct mt_state *s, uint64_t ptr, uint64_t size, unsigned long lineno)
{
	if (u64map_get(&s->ids, ptr)) {
		s->reused++;
		if (mt_free(s, ptr, lineno))
			return -1;
	}
	uint64_t id = s->next_id++;
	if (u64map_put(&s->ids, ptr, id))
		return diag_set(s->d, s->file, lineno, 0, "out of memory");
	return import_add(s->b, TRACE_MALLOC, id, size, 0, 0, s->file, lineno, s->record_col, s->d);
}

static int mt_realloc(struct mt_state *s, uint64_t old, uint64_t ptr, uint64_t size,
		      unsigned long lineno)
{
	uint64_t *idp = u64map_get(&s->ids, old);
	if (!idp) {
		s->unseen_reallocs++;
		return mt_malloc(s, ptr, size, lineno);
	}
	uint64_t id = *idp;
	u64map_del(&s->ids, old, NULL);
	if (u64map_get(&s->ids, ptr)) {
		s->reused++;
		if (mt_free(s, ptr, lineno))
			return -1;
	}
	if (u64map_put(&s->ids, ptr, id))
		return diag_set(s->d, s->file, lineno, 0, "out of memory");
	return import_add(s->b, TRACE_REALLOC, id, size, 0, 0, s->file, lineno, s->record_col, s->d);
}

static int mt_line(struct mt_state *s, const char *line, unsigned long lineno)
{
	if (!*line || line[0] == '=')
		return 0;
	const char *p = mt_record(line);
	if (!p || !*p || !strchr("+-<>!", *p) || (p[1] != ' ' && p[1] != '\t'))
		return diag_set(s->d, s->file, lineno, p && *p ? col(line, p) : 1,
				"not an mtrace record (expected '+', '-', '<', '>', '!' or '=')");
	s->record_col = col(line, p);
	char op = *p++;
	if (s->pending_line && op != '>')
		return diag_set(s->d, s->file, lineno, col(line, p - 1),
				"expected the '>' line of the realloc begun on line %lu",
				s->pending_line);
	uint64_t ptr, size = 0;
	if (mt_ptr(s, line, &p, lineno, &ptr))
		return -1;
	if ((op == '+' || op == '>' || op == '!') && mt_size(s, line, &p, lineno, &size))
		return -1;
	if (mt_end(s, line, p, lineno))
		return -1;
	switch (op) {
	case '+':
		if (!ptr) {
			s->r->failed_calls++;
			return 0;
		}
		return mt_malloc(s, ptr, size, lineno);
	case '-':
		return mt_free(s, ptr, lineno);
	case '<':
		s->pending_old = ptr;
		s->pending_line = lineno;
		return 0;
	case '!':
		s->r->failed_calls++;
		return 0;
	default: /* '>' */
		if (!s->pending_line)
			return diag_set(s->d, s->file, lineno, s->record_col,
					"'>' without the '<' line of its realloc");
		s->pending_line = 0;
		return mt_realloc(s, s->pending_old, ptr, size, lineno);
	}
}

int import_mtrace(FILE *in, const char *file, struct trace_builder *b,
		  struct import_report *r, struct diag *d)
{
	struct mt_state s = {.file = file, .b = b, .r = r, .d = d};
	struct import_lines l = {.in = in};
	int rc = -1, err = 0;
	snprintf(r->layout, sizeof r->layout, "glibc");
	while (import_lines_next(&l, &err) >= 0)
		if (mt_line(&s, l.buf, l.lineno))
			goto out;
	if (err) {
		import_lines_error(&l, err, file, d);
		goto out;
	}
	if (s.pending_line) {
		diag_set(d, file, s.pending_line, 0, "realloc '<' line without its '>' line");
		goto out;
	}
	r->lines = l.lineno;
	if (r->skipped_frees)
		import_warn(r, file, 0, "%llu frees of pointers never allocated in the log "
			    "(allocated before tracing began?) were skipped",
			    (unsigned long long)r->skipped_frees);
	if (s.unseen_reallocs)
		import_warn(r, file, 0, "%llu reallocs of pointers never allocated in the "
			    "log became mallocs", (unsigned long long)s.unseen_reallocs);
	if (s.reused)
		import_warn(r, file, 0, "%llu allocations returned a pointer still live in the "
			    "log; its block was freed first", (unsigned long long)s.reused);
	rc = 0;
out:
	free(l.buf);
	u64map_free(&s.ids);
	return rc;
}
