/* replay.c - the replay loops. The throughput loop is the product's hot path:
 * one switch, one indirect call and the touching per event, nothing else. The
 * memory and check loops add their bookkeeping around the same calls. */
#include "replay.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "block_set.h"
#include "replay_step.h"
#include "timer.h"

static const char *const touch_names[] = {"none", "first", "pages", "all"};

int replay_parse_touch(const char *text, enum touch_mode *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(text, touch_names[i])) {
			*out = (enum touch_mode)i;
			return 0;
		}
	return -1;
}

const char *replay_touch_name(enum touch_mode mode)
{
	return touch_names[mode];
}

static uint64_t slot_table_bytes(const struct trace *t)
{
	_Static_assert(sizeof(void *) <= sizeof(uint64_t), "a slot entry holds a pointer");
	return t->n_slots ? (uint64_t)t->n_slots * sizeof(uint64_t) : 1;
}

/* mmap'ed, pre-faulted and zeroed: no page fault of the harness's own lands
 * in a timed loop, and nothing comes from the allocator under test. */
void *replay_slot_table(const struct trace *t)
{
	void *p = mmap(NULL, slot_table_bytes(t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void replay_slot_table_free(const struct trace *t, void *table)
{
	if (table)
		munmap(table, slot_table_bytes(t));
}

int replay_scale_fits(const struct trace *t, uint64_t size_scale)
{
	return size_scale && t->max_request <= UINT64_MAX / 4 / size_scale;
}

int replay_init(struct replay *r, const struct allocator_ops *ops, void *self,
		const struct trace *t, enum touch_mode touch, uint64_t size_scale)
{
	memset(r, 0, sizeof *r);
	if (!replay_scale_fits(t, size_scale)) {
		errno = EOVERFLOW;
		return -1;
	}
	r->ops = ops;
	r->self = self;
	r->trace = t;
	r->touch = touch;
	r->size_scale = size_scale;
	r->ptr = replay_slot_table(t);
	return r->ptr ? 0 : -1;
}

void replay_release(struct replay *r)
{
	replay_slot_table_free(r->trace, r->ptr);
	r->ptr = NULL;
}

void replay_throughput(struct replay *r)
{
	/* Local copies whose addresses never escape: the compiler keeps the
	 * function pointers, table and counters in registers across the calls
	 * instead of reloading them through r after every one. */
	struct allocator_ops ops = *r->ops;
	struct replay local = *r;
	local.ops = &ops;
	const struct trace_event *e = local.trace->events, *end = e + local.trace->n_events;
	for (; e < end; e++) {
		uint64_t size = e->size * local.size_scale;
		void *p = replay_call(&local, e, size);
		if (e->op != TRACE_FREE)
			touch_block(local.touch, p, size);
	}
	r->oom = local.oom;
}

void replay_fences_alone(struct replay *r)
{
	const struct trace_event *e = r->trace->events, *end = e + r->trace->n_events;
	for (; e < end; e++) {
		timer_fence();
		__asm__ volatile("" : : "r"(e) : "memory");
		timer_fence();
	}
}

void replay_serialized(struct replay *r)
{
	struct allocator_ops ops = *r->ops;
	struct replay local = *r;
	local.ops = &ops;
	const struct trace_event *e = local.trace->events, *end = e + local.trace->n_events;
	for (; e < end; e++) {
		uint64_t size = e->size * local.size_scale;
		timer_fence();
		void *p = replay_call(&local, e, size);
		timer_fence();
		if (e->op != TRACE_FREE)
			touch_block(local.touch, p, size);
	}
	r->oom = local.oom;
}

/* The yardstick for the harness's own cost: the loop anyone would write to
 * replay a trace against glibc, with direct calls and the same touching. */
void replay_throughput_raw(struct replay *r)
{
	const struct trace_event *e = r->trace->events, *end = e + r->trace->n_events;
	const uint64_t scale = r->size_scale;
	void **ptr = r->ptr;
	for (; e < end; e++) {
		size_t size = e->size * scale;
		void *p;
		switch (e->op) {
		case TRACE_MALLOC:
			p = ptr[e->slot] = malloc(size);
			break;
		case TRACE_CALLOC:
			p = ptr[e->slot] = calloc(1, size);
			break;
		case TRACE_ALIGNED:
			p = NULL;
			if (posix_memalign(&p, (size_t)1 << (e->align_log2 < 3 ? 3 : e->align_log2), size))
				p = NULL;
			ptr[e->slot] = p;
			break;
		case TRACE_REALLOC:
			p = realloc(ptr[e->slot], size);
			if (p || !size)
				ptr[e->slot] = p;
			break;
		default:
			free(ptr[e->slot]);
			ptr[e->slot] = NULL;
			continue;
		}
		touch_block(r->touch, p, size);
	}
}

/* ---- memory pass ------------------------------------------------------- */

/* Heap bytes are read after every event where the strategy says that is exact
 * and cheap (in-house strategies). Elsewhere (mallinfo2 walks the free lists)
 * they are sampled whenever the bytes allocated since the last sample exceed
 * 1/256 of the peak so far plus 1 KiB: the heap cannot grow by more than
 * what was allocated, so a peak is missed by at most that much plus the
 * allocator's own growth granule. */
struct heap_sampler {
	int exact;
	uint64_t allocated_since;
};

static uint64_t heap_read(struct replay *r, struct heap_sampler *hs)
{
	struct allocator_heap_stats st = {0, 0};
	r->ops->heap_stats(r->self, &st);
	hs->allocated_since = 0;
	return st.current_bytes;
}

/* Live bytes at the peak heap (J&W's measure #3): while the heap stands at
 * its peak, the most live bytes seen, so a heap that reached its peak early
 * (an allocator's start-up reservation) is measured against the live set it
 * was held for, not against the empty trace at event 0. */
static void heap_note_peak(uint64_t *peak_heap, uint64_t heap, uint64_t live,
			   struct memory_result *res)
{
	if (heap > *peak_heap || (heap == *peak_heap && live > res->live_at_peak_heap_bytes)) {
		*peak_heap = heap;
		res->live_at_peak_heap_bytes = live;
	}
}

static int invalid_block(char *why, size_t len, uint64_t index, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int invalid_block(char *why, size_t len, uint64_t index, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(why, len, "event %llu: %s", (unsigned long long)index + 1, what);
	return -1;
}

/* The alignment a plain malloc owes. allocscope's interface promises 16
 * bytes for every block (SPEC §5), plugins included; the preloaded
 * production allocators (and lib:) follow C, which owes a block of n < 16
 * bytes only the alignment of the largest power of two not above n
 * (jemalloc, mimalloc and tcmalloc hand out 8-byte blocks so). */
static uint64_t fundamental_alignment(const struct replay *r, uint64_t size)
{
	if (!r->ops->preload || size >= ALLOCATOR_MIN_ALIGN)
		return ALLOCATOR_MIN_ALIGN;
	uint64_t align = 1;
	while (align * 2 <= size)
		align *= 2;
	return align;
}

int replay_validate_block(struct replay *r, struct block_set *set, uint64_t index,
			  const struct trace_event *e, void *p, uint64_t size,
			  uint64_t *usable, char *why, size_t len)
{
	uintptr_t a = (uintptr_t)p, lo, hi;
	uint64_t align = e->op == TRACE_ALIGNED ? (uint64_t)1 << e->align_log2 : 0;
	if (align < fundamental_alignment(r, size))
		align = fundamental_alignment(r, size);
	if (a % align)
		return invalid_block(why, len, index, "slot %u at %p is misaligned",
				     e->slot, p);
	if (r->ops->heap_range) {
		r->ops->heap_range(r->self, &lo, &hi);
		if (a < lo || a + size > hi)
			return invalid_block(why, len, index,
					     "slot %u at %p lies outside the heap", e->slot, p);
	}
	uint32_t other;
	if (block_set_insert(set, e->slot, a, size, &other))
		return invalid_block(why, len, index, "slot %u at %p overlaps a live block",
				     e->slot, p);
	/* usable_size is a promise the caller may write up to; less than was
	 * asked for would also hide internal fragmentation as 0. */
	*usable = r->ops->usable_size(r->self, p);
	if (*usable < size)
		return invalid_block(why, len, index,
				     "slot %u at %p reports a usable size of %llu for %llu bytes",
				     e->slot, p, (unsigned long long)*usable,
				     (unsigned long long)size);
	return 0;
}

struct accounting {
	uint64_t *size;      /* requested size of each slot (unscaled) */
	uint64_t *slack;     /* usable - requested, scaled */
	uint64_t live, slack_total;
};

static void acct_add(struct accounting *acc, uint32_t slot, uint64_t size, uint64_t slack)
{
	acc->size[slot] = size;
	acc->slack[slot] = slack;
	acc->live += size;
	acc->slack_total += slack;
}

static void acct_remove(struct accounting *acc, uint32_t slot)
{
	acc->live -= acc->size[slot];
	acc->slack_total -= acc->slack[slot];
	acc->size[slot] = acc->slack[slot] = 0;
}

int replay_memory(struct replay *r, struct memory_result *res,
		  struct timeline_sample *timeline, size_t *n_timeline,
		  char *why, size_t why_len)
{
	const struct trace *t = r->trace;
	const uint64_t scale = r->size_scale;
	struct heap_sampler hs = {.exact = r->ops->heap_range != NULL};
	struct block_set set = {.map = NULL};
	struct accounting acc = {0};
	int rc = -1;

	memset(res, 0, sizeof *res);
	*n_timeline = 0;
	acc.size = replay_slot_table(t);
	acc.slack = replay_slot_table(t);
	if (!acc.size || !acc.slack || block_set_init(&set, t->n_slots)) {
		snprintf(why, why_len, "cannot map the accounting tables");
		goto out;
	}

	uint64_t stride = (t->n_events + TIMELINE_MAX_SAMPLES - 3) / (TIMELINE_MAX_SAMPLES - 2);
	if (!stride)
		stride = 1;
	uint64_t heap = heap_read(r, &hs), peak_heap = heap;
	timeline[(*n_timeline)++] = (struct timeline_sample){0, 0, heap / scale};
	res->peak_heap_bytes = heap;
	/* Live bytes peak at 0 here, and stay there in a trace that never
	 * holds a byte: its heap at peak live is the heap it started with. */
	res->heap_at_peak_live_bytes = heap;

	for (uint64_t i = 0; i < t->n_events; i++) {
		const struct trace_event *e = &t->events[i];
		uint64_t size = e->size * scale;
		void *old = r->ptr[e->slot];
		uint64_t old_size = acc.size[e->slot], old_slack = acc.slack[e->slot];
		uint64_t oom_before = r->oom;
		if (old && e->op >= TRACE_REALLOC) {
			block_set_remove(&set, e->slot);
			acct_remove(&acc, e->slot);
		}
		void *p = replay_call(r, e, size);
		if (r->oom != oom_before && e->op == TRACE_REALLOC && old) {
			/* A failed realloc leaves the old block as it was. */
			uint32_t other;
			block_set_insert(&set, e->slot, (uintptr_t)old, old_size * scale, &other);
			acct_add(&acc, e->slot, old_size, old_slack);
		} else if (e->op != TRACE_FREE && p) {
			touch_block(r->touch, p, size);
			uint64_t usable;
			if (replay_validate_block(r, &set, i, e, p, size, &usable, why, why_len))
				goto out;
			acct_add(&acc, e->slot, e->size, usable > size ? usable - size : 0);
			hs.allocated_since += size;
		}

		if (hs.exact || hs.allocated_since > (peak_heap >> 8) + 1024)
			heap = heap_read(r, &hs);
		heap_note_peak(&peak_heap, heap, acc.live, res);
		if (acc.live > res->peak_live_bytes) {
			res->peak_live_bytes = acc.live;
			res->heap_at_peak_live_bytes = heap;
			res->internal_frag_bytes = acc.slack_total;
		}
		if ((i + 1) % stride == 0 || i + 1 == t->n_events) {
			if (!hs.exact)
				heap = heap_read(r, &hs);
			heap_note_peak(&peak_heap, heap, acc.live, res);
			timeline[(*n_timeline)++] =
				(struct timeline_sample){i + 1, acc.live, heap / scale};
		}
	}
	res->peak_heap_bytes = peak_heap / scale;
	res->heap_at_peak_live_bytes /= scale;
	res->internal_frag_bytes /= scale;
	rc = 0;
out:
	block_set_release(&set);
	replay_slot_table_free(t, acc.size);
	replay_slot_table_free(t, acc.slack);
	return rc;
}
