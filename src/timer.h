/* timer.h - the latency pass's clock: the TSC read after an lfence and
 * calibrated against CLOCK_MONOTONIC where CPUID says it is invariant, else
 * clock_gettime. Its own cost is measured at start, exactly the way the pass
 * brackets a call, so the pass can subtract it from every sample. */
#ifndef ALLOCSCOPE_TIMER_H
#define ALLOCSCOPE_TIMER_H

#include <stdint.h>
#include <time.h>

enum timer_kind { TIMER_TSC, TIMER_CLOCK };

/* A timing is two reads, timer_start(kind) before the work and
 * timer_stop(kind) after it; the difference is in ticks. Invariant:
 * cost_ticks is the mean of many back-to-back empty timings (the two reads
 * with nothing between, the slowest 1% dropped as interrupts), and because
 * the start read fences the work off from its own latency the cost adds to a
 * call's time rather than overlapping it, so (stop - start - cost_ticks) /
 * ticks_per_ns is the work's own time on average (timer_check.c measures
 * that against a reference call). The mean, not the median: a virtual TSC can
 * advance in coarse steps (about 10 ns on the machine this was written on),
 * which makes empty timings bimodal (2 or 3 steps) and their median jump by a
 * whole step from one process to the next, while the mean stays put. */
struct timer {
	enum timer_kind kind;
	double ticks_per_ns;   /* TSC: calibrated against CLOCK_MONOTONIC; clock: 1 */
	uint64_t cost_ticks;   /* the mean, rounded to a tick */
	double cost_ns;
	uint64_t cost_median_ticks; /* for the record: see above */
};

/* Chooses the TSC when the CPU has an invariant one (and force_clock is 0),
 * calibrates it, and measures the cost of an empty timing. Takes ~15 ms. */
void timer_init(struct timer *t, int force_clock);

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in every
 * P-, C- and T-state. Always 0 off x86. */
int timer_tsc_invariant(void);

const char *timer_kind_name(enum timer_kind kind); /* "tsc", "clock" */

static inline uint64_t timer_clock_read(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The start of a timing: lfence, rdtsc, lfence. The first fence keeps the
 * read from passing earlier work; the second holds the timed call back until
 * the read has completed. Without it the call overlaps the read's own
 * latency, so a call shorter than that latency vanishes from the timing and
 * the timer's cost is no longer a constant that can be subtracted (measured
 * on the VM this was written on: an empty timing costs 21 ns, but a timing
 * adds only 10 ns to a 20 ns call). */
static inline uint64_t timer_tsc_start(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
#else
	return timer_clock_read();
#endif
}

/* The end of a timing: lfence then rdtsc, so the read waits for the call to
 * finish. No fence after it: the harness's bookkeeping and the next event's
 * loads may overlap the read, as they are outside the timing. */
static inline uint64_t timer_tsc_read(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
#else
	return timer_clock_read();
#endif
}

/* With a constant kind (the pass instantiates its loop per kind) the branch
 * folds away. */
/* The clock's start read is fenced for the same reason as the TSC's: the
 * vDSO's own arithmetic after it reads the counter would otherwise overlap
 * the timed call. */
static inline __attribute__((always_inline)) uint64_t timer_start(enum timer_kind kind)
{
	if (kind == TIMER_TSC)
		return timer_tsc_start();
	uint64_t now = timer_clock_read();
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("lfence" : : : "memory");
#endif
	return now;
}

static inline __attribute__((always_inline)) uint64_t timer_stop(enum timer_kind kind)
{
	return kind == TIMER_TSC ? timer_tsc_read() : timer_clock_read();
}

/* The fence the timer places on each side of a call, alone: what the
 * serialised replay (replay_serialized) waits with instead of timing. */
static inline __attribute__((always_inline)) void timer_fence(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("lfence" : : : "memory");
#else
	__asm__ volatile("" : : : "memory");
#endif
}

#endif
