/* replay_latency.c - the latency pass (SPEC §6): the throughput pass's calls
 * with each one timed alone and recorded in its kind's histogram; the
 * touching of a new block happens after the second read, outside the timing. */
#include <sys/resource.h>

#include "latency.h"
#include "replay_step.h"

/* Involuntary context switches of this thread so far. */
static long switches_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

/* Instantiated once per timer kind, so the timed region holds the two reads
 * and the call and nothing else: no branch on the kind, no bookkeeping. */
static inline __attribute__((always_inline)) void
latency_loop(struct replay *r, struct latency_set *set, enum timer_kind kind, int64_t cost,
	     int64_t slow)
{
	/* Local copies whose addresses never escape, as in replay_throughput:
	 * the operations and the table stay in registers across the calls. */
	struct allocator_ops ops = *r->ops;
	struct replay local = *r;
	local.ops = &ops;
	const struct trace_event *e = local.trace->events, *end = e + local.trace->n_events;
	long switches = switches_now();
	for (uint64_t i = 1; e < end; e++, i++) {
		uint64_t size = e->size * local.size_scale;
		uint64_t start = timer_start(kind);
		void *p = replay_call(&local, e, size);
		uint64_t stop = timer_stop(kind);
		int64_t sample = (int64_t)(stop - start) - cost;
		int preempted = 0;
		if (sample > slow || i % LATENCY_SWITCH_EVERY == 0) {
			long now = switches_now();
			preempted = sample > slow && now != switches;
			switches = now;
		}
		if (preempted)
			set->preempted++;
		else
			latency_record(&set->op[e->op], sample);
		if (e->op != TRACE_FREE)
			touch_block(local.touch, p, size);
	}
	r->oom = local.oom;
}

void replay_latency(struct replay *r, const struct timer *tm, struct latency_set *set)
{
	int64_t slow = (int64_t)(LATENCY_SLOW_NS * tm->ticks_per_ns);
	if (tm->kind == TIMER_TSC)
		latency_loop(r, set, TIMER_TSC, (int64_t)tm->cost_ticks, slow);
	else
		latency_loop(r, set, TIMER_CLOCK, (int64_t)tm->cost_ticks, slow);
}
