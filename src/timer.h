/* timer.h - the latency pass's clock: the TSC read after an lfence and
 * calibrated against CLOCK_MONOTONIC where CPUID says it is invariant, else
 * clock_gettime. Its own cost is measured at start, exactly the way the pass
 * brackets a call, so the pass can subtract it from every sample. */
#ifndef ALLOCSCOPE_TIMER_H
#define ALLOCSCOPE_TIMER_H

#include <stdint.h>
#include <time.h>

enum timer_kind { TIMER_TSC, TIMER_CLOCK };

/* A timing is two reads, `timer_read(kind)` before and after the work; the
 * difference is in ticks. Invariant: cost_ticks is the mean of many
 * back-to-back empty timings (two reads with nothing between, the slowest 1%
 * dropped as interrupts), so (end - start - cost_ticks) / ticks_per_ns is the
 * work's own time on average. The mean, not the median: a virtual TSC can
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

/* lfence then rdtsc: the read waits for every earlier instruction (the call,
 * before the second read) to finish. No fence after it, so the next call may
 * start while the read completes, as it would without a timer: a fence on
 * both sides serialises the calls and, measured on this machine, inflates a
 * glibc malloc by a quarter against the untimed loop. Cheaper than rdtscp. */
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
static inline __attribute__((always_inline)) uint64_t timer_read(enum timer_kind kind)
{
	return kind == TIMER_TSC ? timer_tsc_read() : timer_clock_read();
}

#endif
