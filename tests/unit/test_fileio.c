/* test_fileio.c - whole files only (fileio.h): a write goes to a temporary
 * name beside the target and replaces it only on a successful commit; a
 * discarded write leaves the target as it was and no temporary file; a
 * symbolic link keeps pointing at the replaced file; a directory is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "files.h"

static char dir[] = "/tmp/allocscope-test-fileio.XXXXXX";
static char target[sizeof dir + 16];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(target, sizeof target, "%s/out.csv", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return dir_remove(dir);
}

static void test_commit_replaces_whole(void **state)
{
	(void)state;
	char tmp[4200];
	put(target, "old\n");
	int fd = fileio_open_temp(target, tmp, sizeof tmp);
	assert_true(fd >= 0);
	assert_string_not_equal(tmp, target);
	assert_int_equal(strncmp(tmp, target, strlen(target)), 0);
	assert_int_equal(fileio_write_all(fd, "new\n", 4), 0);
	assert_string_equal(file_text(target), "old\n"); /* untouched until the commit */
	assert_int_equal(fileio_commit_temp(fd, tmp, 1), 0);
	assert_string_equal(file_text(target), "new\n");
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(dir_entries(dir), 1);
}

static void test_discard_leaves_target(void **state)
{
	(void)state;
	char tmp[4200];
	put(target, "old\n");
	int fd = fileio_open_temp(target, tmp, sizeof tmp);
	assert_true(fd >= 0);
	assert_int_equal(fileio_write_all(fd, "half", 4), 0);
	assert_int_equal(fileio_commit_temp(fd, tmp, 0), -1);
	assert_string_equal(file_text(target), "old\n");
	assert_int_equal(dir_entries(dir), 1);

	FILE *f = fileio_fopen_temp(target, tmp, sizeof tmp);
	assert_non_null(f);
	fputs("half", f);
	assert_int_equal(fileio_fcommit_temp(f, tmp, 0), -1);
	assert_string_equal(file_text(target), "old\n");
	assert_int_equal(dir_entries(dir), 1);
}

/* A caller's failure (a short write, a full disk) is the reason the commit
 * reports, whether the output was a temporary file or written in place. */
static void test_failure_keeps_reason(void **state)
{
	(void)state;
	char tmp[4200];
	int fd = fileio_open_temp(target, tmp, sizeof tmp);
	assert_true(fd >= 0);
	errno = ENOSPC;
	assert_int_equal(fileio_commit_temp(fd, tmp, 0), -1);
	assert_int_equal(errno, ENOSPC);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	errno = ENOSPC;
	assert_int_equal(fileio_commit_temp(fds[1], "", 0), -1);
	assert_int_equal(errno, ENOSPC);
	close(fds[0]);
}

static void test_link_keeps_pointing(void **state)
{
	(void)state;
	char tmp[4200], link[sizeof dir + 16], seen[256];
	snprintf(link, sizeof link, "%s/link.csv", dir);
	put(target, "old\n");
	assert_int_equal(symlink("out.csv", link), 0);
	FILE *f = fileio_fopen_temp(link, tmp, sizeof tmp);
	assert_non_null(f);
	fputs("new\n", f);
	assert_int_equal(fileio_fcommit_temp(f, tmp, 1), 0);
	ssize_t n = readlink(link, seen, sizeof seen - 1);
	assert_true(n > 0);
	seen[n] = '\0';
	assert_string_equal(seen, "out.csv");
	assert_string_equal(file_text(target), "new\n");
	assert_int_equal(unlink(link), 0);
}

static void test_directory_refused(void **state)
{
	(void)state;
	char tmp[4200];
	errno = 0;
	assert_int_equal(fileio_open_temp(dir, tmp, sizeof tmp), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(fileio_check_target(dir), -1);
	assert_int_equal(errno, EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_replaces_whole),
		cmocka_unit_test(test_discard_leaves_target),
		cmocka_unit_test(test_failure_keeps_reason),
		cmocka_unit_test(test_link_keeps_pointing),
		cmocka_unit_test(test_directory_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
