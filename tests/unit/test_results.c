/* test_results.c - the results directory (results.h): the clean-up of
 * temporary files left by writers killed mid-write, which must spare every
 * real file, including one whose workload name holds ".tmp.". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"

static int exists(const char *dir, const char *name)
{
	char path[8400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void touch(const char *dir, const char *name)
{
	char path[8400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("x\n", f);
	fclose(f);
}

static void test_remove_temps(void **state)
{
	(void)state;
	char root[] = "/tmp/allocscope-test-results-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct results_dir rd;
	struct diag d;
	assert_int_equal(results_create(&rd, root, NULL, &d), 0);
	char timeline[4200];
	snprintf(timeline, sizeof timeline, "%s/timeline", rd.path);

	touch(rd.path, "fragmentation.csv");
	touch(rd.path, "fragmentation.csv.tmp.Ab3dE9");
	touch(timeline, "ramp__system.csv");
	touch(timeline, "ramp__system.csv.tmp.zZ0qQ1");
	touch(timeline, "my.tmp.trace__first-fit.csv");   /* a legal workload name */
	touch(timeline, "x.tmp.abc");                     /* too short to be a temp */

	results_remove_temps(&rd);
	assert_false(exists(rd.path, "fragmentation.csv.tmp.Ab3dE9"));
	assert_false(exists(timeline, "ramp__system.csv.tmp.zZ0qQ1"));
	assert_true(exists(rd.path, "fragmentation.csv"));
	assert_true(exists(rd.path, RESULTS_INCOMPLETE_MARK));
	assert_true(exists(timeline, "ramp__system.csv"));
	assert_true(exists(timeline, "my.tmp.trace__first-fit.csv"));
	assert_true(exists(timeline, "x.tmp.abc"));

	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_temps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
