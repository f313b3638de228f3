/* test_trace_stats.c - trace_stats on hand-built event arrays (no loader):
 * histogram buckets, peaks, lifetimes and realloc counts, worked by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "trace_stats.h"

#define EV(op_, slot_, size_) {.size = (size_), .slot = (slot_), .op = (op_)}

static struct trace trace_of(struct trace_event *ev, uint64_t n, uint32_t n_slots)
{
	struct trace t = {.name = "hand", .n_events = n, .n_slots = n_slots, .events = ev};
	return t;
}

static void test_bucket_edges(void **state)
{
	(void)state;
	assert_int_equal(trace_stats_bucket(0), 0);
	assert_int_equal(trace_stats_bucket(1), 1);
	assert_int_equal(trace_stats_bucket(2), 2);
	assert_int_equal(trace_stats_bucket(3), 2);
	assert_int_equal(trace_stats_bucket(4), 3);
	assert_int_equal(trace_stats_bucket(4095), 12);
	assert_int_equal(trace_stats_bucket(4096), 13);
	assert_int_equal(trace_stats_bucket((uint64_t)1 << 63), 64);
	assert_int_equal(trace_stats_bucket(UINT64_MAX), 64);
}

/* Live bytes after each event: 24 104 204 124 148 212 188 138 88 88 88;
 * live blocks: 1 2 3 2 2 3 2 2 1 2 2. Frees at 3, 6, 8 of blocks born at
 * 1, 0, 2 give lifetimes 2, 6, 6. */
static struct trace_event mixed[] = {
	EV(TRACE_MALLOC, 0, 24),
	EV(TRACE_CALLOC, 1, 80),
	EV(TRACE_MALLOC, 2, 100),
	EV(TRACE_FREE, 1, 0),
	EV(TRACE_REALLOC, 0, 48),
	{.size = 64, .slot = 1, .op = TRACE_ALIGNED, .align_log2 = 6, .thread = 2},
	EV(TRACE_FREE, 0, 0),
	EV(TRACE_REALLOC, 2, 50),
	EV(TRACE_FREE, 2, 0),
	EV(TRACE_MALLOC, 0, 0),
	EV(TRACE_REALLOC, 0, 0),
};

static void test_mixed_counts_and_peaks(void **state)
{
	(void)state;
	struct trace t = trace_of(mixed, sizeof mixed / sizeof mixed[0], 3);
	struct trace_stats s;
	struct diag d = {0};
	assert_int_equal(trace_stats_compute(&t, &s, &d), 0);
	assert_int_equal(s.n_events, 11);
	assert_int_equal(s.count[TRACE_MALLOC], 3);
	assert_int_equal(s.count[TRACE_CALLOC], 1);
	assert_int_equal(s.count[TRACE_ALIGNED], 1);
	assert_int_equal(s.count[TRACE_REALLOC], 3);
	assert_int_equal(s.count[TRACE_FREE], 3);
	assert_int_equal(s.n_threads, 2); /* t0 and t2 */
	assert_int_equal(s.thread_ids, 3);
	assert_int_equal(s.peak_live_bytes, 212);
	assert_int_equal(s.peak_live_blocks, 3);
	assert_int_equal(s.total_requested, 24 + 80 + 100 + 48 + 64 + 50 + 0 + 0);
	assert_int_equal(s.realloc_grow, 1);
	assert_int_equal(s.realloc_shrink, 1);
	assert_int_equal(s.realloc_same, 1);
}

static void test_mixed_histogram(void **state)
{
	(void)state;
	struct trace t = trace_of(mixed, sizeof mixed / sizeof mixed[0], 3);
	struct trace_stats s;
	assert_int_equal(trace_stats_compute(&t, &s, NULL), 0);
	uint64_t want[TRACE_STATS_BUCKETS] = {0};
	want[0] = 2; /* 0, 0 */
	want[5] = 1; /* 24 */
	want[6] = 2; /* 48, 50 */
	want[7] = 3; /* 80, 100, 64 */
	for (unsigned k = 0; k < TRACE_STATS_BUCKETS; k++)
		assert_int_equal(s.size_hist[k], want[k]);
}

static void test_mixed_lifetimes(void **state)
{
	(void)state;
	struct trace t = trace_of(mixed, sizeof mixed / sizeof mixed[0], 3);
	struct trace_stats s;
	assert_int_equal(trace_stats_compute(&t, &s, NULL), 0);
	assert_int_equal(s.life.n_freed, 3);
	assert_int_equal(s.life.median, 6);
	assert_int_equal(s.life.p90, 6);
	assert_int_equal(s.life.max, 6);
	assert_int_equal(s.life.still_live, 2);
}

/* 100 blocks allocated at events 0..99 and freed in reverse order at events
 * 100..199, plus one never freed: slot k lives 199 - 2k events, so the
 * sorted lifetimes are 1, 3, ..., 199 and rank r holds 2r - 1. */
static void test_lifetime_percentiles(void **state)
{
	(void)state;
	struct trace_event ev[201];
	for (uint32_t k = 0; k < 100; k++) {
		ev[k] = (struct trace_event)EV(TRACE_MALLOC, k, 16);
		ev[199 - k] = (struct trace_event)EV(TRACE_FREE, k, 0);
	}
	ev[200] = (struct trace_event)EV(TRACE_MALLOC, 100, 8);
	struct trace t = trace_of(ev, 201, 101);
	struct trace_stats s;
	assert_int_equal(trace_stats_compute(&t, &s, NULL), 0);
	assert_int_equal(s.life.n_freed, 100);
	assert_int_equal(s.life.median, 99);
	assert_int_equal(s.life.p90, 179);
	assert_int_equal(s.life.p99, 197);
	assert_int_equal(s.life.max, 199);
	assert_int_equal(s.life.still_live, 1);
	assert_int_equal(s.peak_live_blocks, 100);
	assert_int_equal(s.peak_live_bytes, 1600);
}

static void test_empty_trace(void **state)
{
	(void)state;
	struct trace t = trace_of(NULL, 0, 0);
	struct trace_stats s;
	memset(&s, 0xff, sizeof s);
	assert_int_equal(trace_stats_compute(&t, &s, NULL), 0);
	assert_int_equal(s.n_events, 0);
	assert_int_equal(s.life.n_freed, 0);
	assert_int_equal(s.life.median, 0);
	assert_int_equal(s.peak_live_blocks, 0);
	assert_int_equal(s.n_threads, 0);
}

static void test_free_of_dead_slot_fails(void **state)
{
	(void)state;
	struct trace_event ev[] = {EV(TRACE_MALLOC, 0, 8), EV(TRACE_FREE, 1, 0)};
	struct trace t = trace_of(ev, 2, 2);
	struct trace_stats s;
	struct diag d = {0};
	assert_int_equal(trace_stats_compute(&t, &s, &d), -1);
	assert_non_null(strstr(d.message, "event 2: slot 1 is not live"));
}

static void test_slot_out_of_range_fails(void **state)
{
	(void)state;
	struct trace_event ev[] = {EV(TRACE_MALLOC, 5, 8)};
	struct trace t = trace_of(ev, 1, 2);
	struct trace_stats s;
	struct diag d = {0};
	assert_int_equal(trace_stats_compute(&t, &s, &d), -1);
	assert_non_null(strstr(d.message, "slot 5 out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_mixed_counts_and_peaks),
		cmocka_unit_test(test_mixed_histogram),
		cmocka_unit_test(test_mixed_lifetimes),
		cmocka_unit_test(test_lifetime_percentiles),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_free_of_dead_slot_fails),
		cmocka_unit_test(test_slot_out_of_range_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
