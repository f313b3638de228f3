/* test_diag.c - a place is printed as much as it is known: FILE:LINE:COL,
 * FILE:LINE, FILE, or nothing before the message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "diag.h"

static const char *formatted(const char *file, unsigned long line, unsigned long column)
{
	static char buf[1200];
	struct diag d;
	diag_set(&d, file, line, column, "bad %s", "thing");
	diag_format(&d, buf, sizeof buf);
	return buf;
}

static void test_format_places(void **state)
{
	(void)state;
	assert_string_equal(formatted("t.yaml", 3, 7), "t.yaml:3:7: bad thing");
	assert_string_equal(formatted("t.yaml", 3, 0), "t.yaml:3: bad thing");
	assert_string_equal(formatted("t.yaml", 0, 0), "t.yaml: bad thing");
	assert_string_equal(formatted(NULL, 0, 0), "bad thing");
}

static void test_set_returns_minus_one_and_takes_null(void **state)
{
	(void)state;
	assert_int_equal(diag_set(NULL, "f", 1, 1, "x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_places),
		cmocka_unit_test(test_set_returns_minus_one_and_takes_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
