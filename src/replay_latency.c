/* replay_latency.c - the latency pass (SPEC §6): the throughput pass's calls
 * with each one timed alone and recorded in its kind's histogram; the
 * touching of a new block happens after the second read, outside the timing. */
#include <sys/resource.h>

#include "latency.h"
#include "replay_step.h"

/* Where the thread stood at one moment: its involuntary context switches,
 * the CPU time it had run (CLOCK_THREAD_CPUTIME_ID: exact, where getrusage's
 * CPU times move in scheduler ticks) and the timer. Taking one costs two
 * system calls, so it is taken outside the timings and only now and then. */
struct sched_mark {
	long switches;
	uint64_t cpu_ns;
	uint64_t ticks;
};

static void sched_mark_take(struct sched_mark *m, uint64_t ticks)
{
	struct rusage ru;
	struct timespec cpu;
	getrusage(RUSAGE_THREAD, &ru);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	m->switches = ru.ru_nivcsw;
	m->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
	m->ticks = ticks;
}

/* The part of a slow call, in ticks, that the thread spent off the CPU
 * because the scheduler switched it out; 0 unless an involuntary switch came
 * since the mark. Time off the CPU since the mark (wall less CPU time) may
 * have begun in the stretch between the mark and the call's start, so only
 * what cannot fit in that stretch is taken as the call's: a lower bound,
 * short by at most the stretch (LATENCY_MARK_NS and a touch), never more
 * than the call lost. Moves the mark to now. */
static int64_t off_cpu_ticks(struct sched_mark *mark, uint64_t start, uint64_t stop,
			     double ticks_per_ns)
{
	struct sched_mark now;
	sched_mark_take(&now, stop);
	double off_ns = 0;
	if (now.switches != mark->switches)
		off_ns = (double)(stop - start) / ticks_per_ns - (double)(now.cpu_ns - mark->cpu_ns);
	*mark = now;
	return off_ns > 0 ? (int64_t)(off_ns * ticks_per_ns) : 0;
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
	struct sched_mark mark;
	sched_mark_take(&mark, timer_stop(kind));
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
				set->preempted++;
				set->preempted_ticks += (uint64_t)off;
			}
		}
		latency_record(&set->op[e->op], sample);
		if (e->op != TRACE_FREE)
			touch_block(local.touch, p, size);
		/* The mark moves on once it is old, and after a long touch, which
		 * the next call's stop would otherwise count in a slow call's
		 * stretch: a switch during it is not that call's. */
		if (stop - mark.ticks > mark_age ||
		    (e->op != TRACE_FREE && local.touch != TOUCH_NONE && size >= LATENCY_LONG_TOUCH_BYTES))
			sched_mark_take(&mark, timer_stop(kind));
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
