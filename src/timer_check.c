/* timer_check.c - the reference call behind timer_check.h. */
#include "timer_check.h"

#include "sorted.h"

#define TIMER_CHECK_MAX_ROUNDS 31

/* A chain of `steps` dependent multiplies: its length is fixed by the
 * multiplier's latency, and the empty asm keeps the compiler from folding
 * the chain or the loops around the call. */
static __attribute__((noinline)) uint64_t reference_call(uint64_t x, unsigned steps)
{
	for (unsigned i = 0; i < steps; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static double untimed_round(unsigned steps, unsigned calls, uint64_t *x)
{
	uint64_t start = timer_clock_read();
	for (unsigned i = 0; i < calls; i++)
		*x = reference_call(*x, steps);
	return (double)(timer_clock_read() - start) / calls;
}

static inline __attribute__((always_inline)) double
timed_round(const struct timer *t, enum timer_kind kind, unsigned steps, unsigned calls,
	    uint64_t *x)
{
	int64_t sum = 0;
	for (unsigned i = 0; i < calls; i++) {
		uint64_t start = timer_start(kind);
		*x = reference_call(*x, steps);
		uint64_t stop = timer_stop(kind);
		sum += (int64_t)(stop - start) - (int64_t)t->cost_ticks;
	}
	return (double)sum / calls / t->ticks_per_ns;
}

void timer_check(const struct timer *t, unsigned steps, unsigned calls, unsigned rounds,
		 struct timer_check *out)
{
	double untimed[TIMER_CHECK_MAX_ROUNDS], timed[TIMER_CHECK_MAX_ROUNDS];
	uint64_t x = 1;
	if (rounds > TIMER_CHECK_MAX_ROUNDS)
		rounds = TIMER_CHECK_MAX_ROUNDS;
	if (rounds == 0)
		rounds = 1;
	for (unsigned r = 0; r < rounds; r++) {
		untimed[r] = untimed_round(steps, calls, &x);
		timed[r] = t->kind == TIMER_TSC ? timed_round(t, TIMER_TSC, steps, calls, &x)
						: timed_round(t, TIMER_CLOCK, steps, calls, &x);
	}
	out->steps = steps;
	out->untimed_ns = sorted_median(untimed, rounds);
	out->timed_ns = sorted_median(timed, rounds);
	/* Consumed, so the chain is not dead code. */
	__asm__ volatile("" : : "r"(x));
}
