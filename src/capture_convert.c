/* capture_convert.c - raw capture file -> format v1 YAML, with a hand-rolled
 * formatter (a captured program yields millions of events; printf per event
 * would dominate). Checks each block's events as it goes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_convert.h"
#include "fileio.h"
#include "u64map.h"
#include "yaml_quote.h"

/* Output through one large buffer; err latches the first write error. */
struct yaml_out {
	FILE *f;
	char *buf;
	size_t len, cap;
	uint64_t flushed; /* bytes already handed to f */
	int err;
};

#define OUT_CAP (1u << 20)
#define LINE_MAX_BYTES 128 /* one event line, with room to spare */

static void out_flush(struct yaml_out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = errno ? errno : EIO;
	o->flushed += o->len;
	o->len = 0;
}

static void out_reserve(struct yaml_out *o, size_t n)
{
	if (o->len + n > o->cap)
		out_flush(o);
}

static void out_str(struct yaml_out *o, const char *s)
{
	size_t n = strlen(s);
	if (n > o->cap) {
		out_flush(o);
		if (fwrite(s, 1, n, o->f) != n)
			o->err = errno ? errno : EIO;
		o->flushed += n;
		return;
	}
	out_reserve(o, n);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Caller reserved room. */
static void out_u64(struct yaml_out *o, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		o->buf[o->len++] = tmp[--n];
}

static void out_lit(struct yaml_out *o, const char *s, size_t n)
{
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_quoted(void *ctx, const char *bytes, size_t n)
{
	struct yaml_out *o = ctx;
	out_reserve(o, n);
	out_lit(o, bytes, n);
}

static void out_quoted(struct yaml_out *o, const char *s)
{
	yaml_quote(s, put_quoted, o);
}

static void out_field(struct yaml_out *o, const char *key, const char *value)
{
	if (!value)
		return;
	out_str(o, ", ");
	out_str(o, key);
	out_str(o, ": ");
	out_quoted(o, value);
}

static void out_field_u64(struct yaml_out *o, const char *key, uint64_t v)
{
	out_str(o, ", ");
	out_str(o, key);
	out_str(o, ": ");
	out_reserve(o, 20);
	out_u64(o, v);
}

/* Counts known only after the events are written: a blank-padded field,
 * filled in by out_patch. Returns the value's offset in the file. */
#define PATCH_WIDTH 20
static uint64_t out_placeholder(struct yaml_out *o, const char *key)
{
	out_str(o, ", ");
	out_str(o, key);
	out_str(o, ": ");
	uint64_t at = o->flushed + o->len;
	out_str(o, "0                   ");
	return at;
}

static void out_patch(struct yaml_out *o, uint64_t at, uint64_t v)
{
	char num[PATCH_WIDTH + 1];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
	out_flush(o);
	if (fseeko(o->f, (off_t)at, SEEK_SET) != 0 || fwrite(num, 1, (size_t)n, o->f) != (size_t)n)
		o->err = errno ? errno : EIO;
}

/* Where out_header left the placeholders. */
struct header_patches {
	uint64_t unknown_frees, unseen_frees;
};

static void out_header(struct yaml_out *o, const struct capture_meta *m,
		       const struct capture_raw_header *h, struct header_patches *hp)
{
	out_str(o, "allocscope: 1\nname: ");
	out_quoted(o, m->name); /* a valid name can still be YAML syntax: "-" */
	out_str(o, "\n");
	if (m->description) {
		out_str(o, "description: ");
		out_quoted(o, m->description);
		out_str(o, "\n");
	}
	out_str(o, "source: {kind: captured");
	out_field(o, "command", m->command);
	out_field(o, "date", m->date);
	out_field(o, "program", m->program);
	out_field(o, "package", m->package);
	out_field_u64(o, "pid", (uint64_t)h->pid);
	hp->unknown_frees = out_placeholder(o, "unknown_frees");
	hp->unseen_frees = out_placeholder(o, "unseen_frees");
	if (h->nested_calls)
		out_field_u64(o, "unrecorded_nested_calls", h->nested_calls);
	if (h->truncated)
		out_str(o, ", truncated: true");
	out_str(o, "}\n");
	out_str(o, "# unknown_frees: frees of addresses never seen allocated (before recording\n"
		   "# began, or by another allocator), left out. unseen_frees: addresses\n"
		   "# allocated again while live (a free we missed), freed just before.\n");
	/* Whether any event follows is known only at the end: out_events_end. */
	out_str(o, "events:\n");
}

/* A process whose records give no event (one that only freed what it
 * inherited) still has a sequence: `events:` then `  []`, a flow sequence
 * on the next line, is the same YAML as `events: []`. */
static void out_events_end(struct yaml_out *o, uint64_t events)
{
	if (!events)
		out_str(o, "  []\n");
}

/* The converter's view of the process: which addresses are live under
 * which block id; freed ids are reused most recent first, so ids stay
 * dense. */
struct conv {
	struct u64map addr_ids; /* live address -> its block id */
	uint64_t *id_size;      /* requested bytes of each live id */
	size_t id_cap;
	uint32_t *free_ids;
	size_t n_free, free_cap;
	uint32_t next_id;       /* 1-based */
	struct park {           /* per thread: reallocs between begin and end */
		struct parked { uint64_t ptr; uint32_t id; } *v;
		size_t n, cap;
	} *parks;
	size_t n_parks;
	uint64_t live;
	struct capture_stats *st;
	int oom, bad;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t cap2 = *cap ? *cap : 64;
	while (cap2 < need)
		cap2 *= 2;
	void *q = realloc(p, cap2 * elem);
	if (q)
		*cap = cap2;
	return q;
}

/* Removes key; returns its id, or 0 when the address is not live. */
static uint32_t conv_remove(struct conv *c, uint64_t key)
{
	uint64_t id;
	return u64map_del(&c->addr_ids, key, &id) ? (uint32_t)id : 0;
}

static void out_event(struct yaml_out *o, enum trace_op op, uint32_t id, const uint64_t *args,
		      int n_args, unsigned thread)
{
	out_reserve(o, LINE_MAX_BYTES);
	out_lit(o, "  - [", 5);
	o->buf[o->len++] = trace_op_letter(op);
	out_lit(o, ", ", 2);
	out_u64(o, id);
	for (int i = 0; i < n_args; i++) {
		out_lit(o, ", ", 2);
		out_u64(o, args[i]);
	}
	if (thread) {
		out_lit(o, ", t", 3);
		out_u64(o, thread);
	}
	out_lit(o, "]\n", 2);
}

static void conv_free_id(struct conv *c, struct yaml_out *o, uint32_t id, unsigned thread)
{
	out_event(o, TRACE_FREE, id, NULL, 0, thread);
	c->st->count[TRACE_FREE]++;
	c->live -= c->id_size[id];
	void *p = grow(c->free_ids, &c->free_cap, c->n_free + 1, sizeof *c->free_ids);
	if (!p) {
		c->oom = 1;
		return;
	}
	c->free_ids = p;
	c->free_ids[c->n_free++] = id;
}

/* Makes ptr live as block id (a new id when 0) of `size` bytes; returns
 * the id. An address that is still live lost its free somewhere unseen:
 * that block is freed first, so that the trace stays valid. */
static uint32_t conv_bind(struct conv *c, struct yaml_out *o, uint64_t ptr, uint32_t id,
			  uint64_t size, unsigned thread)
{
	int added;
	uint64_t *mapped = u64map_add(&c->addr_ids, ptr, &added);
	if (!mapped) {
		c->oom = 1;
		return 0;
	}
	if (!added) {
		c->st->stale_allocs++;
		conv_free_id(c, o, (uint32_t)*mapped, thread);
	}
	if (!id)
		id = c->n_free ? c->free_ids[--c->n_free] : c->next_id++;
	void *p = grow(c->id_size, &c->id_cap, (size_t)id + 1, sizeof *c->id_size);
	if (!p) {
		c->oom = 1;
		return 0;
	}
	c->id_size = p;
	*mapped = id;
	c->id_size[id] = size;
	c->live += size;
	if (c->live > c->st->peak_live_bytes)
		c->st->peak_live_bytes = c->live;
	return id;
}

static struct park *conv_park(struct conv *c, unsigned thread)
{
	if (thread >= c->n_parks) {
		size_t cap = c->n_parks;
		struct park *p = grow(c->parks, &cap, (size_t)thread + 1, sizeof *p);
		if (!p)
			return NULL;
		memset(p + c->n_parks, 0, (cap - c->n_parks) * sizeof *p);
		c->parks = p;
		c->n_parks = cap;
	}
	return &c->parks[thread];
}

static void conv_realloc_end(struct conv *c, struct yaml_out *o, uint64_t ptr, uint64_t size,
			     unsigned thread)
{
	struct park *pk = conv_park(c, thread);
	struct parked old = { 0, 0 };
	if (!pk) {
		c->oom = 1;
		return;
	}
	if (pk->n)
		old = pk->v[--pk->n];
	if (ptr) {
		if (old.id)
			c->live -= c->id_size[old.id];
		uint32_t id = conv_bind(c, o, ptr, old.id, size, thread);
		enum trace_op op = old.id ? TRACE_REALLOC : TRACE_MALLOC;
		out_event(o, op, id, &size, 1, thread);
		c->st->count[op]++;
	} else if (old.id && size == 0) { /* glibc freed the block */
		conv_free_id(c, o, old.id, thread);
	} else if (old.id) { /* failed: the old block is live again */
		c->live -= c->id_size[old.id];
		conv_bind(c, o, old.ptr, old.id, c->id_size[old.id], thread);
	}
}

static void conv_realloc_begin(struct conv *c, uint64_t ptr, unsigned thread)
{
	uint32_t id = conv_remove(c, ptr);
	if (!id)
		c->st->unknown_frees++;
	struct park *pk = conv_park(c, thread);
	if (!pk || !(pk->v = grow(pk->v, &pk->cap, pk->n + 1, sizeof *pk->v))) {
		c->oom = 1;
		return;
	}
	pk->v[pk->n++] = (struct parked){ ptr, id };
}

/* An allocation of `size` bytes (calloc: n * size), shown as args. */
static void conv_alloc(struct conv *c, struct yaml_out *o, enum trace_op op, uint64_t ptr,
		       uint64_t bytes, const uint64_t *args, int n_args, unsigned thread)
{
	uint32_t id = conv_bind(c, o, ptr, 0, bytes, thread);
	out_event(o, op, id, args, n_args, thread);
	c->st->count[op]++;
}

/* Converts one record; aux is the AUX record that follows a calloc or an
 * aligned one (NULL when there is none, which makes those malformed). */
static void conv_record(struct conv *c, struct yaml_out *o, const struct capture_rec *r,
			const struct capture_rec *aux)
{
	unsigned op = capture_rec_op(r), thread = capture_rec_thread(r);
	uint64_t size = capture_rec_size(r), args[2], bytes;
	uint32_t id;
	if ((op == CAPTURE_CALLOC || op == CAPTURE_ALIGNED) &&
	    (!aux || capture_rec_op(aux) != CAPTURE_AUX)) {
		c->bad = 1;
		return;
	}
	switch (op) {
	case CAPTURE_MALLOC:
		conv_alloc(c, o, TRACE_MALLOC, r->ptr, size, &size, 1, thread);
		return;
	case CAPTURE_CALLOC:
		args[0] = aux->ptr;
		args[1] = size;
		if (__builtin_mul_overflow(size, aux->ptr, &bytes))
			bytes = CAPTURE_SIZE_MAX;
		conv_alloc(c, o, TRACE_CALLOC, r->ptr, bytes, args, 2, thread);
		return;
	case CAPTURE_ALIGNED:
		args[0] = aux->ptr;
		args[1] = size;
		conv_alloc(c, o, TRACE_ALIGNED, r->ptr, size, args, 2, thread);
		return;
	case CAPTURE_FREE:
		id = conv_remove(c, r->ptr);
		if (id)
			conv_free_id(c, o, id, thread);
		else
			c->st->unknown_frees++;
		return;
	case CAPTURE_REALLOC_BEGIN:
		conv_realloc_begin(c, r->ptr, thread);
		return;
	case CAPTURE_REALLOC:
		conv_realloc_end(c, o, r->ptr, size, thread);
		return;
	}
	c->bad = 1;
}

static void conv_release(struct conv *c)
{
	for (size_t i = 0; i < c->n_parks; i++)
		free(c->parks[i].v);
	free(c->parks);
	u64map_free(&c->addr_ids);
	free(c->id_size);
	free(c->free_ids);
}

int capture_raw_header_read(const char *raw_path, struct capture_raw_header *h,
			    struct diag *d)
{
	int fd = open(raw_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, raw_path, 0, 0, "cannot open: %s", strerror(errno));
	ssize_t n = pread(fd, h, sizeof *h, 0);
	close(fd);
	if (n != (ssize_t)sizeof *h || memcmp(h->magic, CAPTURE_RAW_MAGIC, sizeof h->magic) ||
	    h->word_size != sizeof(uint64_t))
		return diag_set(d, raw_path, 0, 0, "not a raw capture file");
	h->exe[sizeof h->exe - 1] = '\0';
	h->cmdline[sizeof h->cmdline - 1] = '\0';
	return 0;
}

/* Writes the events of a mapped raw file to o, filling st. */
static int convert_records(const uint64_t *words, const struct capture_raw_header *h,
			   struct yaml_out *o, struct capture_stats *st, const char *raw_path,
			   struct diag *d)
{
	struct conv c = { .next_id = 1, .st = st };
	int rc = 0;
	uint64_t at = 0, record_at = 0;
	unsigned thread = 0;
	while (at < h->n_words && !c.oom && !c.bad) {
		struct capture_rec r, aux;
		record_at = at;
		unsigned used = capture_get(words + at, h->n_words - at, &thread, &r);
		if (!used) {
			c.bad = 1;
			break;
		}
		at += used;
		unsigned op = capture_rec_op(&r);
		if (op == CAPTURE_CALLOC || op == CAPTURE_ALIGNED) {
			used = capture_get(words + at, h->n_words - at, &thread, &aux);
			at += used;
			conv_record(&c, o, &r, used ? &aux : NULL);
		} else {
			conv_record(&c, o, &r, NULL);
		}
	}
	if (c.oom)
		rc = diag_set(d, NULL, 0, 0, "out of memory");
	else if (c.bad)
		rc = diag_set(d, raw_path, 0, 0, "the record at word %llu is malformed",
			      (unsigned long long)record_at);
	conv_release(&c);
	return rc;
}

static int convert_to(FILE *f, const char *out_path, const char *raw_path,
		      const struct capture_meta *meta, struct capture_stats *st, struct diag *d)
{
	struct capture_raw_header h;
	if (capture_raw_header_read(raw_path, &h, d) != 0)
		return -1;
	int fd = open(raw_path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		return diag_set(d, raw_path, 0, 0, "cannot open: %s", strerror(errno));
	}
	size_t len = CAPTURE_RAW_DATA_OFFSET + h.n_words * sizeof(uint64_t);
	if (h.n_words == 0)
		len = sizeof h; /* a process that exec'd or died before its first flush */
	if ((uint64_t)sb.st_size < len) {
		close(fd);
		return diag_set(d, raw_path, 0, 0, "raw capture file is truncated");
	}
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return diag_set(d, raw_path, 0, 0, "cannot map: %s", strerror(errno));
	madvise(map, len, MADV_SEQUENTIAL);

	struct yaml_out o = { .f = f, .buf = malloc(OUT_CAP), .cap = OUT_CAP };
	int rc = -1;
	if (!o.buf) {
		diag_set(d, NULL, 0, 0, "out of memory");
		goto cleanup;
	}
	*st = (struct capture_stats){ .threads = h.n_threads, .nested_calls = h.nested_calls,
				      .truncated = (int)h.truncated };
	struct header_patches hp;
	out_header(&o, meta, &h, &hp);
	rc = convert_records((const uint64_t *)((char *)map + CAPTURE_RAW_DATA_OFFSET),
			     &h, &o, st, raw_path, d);
	st->events = 0;
	for (int k = 0; k < TRACE_OP_COUNT; k++)
		st->events += st->count[k];
	out_events_end(&o, st->events);
	out_patch(&o, hp.unknown_frees, st->unknown_frees);
	out_patch(&o, hp.unseen_frees, st->stale_allocs);
	if (rc == 0 && o.err)
		rc = diag_set(d, out_path, 0, 0, "cannot write: %s", strerror(o.err));
cleanup:
	free(o.buf);
	munmap(map, len);
	return rc;
}

/* The header's counts are patched in after the events (out_patch), which
 * a pipe or a device cannot take: for those the trace is made in an unnamed
 * file beside the raw records (which has room for them) and copied. */
static int convert_unseekable(FILE *f, const char *out_path, const char *raw_path,
			      const struct capture_meta *meta, struct capture_stats *st,
			      struct diag *d)
{
	char copy[4200];
	snprintf(copy, sizeof copy, "%s", raw_path);
	const char *dir = dirname(copy);
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	FILE *t = fd >= 0 ? fdopen(fd, "w+") : NULL;
	if (!t) {
		if (fd >= 0)
			close(fd);
		return diag_set(d, dir, 0, 0, "cannot make a file here: %s", strerror(errno));
	}
	int rc = convert_to(t, out_path, raw_path, meta, st, d);
	char buf[65536];
	size_t n;
	if (rc == 0 && (fflush(t) != 0 || fseeko(t, 0, SEEK_SET) != 0))
		rc = diag_set(d, dir, 0, 0, "cannot read back the trace: %s", strerror(errno));
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, t)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			rc = diag_set(d, out_path, 0, 0, "cannot write: %s", strerror(errno));
	if (rc == 0 && ferror(t))
		rc = diag_set(d, dir, 0, 0, "cannot read back the trace: %s", strerror(errno));
	fclose(t);
	return rc;
}

int capture_convert(const char *raw_path, const char *out_path,
		    const struct capture_meta *meta, struct capture_stats *st,
		    struct diag *d)
{
	char tmp[4200];
	FILE *f = fileio_fopen_temp(out_path, tmp, sizeof tmp);
	if (!f)
		return diag_set(d, out_path, 0, 0, "cannot write: %s", strerror(errno));
	/* No temporary name: written in place, to a pipe or a device. */
	int rc = tmp[0] ? convert_to(f, out_path, raw_path, meta, st, d)
			: convert_unseekable(f, out_path, raw_path, meta, st, d);
	if (fileio_fcommit_temp(f, tmp, rc == 0) != 0 && rc == 0)
		rc = diag_set(d, out_path, 0, 0, "cannot write: %s", strerror(errno));
	return rc;
}
