/* test_gen.c - the generate: expander: determinism (twice the same, and a
 * golden checksum that another machine must reproduce), each distribution's
 * basic property, phases (ramps, free phases, free_all) and spec errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gen_dist.h"
#include "trace.h"

/* Values this generator produced when it was written (see test_deterministic). */
#define GOLDEN_EVENTS 3009
#define GOLDEN_HASH 0xcc00f5e6f5fdc912ull
#define RNG_FIRST 0x99ec5f36cb75f2b4ull
#define CHOICE_N16 5078

static int expand(const char *spec, struct trace *t, struct diag *d)
{
	struct trace_load_options o = {.no_cache = 1};
	memset(t, 0, sizeof *t);
	memset(d, 0, sizeof *d);
	return trace_parse_yaml("spec.yaml", spec, strlen(spec), &o, t, d);
}

static void expand_ok(const char *spec, struct trace *t)
{
	struct diag d;
	if (expand(spec, t, &d))
		fail_msg("%s:%lu:%lu: %s", d.file, d.line, d.column, d.message);
}

/* FNV-1a over the events' fields (not the struct's bytes: no padding
 * assumptions). */
static uint64_t events_hash(const struct trace *t)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < t->n_events; i++) {
		const struct trace_event *e = &t->events[i];
		uint64_t f[5] = {e->size, e->slot, e->op, e->align_log2, e->thread};
		for (int k = 0; k < 5; k++)
			for (int b = 0; b < 8; b++)
				h = (h ^ (uint8_t)(f[k] >> (8 * b))) * 0x100000001b3ull;
	}
	return h;
}

static const char small_spec[] =
	"allocscope: 1\nname: small\n"
	"generate:\n"
	"  seed: 12345\n"
	"  threads: 3\n"
	"  phases:\n"
	"    - events: 2000\n"
	"      sizes: {lognormal: {median: 48, sigma: 1.5, max: 100000}}\n"
	"      lifetime: {exponential: {mean: 50}}\n"
	"      calloc: 0.1\n"
	"      aligned: {p: 0.05, alignments: [32, 256]}\n"
	"      realloc: {p: 0.1, growth: 1.5}\n"
	"    - events: 1000\n"
	"      sizes: {choice: [[16, 3], [1000, 1]]}\n"
	"      live: 10\n"
	"      free_all: true\n";

static void test_deterministic(void **state)
{
	(void)state;
	struct trace a, b;
	expand_ok(small_spec, &a);
	expand_ok(small_spec, &b);
	assert_true(a.n_events > 3000);
	assert_int_equal(a.n_events, b.n_events);
	assert_memory_equal(a.events, b.events, a.n_events * sizeof *a.events);
	/* Golden: computed once on x86-64 Linux. A different value here means
	 * the same spec now gives different events: a determinism bug, or a
	 * deliberate change of the generator (then update it and say so). */
	printf("small spec: %llu events, hash %#llx\n", (unsigned long long)a.n_events,
	       (unsigned long long)events_hash(&a));
	assert_int_equal(a.n_events, GOLDEN_EVENTS);
	assert_int_equal(events_hash(&a), GOLDEN_HASH);
	trace_free(&a);
	trace_free(&b);
}

static void test_rng_and_math(void **state)
{
	(void)state;
	struct gen_rng r;
	gen_rng_seed(&r, 0);
	/* xoshiro256** from splitmix64(0): fixed forever. */
	assert_int_equal(gen_rng_next(&r), RNG_FIRST);
	assert_int_equal(gen_fix_log2(1), 0);
	assert_int_equal(gen_fix_log2(1024), (uint64_t)10 << 32);
	assert_int_equal(gen_fix_log2(3) >> 16, 0x195C0); /* log2 3 = 1.58496... */
	assert_int_equal(gen_fix_exp2((int64_t)3 << 32, 5), 40);
	assert_int_equal(gen_fix_exp2(-((int64_t)1 << 32), 1000), 500);
	assert_int_equal(gen_fix_exp2((int64_t)1 << 31, 1000000), 1414213); /* sqrt 2 */
	assert_int_equal(gen_fix_exp2((int64_t)70 << 32, 1), UINT64_MAX);
	for (uint64_t n = 1; n < 50; n++)
		assert_true(gen_rng_below(&r, n) < n);
}

static void test_dist_fixed_uniform(void **state)
{
	(void)state;
	struct gen_rng r;
	gen_rng_seed(&r, 7);
	struct gen_dist f = {.kind = GEN_FIXED, .a = 77};
	struct gen_dist u = {.kind = GEN_UNIFORM, .a = 10, .b = 13};
	unsigned seen[4] = {0};
	for (int i = 0; i < 4000; i++) {
		assert_int_equal(gen_dist_sample(&f, &r), 77);
		uint64_t v = gen_dist_sample(&u, &r);
		assert_in_range(v, 10, 13);
		seen[v - 10]++;
	}
	for (int i = 0; i < 4; i++) /* each end and the middle: about 1000 each */
		assert_in_range(seen[i], 850, 1150);
}

static void test_dist_choice_cycle(void **state)
{
	(void)state;
	uint64_t vals[3] = {16, 64, 4096}, cum[3] = {5, 8, 9};
	struct gen_dist c = {.kind = GEN_CHOICE, .values = vals, .cum = cum, .n = 3};
	struct gen_rng r;
	gen_rng_seed(&r, 99);
	unsigned n16 = 0, n64 = 0, n4k = 0;
	for (int i = 0; i < 9000; i++) {
		uint64_t v = gen_dist_sample(&c, &r);
		n16 += v == 16;
		n64 += v == 64;
		n4k += v == 4096;
	}
	assert_int_equal(n16 + n64 + n4k, 9000);
	/* weights 5:3:1 of 9000 -> about 5000, 3000, 1000 */
	assert_in_range(n16, 4800, 5200);
	assert_in_range(n64, 2850, 3150);
	assert_in_range(n4k, 900, 1100);
	printf("choice counts with seed 99: %u %u %u\n", n16, n64, n4k);
	assert_int_equal(n16, CHOICE_N16);
	struct gen_dist y = {.kind = GEN_CYCLE, .values = vals, .n = 2};
	assert_int_equal(gen_dist_sample(&y, &r), 16);
	assert_int_equal(gen_dist_sample(&y, &r), 64);
	assert_int_equal(gen_dist_sample(&y, &r), 16);
}

static void test_dist_tails(void **state)
{
	(void)state;
	struct gen_rng r;
	gen_rng_seed(&r, 3);
	struct gen_dist e = {.kind = GEN_EXPONENTIAL, .mean_q32 = 1000 * GEN_Q32_ONE};
	struct gen_dist l = {.kind = GEN_LOGNORMAL, .a = 100, .sigma_q32 = GEN_Q32_ONE, .max = 5000};
	uint64_t sum = 0, below = 0, max = 0;
	for (int i = 0; i < 100000; i++) {
		sum += gen_dist_sample(&e, &r);
		uint64_t v = gen_dist_sample(&l, &r);
		below += v < 100;
		max = v > max ? v : max;
	}
	/* exponential: mean 1000 (floor: 999.5), sd of the mean about 3 */
	assert_in_range(sum / 100000, 985, 1015);
	/* lognormal: half below the median; clamped at max */
	assert_in_range(below, 49000, 51000);
	assert_int_equal(max, 5000);
}

static const char binary_spec[] =
	"allocscope: 1\nname: bin\n"
	"generate:\n"
	"  repeat: 2\n"
	"  phases:\n"
	"    - events: 6\n"
	"      sizes: {cycle: [64, 448]}\n"
	"    - free: {size_max: 64}\n"
	"    - events: 2\n"
	"      sizes: 512\n"
	"    - free: all\n";

static void test_binary_pattern(void **state)
{
	(void)state;
	struct trace t;
	expand_ok(binary_spec, &t);
	/* per round: 6 mallocs, 3 frees (the 64s), 2 mallocs, 5 frees */
	assert_int_equal(t.n_events, 2 * 16);
	assert_int_equal(t.count[TRACE_MALLOC], 2 * 8);
	assert_int_equal(t.count[TRACE_FREE], 2 * 8);
	/* 3*64 + 3*448 = 1536, minus 192, plus 1024 = 2368 */
	assert_int_equal(t.peak_live_bytes, 2368);
	for (int i = 6; i < 9; i++) { /* the small blocks go first, oldest first */
		assert_int_equal(t.events[i].op, TRACE_FREE);
		assert_int_equal(t.events[i].slot, t.events[2 * (i - 6)].slot);
	}
	trace_free(&t);
}

static void test_live_ramp_and_free_all(void **state)
{
	(void)state;
	struct trace t;
	expand_ok("allocscope: 1\nname: r\ngenerate:\n  phases:\n"
		  "    - events: 3000\n      sizes: 10\n      live: 1000\n"
		  "    - events: 1000\n      sizes: 10\n      live: 1000\n      free_all: true\n",
		  &t);
	/* the ramp ends at 1000 blocks of 10 bytes: peak exactly 10000 */
	assert_int_equal(t.peak_live_bytes, 10000);
	assert_int_equal(t.count[TRACE_MALLOC], t.count[TRACE_FREE]);
	assert_int_equal(t.n_events, 4000 + 1000);
	trace_free(&t);

	expand_ok("allocscope: 1\nname: v\ngenerate:\n  phases:\n"
		  "    - events: 11\n      sizes: 16\n"
		  "      realloc: {p: 1, growth: 2, max: 1024, pick: newest}\n", &t);
	/* malloc(16), doublings to 32..1024 (6), freed instead of 2048, then
	 * malloc(16) and two doublings: 1 + 6 + 1 + 1 + 2 = 11 events */
	assert_int_equal(t.count[TRACE_MALLOC], 2);
	assert_int_equal(t.count[TRACE_REALLOC], 8);
	assert_int_equal(t.count[TRACE_FREE], 1);
	assert_int_equal(t.peak_live_bytes, 1024);
	trace_free(&t);
}

static void expect_error(const char *spec, unsigned long line, unsigned long col,
			 const char *needle)
{
	struct trace t;
	struct diag d;
	assert_int_equal(expand(spec, &t, &d), -1);
	if (!strstr(d.message, needle) || d.line != line || d.column != col)
		fail_msg("got %lu:%lu: %s; wanted %lu:%lu: ...%s...", d.line, d.column,
			 d.message, line, col, needle);
}

static void test_errors(void **state)
{
	(void)state;
	const char *head = "allocscope: 1\nname: e\ngenerate:\n";
	char buf[512];
#define ERR(body, line, col, needle)                                   \
	snprintf(buf, sizeof buf, "%s%s", head, body);                 \
	expect_error(buf, line, col, needle)
	ERR("  seeds: 1\n  phases: [{events: 1, sizes: 1}]\n", 4, 3, "unknown key 'seeds'");
	ERR("  phases:\n    - events: -5\n      sizes: 1\n", 5, 15, "unsigned integer");
	ERR("  phases:\n    - events: 5\n", 5, 7, "missing 'sizes'");
	ERR("  phases:\n    - events: 5\n      sizes: {gauss: 3}\n", 6, 15,
	    "unknown distribution 'gauss'");
	ERR("  phases:\n    - events: 5\n      sizes: {uniform: [9, 3]}\n", 6, 28,
	    "out of range");
	ERR("  phases:\n    - events: 5\n      sizes: 8\n      calloc: 1.5\n", 7, 15,
	    "too large");
	ERR("  phases:\n    - events: 5\n      sizes: 8\n      aligned: {p: 0.5, "
	    "alignments: [48]}\n", 7, 38, "not a power of two");
	ERR("  phases:\n    - events: 5\n      sizes: 8\n      lifetime: 3\n      live: 3\n",
	    5, 7, "exclude each other");
	ERR("  phases:\n    - free: some\n", 5, 13, "expected 'all'");
	ERR("  phases: []\n", 4, 11, "non-empty list");
	ERR("  phases:\n    - events: 5\n      sizes: {choice: [[1, 0]]}\n", 6, 23,
	    "add up to 0");
	/* rounds up to 2^64 in Q32.32: refused, not wrapped to a mean of 0 */
	ERR("  phases:\n    - events: 5\n      sizes: {exponential: {mean: "
	    "4294967295.99999999999}}\n", 6, 35, "too large");
	/* a number too large is said so, not called malformed */
	ERR("  phases:\n    - events: 5\n      sizes: {exponential: {mean: 5000000000}}\n", 6, 35,
	    "'5000000000' is too large");
	ERR("  seed: 18446744073709551616\n  phases: [{events: 1, sizes: 1}]\n", 4, 9,
	    "'18446744073709551616' is out of range");
#undef ERR
}

/* The largest lifetime is forever: step + lifetime once wrapped to the past
 * and freed every block at the next event. */
static void test_endless_lifetime(void **state)
{
	(void)state;
	struct trace t;
	expand_ok("allocscope: 1\nname: e\ngenerate:\n  phases:\n    - events: 100\n"
		  "      sizes: 16\n      lifetime: 18446744073709551615\n", &t);
	assert_int_equal(t.count[TRACE_MALLOC], 100);
	assert_int_equal(t.count[TRACE_FREE], 0);
	assert_int_equal(t.peak_live_bytes, 1600);
	trace_free(&t);
}

/* A lifetime holds in the phases after the one that gave it: block 0 dies
 * at the event after its birth though the next phase has no lifetime. */
static void test_lifetime_outlives_its_phase(void **state)
{
	(void)state;
	struct trace t;
	expand_ok("allocscope: 1\nname: l\ngenerate:\n  phases:\n"
		  "    - {events: 1, sizes: 8, lifetime: 1}\n    - {events: 3, sizes: 16}\n", &t);
	assert_int_equal(t.n_events, 4);
	assert_int_equal(t.events[1].op, TRACE_FREE);
	assert_int_equal(t.events[1].slot, t.events[0].slot);
	assert_int_equal(t.peak_live_bytes, 32);
	trace_free(&t);
}

/* realloc: {p: P} is the share of all events, in a lifetime phase (where
 * half the other events are frees) as in a live-set one. */
static void test_realloc_share(void **state)
{
	(void)state;
	static const char *const phase[] = {"lifetime: 100", "live: 1000"};
	for (int i = 0; i < 2; i++) {
		char spec[256];
		struct trace t;
		snprintf(spec, sizeof spec, "allocscope: 1\nname: r\ngenerate:\n  phases:\n"
			 "    - {events: 100000, sizes: 16, %s, realloc: {p: 0.1, growth: 1}}\n",
			 phase[i]);
		expand_ok(spec, &t);
		uint64_t r = t.count[TRACE_REALLOC];
		if (r < 9400 || r > 10600)
			fail_msg("%s: %llu reallocs in 100000 events, want about 10000", phase[i],
				 (unsigned long long)r);
		trace_free(&t);
	}
}

/* The event limit holds for the frees a free phase adds: 8 allocations and
 * their 8 frees pass a limit of 10, which the spec's own count (8) meets. */
static void test_limit_counts_free_phases(void **state)
{
	(void)state;
	static const char spec[] = "allocscope: 1\nname: f\ngenerate:\n  phases:\n"
				   "    - {events: 8, sizes: 16}\n    - free: all\n";
	struct trace_load_options o = {.no_cache = 1, .max_events = 10};
	struct trace t = {0};
	struct diag d = {0};
	assert_int_equal(trace_parse_yaml("spec.yaml", spec, strlen(spec), &o, &t, &d), -1);
	assert_non_null(strstr(d.message, "more than 10 events"));
	assert_int_equal(d.line, 6); /* the free phase */
	trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_and_math),
		cmocka_unit_test(test_dist_fixed_uniform),
		cmocka_unit_test(test_dist_choice_cycle),
		cmocka_unit_test(test_dist_tails),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_binary_pattern),
		cmocka_unit_test(test_live_ramp_and_free_all),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_endless_lifetime),
		cmocka_unit_test(test_lifetime_outlives_its_phase),
		cmocka_unit_test(test_realloc_share),
		cmocka_unit_test(test_limit_counts_free_phases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
