/* test_cache_sim.c - the cache pass's two sources: the callgrind profile
 * parser on hand-written files (exact figures, the absent ones absent, bad
 * files refused), the callgrind command line, and the hardware counters
 * (their fallback is forced here; the counting is checked where the machine
 * has counters). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_sim.h"
#include "counters.h"

/* Writes text to a temporary file; its path into path. */
static void write_sample(char *path, size_t len, const char *text)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(path, len, "%s/test_cache_sim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int parse_text(const char *text, struct counter_values *v, char *err, size_t len)
{
	char path[4096];
	write_sample(path, sizeof path, text);
	int rc = cache_sim_parse(path, v, err, len);
	unlink(path);
	return rc;
}

/* As callgrind 3.19 writes it with --cache-sim=yes (numbers made up). */
static const char full_profile[] =
	"# callgrind format\n"
	"version: 1\n"
	"creator: callgrind-3.19.0\n"
	"pid: 4242\n"
	"cmd:  allocscope __replay --pass cache\n"
	"part: 1\n"
	"\n"
	"desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
	"desc: D1 cache: 49152 B, 64 B, 12-way associative\n"
	"desc: LL cache: 31457280 B, 64 B, 15-way associative\n"
	"\n"
	"positions: line\n"
	"events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
	"summary: 76290601 14320864 27340134 138 1207382 889733 124 45459 100360\n"
	"\n"
	"ob=(1) /work/main/build/allocscope\n"
	"fl=(1) src/replay.c\n"
	"fn=(1) replay_throughput\n"
	"67 12 3 1\n"
	"\n"
	"totals: 76290601 14320864 27340134 138 1207382 889733 124 45459 100360\n";

/* As callgrind 3.19 writes it with --instr-atstart=no: a header summary of
 * 0, the real figures in the totals at the end. */
static const char late_instrumentation_profile[] =
	"# callgrind format\n"
	"events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
	"summary: 0\n"
	"fn=(4) replay_throughput\n"
	"66 8 0 6 2 0 1 2 0 1\n"
	"totals: 7540852 1771213 891556 221 20758 24153 221 13081 21845\n";

static void test_parse_full(void **state)
{
	(void)state;
	struct counter_values v;
	char err[512] = "";
	assert_int_equal(parse_text(full_profile, &v, err, sizeof err), 0);
	assert_int_equal(v.value[COUNTER_INSTRUCTIONS], 76290601);
	assert_int_equal(v.value[COUNTER_L1D_MISSES], 1207382);
	assert_int_equal(v.value[COUNTER_LLC_MISSES], 45459 + 100360);
	assert_int_equal(v.have, CACHE_SIM_FIGURES);
	/* No simulated cycles or dTLB: absent, not zero. */
	assert_false(v.have & (1u << COUNTER_CYCLES));
	assert_false(v.have & (1u << COUNTER_DTLB_MISSES));
}

static void test_parse_totals_over_summary(void **state)
{
	(void)state;
	struct counter_values v;
	char err[512] = "";
	assert_int_equal(parse_text(late_instrumentation_profile, &v, err, sizeof err), 0);
	assert_int_equal(v.value[COUNTER_INSTRUCTIONS], 7540852);
	assert_int_equal(v.value[COUNTER_L1D_MISSES], 20758);
	assert_int_equal(v.value[COUNTER_LLC_MISSES], 13081 + 21845);
}

/* Only a summary line (cachegrind-style files): it is used. */
static void test_parse_summary_only(void **state)
{
	(void)state;
	struct counter_values v;
	char err[512] = "";
	assert_int_equal(parse_text("events: Ir D1mr DLmr DLmw\nsummary: 10 3 2 1\n", &v, err,
				    sizeof err), 0);
	assert_int_equal(v.value[COUNTER_INSTRUCTIONS], 10);
	assert_int_equal(v.value[COUNTER_L1D_MISSES], 3);
	assert_int_equal(v.value[COUNTER_LLC_MISSES], 3);
}

/* The totals line in another column order, with the trailing columns left
 * out (the format says they are zero). */
static void test_parse_totals_short(void **state)
{
	(void)state;
	struct counter_values v;
	char err[512] = "";
	assert_int_equal(parse_text("events: D1mr Ir DLmw DLmr Dr\n"
				    "fn=(1) replay_throughput\n"
				    "1 2 3\n"
				    "totals: 7 500 11\n", &v, err, sizeof err), 0);
	assert_int_equal(v.value[COUNTER_INSTRUCTIONS], 500);
	assert_int_equal(v.value[COUNTER_L1D_MISSES], 7);
	assert_int_equal(v.value[COUNTER_LLC_MISSES], 11);
}

static void expect_error(const char *text, const char *needle)
{
	struct counter_values v;
	char err[512] = "";
	assert_int_equal(parse_text(text, &v, err, sizeof err), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("summary: 1 2 3\n", "events:");
	expect_error("events: Ir D1mr DLmr DLmw\n", "totals:");
	expect_error("events: Ir\ntotals: 100\n", "'D1mr'");  /* no --cache-sim=yes */
	expect_error("events: Ir D1mr DLmr DLmw\ntotals: 1 2 x 4\n", "malformed");
	expect_error("events: Ir D1mr\ntotals: 1 2 3\n", "malformed");  /* more costs than names */
	expect_error("events: Ir D1mr DLmr DLmw\nsummary: 1 2 -3 4\n", "malformed");

	struct counter_values v;
	char err[512] = "";
	assert_int_equal(cache_sim_parse("/nonexistent/callgrind.out", &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open '/nonexistent/callgrind.out'"));
}

/* The command starts with instrumentation and collection off (the replay
 * process switches them on around its loop), the cache simulator on, and
 * names both files. */
static void test_command(void **state)
{
	(void)state;
	struct cache_sim_command c;
	cache_sim_command(&c, "/tmp/x.out", "/tmp/x.log");
	assert_string_equal(c.argv[0], "valgrind");
	int n = 0, seen = 0;
	for (; c.argv[n]; n++) {
		seen |= !strcmp(c.argv[n], "--tool=callgrind") << 0;
		seen |= !strcmp(c.argv[n], "--cache-sim=yes") << 1;
		seen |= !strcmp(c.argv[n], "--collect-atstart=no") << 2;
		seen |= !strcmp(c.argv[n], "--instr-atstart=no") << 3;
		seen |= !strcmp(c.argv[n], "--callgrind-out-file=/tmp/x.out") << 4;
		seen |= !strcmp(c.argv[n], "--log-file=/tmp/x.log") << 5;
	}
	assert_int_equal(seen, 63);
	assert_int_equal(n, 8);
	assert_true(n < (int)(sizeof c.argv / sizeof *c.argv));
}

/* Turned off by the environment: the fallback's reason, nothing open. */
static void test_counters_forced_off(void **state)
{
	(void)state;
	struct counters c;
	char why[256] = "";
	setenv("ALLOCSCOPE_NO_HW_COUNTERS", "1", 1);
	assert_int_equal(counters_open(&c, why, sizeof why), -1);
	unsetenv("ALLOCSCOPE_NO_HW_COUNTERS");
	assert_non_null(strstr(why, "ALLOCSCOPE_NO_HW_COUNTERS"));
	assert_int_equal(c.leader, -1);
	for (int i = 0; i < COUNTER_COUNT; i++)
		assert_int_equal(c.fd[i], -1);
}

/* The hardware path where there is one: a loop of known length counts at
 * least its instructions; where there is none, a reason is given. */
static void test_counters_hw(void **state)
{
	(void)state;
	struct counters c;
	struct counter_values v;
	char why[256] = "", missing[128];
	if (counters_open(&c, why, sizeof why)) {
		assert_true(why[0] != '\0');
		printf("no hardware counters here (%s): the hardware path is not exercised\n", why);
		skip();
	}
	counters_start(&c);
	volatile uint64_t sink = 0;
	for (uint64_t i = 0; i < 1000000; i++)
		sink += i;
	counters_stop(&c);
	assert_int_equal(counters_read(&c, &v), 0);
	counters_missing(&c, missing, sizeof missing);
	counters_close(&c);
	printf("counters missing here: '%s'\n", missing);
	if (v.have & (1u << COUNTER_INSTRUCTIONS))
		assert_true(v.value[COUNTER_INSTRUCTIONS] >= 1000000);
	assert_true(v.have != 0);
}

static void test_counter_names(void **state)
{
	(void)state;
	static const char *const want[COUNTER_COUNT] = {"instructions", "cycles", "l1d_misses",
		"llc_misses", "dtlb_misses"};
	for (int i = 0; i < COUNTER_COUNT; i++)
		assert_string_equal(counter_name((enum counter_id)i), want[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_totals_over_summary),
		cmocka_unit_test(test_parse_summary_only),
		cmocka_unit_test(test_parse_totals_short),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_counters_forced_off),
		cmocka_unit_test(test_counters_hw),
		cmocka_unit_test(test_counter_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
