/* import_android.c - the bionic malloc_debug `record_allocs` dump importer.
 *
 * Format (bionic/libc/malloc_debug/README.md, "record_allocs"; AOSP
 * system/extras/memory_replay), one call a line:
 *   TID: malloc PTR SIZE
 *   TID: calloc PTR NMEMB SIZE
 *   TID: memalign PTR ALIGNMENT SIZE     (memalign and posix_memalign)
 *   TID: realloc NEWPTR OLDPTR SIZE
 *   TID: free PTR
 *   TID: thread_done 0x0
 * Newer dumps append START_NS END_NS to every call (thread_done gets only
 * END_NS); both forms are accepted, and mixed. Semantics follow bionic:
 * free(0x0) is nothing; realloc with OLDPTR 0x0 is a malloc; realloc(p, 0)
 * frees p and returns 0x0; a 0x0 result otherwise is a failed call (counted,
 * no event); memalign rounds an alignment that is not a power of two up to
 * one. Thread ids become t0, t1, ... in order of first appearance; after
 * `thread_done` a reused tid counts as a new thread.
 */
#include "import.h"

#include <stdlib.h>
#include <string.h>

struct and_state {
	const char *file;
	struct trace_builder *b;
	struct import_report *r;
	struct diag *d;
	struct u64map ids;     /* live pointer -> block id */
	struct u64map threads; /* tid -> tN */
	uint64_t next_id, unseen;
	unsigned n_threads;
	const char *line;
	unsigned long lineno;
	unsigned long call_col; /* where the current line's call name is */
};

enum and_op { AND_MALLOC, AND_CALLOC, AND_MEMALIGN, AND_REALLOC, AND_FREE, AND_DONE };

static const struct {
	const char *name;
	int n_args; /* numbers after PTR, before the timestamps */
} and_ops[] = {
	[AND_MALLOC] = {"malloc", 1},  [AND_CALLOC] = {"calloc", 2},
	[AND_MEMALIGN] = {"memalign", 2}, [AND_REALLOC] = {"realloc", 2},
	[AND_FREE] = {"free", 0},      [AND_DONE] = {"thread_done", 0},
};

static int and_err(struct and_state *s, const char *p, const char *msg)
{
	return diag_set(s->d, s->file, s->lineno, (unsigned long)(p - s->line) + 1, "%s", msg);
}

static int and_thread(struct and_state *s, uint64_t tid, unsigned *t)
{
	uint64_t *v = u64map_get(&s->threads, tid);
	if (v) {
		*t = (unsigned)*v;
		return 0;
	}
	if (s->n_threads > UINT16_MAX)
		return and_err(s, s->line, "more than 65536 threads");
	*t = s->n_threads++;
	if (u64map_put(&s->threads, tid, *t))
		return and_err(s, s->line, "out of memory");
	return 0;
}

static int and_free(struct and_state *s, uint64_t ptr, unsigned t)
{
	uint64_t *id = u64map_get(&s->ids, ptr);
	if (!ptr || !id) {
		s->unseen += ptr != 0;
		s->r->skipped_frees++;
		return 0;
	}
	uint64_t v = *id;
	u64map_del(&s->ids, ptr, NULL);
	return import_add(s->b, TRACE_FREE, v, 0, 0, t, s->file, s->lineno, s->call_col, s->d);
}

/* A new block at ptr (a pointer still live there lost its free: end it). */
static int and_alloc(struct and_state *s, enum trace_op op, uint64_t ptr, uint64_t size,
		     uint64_t extra, unsigned t)
{
	if (!ptr) {
		s->r->failed_calls++;
		return 0;
	}
	if (u64map_get(&s->ids, ptr) && and_free(s, ptr, t))
		return -1;
	uint64_t id = s->next_id++;
	if (u64map_put(&s->ids, ptr, id))
		return and_err(s, s->line, "out of memory");
	return import_add(s->b, op, id, size, extra, t, s->file, s->lineno, s->call_col, s->d);
}

static int and_realloc(struct and_state *s, uint64_t ptr, uint64_t old, uint64_t size,
		       unsigned t)
{
	if (!old)
		return and_alloc(s, TRACE_MALLOC, ptr, size, 0, t);
	if (!size && !ptr)
		return and_free(s, old, t);
	if (!ptr) {
		s->r->failed_calls++;
		return 0;
	}
	uint64_t *idp = u64map_get(&s->ids, old);
	if (!idp) {
		s->unseen++;
		return and_alloc(s, TRACE_MALLOC, ptr, size, 0, t);
	}
	uint64_t id = *idp;
	u64map_del(&s->ids, old, NULL);
	if (u64map_get(&s->ids, ptr) && and_free(s, ptr, t))
		return -1;
	if (u64map_put(&s->ids, ptr, id))
		return and_err(s, s->line, "out of memory");
	return import_add(s->b, TRACE_REALLOC, id, size, 0, t, s->file, s->lineno, s->call_col, s->d);
}

static uint64_t pow2_ceil(uint64_t v)
{
	return v <= 1 ? 1 : (uint64_t)1 << (64 - __builtin_clzll(v - 1));
}

/* Parses `n` numbers (hex where `hex` has the bit set), then the optional
 * timestamps: none, or exactly `n_ts`. */
static int and_numbers(struct and_state *s, const char **p, uint64_t *v, int n,
		       unsigned hex, int n_ts)
{
	for (int i = 0; i < n; i++) {
		const char *q = import_skip_blanks(*p);
		if (import_parse_u64(&q, hex >> i & 1 ? 0 : 10, &v[i]))
			return and_err(s, q, hex >> i & 1 ? "expected a pointer (0x...)"
							  : "expected an unsigned number");
		*p = q;
	}
	const char *q = import_skip_blanks(*p);
	if (!*q)
		return 0;
	uint64_t ts;
	for (int i = 0; i < n_ts; i++) {
		const char *t = import_skip_blanks(q);
		if (import_parse_u64(&t, 10, &ts))
			return and_err(s, t, n_ts == 2 ? "expected the timestamps START_NS END_NS"
						       : "expected the timestamp END_NS");
		q = t;
	}
	q = import_skip_blanks(q);
	return *q ? and_err(s, q, "unexpected text after the call") : 0;
}

static int and_line(struct and_state *s)
{
	const char *p = import_skip_blanks(s->line);
	if (!*p)
		return 0;
	uint64_t tid, v[3];
	if (import_parse_u64(&p, 10, &tid) || *p != ':')
		return and_err(s, p, "expected 'TID: CALL ...'");
	p = import_skip_blanks(p + 1);
	s->call_col = (unsigned long)(p - s->line) + 1;
	size_t len = strcspn(p, " \t");
	int op = -1;
	for (int i = 0; i <= AND_DONE; i++)
		if (strlen(and_ops[i].name) == len && !strncmp(p, and_ops[i].name, len))
			op = i;
	if (op < 0)
		return and_err(s, p, "unknown call (expected malloc, calloc, memalign, "
				     "realloc, free or thread_done)");
	p += len;
	unsigned hex = op == AND_REALLOC ? 3 : 1;
	if (and_numbers(s, &p, v, 1 + and_ops[op].n_args, hex, op == AND_DONE ? 1 : 2))
		return -1;
	if (op == AND_DONE) {
		u64map_del(&s->threads, tid, NULL);
		return 0;
	}
	unsigned t = 0;
	if (and_thread(s, tid, &t))
		return -1;
	switch (op) {
	case AND_MALLOC:
		return and_alloc(s, TRACE_MALLOC, v[0], v[1], 0, t);
	case AND_CALLOC:
		return and_alloc(s, TRACE_CALLOC, v[0], v[2], v[1], t);
	case AND_MEMALIGN:
		/* bionic rounds the alignment up to a power of two, which above
		 * 2^63 does not exist in 64 bits */
		if (v[1] > (uint64_t)1 << 63)
			return and_err(s, s->line, "memalign alignment above 2^63");
		return and_alloc(s, TRACE_ALIGNED, v[0], v[2], pow2_ceil(v[1]), t);
	case AND_REALLOC:
		return and_realloc(s, v[0], v[1], v[2], t);
	default:
		return and_free(s, v[0], t);
	}
}

int import_android(FILE *in, const char *file, struct trace_builder *b,
		   struct import_report *r, struct diag *d)
{
	struct and_state s = {.file = file, .b = b, .r = r, .d = d};
	struct import_lines l = {.in = in};
	int rc = -1, err = 0;
	snprintf(r->layout, sizeof r->layout, "record_allocs");
	while (import_lines_next(&l, &err) >= 0) {
		s.line = l.buf;
		s.lineno = l.lineno;
		if (and_line(&s))
			goto out;
	}
	if (err) {
		import_lines_error(&l, err, file, d);
		goto out;
	}
	r->lines = l.lineno;
	if (s.unseen)
		import_warn(r, file, 0, "%llu frees or reallocs of pointers never allocated in "
			    "the dump were skipped or became mallocs", (unsigned long long)s.unseen);
	rc = 0;
out:
	free(l.buf);
	u64map_free(&s.ids);
	u64map_free(&s.threads);
	return rc;
}
