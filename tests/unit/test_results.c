/* test_results.c - the results directory (results.h): the clean-up of
 * temporary files left by writers killed mid-write, which must spare every
 * real file, including one whose workload name holds ".tmp."; latest naming
 * the newest run; two runs in one second; CSV quoting; and the names of the
 * timeline files (timeline.h), one per strategy as typed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "results.h"
#include "timeline.h"

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

/* What the symbolic link at path names. */
static const char *link_target(const char *path)
{
	static char target[256];
	ssize_t n = readlink(path, target, sizeof target - 1);
	assert_true(n > 0);
	target[n] = '\0';
	return target;
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

	assert_int_equal(dir_remove(root), 0);
}

/* latest names the newest run by start time: one that started later and
 * finished first keeps it, whatever the names say. The first run here is
 * named in a zone 9 hours ahead (as a host beside a UTC container would
 * name it), so its name sorts after the second's. */
static void test_latest_is_newest(void **state)
{
	(void)state;
	char root[] = "/tmp/allocscope-test-latest-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct results_dir ahead, utc;
	struct diag d;
	char link[4200];
	snprintf(link, sizeof link, "%s/latest", root);
	const char *tz = getenv("TZ");
	char *saved = tz ? strdup(tz) : NULL;
	setenv("TZ", "JST-9", 1);
	tzset();
	assert_int_equal(results_create(&ahead, root, NULL, &d), 0);
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(results_create(&utc, root, NULL, &d), 0);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	assert_true(strcmp(ahead.name, utc.name) > 0);
	assert_true(utc.started_ns >= ahead.started_ns);

	/* The earlier run finishes first, then the later one: latest moves on. */
	assert_int_equal(results_complete(&ahead, &d), 0);
	assert_string_equal(link_target(link), ahead.name);
	assert_int_equal(results_complete(&utc, &d), 0);
	assert_string_equal(link_target(link), utc.name);
	/* The earlier run finishing last does not take it back. */
	assert_int_equal(results_complete(&ahead, &d), 0);
	assert_string_equal(link_target(link), utc.name);
	/* A run of an older allocscope (no start record) gives it up. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("20000101-000000-old", link), 0);
	assert_int_equal(results_complete(&ahead, &d), 0);
	assert_string_equal(link_target(link), ahead.name);

	assert_int_equal(dir_remove(root), 0);
}

/* Two runs started in the same second get X and X-2, never one directory,
 * and latest ends at the second. (Retried until both
 * land in one second, which the first try almost always does.) */
static void test_same_second(void **state)
{
	(void)state;
	char root[] = "/tmp/allocscope-test-second-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct results_dir a, b;
	struct diag d;
	char link[4200], want[sizeof a.name + 2];
	snprintf(link, sizeof link, "%s/latest", root);
	for (int tries = 0;; tries++) {
		assert_true(tries < 5);
		assert_int_equal(results_create(&a, root, NULL, &d), 0);
		assert_int_equal(results_create(&b, root, NULL, &d), 0);
		if (!strncmp(a.name, b.name, RESULTS_STAMP_LEN))
			break;
	}
	snprintf(want, sizeof want, "%s-2", a.name);
	assert_string_equal(b.name, want);
	/* Finished in either order, latest ends at the second. */
	assert_int_equal(results_complete(&b, &d), 0);
	assert_int_equal(results_complete(&a, &d), 0);
	assert_string_equal(link_target(link), b.name);
	assert_int_equal(dir_remove(root), 0);
}

/* Fields are quoted as RFC 4180 says: a comma, a quote or a newline. */
static void test_csv_append(void **state)
{
	(void)state;
	char row[256] = "";
	csv_append(row, sizeof row, "plain");
	csv_append(row, sizeof row, "failed:a, b");
	csv_append(row, sizeof row, "q\"x");
	csv_append(row, sizeof row, "");
	assert_string_equal(row, "plain,\"failed:a, b\",\"q\"\"x\",");
}

static void test_timeline_names(void **state)
{
	(void)state;
	char a[TIMELINE_NAME_SIZE], b[TIMELINE_NAME_SIZE];
	timeline_file_name(a, "ramp", "first-fit:order=lifo");
	assert_string_equal(a, "ramp__first-fit:order=lifo.csv");
	timeline_file_name(a, "ramp", "plugin:/tmp/pa/b.so");
	assert_string_equal(a, "ramp__plugin:%2Ftmp%2Fpa%2Fb.so.csv");
	/* Sanitising turned both of these into plugin__tmp_pa_b.so. */
	timeline_file_name(b, "ramp", "plugin:/tmp/pa_b.so");
	assert_string_equal(b, "ramp__plugin:%2Ftmp%2Fpa_b.so.csv");
	timeline_file_name(a, "ramp", "lib:/x/50%.so");
	assert_string_equal(a, "ramp__lib:%2Fx%2F50%25.so.csv");

	/* Long specs are cut so that even the temporary name the file is
	 * written under fits NAME_MAX, never inside a %XX, and two that differ
	 * only at their ends stay apart. */
	char spec[512], workload[128];
	memset(workload, 'w', 127);
	workload[127] = '\0';
	snprintf(spec, sizeof spec, "plugin:%0400d/x.so", 0);
	for (char *c = spec + 7; *c == '0'; c += 4)
		*c = '/';
	timeline_file_name(a, workload, spec);
	spec[strlen(spec) - 4] = 'y';
	timeline_file_name(b, workload, spec);
	assert_true(strlen(a) + strlen(FILEIO_TEMP_SUFFIX) <= NAME_MAX);
	assert_string_not_equal(a, b);
	const char *tilde = strchr(a, '~');
	assert_non_null(tilde);
	assert_int_equal(strlen(tilde), 1 + 16 + strlen(".csv"));
	assert_true(tilde[-1] != '%' && tilde[-2] != '%');
}

/* A 'latest' that is the user's own file is refused before anything runs,
 * and so is a root too long for a run's files to fit PATH_MAX under it. */
static void test_root_refused(void **state)
{
	(void)state;
	char root[] = "/tmp/allocscope-test-results-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct results_dir rd;
	struct diag d;
	touch(root, "latest");
	assert_int_equal(results_create(&rd, root, NULL, &d), -1);
	assert_non_null(strstr(d.message, "is not a symbolic link"));
	assert_non_null(strstr(d.file, "/latest"));

	char deep[PATH_MAX];
	memset(deep, 'a', sizeof deep);
	memcpy(deep, root, strlen(root));
	deep[strlen(root)] = '/';
	deep[3700] = '\0';
	assert_int_equal(results_create(&rd, deep, NULL, &d), -1);
	assert_non_null(strstr(d.message, "path is too long"));
	assert_int_equal(dir_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_second),
		cmocka_unit_test(test_csv_append),
		cmocka_unit_test(test_remove_temps),
		cmocka_unit_test(test_timeline_names),
		cmocka_unit_test(test_latest_is_newest),
		cmocka_unit_test(test_root_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
