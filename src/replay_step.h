/* replay_step.h - what every replay pass does per event, shared so that all
 * passes make exactly the same calls: the call itself and the touching. For
 * replay.c, replay_check.c and the latency pass only. */
#ifndef ALLOCSCOPE_REPLAY_STEP_H
#define ALLOCSCOPE_REPLAY_STEP_H

#include <string.h>

#include "block_set.h"
#include "replay.h"

#define REPLAY_PAGE 4096u

/* Writes to the new block as a program would (SPEC §6, --touch). */
static inline __attribute__((always_inline)) void touch_block(enum touch_mode mode, char *p, uint64_t size)
{
	if (!p || !size)
		return;
	switch (mode) {
	case TOUCH_NONE:
		break;
	case TOUCH_FIRST:
		*(volatile char *)p = 1;
		break;
	case TOUCH_PAGES: {
		char *end = p + size;
		*(volatile char *)p = 1;
		for (char *q = (char *)(((uintptr_t)p | (REPLAY_PAGE - 1)) + 1); q < end; q += REPLAY_PAGE)
			*(volatile char *)q = 1;
		break;
	}
	case TOUCH_ALL:
		memset(p, 1, size);
		break;
	}
}

/* One event against the strategy; returns the block to touch: the one the
 * slot now names, or NULL after a free or a failed call (a realloc that
 * failed leaves the slot its old block, which is not the new size's).
 * Shared by every pass so that all of them make exactly the same calls. */
static inline __attribute__((always_inline)) void *replay_call(struct replay *r, const struct trace_event *e, uint64_t size)
{
	const struct allocator_ops *ops = r->ops;
	void *self = r->self, *p;
	switch (e->op) {
	case TRACE_MALLOC:
		p = ops->malloc(self, size);
		break;
	case TRACE_CALLOC:
		p = ops->calloc(self, 1, size);
		break;
	case TRACE_ALIGNED:
		p = ops->aligned_alloc(self, (size_t)1 << e->align_log2, size);
		break;
	case TRACE_REALLOC:
		p = ops->realloc(self, r->ptr[e->slot], size);
		if (!p && size) {
			r->oom++;
			return NULL; /* the old block is still there, in the slot */
		}
		return r->ptr[e->slot] = p;
	default:
		ops->free(self, r->ptr[e->slot]);
		return r->ptr[e->slot] = NULL;
	}
	if (!p && size)
		r->oom++;
	return r->ptr[e->slot] = p;
}

/* Alignment (the requested one, at least 16 bytes; the C rule for the
 * preloaded baselines' blocks below 16 bytes), heap bounds (in-house
 * strategies), overlap with the live blocks in set (inserting the block) and
 * a usable size no smaller than the request, which goes to *usable.
 * Returns 0, or -1 with the event index and the problem in why. */
int replay_validate_block(struct replay *r, struct block_set *set, uint64_t index,
			  const struct trace_event *e, void *p, uint64_t size,
			  uint64_t *usable, char *why, size_t len);

/* A table with one 8-byte entry (a pointer or a uint64_t) per block slot of
 * t, zeroed; NULL when it cannot be mapped. */
void *replay_slot_table(const struct trace *t);
void replay_slot_table_free(const struct trace *t, void *table);

#endif
