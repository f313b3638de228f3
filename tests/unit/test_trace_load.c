/* test_trace_load.c - the YAML loader: a hand-worked trace, every rejection
 * with its line, column and message, warnings for unknown keys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static int parse(const char *yaml, const struct trace_load_options *opt, struct trace *t,
		 struct diag *d)
{
	memset(d, 0, sizeof *d);
	return trace_parse_yaml("t.yaml", yaml, strlen(yaml), opt, t, d);
}

/* Hand-worked (see test_trace_builder.c for the arithmetic):
 * live 24, 104, 204, 228, 148, 180 -> peak 228; slots 0 1 2 0 1 1. */
static const char spec_example[] =
	"allocscope: 1\n"
	"name: python-json\n"
	"description: json round trip, \"quoted\"\n"
	"source: {kind: captured, command: \"python3 pj.py\", date: 2026-11-22,\n"
	"         env: [A, A, 'b c'], nested: {x: 1, kind: 2}}\n"
	"events:\n"
	"  - [m, 1, 24]\n"
	"  - [c, 2, 10, 8]\n"
	"  - [a, 3, 64, 100]\n"
	"  - [r, 1, 48]\n"
	"  - [f, 2]\n"
	"  - [m, 4, 32, t1]\n";

static void test_spec_example(void **state)
{
	(void)state;
	struct trace t;
	struct diag d;
	assert_int_equal(parse(spec_example, NULL, &t, &d), 0);
	assert_string_equal(t.name, "python-json");
	assert_string_equal(t.description, "json round trip, \"quoted\"");
	assert_string_equal(t.source, "{kind: captured, command: \"python3 pj.py\", "
				      "date: 2026-11-22, env: [A, A, 'b c'], nested: {x: 1, kind: 2}}");
	assert_int_equal(t.n_events, 6);
	assert_int_equal(t.count[TRACE_MALLOC], 2);
	assert_int_equal(t.count[TRACE_CALLOC], 1);
	assert_int_equal(t.count[TRACE_ALIGNED], 1);
	assert_int_equal(t.count[TRACE_REALLOC], 1);
	assert_int_equal(t.count[TRACE_FREE], 1);
	assert_int_equal(t.peak_live_bytes, 228);
	assert_int_equal(t.max_request, 100);
	assert_int_equal(t.n_slots, 3);
	assert_int_equal(t.n_threads, 2);
	assert_int_equal(t.events[1].size, 80);
	assert_int_equal(t.events[2].align_log2, 6);
	assert_int_equal(t.events[5].slot, 1);
	assert_int_equal(t.events[5].thread, 1);
	assert_null(t.map);
	trace_free(&t);
}

/* Block-style events, key order, huge ids, malloc(0), realloc to 0 and a
 * leak are all fine; an absent description and source stay NULL. */
static void test_accepted_forms(void **state)
{
	(void)state;
	struct trace t;
	struct diag d;
	const char *yaml = "events:\n"
			   "- - m\n"
			   "  - 18446744073709551615\n"
			   "  - 0\n"
			   "- [r, 18446744073709551615, 0]\n"
			   "- [m, 007, 5, t65535]\n"
			   "name: a.b_c-9\n"
			   "allocscope: 1\n";
	assert_int_equal(parse(yaml, NULL, &t, &d), 0);
	assert_int_equal(t.n_events, 3);
	assert_int_equal(t.n_slots, 2);
	assert_int_equal(t.n_threads, 65536);
	assert_int_equal(t.peak_live_bytes, 5);
	assert_null(t.description);
	assert_null(t.source);
	trace_free(&t);

	assert_int_equal(parse("allocscope: 1\nname: e\nevents: []\n", NULL, &t, &d), 0);
	assert_int_equal(t.n_events, 0);
	assert_int_equal(t.n_slots, 0);
	assert_int_equal(t.n_threads, 0);
	trace_free(&t);
}

struct reject {
	const char *yaml;
	unsigned long line, column;
	const char *message; /* a substring of the message */
};

#define HDR "allocscope: 1\nname: x\n" /* two lines: events start on line 3 */

static const struct reject rejects[] = {
	/* the header */
	{ "name: x\nevents: []\n", 1, 1, "missing 'allocscope: 1'" },
	{ "allocscope: 2\nname: x\nevents: []\n", 1, 13, "unsupported trace format version '2'" },
	{ "allocscope: one\nname: x\nevents: []\n", 1, 13, "'allocscope' 'one' is not a decimal integer" },
	{ "allocscope: 1\nevents: []\n", 1, 1, "missing 'name'" },
	{ "allocscope: 1\nname: a b\nevents: []\n", 2, 7, "malformed name 'a b'" },
	{ "allocscope: 1\nname: ''\nevents: []\n", 2, 7, "malformed name ''" },
	{ "allocscope: 1\nname: [x]\nevents: []\n", 2, 7, "'name' must be a string" },
	{ "allocscope: 1\nname: x\nname: y\nevents: []\n", 3, 1, "duplicate key 'name'" },
	{ HDR "foo: 1\nfoo: 2\nevents: []\n", 4, 1, "duplicate key 'foo'" },
	{ HDR "source: text\nevents: []\n", 3, 9, "'source' must be a mapping" },
	{ HDR "source: {kind: a, kind: b}\nevents: []\n", 3, 19, "duplicate key 'kind' in 'source'" },
	{ HDR "source: {x: [{q: 1, q: 2}]}\nevents: []\n", 3, 21, "duplicate key 'q' in 'source'" },
	{ HDR "description: {a: 1}\nevents: []\n", 3, 14, "'description' must be a string" },
	{ HDR, 1, 1, "missing 'events' (or 'generate')" },
	{ HDR "events: []\ngenerate: {}\n", 4, 1, "'events' and 'generate' exclude each other" },
	{ HDR "events: {m: 1}\n", 3, 9, "'events' must be a sequence" },
	{ "- 1\n", 1, 1, "a trace must be a YAML mapping" },
	{ "", 1, 1, "empty trace" },
	{ HDR "events: []\n---\nx: 1\n", 4, 1, "one YAML document" },
	{ HDR "[a]: 1\nevents: []\n", 3, 1, "top-level keys must be scalars" },
	/* events */
	{ HDR "events:\n  - m\n", 4, 5, "an event must be a sequence" },
	{ HDR "events:\n  - &e [m, 1, 2]\n  - *e\n", 5, 5, "aliases (*e) are not supported" },
	{ HDR "description: &d x\nsource: *d\nevents: []\n", 4, 9, "aliases (*d) are not supported" },
	{ HDR "events:\n  - [m, 1, !!str 2]\n", 4, 12, "has a tag (tag:yaml.org,2002:str)" },
	{ HDR "events:\n  - []\n", 4, 5, "empty event" },
	{ HDR "events:\n  - [x, 1, 2]\n", 4, 6, "unknown op 'x'" },
	{ HDR "events:\n  - [malloc, 1, 2]\n", 4, 6, "unknown op 'malloc'" },
	{ HDR "events:\n  - [[m], 1, 2]\n", 4, 6, "op must be a scalar" },
	{ HDR "events:\n  - [m, 1]\n", 4, 5, "too few arguments: expected [m, id, size]" },
	{ HDR "events:\n  - [c, 1, 2]\n", 4, 5, "too few arguments: expected [c, id, nmemb, size]" },
	{ HDR "events:\n  - [f]\n", 4, 5, "too few arguments: expected [f, id]" },
	{ HDR "events:\n  - [m, 1, 2, 3]\n", 4, 15, "too many elements: expected [m, id, size]" },
	{ HDR "events:\n  - [f, 1, t1, t2]\n", 4, 16, "too many elements" },
	{ HDR "events:\n  - [m, 1, t1, 8]\n", 4, 16, "too many elements" },
	{ HDR "events:\n  - [m, -1, 8]\n", 4, 9, "block id '-1' is negative" },
	{ HDR "events:\n  - [m, 1, -8]\n", 4, 12, "argument '-8' is negative" },
	{ HDR "events:\n  - [m, 1, 1.5]\n", 4, 12, "argument '1.5' is not a decimal integer" },
	{ HDR "events:\n  - [m, 1, 0x10]\n", 4, 12, "'0x10' is not a decimal integer" },
	{ HDR "events:\n  - [m, 1, '8']\n", 4, 12, "argument '8' is quoted" },
	{ HDR "events:\n  - [m, 1, ]\n", 4, 5, "too few arguments" }, /* a trailing comma is legal */
	{ HDR "events:\n  - [m, 1, {s: 8}]\n", 4, 12, "argument must be a number" },
	{ HDR "events:\n  - [m, 18446744073709551616, 8]\n", 4, 9, "does not fit in 64 bits" },
	{ HDR "events:\n  - [m, 1, 99999999999999999999]\n", 4, 12, "does not fit in 64 bits" },
	{ HDR "events:\n  - [m, 1, 8, t]\n", 4, 15, "malformed thread element 't'" },
	{ HDR "events:\n  - [m, 1, 8, tx]\n", 4, 15, "malformed thread element 'tx'" },
	{ HDR "events:\n  - [m, 1, 8, t65536]\n", 4, 15, "malformed thread element 't65536'" },
	{ HDR "events:\n  - [m, 1, 8, t-1]\n", 4, 15, "malformed thread element" },
	{ HDR "events:\n  - [m, 1, 8]\n  - [m, 1, 8]\n", 5, 9, "block 1 is already live" },
	{ HDR "events:\n  - [r, 3, 8]\n", 4, 9, "block 3 is not live" },
	{ HDR "events:\n  - [m, 3, 8]\n  - [f, 3]\n  - [f, 3]\n", 6, 9, "block 3 is not live" },
	{ HDR "events:\n  - [a, 1, 48, 8]\n", 4, 12, "alignment 48 is not a power of two" },
	{ HDR "events:\n  - [a, 1, 0, 8]\n", 4, 12, "alignment 0 is not a power of two" },
	{ HDR "events:\n  - [m, 1, 1099511627777]\n", 4, 12,
	  "size 1099511627777 is above the maximum 1099511627776" },
	{ HDR "events:\n  - [c, 1, 4294967296, 4294967296]\n", 4, 24, "overflows 64 bits" },
	{ HDR "events:\n  - [c, 1, 1048576, 1048577]\n", 4, 21, "is above the maximum" },
	/* YAML syntax, with libyaml's own words and place */
	{ HDR "events:\n  - [m, 1, 8\n", 5, 1,
	  "did not find expected ',' or ']' (while parsing a flow sequence at line 4, column 5)" },
	{ HDR "events:\n  - [m, 1, 8]]\n", 4, 14, "did not find expected '-' indicator" },
	{ HDR "events: [\n", 4, 1, "did not find expected node content" },
	{ "allocscope: 1\nname: x: y\n", 2, 8, "mapping values are not allowed in this context" },
	{ HDR "events:\n  - [m, 1, 8]\n\t- [f, 1]\n", 5, 1, "found character that cannot start any token" },
	{ HDR "description: \"a\xff\"\nevents: []\n", 3, 16, "invalid leading UTF-8 octet" },
};

static void test_rejections(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		const struct reject *r = &rejects[i];
		struct trace t;
		struct diag d;
		int rc = parse(r->yaml, NULL, &t, &d);
		int ok = rc == -1 && strcmp(d.file, "t.yaml") == 0 && d.line == r->line &&
			 d.column == r->column && strstr(d.message, r->message);
		if (!ok) {
			print_error("case %zu: %s\nwant %lu:%lu: %s\ngot  rc %d %lu:%lu: %s\n", i,
				    r->yaml, r->line, r->column, r->message, rc, d.line, d.column,
				    d.message);
			failed++;
		}
		if (rc == 0)
			trace_free(&t);
	}
	assert_int_equal(failed, 0);
}

/* --max-size applies to m, c (the product), a and r. */
static void test_max_size_option(void **state)
{
	(void)state;
	struct trace_load_options opt = { .max_size = 100 };
	struct trace t;
	struct diag d;
	assert_int_equal(parse(HDR "events:\n  - [m, 1, 100]\n  - [c, 2, 10, 10]\n", &opt, &t, &d), 0);
	trace_free(&t);
	assert_int_equal(parse(HDR "events:\n  - [m, 1, 100]\n  - [r, 1, 101]\n", &opt, &t, &d), -1);
	assert_int_equal(d.line, 5);
	assert_int_equal(d.column, 12);
	assert_string_equal(d.message, "size 101 is above the maximum 100 (--max-size)");
	assert_int_equal(parse(HDR "events:\n  - [c, 1, 101, 1]\n", &opt, &t, &d), -1);
	assert_int_equal(d.column, 17);
}

struct warnings {
	int n;
	struct diag last;
};

static void collect(void *ctx, const struct diag *w)
{
	struct warnings *ws = ctx;
	ws->n++;
	ws->last = *w;
}

static void test_unknown_key_warns(void **state)
{
	(void)state;
	struct warnings ws = { 0 };
	struct trace_load_options opt = { .warn = collect, .warn_ctx = &ws };
	struct trace t;
	struct diag d;
	const char *yaml = HDR "extra:\n  deep: [1, {2: 3}]\nevents: [[m, 1, 2]]\n";
	assert_int_equal(parse(yaml, &opt, &t, &d), 0);
	assert_int_equal(ws.n, 1);
	assert_int_equal(ws.last.line, 3);
	assert_int_equal(ws.last.column, 1);
	assert_string_equal(ws.last.message, "unknown key 'extra' ignored");
	assert_int_equal(t.n_events, 1);
	trace_free(&t);
	/* without a callback the warning is dropped, never printed */
	assert_int_equal(parse(yaml, NULL, &t, &d), 0);
	trace_free(&t);
}

/* `source` and unknown keys may nest 64 levels; the 65th is refused where it
 * opens (libyaml's scanner is quadratic in open levels: 80000 took 49 s). */
static void test_nesting_limit(void **state)
{
	(void)state;
	static const struct {
		const char *head, *tail;
		unsigned long column; /* of the refused '[' */
	} cases[] = {
		{HDR "source: {a: ", "}\nevents: []\n", 9 + 3 + 64},
		{HDR "zzz: ", "\nevents: []\n", 5 + 65},
	};
	static const int depths[] = {63, 64, 65, 80000};
	for (size_t c = 0; c < 2; c++)
		for (size_t k = 0; k < 4; k++) {
			int levels = depths[k];
			int inner = c == 0 ? levels - 1 : levels; /* source's mapping is a level */
			size_t len = strlen(cases[c].head) + 2 * (size_t)inner + strlen(cases[c].tail);
			char *yaml = malloc(len + 1), *p = yaml;
			assert_non_null(yaml);
			p = stpcpy(p, cases[c].head);
			memset(p, '[', (size_t)inner);
			memset(p + inner, ']', (size_t)inner);
			strcpy(p + 2 * inner, cases[c].tail);
			struct trace t;
			struct diag d;
			int rc = parse(yaml, NULL, &t, &d);
			if (levels <= 64) {
				assert_int_equal(rc, 0);
				trace_free(&t);
			} else {
				assert_int_equal(rc, -1);
				assert_int_equal(d.line, 3);
				assert_int_equal(d.column, cases[c].column);
				assert_string_equal(d.message, "nesting deeper than 64 levels");
			}
			free(yaml);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_max_size_option),
		cmocka_unit_test(test_unknown_key_warns),
		cmocka_unit_test(test_nesting_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
