/* test_timer.c - the latency timer: choice of kind, calibration (positive,
 * and agreeing with CLOCK_MONOTONIC over an interval), and the measured cost
 * of an empty timing (positive, below 1 us), for the TSC and the fallback;
 * and that subtracting that cost leaves a long reference call's own time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "timer.h"
#include "timer_check.h"

static void assert_cost_sane(const struct timer *t)
{
	if (!(t->cost_ns > 0 && t->cost_ns < 1000))
		fail_msg("%s timer cost %.3f ns is not in (0, 1000)", timer_kind_name(t->kind),
			 t->cost_ns);
	assert_true(t->cost_ticks > 0);
	assert_true(t->cost_median_ticks > 0);
	/* The mean of the faster 99% and the median are the same few steps. */
	assert_true(t->cost_median_ticks < 4 * t->cost_ticks);
	assert_true(t->cost_ticks < 4 * t->cost_median_ticks);
}

/* The TSC is chosen exactly when it is invariant. */
static void test_default_kind(void **state)
{
	(void)state;
	struct timer t;
	timer_init(&t, 0);
	printf("timer: %s, %.6f ticks/ns, cost %.3f ns (median %.3f ns), invariant TSC %d\n",
	       timer_kind_name(t.kind), t.ticks_per_ns, t.cost_ns,
	       (double)t.cost_median_ticks / t.ticks_per_ns, timer_tsc_invariant());
	assert_int_equal(t.kind == TIMER_TSC, timer_tsc_invariant());
	assert_true(t.ticks_per_ns > 0);
	assert_cost_sane(&t);
}

/* The fallback: clock_gettime, ticks are ns. */
static void test_clock_fallback(void **state)
{
	(void)state;
	struct timer t;
	timer_init(&t, 1);
	assert_int_equal(t.kind, TIMER_CLOCK);
	assert_true(t.ticks_per_ns == 1.0);
	assert_string_equal(timer_kind_name(t.kind), "clock");
	assert_cost_sane(&t);
}

/* 20 ms measured both ways agree within 2%: the calibration is right. The
 * best of three tries, so one preemption between the reads cannot fail it. */
static void test_calibration_agrees(void **state)
{
	(void)state;
	struct timer t;
	timer_init(&t, 0);
	if (t.kind != TIMER_TSC)
		skip();
	assert_string_equal(timer_kind_name(t.kind), "tsc");
	double best = 1e9;
	for (int i = 0; i < 3; i++) {
		uint64_t c0 = timer_clock_read(), t0 = timer_stop(TIMER_TSC);
		while (timer_clock_read() < c0 + 20000000u)
			;
		uint64_t t1 = timer_stop(TIMER_TSC), c1 = timer_clock_read();
		double err = (double)(t1 - t0) / t.ticks_per_ns / (double)(c1 - c0) - 1;
		if (err < 0)
			err = -err;
		if (err < best)
			best = err;
	}
	if (best > 0.02)
		fail_msg("TSC and CLOCK_MONOTONIC disagree by %.2f%%", best * 100);
}

/* A reference call of ~80 ns timed minus the cost against the same call
 * untimed. The cost is a third of the call or more (25 ns for the TSC here,
 * 28 ns for clock_gettime), so leaving it in, taking it twice, or letting the
 * call hide under the timer's own latency all miss the bound, every time.
 * A slow spell of this shared machine can land on the cost's measurement or
 * on one of the loops and not the other (seen once in 150 runs), so a miss
 * is measured again from a fresh timer_init, up to three times in all. */
static void check_subtraction(int force_clock)
{
	struct timer t;
	struct timer_check c;
	double ratio = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		timer_init(&t, force_clock);
		timer_check(&t, 64, 5000, 9, &c);
		ratio = c.timed_ns / c.untimed_ns;
		if (c.untimed_ns > 0 && ratio > 0.8 && ratio < 1.25)
			return;
		print_message("%s timer, attempt %d: cost %.1f ns; reference call %.1f ns "
			      "untimed, %.1f ns timed minus cost\n", timer_kind_name(t.kind),
			      attempt + 1, t.cost_ns, c.untimed_ns, c.timed_ns);
	}
	fail_msg("%s timer: the subtraction missed three times (last ratio %.3f)",
		 timer_kind_name(t.kind), ratio);
}

static void test_subtraction_leaves_the_call(void **state)
{
	(void)state;
	check_subtraction(0);
	check_subtraction(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_kind),
		cmocka_unit_test(test_clock_fallback),
		cmocka_unit_test(test_calibration_agrees),
		cmocka_unit_test(test_subtraction_leaves_the_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
