/* replay_check.c - the validity pass of `allocscope check`, after the
 * malloc-lab driver's checks: every block aligned, inside the heap and clear
 * of every live block; calloc memory zeroed; a payload pattern written over
 * each whole block survives realloc (up to the smaller size) and is intact at
 * free; and the strategy's own check() holds along the way. */
#include <stdio.h>

#include "replay_step.h"

/* The strategy's own invariant walk can cost O(heap); run it this often. */
#define CHECK_INTERVAL_MIN 1024

/* The pattern of one block's life: a function of a seed drawn afresh for
 * each block (a run-wide counter) and of the offset, so a block copied to
 * the wrong place, shifted, or mixed up with another is caught. */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t offset)
{
	uint64_t x = (seed + offset / 8) * 0x9e3779b97f4a7c15ull;
	return (uint8_t)((x >> 56) ^ offset);
}

static void pattern_fill(uint8_t *p, uint64_t n, uint64_t seed)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = pattern_byte(seed, i);
}

/* Offset of the first byte that differs, or -1. */
static int64_t pattern_find_damage(const uint8_t *p, uint64_t n, uint64_t seed)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(seed, i))
			return (int64_t)i;
	return -1;
}

static int64_t find_nonzero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return (int64_t)i;
	return -1;
}

struct check_state {
	uint64_t *size;      /* scaled size of each live slot */
	uint64_t *seed;      /* pattern seed of each live slot */
	uint64_t next_seed;
	struct block_set set;
};

static int fail(char *why, size_t len, uint64_t index, const char *what, uint32_t slot,
		int64_t offset)
{
	snprintf(why, len, "event %llu: slot %u: %s at byte %lld", (unsigned long long)index + 1,
		 slot, what, (long long)offset);
	return -1;
}

/* Verifies the old block of a realloc or free before the call. */
static int check_old_block(struct check_state *cs, struct replay *r,
			   const struct trace_event *e, uint64_t index, char *why, size_t len)
{
	void *old = r->ptr[e->slot];
	if (!old)
		return 0;
	int64_t bad = pattern_find_damage(old, cs->size[e->slot], cs->seed[e->slot]);
	if (bad >= 0)
		return fail(why, len, index, "payload damaged while live", e->slot, bad);
	block_set_remove(&cs->set, e->slot);
	return 0;
}

static int check_event(struct check_state *cs, struct replay *r, uint64_t index,
		       char *why, size_t len)
{
	const struct trace_event *e = &r->trace->events[index];
	uint64_t size = e->size * r->size_scale;
	uint64_t old_size = cs->size[e->slot], old_seed = cs->seed[e->slot];
	void *old = r->ptr[e->slot];
	uint64_t oom_before = r->oom;

	if (e->op >= TRACE_REALLOC && check_old_block(cs, r, e, index, why, len))
		return -1;
	void *p = replay_call(r, e, size);
	if (e->op == TRACE_FREE) {
		cs->size[e->slot] = 0;
		return 0;
	}
	if (r->oom != oom_before) {
		if (e->op == TRACE_REALLOC && old) {
			uint32_t other;
			block_set_insert(&cs->set, e->slot, (uintptr_t)old, old_size, &other);
		}
		return 0;
	}
	if (!p) {
		cs->size[e->slot] = 0;
		return 0;
	}
	uint64_t usable;
	if (replay_validate_block(r, &cs->set, index, e, p, size, &usable, why, len))
		return -1;
	if (e->op == TRACE_CALLOC) {
		int64_t bad = find_nonzero(p, size);
		if (bad >= 0)
			return fail(why, len, index, "calloc memory not zeroed", e->slot, bad);
	}
	if (e->op == TRACE_REALLOC && old) {
		uint64_t kept = old_size < size ? old_size : size;
		int64_t bad = pattern_find_damage(p, kept, old_seed);
		if (bad >= 0)
			return fail(why, len, index, "payload not preserved by realloc",
				    e->slot, bad);
	}
	cs->size[e->slot] = size;
	cs->seed[e->slot] = ++cs->next_seed;
	pattern_fill(p, size, cs->seed[e->slot]);
	return 0;
}

/* The strategy's own invariants after `done` events. */
static int strategy_self_check(struct replay *r, uint64_t done, char *why, size_t len)
{
	char err[256] = "";
	if (!r->ops->check || r->ops->check(r->self, err, sizeof err) == 0)
		return 0;
	snprintf(why, len, "after event %llu: strategy check failed: %s",
		 (unsigned long long)done, err);
	return -1;
}

int replay_check(struct replay *r, char *why, size_t why_len)
{
	const struct trace *t = r->trace;
	struct check_state cs = {0};
	int rc = -1;

	cs.size = replay_slot_table(t);
	cs.seed = replay_slot_table(t);
	if (!cs.size || !cs.seed || block_set_init(&cs.set, t->n_slots)) {
		snprintf(why, why_len, "cannot map the checker's tables");
		goto out;
	}
	uint64_t interval = t->n_events / 64;
	if (interval < CHECK_INTERVAL_MIN)
		interval = CHECK_INTERVAL_MIN;
	for (uint64_t i = 0; i < t->n_events; i++) {
		if (check_event(&cs, r, i, why, why_len))
			goto out;
		if ((i + 1) % interval == 0 && strategy_self_check(r, i + 1, why, why_len))
			goto out;
	}
	rc = strategy_self_check(r, t->n_events, why, why_len);
out:
	block_set_release(&cs.set);
	replay_slot_table_free(t, cs.size);
	replay_slot_table_free(t, cs.seed);
	return rc;
}
