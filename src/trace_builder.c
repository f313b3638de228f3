/* trace_builder.c - turns a stream of (op, id, size) calls into a struct
 * trace: checks block liveness and limits, renames the trace's ids to dense
 * slots and keeps the trace's counts and peaks. Used by every trace producer. */
#include "trace.h"

#include "mem_avail.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Slots are uint32_t, and n_slots counts them. */
#define SLOT_LIMIT (UINT32_MAX - 1u)

/* ---- builder ------------------------------------------------------------ */

#define EVENTS_MIN_CAP 4096u

void trace_builder_init(struct trace_builder *b, uint64_t max_size)
{
	memset(b, 0, sizeof *b);
	b->max_size = max_size ? max_size : TRACE_DEFAULT_MAX_SIZE;
}

static int builder_fail(struct trace_builder *b, enum trace_arg arg, char *err,
			size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int builder_fail(struct trace_builder *b, enum trace_arg arg, char *err,
			size_t err_len, const char *fmt, ...)
{
	b->err_arg = arg;
	if (err && err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Doubling: glibc moves a large array with mremap, so growth never needs
 * old and new copies at once, and the untouched half costs address space
 * only. The machine is asked first (a file read per doubling), so that a
 * trace too large for it is refused here rather than by the OOM killer. */
static int builder_reserve_event(struct trace_builder *b, char *err, size_t err_len)
{
	struct trace *t = &b->trace;
	if (t->n_events < t->cap)
		return 0;
	size_t cap = t->cap ? t->cap * 2 : EVENTS_MIN_CAP;
	char what[64];
	snprintf(what, sizeof what, "growing the trace past %zu events", t->cap);
	if (mem_avail_check((cap - t->cap) * sizeof *t->events, what, err, err_len)) {
		b->err_arg = TRACE_ARG_ID;
		return -1;
	}
	struct trace_event *ev = realloc(t->events, cap * sizeof *ev);
	if (!ev)
		return builder_fail(b, TRACE_ARG_ID, err, err_len, "out of memory");
	t->events = ev;
	t->cap = cap;
	return 0;
}

/* A slot for a new block: the most recently freed one, else a new one. */
static int builder_take_slot(struct trace_builder *b, uint32_t *slot)
{
	if (b->n_free_slots) {
		*slot = b->free_slots[--b->n_free_slots];
		return 0;
	}
	uint32_t n = b->trace.n_slots;
	if (n == SLOT_LIMIT)
		return -1;
	if (n == b->slot_cap) {
		uint32_t cap = b->slot_cap ? (b->slot_cap > SLOT_LIMIT / 2 ? SLOT_LIMIT : b->slot_cap * 2)
					   : 256u;
		uint64_t *sizes = realloc(b->slot_size, (size_t)cap * sizeof *sizes);
		if (!sizes)
			return -1;
		b->slot_size = sizes;
		uint32_t *free_slots = realloc(b->free_slots, (size_t)cap * sizeof *free_slots);
		if (!free_slots)
			return -1;
		b->free_slots = free_slots;
		b->slot_cap = cap;
	}
	*slot = b->trace.n_slots++;
	return 0;
}

/* The request in bytes, after the checks that need no block state. */
static int builder_check_request(struct trace_builder *b, enum trace_op op,
				 uint64_t size, uint64_t extra, uint64_t *bytes,
				 char *err, size_t err_len)
{
	*bytes = size;
	if (op == TRACE_CALLOC && __builtin_mul_overflow(extra, size, bytes))
		return builder_fail(b, TRACE_ARG_SIZE, err, err_len,
				    "calloc(%" PRIu64 ", %" PRIu64 ") overflows 64 bits",
				    extra, size);
	if (op == TRACE_ALIGNED && (extra == 0 || (extra & (extra - 1))))
		return builder_fail(b, TRACE_ARG_NMEMB_OR_ALIGN, err, err_len,
				    "alignment %" PRIu64 " is not a power of two", extra);
	if (*bytes > b->max_size)
		return builder_fail(b, TRACE_ARG_SIZE, err, err_len,
				    "size %" PRIu64 " is above the maximum %" PRIu64
				    " (--max-size)", *bytes, b->max_size);
	return 0;
}

static int builder_live_overflow(struct trace_builder *b, char *err, size_t err_len)
{
	return builder_fail(b, TRACE_ARG_SIZE, err, err_len,
			    "the live blocks would hold 2^64 bytes or more");
}

static void builder_account(struct trace_builder *b, uint64_t old_bytes, uint64_t new_bytes)
{
	struct trace *t = &b->trace;
	b->live_bytes = b->live_bytes - old_bytes + new_bytes;
	if (b->live_bytes > t->peak_live_bytes)
		t->peak_live_bytes = b->live_bytes;
	if (new_bytes > t->max_request)
		t->max_request = new_bytes;
}

/* Resolves the block of the event: a new slot for m/c/a, the live slot for
 * r/f (which f releases). */
static int builder_resolve(struct trace_builder *b, enum trace_op op, uint64_t id,
			   uint32_t *slot, char *err, size_t err_len)
{
	if (op == TRACE_MALLOC || op == TRACE_CALLOC || op == TRACE_ALIGNED) {
		int added;
		uint64_t *v = u64map_add(&b->ids, id, &added);
		if (v && !added)
			return builder_fail(b, TRACE_ARG_ID, err, err_len,
					    "block %" PRIu64 " is already live", id);
		if (!v || builder_take_slot(b, slot)) {
			u64map_del(&b->ids, id, NULL);
			return builder_fail(b, TRACE_ARG_ID, err, err_len,
					    "out of memory for block %" PRIu64, id);
		}
		*v = *slot;
		return 0;
	}
	uint64_t *v = u64map_get(&b->ids, id);
	if (!v)
		return builder_fail(b, TRACE_ARG_ID, err, err_len,
				    "block %" PRIu64 " is not live", id);
	*slot = (uint32_t)*v;
	if (op == TRACE_FREE) {
		u64map_del(&b->ids, id, NULL);
		b->free_slots[b->n_free_slots++] = *slot;
	}
	return 0;
}

int trace_builder_add(struct trace_builder *b, enum trace_op op, uint64_t id,
		      uint64_t size, uint64_t nmemb_or_align, unsigned thread,
		      char *err, size_t err_len)
{
	struct trace *t = &b->trace;
	uint64_t bytes = 0;
	uint32_t slot = 0;

	if (thread > UINT16_MAX)
		return builder_fail(b, TRACE_ARG_THREAD, err, err_len,
				    "thread t%u is above t%u", thread, UINT16_MAX);
	if (op != TRACE_FREE &&
	    builder_check_request(b, op, size, nmemb_or_align, &bytes, err, err_len))
		return -1;
	if (builder_reserve_event(b, err, err_len))
		return -1;
	/* A rejected event leaves no trace: the new block's bytes are checked
	 * before it takes a slot (a realloc's resolution changes nothing). */
	uint64_t live;
	int allocates = op == TRACE_MALLOC || op == TRACE_CALLOC || op == TRACE_ALIGNED;
	if (allocates && __builtin_add_overflow(b->live_bytes, bytes, &live))
		return builder_live_overflow(b, err, err_len);
	if (builder_resolve(b, op, id, &slot, err, err_len))
		return -1;

	uint64_t old_bytes = op == TRACE_REALLOC || op == TRACE_FREE ? b->slot_size[slot] : 0;
	if (op == TRACE_REALLOC && __builtin_add_overflow(b->live_bytes - old_bytes, bytes, &live))
		return builder_live_overflow(b, err, err_len);
	b->slot_size[slot] = bytes;
	builder_account(b, old_bytes, bytes);

	t->events[t->n_events++] = (struct trace_event){
		.size = bytes,
		.slot = slot,
		.op = (uint8_t)op,
		.align_log2 = op == TRACE_ALIGNED ? (uint8_t)__builtin_ctzll(nmemb_or_align) : 0,
		.thread = (uint16_t)thread,
	};
	t->count[op]++;
	if (thread + 1 > t->n_threads)
		t->n_threads = thread + 1;
	return 0;
}

static void builder_release(struct trace_builder *b)
{
	u64map_free(&b->ids);
	free(b->slot_size);
	free(b->free_slots);
}

void trace_builder_finish(struct trace_builder *b, struct trace *out)
{
	struct trace *t = &b->trace;
	if (t->n_events == 0) {
		free(t->events);
		t->events = NULL;
		t->cap = 0;
	} else if (t->n_events < t->cap) {
		struct trace_event *ev = realloc(t->events, t->n_events * sizeof *ev);
		if (ev) { /* a failed shrink keeps the larger array: still correct */
			t->events = ev;
			t->cap = t->n_events;
		}
	}
	*out = *t;
	uint64_t max_size = b->max_size;
	builder_release(b);
	trace_builder_init(b, max_size);
}

void trace_builder_discard(struct trace_builder *b)
{
	uint64_t max_size = b->max_size;
	trace_free(&b->trace);
	builder_release(b);
	trace_builder_init(b, max_size);
}
