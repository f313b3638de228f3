/* trace_stats.h - the figures `allocscope info` shows about a trace: events by
 * kind, peak live bytes and blocks, a power-of-two size histogram, lifetimes
 * and realloc growth. Computed in one pass; formatting is the caller's. */
#ifndef ALLOCSCOPE_TRACE_STATS_H
#define ALLOCSCOPE_TRACE_STATS_H

#include <stdint.h>

#include "diag.h"
#include "trace.h"

/* Bucket 0 holds size 0; bucket k >= 1 holds sizes in [2^(k-1), 2^k - 1],
 * so 65 buckets cover every uint64_t. */
#define TRACE_STATS_BUCKETS 65

/* Lifetimes are counted in events: a block allocated by event i (0-based, in
 * trace order) and freed by event j lived j - i events. realloc keeps the
 * block's birth. Percentiles are nearest-rank over the freed blocks (the
 * value at rank ceil(p * n)); all are 0 when no block was freed. */
struct trace_lifetimes {
	uint64_t n_freed;
	uint64_t median, p90, p99, max;
	uint64_t still_live; /* blocks live after the last event */
};

/* Every allocation request (malloc, calloc, aligned, realloc) counts once in
 * `total_requested` and in the histogram, with its requested size. */
struct trace_stats {
	uint64_t n_events;
	uint64_t count[TRACE_OP_COUNT];
	uint32_t n_threads;    /* distinct threads that made a call */
	uint32_t thread_ids;   /* the highest thread id + 1 (0: no events) */
	uint64_t peak_live_bytes;
	uint64_t blocks_at_peak_live;  /* live blocks when peak_live_bytes was first reached */
	uint64_t peak_live_blocks;     /* the most blocks ever live at once */
	uint64_t total_requested;
	uint64_t size_hist[TRACE_STATS_BUCKETS];
	struct trace_lifetimes life;
	uint64_t realloc_grow, realloc_shrink, realloc_same;
};

/* The bucket of the histogram that holds `size`. */
unsigned trace_stats_bucket(uint64_t size);

/* Fills *s from t. Returns 0, or -1 with a message in d when memory runs
 * out or t is inconsistent (a slot out of range, a free or realloc of a slot
 * that is not live, an allocation into a live slot). */
int trace_stats_compute(const struct trace *t, struct trace_stats *s,
			struct diag *d);

#endif
