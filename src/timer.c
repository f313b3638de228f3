/* timer.c - choosing, calibrating and costing the latency pass's clock
 * (timer.h). Nothing here allocates: it runs inside the replay process,
 * whose malloc may be the allocator under test. */
#include "timer.h"

#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "sorted.h"

#define CALIBRATION_ROUNDS 5
#define CALIBRATION_NS 2000000u  /* per round: 2 ms of TSC against the clock */
#define COST_WARMUP 1000
#define COST_SAMPLES 8191        /* odd: the median is one sample */

int timer_tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned eax, ebx, ecx, edx;
	if (__get_cpuid_max(0x80000000u, NULL) < 0x80000007u)
		return 0;
	if (!__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx))
		return 0;
	return (edx >> 8) & 1;
#else
	return 0;
#endif
}

const char *timer_kind_name(enum timer_kind kind)
{
	return kind == TIMER_TSC ? "tsc" : "clock";
}

/* A TSC reading and the clock at the same moment: the midpoint of the clock
 * reads around it. */
static void tsc_pair(uint64_t *tsc, double *ns)
{
	uint64_t before = timer_clock_read();
	*tsc = timer_tsc_read();
	uint64_t after = timer_clock_read();
	*ns = (double)before + (double)(after - before) / 2;
}

/* Ticks per ns: the median of a few short rounds, so that one round cut by
 * preemption cannot skew it. Busy-waits rather than sleeps so the rounds
 * stay short and precise. */
static double tsc_calibrate(void)
{
	double ratio[CALIBRATION_ROUNDS];
	for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
		uint64_t t0, t1;
		double c0, c1;
		tsc_pair(&t0, &c0);
		uint64_t until = (uint64_t)c0 + CALIBRATION_NS;
		while (timer_clock_read() < until)
			;
		tsc_pair(&t1, &c1);
		ratio[i] = (double)(t1 - t0) / (c1 - c0);
	}
	return sorted_median(ratio, CALIBRATION_ROUNDS);
}

/* Empty timings, taken with the same inline reads as the pass: their mean
 * without the slowest 1% (timer.h says why the mean), and their median. */
static inline __attribute__((always_inline)) void timer_cost(struct timer *t, enum timer_kind kind)
{
	uint64_t sample[COST_SAMPLES];
	for (int i = 0; i < COST_WARMUP; i++) {
		uint64_t start = timer_start(kind);
		sample[0] = timer_stop(kind) - start;
	}
	for (int i = 0; i < COST_SAMPLES; i++) {
		uint64_t start = timer_start(kind);
		sample[i] = timer_stop(kind) - start;
	}
	t->cost_ticks = sorted_mean_without_top_percent(sample, COST_SAMPLES);
	t->cost_median_ticks = sample[COST_SAMPLES / 2]; /* sorted by the line above */
}

void timer_init(struct timer *t, int force_clock)
{
	t->kind = TIMER_CLOCK;
	t->ticks_per_ns = 1.0;
	if (!force_clock && timer_tsc_invariant()) {
		double f = tsc_calibrate();
		if (f > 0) {
			t->kind = TIMER_TSC;
			t->ticks_per_ns = f;
		}
	}
	if (t->kind == TIMER_TSC)
		timer_cost(t, TIMER_TSC);
	else
		timer_cost(t, TIMER_CLOCK);
	t->cost_ns = (double)t->cost_ticks / t->ticks_per_ns;
}
