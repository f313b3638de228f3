/* test_yaml_quote.c - the one YAML quoter (yaml_quote.h): exact escapes,
 * UTF-8 kept, what YAML may not hold escaped, every output read back by
 * libyaml (as the loader would) to the input where the input is valid
 * UTF-8, and the bounded form never cutting an escape in half. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "yaml_quote.h"

static char quoted[4096];

static void put(void *ctx, const char *bytes, size_t n)
{
	size_t *used = ctx;
	assert_true(*used + n < sizeof quoted);
	memcpy(quoted + *used, bytes, n);
	*used += n;
	quoted[*used] = '\0';
}

static const char *quote(const char *s)
{
	size_t used = 0;
	yaml_quote(s, put, &used);
	return quoted;
}

/* The scalar libyaml reads from `k: QUOTED`; 0, or -1 when it refuses. */
static int read_back(const char *q, char *out, size_t len)
{
	char doc[4200];
	snprintf(doc, sizeof doc, "k: %s\n", q);
	yaml_parser_t p;
	yaml_event_t ev;
	int scalars = 0, rc = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
	for (int done = 0; !done;) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = -1;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT && ++scalars == 2)
			snprintf(out, len, "%s", (const char *)ev.data.scalar.value);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

static void test_escapes(void **state)
{
	(void)state;
	assert_string_equal(quote("plain"), "\"plain\"");
	assert_string_equal(quote(""), "\"\"");
	assert_string_equal(quote("a\"b\\c\nd\te"), "\"a\\\"b\\\\c\\nd\\te\"");
	assert_string_equal(quote("\x01\x1f\x7f"), "\"\\x01\\x1f\\x7f\"");
	/* UTF-8 as it is; C1 controls and noncharacters escaped */
	assert_string_equal(quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_string_equal(quote("\xc2\x80|\xc2\x85|\xe2\x80\xa8|\xef\xbf\xbe"),
			    "\"\\u0080|\\u0085|\\u2028|\\ufffe\"");
	/* not UTF-8: a stray byte, an overlong '/', a surrogate, past U+10FFFF */
	assert_string_equal(quote("\xff"), "\"\\xff\"");
	assert_string_equal(quote("\xc0\xaf"), "\"\\xc0\\xaf\"");
	assert_string_equal(quote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");
	assert_string_equal(quote("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");
	assert_string_equal(quote("\xe2\x82"), "\"\\xe2\\x82\"");
}

static void test_libyaml_reads_it_back(void **state)
{
	(void)state;
	static const char *const valid[] = {
		"plain", "", "a\"b\\c\nd\te", "\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\xc2\x80\xc2\x85\xc2\x9f\xe2\x80\xa8\xe2\x80\xa9\xef\xbf\xbe\xef\xbf\xbf", "sh -c 'echo \"$HOME\"' #x: [y]",
	};
	char back[4096];
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		assert_int_equal(read_back(quote(valid[i]), back, sizeof back), 0);
		assert_string_equal(back, valid[i]);
	}
	/* invalid UTF-8 still makes a document libyaml accepts */
	assert_int_equal(read_back(quote("\xff\xc0\xaf\xed\xa0\x80"), back, sizeof back), 0);
}

static void test_bounded(void **state)
{
	(void)state;
	char buf[16] = "file: ";
	yaml_quote_append("abc", buf, sizeof buf);
	assert_string_equal(buf, "file: \"abc\"");
	/* 10 bytes left after "file: ": the quotes and the NUL, then whole
	 * pieces while they fit (the escaped quote is one piece) */
	char cut[16] = "file: ";
	yaml_quote_append("ab\"cdef", cut, sizeof cut);
	assert_string_equal(cut, "file: \"ab\\\"cde\"");
	char edge[14] = "file: "; /* room for "abcd" and one byte, not the 2-byte escape */
	yaml_quote_append("abcd\"ef", edge, sizeof edge);
	assert_string_equal(edge, "file: \"abcd\"");
	char tiny[8] = "file: ";
	yaml_quote_append("abc", tiny, sizeof tiny);
	assert_string_equal(tiny, "file: ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_libyaml_reads_it_back),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
