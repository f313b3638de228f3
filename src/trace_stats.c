/* trace_stats.c - one pass over a trace's events computing the figures of
 * struct trace_stats; the only allocations are per-slot birth and size
 * tables and one array of lifetimes, sorted for the percentiles. */
#include "trace_stats.h"

#include <stdlib.h>
#include <string.h>

#include "sorted.h"

#define SLOT_DEAD UINT64_MAX /* birth of a slot with no live block */

/* Per-slot state of the pass: when the live block was born and its size. */
struct slot_table {
	uint64_t *birth;
	uint64_t *size;
	uint32_t n;
	uint64_t thread_seen[(UINT16_MAX + 1) / 64]; /* a bit per thread id */
};

unsigned trace_stats_bucket(uint64_t size)
{
	return size ? 64u - (unsigned)__builtin_clzll(size) : 0u;
}

/* Nearest rank: the smallest value with at least p_permille/1000 of the
 * sorted values at or below it. */
static uint64_t rank_value(const uint64_t *sorted, uint64_t n, unsigned p_permille)
{
	uint64_t rank = (n * p_permille + 999) / 1000;
	return sorted[rank ? rank - 1 : 0];
}

static void lifetimes_summarise(uint64_t *life, uint64_t n, struct trace_lifetimes *out)
{
	out->n_freed = n;
	if (!n)
		return;
	sorted_u64(life, n);
	out->median = rank_value(life, n, 500);
	out->p90 = rank_value(life, n, 900);
	out->p99 = rank_value(life, n, 990);
	out->max = life[n - 1];
}

static void record_request(struct trace_stats *s, uint64_t size)
{
	s->total_requested += size;
	s->size_hist[trace_stats_bucket(size)]++;
}

/* Applies event i to the slot table and the running figures. */
static int stats_step(struct trace_stats *s, struct slot_table *slots,
		      const struct trace_event *e, uint64_t i, uint64_t *life,
		      uint64_t *live_bytes, uint64_t *live_blocks, struct diag *d)
{
	if (e->op >= TRACE_OP_COUNT)
		return diag_set(d, NULL, 0, 0, "event %llu: unknown op %u",
				(unsigned long long)i + 1, e->op);
	if (e->slot >= slots->n)
		return diag_set(d, NULL, 0, 0, "event %llu: slot %u out of range",
				(unsigned long long)i + 1, e->slot);
	uint64_t *birth = &slots->birth[e->slot], *size = &slots->size[e->slot];
	int live = *birth != SLOT_DEAD;
	if ((e->op == TRACE_FREE || e->op == TRACE_REALLOC) != live)
		return diag_set(d, NULL, 0, 0, "event %llu: slot %u is %s",
				(unsigned long long)i + 1, e->slot,
				live ? "already live" : "not live");
	s->count[e->op]++;
	if (e->thread >= s->thread_ids)
		s->thread_ids = e->thread + 1u;
	uint64_t bit = (uint64_t)1 << (e->thread % 64);
	if (!(slots->thread_seen[e->thread / 64] & bit)) {
		slots->thread_seen[e->thread / 64] |= bit;
		s->n_threads++;
	}
	switch (e->op) {
	case TRACE_FREE:
		life[s->life.n_freed++] = i - *birth;
		*birth = SLOT_DEAD;
		*live_bytes -= *size;
		--*live_blocks;
		return 0;
	case TRACE_REALLOC:
		s->realloc_grow += e->size > *size;
		s->realloc_shrink += e->size < *size;
		s->realloc_same += e->size == *size;
		*live_bytes = *live_bytes - *size + e->size;
		break;
	default:
		*birth = i;
		*live_bytes += e->size;
		++*live_blocks;
		break;
	}
	*size = e->size;
	record_request(s, e->size);
	if (*live_bytes > s->peak_live_bytes) {
		s->peak_live_bytes = *live_bytes;
		s->blocks_at_peak_live = *live_blocks;
	}
	if (*live_blocks > s->peak_live_blocks)
		s->peak_live_blocks = *live_blocks;
	return 0;
}

static uint64_t count_frees(const struct trace *t)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < t->n_events; i++)
		n += t->events[i].op == TRACE_FREE;
	return n;
}

int trace_stats_compute(const struct trace *t, struct trace_stats *s,
			struct diag *d)
{
	memset(s, 0, sizeof *s);
	s->n_events = t->n_events;
	struct slot_table slots = {
		.birth = malloc(((size_t)t->n_slots + 1) * sizeof *slots.birth),
		.size = calloc((size_t)t->n_slots + 1, sizeof *slots.size),
		.n = t->n_slots,
	};
	uint64_t *life = malloc((count_frees(t) + 1) * sizeof *life);
	int rc = -1;
	if (!slots.birth || !slots.size || !life) {
		diag_set(d, NULL, 0, 0, "out of memory for the statistics of '%s'", t->name);
		goto cleanup;
	}
	for (uint32_t k = 0; k < slots.n; k++)
		slots.birth[k] = SLOT_DEAD;
	uint64_t live_bytes = 0, live_blocks = 0;
	for (uint64_t i = 0; i < t->n_events; i++)
		if (stats_step(s, &slots, &t->events[i], i, life, &live_bytes,
			       &live_blocks, d))
			goto cleanup;
	s->life.still_live = live_blocks;
	lifetimes_summarise(life, s->life.n_freed, &s->life);
	rc = 0;
cleanup:
	free(slots.birth);
	free(slots.size);
	free(life);
	return rc;
}
