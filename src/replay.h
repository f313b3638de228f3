/* replay.h - replaying a loaded trace against one strategy instance, in the
 * current process (the runner gives each replay a fresh process). Each pass
 * is one loop over the events: throughput (nothing but the calls and the
 * touching), memory (accounting after every event, overlap and alignment
 * checks), check (memory's checks plus payload patterns and the strategy's
 * own invariants). Nothing here allocates from the process's malloc: the
 * tables are mmap'ed, so the baselines' heaps hold nothing of the harness. */
#ifndef ALLOCSCOPE_REPLAY_H
#define ALLOCSCOPE_REPLAY_H

#include <stdint.h>

#include "allocator.h"
#include "trace.h"

enum touch_mode { TOUCH_NONE, TOUCH_FIRST, TOUCH_PAGES, TOUCH_ALL };

struct replay {
	const struct allocator_ops *ops;
	void *self;
	const struct trace *trace;
	void **ptr;             /* slot -> block, n_slots entries */
	enum touch_mode touch;
	uint64_t size_scale;    /* every request is multiplied by this */
	uint64_t oom;           /* NULL returned for a non-zero request */
};

/* Parses "none|first|pages|all"; -1 when it is none of them. */
int replay_parse_touch(const char *text, enum touch_mode *out);
const char *replay_touch_name(enum touch_mode mode);

/* Whether every request of t, times size_scale (>= 1), stays below 2^62:
 * room for a strategy's header and alignment arithmetic without wrapping. */
int replay_scale_fits(const struct trace *t, uint64_t size_scale);

/* Maps and pre-faults the slot table. Returns 0, or -1 (errno) when the
 * table cannot be mapped or size_scale would overflow a request. */
int replay_init(struct replay *r, const struct allocator_ops *ops, void *self,
		const struct trace *t, enum touch_mode touch, uint64_t size_scale);
void replay_release(struct replay *r);

/* The throughput pass: every event, no timing inside. */
void replay_throughput(struct replay *r);

/* The same events as direct calls to the process's malloc family, no
 * strategy interface: what selfbench compares replay_throughput with. */
void replay_throughput_raw(struct replay *r);

/* The throughput pass with a fence before and after every call, as the
 * latency timer places them, and no clock read: each call waits for the one
 * before it to finish. Selfbench sets the latency pass's mean beside it to
 * tell the timer's subtraction from the cost of timing calls one at a
 * time. */
void replay_serialized(struct replay *r);

/* The fences of replay_serialized alone, once per event: the loop's time is
 * theirs, which selfbench takes off the serialised loop's. */
void replay_fences_alone(struct replay *r);

struct memory_result {
	uint64_t peak_live_bytes;          /* requested sizes, unscaled */
	uint64_t peak_heap_bytes;          /* footprint / size_scale */
	uint64_t heap_at_peak_live_bytes;
	uint64_t live_at_peak_heap_bytes;
	uint64_t internal_frag_bytes;      /* usable - requested at peak live, / size_scale */
};

struct timeline_sample {
	uint64_t event, live_bytes, heap_bytes;
};

/* Enough room for replay_memory's timeline of any trace. */
#define TIMELINE_MAX_SAMPLES 1002

/* The memory pass. Fills res and up to TIMELINE_MAX_SAMPLES timeline rows
 * (*n_timeline). Returns 0, or -1 at the first invalid block (misaligned,
 * overlapping a live block, outside the heap), described in why with the
 * event's number (from 1, in trace order) and the block's slot. */
int replay_memory(struct replay *r, struct memory_result *res,
		  struct timeline_sample *timeline, size_t *n_timeline,
		  char *why, size_t why_len);

/* The check pass of `allocscope check`: replay_memory's checks plus calloc
 * zeroing, payload patterns preserved across realloc and intact at free, and
 * the strategy's own check() every so often. Returns 0 or -1 with why. */
int replay_check(struct replay *r, char *why, size_t why_len);

#endif
