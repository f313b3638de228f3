/* timer_check.h - is the latency pass's subtraction right? A reference call
 * of known length timed exactly the way the pass times an allocator call,
 * against the same call untimed (timer_check.c). */
#ifndef ALLOCSCOPE_TIMER_CHECK_H
#define ALLOCSCOPE_TIMER_CHECK_H

#include "timer.h"

struct timer_check {
	unsigned steps;     /* dependent multiplies in the reference call */
	double untimed_ns;  /* per call, from a clock read around the whole loop */
	double timed_ns;    /* per call: the mean timing minus the timer's cost */
};

/* Medians of `rounds` alternating rounds of `calls` calls each. The calls
 * form one dependency chain, so no call can overlap the next in the untimed
 * loop: what separates the two figures is the timer alone. */
void timer_check(const struct timer *t, unsigned steps, unsigned calls, unsigned rounds,
		 struct timer_check *out);

#endif
