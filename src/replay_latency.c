/* replay_latency.c - the latency pass (SPEC §6): the throughput pass's calls
 * with each one timed alone and recorded in its kind's histogram; the
 * touching of a new block happens after the second read, outside the timing. */
#include <time.h>

#include "latency.h"
#include "replay_step.h"

/* Where the thread stood at one moment: the CPU time it had run
 * (CLOCK_THREAD_CPUTIME_ID, exact, and without the time a hypervisor stole
 * from its vCPU where the kernel accounts for steal) and the timer. Taking
 * one is a system call, so it is taken outside the timings and only now and
 * then. */
struct cpu_mark {
	uint64_t cpu_ns;
	uint64_t ticks;
};

static void cpu_mark_take(struct cpu_mark *m, uint64_t ticks)
{
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	m->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
	m->ticks = ticks;
}

/* The part of a slow call, in ticks, that the thread spent off the CPU:
 * preempted by another process, its vCPU stolen, or asleep. Time off the
 * CPU since the mark (wall less CPU time) may have begun in the stretch
 * between the mark and the call's start, so only what cannot fit in that
 * stretch is taken as the call's: a lower bound, short by at most the
 * stretch (LATENCY_MARK_NS and a touch), never more than the call lost.
 * Below LATENCY_OFF_CPU_FLOOR_NS it is the two clocks' disagreement, and 0.
 * Moves the mark to now. */
static int64_t off_cpu_ticks(struct cpu_mark *mark, uint64_t start, uint64_t stop,
			     double ticks_per_ns)
{
	struct cpu_mark now;
	cpu_mark_take(&now, stop);
	double off_ns = (double)(stop - start) / ticks_per_ns - (double)(now.cpu_ns - mark->cpu_ns);
	*mark = now;
	return off_ns > LATENCY_OFF_CPU_FLOOR_NS ? (int64_t)(off_ns * ticks_per_ns) : 0;
}

/* Instantiated once per timer kind, so the timed region holds the two reads
 * and the call and nothing else: no branch on the kind, no bookkeeping. */
static inline __attribute__((always_inline)) void
latency_loop(struct replay *r, struct latency_set *set, const struct timer *tm,
	     enum timer_kind kind)
{
	/* Local copies whose addresses never escape, as in replay_throughput:
	 * the operations and the table stay in registers across the calls. */
	struct allocator_ops ops = *r->ops;
	struct replay local = *r;
	local.ops = &ops;
	const struct trace_event *e = local.trace->events, *end = e + local.trace->n_events;
	const int64_t cost = (int64_t)tm->cost_ticks;
	const int64_t slow = (int64_t)(LATENCY_SLOW_NS * tm->ticks_per_ns);
	const uint64_t mark_age = (uint64_t)(LATENCY_MARK_NS * tm->ticks_per_ns);
	struct cpu_mark mark;
	cpu_mark_take(&mark, timer_stop(kind));
	for (; e < end; e++) {
		uint64_t size = e->size * local.size_scale;
		uint64_t start = timer_start(kind);
		void *p = replay_call(&local, e, size);
		uint64_t stop = timer_stop(kind);
		int64_t sample = (int64_t)(stop - start) - cost;
		if (sample > slow) {
			int64_t off = off_cpu_ticks(&mark, start, stop, tm->ticks_per_ns);
			if (off) {
				sample -= off;
				set->off_cpu_calls++;
				set->off_cpu_ticks += (uint64_t)off;
			}
		}
		latency_record(&set->op[e->op], sample);
		if (e->op != TRACE_FREE)
			touch_block(local.touch, p, size);
		/* The mark moves on once it is old, and after a long touch, which
		 * would otherwise lengthen the stretch before the next call. */
		if (stop - mark.ticks > mark_age ||
		    (e->op != TRACE_FREE && local.touch != TOUCH_NONE && size >= LATENCY_LONG_TOUCH_BYTES))
			cpu_mark_take(&mark, timer_stop(kind));
	}
	r->oom = local.oom;
}

void replay_latency(struct replay *r, const struct timer *tm, struct latency_set *set)
{
	if (tm->kind == TIMER_TSC)
		latency_loop(r, set, tm, TIMER_TSC);
	else
		latency_loop(r, set, tm, TIMER_CLOCK);
}
