/* test_cli.c - the command line as meta.yaml and a captured trace record it
 * (cli_join_command): words quoted only where a shell needs it, and a shell
 * splitting the string gets the same words back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"

static void test_plain_words_stay_bare(void **state)
{
	(void)state;
	char *argv[] = {"run", "-a", "first-fit:order=lifo,plugin:/opt/x.so", "-n", "5", NULL};
	char buf[256];
	cli_join_command("allocscope", argv, 5, buf, sizeof buf);
	assert_string_equal(buf, "allocscope run -a first-fit:order=lifo,plugin:/opt/x.so -n 5");
}

static void test_quoting(void **state)
{
	(void)state;
	char *argv[] = {"-o", "a b", "it's", "", "$HOME", NULL};
	char buf[256];
	cli_join_command(NULL, argv, 99, buf, sizeof buf);
	assert_string_equal(buf, "-o 'a b' 'it'\\''s' '' '$HOME'");
}

/* A shell given the joined string prints the words back one per line. */
static void test_shell_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"x y", "'", "a'b'c", "tab\there", "*", ";", NULL};
	char joined[512], script[700], out[512] = "";
	cli_join_command(NULL, argv, 6, joined, sizeof joined);
	snprintf(script, sizeof script, "sh -c 'for w; do printf \"[%%s]\" \"$w\"; done' sh %s", joined);
	FILE *p = popen(script, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, sizeof out, p));
	pclose(p);
	assert_string_equal(out, "[x y]['][a'b'c][tab\there][*][;]");
}

static void test_cut_short(void **state)
{
	(void)state;
	char *argv[] = {"aaaaaaaaaa", "bbbbbbbbbb", NULL};
	char buf[16];
	cli_join_command(NULL, argv, 2, buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf);
	assert_memory_equal(buf, "aaaaaaaaaa", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words_stay_bare),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_shell_round_trip),
		cmocka_unit_test(test_cut_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
