/* latency.h - per-call latency: a log-linear histogram (at most 1/256
 * relative error) per call kind, its summary (mean and percentiles), and the
 * latency pass that fills one histogram set (replay_latency.c). The sets are
 * mmap'ed: nothing here allocates from the allocator under test. */
#ifndef ALLOCSCOPE_LATENCY_H
#define ALLOCSCOPE_LATENCY_H

#include <stdint.h>

#include "replay.h"
#include "timer.h"
#include "trace.h"

/* Layout: a value v < LATENCY_SUB has a bucket of its own (index v). A value
 * with its highest set bit at e >= LATENCY_SUB_BITS keeps its top
 * LATENCY_SUB_BITS + 1 bits m = v >> (e - LATENCY_SUB_BITS), in
 * [LATENCY_SUB, 2 LATENCY_SUB), and lands in bucket
 * ((e - LATENCY_SUB_BITS) << LATENCY_SUB_BITS) + m, which spans
 * [m << s, (m + 1) << s) with s = e - LATENCY_SUB_BITS. A bucket is at most
 * 1/LATENCY_SUB of its lower bound wide, so its midpoint is within
 * 1/(2 LATENCY_SUB) = 0.4% of any value in it. Every uint64_t has a bucket. */
#define LATENCY_SUB_BITS 7
#define LATENCY_SUB (1u << LATENCY_SUB_BITS)
#define LATENCY_BUCKETS ((64 - LATENCY_SUB_BITS + 1) * LATENCY_SUB)

/* Samples are timer differences with the timer's cost already subtracted, so
 * noise can make one negative: the bucket and max take it as 0, the sum keeps
 * it, so the mean is not biased upwards by clamping. */
struct latency_hist {
	uint64_t count, max;
	int64_t sum;
	uint64_t bucket[LATENCY_BUCKETS];
};

static inline unsigned latency_bucket(uint64_t v)
{
	if (v < LATENCY_SUB)
		return (unsigned)v;
	unsigned shift = 63u - (unsigned)__builtin_clzll(v) - LATENCY_SUB_BITS;
	return (shift << LATENCY_SUB_BITS) + (unsigned)(v >> shift);
}

static inline void latency_record(struct latency_hist *h, int64_t sample)
{
	uint64_t v = sample > 0 ? (uint64_t)sample : 0;
	h->count++;
	h->sum += sample;
	if (v > h->max)
		h->max = v;
	h->bucket[latency_bucket(v)]++;
}

/* The value reported for quantile q in [0, 1]: the nearest-rank sample's
 * bucket midpoint (exact below LATENCY_SUB), never above the max. 0 when
 * the histogram is empty. */
double latency_quantile(const struct latency_hist *h, double q);

/* One latency.csv row's figures, in ns. */
struct latency_summary {
	uint64_t count;
	double mean, p50, p90, p99, p999, p9999, max;
};

/* Converts ticks to ns with ns_per_tick; the mean is floored at 0. */
void latency_summarize(const struct latency_hist *h, double ns_per_tick,
		       struct latency_summary *out);

/* One histogram per call kind, indexed by enum trace_op, and the calls that
 * lost the CPU while timed (see replay_latency). */
struct latency_set {
	struct latency_hist op[TRACE_OP_COUNT];
	uint64_t off_cpu_calls;   /* calls that lost the CPU while timed */
	uint64_t off_cpu_ticks;   /* the time off the CPU taken from them */
};

/* Maps a zeroed, pre-faulted set; NULL (errno) on failure. */
struct latency_set *latency_set_map(void);
void latency_set_unmap(struct latency_set *set);

/* ---- the latency pass (replay_latency.c) -------------------------------- */

/* Replays every event with each call timed alone by tm (its cost subtracted)
 * into set; the touching of new blocks is done outside the timed region.
 * Makes exactly the calls of replay_throughput, and records every one. A
 * call slower than LATENCY_SLOW_NS that spent time off the CPU (preempted,
 * its vCPU stolen, asleep: wall less thread CPU time, see off_cpu_ticks) is
 * recorded less that time and counted in set->off_cpu_calls: on a shared
 * machine a time slice lost inside one timed call would otherwise add
 * milliseconds of another process's work to it. The mark this is measured
 * from is retaken after a call when it has grown older than LATENCY_MARK_NS,
 * after each slow call and after touching a block of LATENCY_LONG_TOUCH_BYTES
 * or more: at a call's start it is at most that old plus one short touch
 * and one fast call. */
#define LATENCY_SLOW_NS 20000
#define LATENCY_MARK_NS 50000
#define LATENCY_LONG_TOUCH_BYTES 65536
#define LATENCY_OFF_CPU_FLOOR_NS 1000
void replay_latency(struct replay *r, const struct timer *tm, struct latency_set *set);

#endif
