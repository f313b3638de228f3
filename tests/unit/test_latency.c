/* test_latency.c - the latency histogram (bucket layout, exact count/max/mean,
 * percentiles within 1% of hand-worked values, negative samples) and the
 * latency pass (it makes exactly the calls of the throughput pass). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "latency.h"

static struct latency_hist *hist_new(void **state)
{
	struct latency_set *set = latency_set_map();
	assert_non_null(set);
	*state = set;
	return &set->op[0];
}

static int set_free(void **state)
{
	latency_set_unmap(*state);
	return 0;
}

static void assert_within(double got, double want, double rel)
{
	if (fabs(got - want) > rel * want)
		fail_msg("got %.3f, want %.3f within %.2f%%", got, want, rel * 100);
}

/* Below LATENCY_SUB every value has its own bucket; above, the bucket index
 * never decreases, stays in range, and its midpoint is within 0.4%. */
static void test_bucket_layout(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < LATENCY_SUB; v++)
		assert_int_equal(latency_bucket(v), v);
	assert_int_equal(latency_bucket(128), 128);
	assert_int_equal(latency_bucket(255), 255);
	assert_int_equal(latency_bucket(256), 256);  /* shift 1: [256, 258) */
	assert_int_equal(latency_bucket(257), 256);
	assert_int_equal(latency_bucket(258), 257);
	assert_int_equal(latency_bucket(UINT64_MAX), LATENCY_BUCKETS - 1);
	unsigned prev = 0;
	for (uint64_t v = 1; v < ((uint64_t)1 << 62); v += v / 7 + 1) {
		unsigned b = latency_bucket(v);
		assert_true(b >= prev);
		assert_true(b < LATENCY_BUCKETS);
		prev = b;
	}
}

/* 1..10000 once each: nearest-rank percentiles are 5000, 9000, 9900, 9990
 * and 9999; count, max and the mean (5000.5) are exact. */
static void test_known_values(void **state)
{
	struct latency_hist *h = hist_new(state);
	for (int64_t v = 1; v <= 10000; v++)
		latency_record(h, v);
	assert_int_equal(h->count, 10000);
	assert_int_equal(h->max, 10000);
	struct latency_summary s;
	latency_summarize(h, 1.0, &s);
	assert_int_equal(s.count, 10000);
	assert_true(s.mean == 5000.5);
	assert_true(s.max == 10000);
	assert_within(s.p50, 5000, 0.01);
	assert_within(s.p90, 9000, 0.01);
	assert_within(s.p99, 9900, 0.01);
	assert_within(s.p999, 9990, 0.01);
	assert_within(s.p9999, 9999, 0.01);
	/* The bound is 1/256 in fact, not just 1%. */
	assert_within(s.p50, 5000, 1.0 / 256);
}

/* Small values are exact: 90 samples of 10 and 10 of 100. */
static void test_exact_small_values(void **state)
{
	struct latency_hist *h = hist_new(state);
	for (int i = 0; i < 90; i++)
		latency_record(h, 10);
	for (int i = 0; i < 10; i++)
		latency_record(h, 100);
	assert_true(latency_quantile(h, 0.5) == 10);
	assert_true(latency_quantile(h, 0.9) == 10);
	assert_true(latency_quantile(h, 0.91) == 100);
	assert_true(latency_quantile(h, 1.0) == 100);
	assert_true(latency_quantile(h, 0.0) == 10);
}

/* A sample below zero (timer noise after the subtraction) counts as 0 in
 * the buckets and the max but keeps its value in the sum. */
static void test_negative_samples(void **state)
{
	struct latency_hist *h = hist_new(state);
	latency_record(h, -6);
	latency_record(h, 2);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->max, 2);
	assert_int_equal(h->sum, -4);
	assert_int_equal(h->bucket[0], 1);
	struct latency_summary s;
	latency_summarize(h, 1.0, &s);
	assert_true(s.mean == 0); /* floored */
	latency_record(h, 10);
	latency_summarize(h, 1.0, &s);
	assert_true(s.mean == 2); /* (-6 + 2 + 10) / 3 */
}

/* Percentiles are never above the max, even for a value at the bottom of a
 * wide bucket; ticks become ns by the factor given. */
static void test_max_clamp_and_scale(void **state)
{
	struct latency_hist *h = hist_new(state);
	const int64_t big = (int64_t)1 << 40;
	latency_record(h, big);
	assert_true(latency_quantile(h, 0.5) == (double)big);
	latency_record(h, 1000);
	struct latency_summary s;
	latency_summarize(h, 0.5, &s);
	assert_within(s.p50, 500, 0.004);
	assert_true(s.max == (double)big * 0.5);
	assert_true(s.mean == ((double)big + 1000) / 2 * 0.5);
}

static void test_empty(void **state)
{
	struct latency_hist *h = hist_new(state);
	struct latency_summary s;
	latency_summarize(h, 1.0, &s);
	assert_int_equal(s.count, 0);
	assert_true(s.mean == 0 && s.p50 == 0 && s.p9999 == 0 && s.max == 0);
}

/* A wide spread of values: every percentile within 1% of the exact one. */
static void test_geometric_spread(void **state)
{
	struct latency_hist *h = hist_new(state);
	enum { N = 5000 };
	static double v[N];
	for (int i = 0; i < N; i++) {
		v[i] = floor(pow(1.003, i) * 50); /* increasing, 50 .. ~1.6e8 */
		latency_record(h, (int64_t)v[i]);
	}
	static const double q[] = {0.1, 0.5, 0.9, 0.99, 0.999, 0.9999};
	for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
		size_t rank = (size_t)ceil(q[k] * N - 1e-9);
		assert_within(latency_quantile(h, q[k]), v[rank - 1], 0.01);
	}
}

static void test_op_names(void **state)
{
	(void)state;
	assert_string_equal(trace_op_name(TRACE_MALLOC), "malloc");
	assert_string_equal(trace_op_name(TRACE_CALLOC), "calloc");
	assert_string_equal(trace_op_name(TRACE_ALIGNED), "aligned");
	assert_string_equal(trace_op_name(TRACE_REALLOC), "realloc");
	assert_string_equal(trace_op_name(TRACE_FREE), "free");
}

/* ---- the pass against a strategy that logs its calls -------------------- */

enum { LOG_MAX = 64 };
static char call_log[LOG_MAX][48];
static int n_calls;
static char pool[LOG_MAX][512];
static int n_pool;

static void log_call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_call(const char *fmt, ...)
{
	va_list ap;
	assert_true(n_calls < LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(call_log[n_calls++], sizeof call_log[0], fmt, ap);
	va_end(ap);
}

static void *fake_block(void)
{
	assert_true(n_pool < LOG_MAX);
	return pool[n_pool++];
}

static long pool_index(const void *p)
{
	return p ? (long)(((const char *)p - pool[0]) / (long)sizeof pool[0]) : -1;
}

static void *fake_malloc(void *self, size_t n)
{
	(void)self;
	log_call("m %zu", n);
	return fake_block();
}

static void *fake_calloc(void *self, size_t k, size_t n)
{
	(void)self;
	log_call("c %zu %zu", k, n);
	return fake_block();
}

static void *fake_aligned(void *self, size_t al, size_t n)
{
	(void)self;
	log_call("a %zu %zu", al, n);
	return fake_block();
}

static void *fake_realloc(void *self, void *p, size_t n)
{
	(void)self;
	log_call("r %ld %zu", pool_index(p), n);
	return fake_block();
}

static void fake_free(void *self, void *p)
{
	(void)self;
	log_call("f %ld", pool_index(p));
}

static const struct allocator_ops fake_ops = {
	.name = "fake",
	.malloc = fake_malloc,
	.calloc = fake_calloc,
	.aligned_alloc = fake_aligned,
	.realloc = fake_realloc,
	.free = fake_free,
};

static void build_trace(struct trace *t)
{
	struct trace_builder b;
	char err[256];
	trace_builder_init(&b, 0);
	assert_int_equal(trace_builder_add(&b, TRACE_MALLOC, 1, 24, 0, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_CALLOC, 2, 8, 10, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_ALIGNED, 3, 100, 64, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_REALLOC, 1, 48, 0, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_FREE, 2, 0, 0, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_MALLOC, 4, 32, 0, 0, err, sizeof err), 0);
	assert_int_equal(trace_builder_add(&b, TRACE_FREE, 4, 0, 0, 0, err, sizeof err), 0);
	trace_builder_finish(&b, t);
}

/* The latency pass and the throughput pass make the same calls, in the same
 * order, with the same arguments; each call lands in its kind's histogram. */
static void test_pass_same_calls(void **state)
{
	struct trace t = {0};
	struct replay r;
	char throughput_log[LOG_MAX][48];
	int throughput_calls;
	struct timer tm;
	build_trace(&t);

	assert_int_equal(replay_init(&r, &fake_ops, NULL, &t, TOUCH_ALL, 2), 0);
	n_calls = n_pool = 0;
	replay_throughput(&r);
	throughput_calls = n_calls;
	memcpy(throughput_log, call_log, sizeof call_log);
	replay_release(&r);

	struct latency_set *set = latency_set_map();
	assert_non_null(set);
	*state = set;
	timer_init(&tm, 0);
	assert_int_equal(replay_init(&r, &fake_ops, NULL, &t, TOUCH_ALL, 2), 0);
	n_calls = n_pool = 0;
	replay_latency(&r, &tm, set);
	replay_release(&r);

	assert_int_equal(n_calls, 7);
	assert_int_equal(throughput_calls, n_calls);
	for (int i = 0; i < n_calls; i++)
		assert_string_equal(call_log[i], throughput_log[i]);
	assert_string_equal(call_log[0], "m 48");  /* size_scale 2 */
	assert_string_equal(call_log[2], "a 64 200");
	assert_string_equal(call_log[3], "r 0 96");
	assert_string_equal(call_log[4], "f 1");
	assert_string_equal(call_log[6], "f 4");
	/* Every call is recorded, a preempted one too. */
	assert_int_equal(set->op[TRACE_MALLOC].count, 2);
	assert_int_equal(set->op[TRACE_CALLOC].count, 1);
	assert_int_equal(set->op[TRACE_ALIGNED].count, 1);
	assert_int_equal(set->op[TRACE_REALLOC].count, 1);
	assert_int_equal(set->op[TRACE_FREE].count, 2);
	/* TOUCH_ALL wrote every byte of the new blocks, outside the timing. */
	assert_int_equal(pool[0][47], 1);
	assert_int_equal(pool[2][199], 1);
	trace_free(&t);
}

/* Every timed call has the timer's cost taken off: with a cost far above
 * any call (10^12 ticks) every sample is negative, so each kind's sum is
 * below zero and its calls all land in bucket 0. */
static void test_pass_subtracts_the_timer_cost(void **state)
{
	struct trace t = {0};
	struct replay r;
	struct timer tm;
	build_trace(&t);
	struct latency_set *set = latency_set_map();
	assert_non_null(set);
	*state = set;
	timer_init(&tm, 0);
	tm.cost_ticks = 1000000000000ull;
	assert_int_equal(replay_init(&r, &fake_ops, NULL, &t, TOUCH_NONE, 1), 0);
	n_calls = n_pool = 0;
	replay_latency(&r, &tm, set);
	replay_release(&r);
	assert_int_equal(set->off_cpu_calls, 0);
	for (int op = 0; op < TRACE_OP_COUNT; op++) {
		const struct latency_hist *h = &set->op[op];
		assert_true(h->count > 0);
		assert_true(h->sum < 0);
		assert_int_equal(h->bucket[0], h->count);
	}
	trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_layout),
		cmocka_unit_test_teardown(test_known_values, set_free),
		cmocka_unit_test_teardown(test_exact_small_values, set_free),
		cmocka_unit_test_teardown(test_negative_samples, set_free),
		cmocka_unit_test_teardown(test_max_clamp_and_scale, set_free),
		cmocka_unit_test_teardown(test_empty, set_free),
		cmocka_unit_test_teardown(test_geometric_spread, set_free),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test_teardown(test_pass_same_calls, set_free),
		cmocka_unit_test_teardown(test_pass_subtracts_the_timer_cost, set_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
