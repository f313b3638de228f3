/* test_import.c - the malloclab, mtrace and android importers: the handout's
 * .rep files (exact counts, hand-worked peaks), hand-written fragments of
 * every format, malformed lines with their line numbers, and the map. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

struct run {
	struct trace t;
	struct import_report r;
	struct diag d;
	int rc;
};

static void run_file(import_fn *fn, FILE *in, const char *name, struct run *x)
{
	struct trace_builder b;
	memset(x, 0, sizeof *x);
	trace_builder_init(&b, TRACE_DEFAULT_MAX_SIZE);
	x->rc = fn(in, name, &b, &x->r, &x->d);
	if (x->rc)
		trace_builder_discard(&b);
	else
		trace_builder_finish(&b, &x->t);
}

static void run_text(import_fn *fn, const char *text, struct run *x)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(in);
	run_file(fn, in, "frag", x);
	fclose(in);
}

static void expect_fail(import_fn *fn, const char *text, unsigned long line,
			unsigned long col, const char *needle)
{
	struct run x;
	run_text(fn, text, &x);
	assert_int_equal(x.rc, -1);
	if (x.d.line != line || x.d.column != col || !strstr(x.d.message, needle))
		fail_msg("got %lu:%lu: %s; wanted %lu:%lu: ...%s...", x.d.line, x.d.column,
			 x.d.message, line, col, needle);
}

/* ---- malloclab ------------------------------------------------------------- */

static const char *shared_data(void)
{
	static char path[4096];
	const char *env = getenv("ALLOCSCOPE_SHARED_DATA");
	snprintf(path, sizeof path, "%s", env ? env : "../shared/data");
	return path;
}

static void test_malloclab_handout(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		uint64_t events, reallocs, peak; /* peak 0: not hand-worked */
	} reps[] = {
		/* short1: 2040+2040, -2040, +48, +4072, -4072, +4072, -2040, -48,
		 * +4072 -> 4072+4072 = 8144 at the end */
		{"short1-bal.rep", 12, 0, 8144},
		/* short2: all six allocated first: 2040+4010+48+3*4072 */
		{"short2-bal.rep", 12, 0, 18314},
		{"amptjp-bal.rep", 5694, 0, 0},
		{"binary-bal.rep", 12000, 0, 0},
		{"coalescing-bal.rep", 14400, 0, 0},
		{"realloc-bal.rep", 14401, 4799, 0},
	};
	char path[4200];
	snprintf(path, sizeof path, "%s/malloclab/short1-bal.rep", shared_data());
	FILE *probe = fopen(path, "r");
	if (!probe) {
		printf("skipping: %s not found (set ALLOCSCOPE_SHARED_DATA)\n", path);
		skip();
	}
	fclose(probe);
	for (size_t i = 0; i < sizeof reps / sizeof reps[0]; i++) {
		snprintf(path, sizeof path, "%s/malloclab/%s", shared_data(), reps[i].file);
		FILE *in = fopen(path, "r");
		assert_non_null(in);
		struct run x;
		run_file(import_malloclab, in, reps[i].file, &x);
		fclose(in);
		if (x.rc)
			fail_msg("%s:%lu: %s", reps[i].file, x.d.line, x.d.message);
		assert_int_equal(x.t.n_events, reps[i].events);
		assert_int_equal(x.t.count[TRACE_REALLOC], reps[i].reallocs);
		assert_string_equal(x.r.layout, "original");
		assert_int_equal(x.r.n_warnings, 0);
		assert_int_equal(x.r.skipped_frees, 0);
		if (reps[i].peak)
			assert_int_equal(x.t.peak_live_bytes, reps[i].peak);
		trace_free(&x.t);
	}
}

static void test_malloclab_autolab(void **state)
{
	(void)state;
	struct run x;
	/* weight 1, 3 ids, 7 ops, peak 640: 100+200 -> r0 to 400: 600 ->
	 * f1: 400 -> a2 240: 640 -> f -1 (free(NULL)) -> r2 0 (frees) -> f0 */
	run_text(import_malloclab, "1\n3\n7\n640\n"
		 "a 0 100\na 1 200\nr 0 400\nf 1\na 2 240\nf -1\nr 2 0\nf 0\n", &x);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.r.layout, "autolab");
	assert_int_equal(x.t.n_events, 7);
	assert_int_equal(x.t.count[TRACE_FREE], 3);
	assert_int_equal(x.t.peak_live_bytes, 640);
	assert_int_equal(x.r.skipped_frees, 1);
	/* the header claims 7 requests, the file has 8 */
	assert_int_equal(x.r.n_warnings, 1);
	assert_int_equal(x.r.warnings[0].line, 3);
	assert_non_null(strstr(x.r.warnings[0].message, "7 requests"));
	trace_free(&x.t);

	/* realloc of an id with no block is a malloc; header peak disagrees */
	run_text(import_malloclab, "0\n1\n2\n5\n\nr 0 64\nf 0\n", &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.count[TRACE_MALLOC], 1);
	assert_int_equal(x.r.n_warnings, 1);
	assert_int_equal(x.r.warnings[0].line, 4);
	trace_free(&x.t);
	/* The largest Autolab weight (3) still reads as a weight, not a heap
	 * size: the header then agrees with the body, so no warning. */
	run_text(import_malloclab, "3\n1\n2\n100\na 0 100\nf 0\n", &x);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.r.layout, "autolab");
	assert_int_equal(x.r.n_warnings, 0);
	trace_free(&x.t);
}

static void test_malloclab_malformed(void **state)
{
	(void)state;
	expect_fail(import_malloclab, "20000\n2\n", 2, 0, "truncated header");
	expect_fail(import_malloclab, "20000\n2x\n", 2, 2, "malformed header");
	expect_fail(import_malloclab, "20000\n2\n2\n1\na 0 10\nx 1 2\n", 6, 1, "unknown request");
	expect_fail(import_malloclab, "20000\n2\n2\n1\na 0 ten\n", 5, 5, "expected a size");
	expect_fail(import_malloclab, "20000\n2\n2\n1\na 0 10 11\n", 5, 8, "unexpected '11'");
	expect_fail(import_malloclab, "20000\n2\n2\n1\nf\n", 5, 1, "unknown request");
	/* a live id allocated again: the builder's refusal, placed at the line */
	expect_fail(import_malloclab, "20000\n1\n2\n1\na 0 10\n\n  a 0 20\n", 7, 3, "already live");
	expect_fail(import_malloclab, "20000\n6 x\n", 2, 3, "malformed header");
	expect_fail(import_malloclab, "20000\n2\n2\n1\na 18446744073709551615 10\n", 5, 3,
		    "expected a block id");
}

/* ---- mtrace -------------------------------------------------------------- */

/* Events: m32 m256 m0 r(32->64) m16 f f; skipped: the unseen free; failed:
 * the '!' realloc and the (nil) malloc. Peak: 32+256+0 -> +32 -> +16 = 336. */
static const char mtrace_frag[] =
	"= Start\n"
	"@ ./prog:[0x1189] + 0x5581a0 0x20\n"
	"@ /lib/x86_64-linux-gnu/libc.so.6:(__libc_start_main+0x8a)[0x2724a] + 0x5581c0 0x100\n"
	"@ [0x7f12345678] + 0x558300 0\n"
	"@ ./prog:[0x11a0] < 0x5581a0\n"
	"@ ./prog:[0x11a0] > 0x558400 0x40\n"
	"@ ./prog:[0x11b0] ! 0x558400 0xffffffffff\n"
	"@ ./prog:[0x11c0] + (nil) 0x7fffffffffff\n"
	"@ ./prog:[0x11d0] - 0x999999\n"
	"+ 0x558500 0x10\n"
	"@ ./prog:[0x11e0] - 0x5581c0\n"
	"@ ./prog:[0x11f0] - 0x558400\n"
	"= End\n";

static void test_mtrace_fragment(void **state)
{
	(void)state;
	struct run x;
	run_text(import_mtrace, mtrace_frag, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.n_events, 7);
	assert_int_equal(x.t.count[TRACE_MALLOC], 4);
	assert_int_equal(x.t.count[TRACE_REALLOC], 1);
	assert_int_equal(x.t.count[TRACE_FREE], 2);
	assert_int_equal(x.t.peak_live_bytes, 336);
	assert_int_equal(x.r.skipped_frees, 1);
	assert_int_equal(x.r.failed_calls, 2);
	assert_int_equal(x.r.n_warnings, 1);
	assert_non_null(strstr(x.r.warnings[0].message, "1 frees"));
	/* the realloc kept block 0's slot; the last free is of that slot */
	assert_int_equal(x.t.events[3].slot, x.t.events[0].slot);
	assert_int_equal(x.t.events[6].slot, x.t.events[0].slot);
	trace_free(&x.t);
}

/* Lines that are not text: a NUL byte (which once cut the line short
 * unseen) and a line past IMPORT_LINE_MAX (a binary file, /dev/zero). */
static void test_lines_not_text(void **state)
{
	(void)state;
	static const char nul[] = "+ 0x10 0x5\n- 0x10\0junk\n";
	FILE *in = fmemopen((void *)nul, sizeof nul - 1, "r");
	assert_non_null(in);
	struct run x;
	run_file(import_mtrace, in, "frag", &x);
	fclose(in);
	assert_int_equal(x.rc, -1);
	assert_int_equal(x.d.line, 2);
	assert_string_equal(x.d.message, "the line holds a NUL byte");

	size_t n = IMPORT_LINE_MAX + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '1', n);
	big[n] = '\0';
	run_text(import_android, big, &x);
	assert_int_equal(x.rc, -1);
	assert_int_equal(x.d.line, 1);
	assert_non_null(strstr(x.d.message, "the line is longer than 1048576 bytes"));
	free(big);
	/* a last line without its newline is still a line */
	run_text(import_mtrace, "+ 0x10 0x5\n- 0x10", &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.n_events, 2);
	trace_free(&x.t);
}

/* Pointer 0 was an empty slot's key: freeing it read a value never set. */
static void test_mtrace_null_pointer(void **state)
{
	(void)state;
	struct run x;
	run_text(import_mtrace, "+ 0x10 0x5\n- 0x0\n< 0x0\n> 0x30 0x8\n", &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.n_events, 2);
	assert_int_equal(x.t.count[TRACE_MALLOC], 2); /* realloc(NULL) is malloc */
	assert_int_equal(x.t.count[TRACE_FREE], 0);
	assert_int_equal(x.r.skipped_frees, 1);
	assert_int_equal(x.t.peak_live_bytes, 13);
	trace_free(&x.t);
}

static void test_mtrace_malformed(void **state)
{
	(void)state;
	expect_fail(import_mtrace, "= Start\n@ ./p:[0x1] * 0x10 0x1\n", 2, 1, "not an mtrace");
	expect_fail(import_mtrace, "= Start\n+ 0x10\n", 2, 7, "expected a size");
	expect_fail(import_mtrace, "+ 0x10 0x4\n- 0x10 junk\n", 2, 8, "unexpected 'junk'");
	expect_fail(import_mtrace, "+ 0x10 0x4\n< 0x10\n- 0x10\n", 3, 1, "'>' line");
	expect_fail(import_mtrace, "> 0x10 0x4\n", 1, 1, "without the '<'");
	expect_fail(import_mtrace, "+ zz 0x4\n", 1, 3, "expected a pointer");
}

/* ---- android --------------------------------------------------------------- */

/* 186 -> t0, 187 -> t1, 188 -> t2 (a failed malloc still shows the thread),
 * 187 after thread_done -> t3. Live: 20, +128 (calloc 32*4), +104 (memalign
 * 24 rounded up to 32), 128 -> 200, +48 = 372 (peak), then the realloc to 0
 * frees the 48. */
static const char android_plain[] =
	"186: malloc 0xb6038060 20\n"
	"186: calloc 0xb609f080 32 4\n"
	"187: memalign 0xae42d080 24 104\n"
	"186: realloc 0xb609f100 0xb609f080 200\n"
	"187: realloc 0xb6040000 0x0 48\n"
	"187: free 0x0\n"
	"186: free 0xdeadbeef\n"
	"188: malloc 0x0 1000000000\n"
	"187: realloc 0x0 0xb6040000 0\n"
	"186: free 0xb6038060\n"
	"187: thread_done 0x0\n"
	"187: malloc 0xb6050000 8\n";

static const char android_ts[] =
	"1001: malloc 0x7f0000001000 64 100 150\n"
	"1001: calloc 0x7f0000002000 10 8 160 170\n"
	"1002: memalign 0x7f0000003000 32 256 180 200\n"
	"1002: realloc 0x7f0000004000 0x7f0000001000 128 210 230\n"
	"1001: free 0x7f0000002000 240 245\n"
	"1002: free 0x7f0000003000 250 260\n"
	"1002: thread_done 0x0 270\n"
	"1001: free 0x7f0000004000 280 290\n";

static void test_android_plain(void **state)
{
	(void)state;
	struct run x;
	run_text(import_android, android_plain, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.n_events, 8);
	assert_int_equal(x.t.count[TRACE_CALLOC], 1);
	assert_int_equal(x.t.count[TRACE_ALIGNED], 1);
	assert_int_equal(x.t.count[TRACE_REALLOC], 1);
	assert_int_equal(x.t.count[TRACE_FREE], 2);
	assert_int_equal(x.t.peak_live_bytes, 372);
	assert_int_equal(x.t.n_threads, 4);
	assert_int_equal(x.t.events[2].align_log2, 5);
	assert_int_equal(x.t.events[2].thread, 1);
	assert_int_equal(x.t.events[7].thread, 3);
	assert_int_equal(x.r.skipped_frees, 2);
	assert_int_equal(x.r.failed_calls, 1);
	trace_free(&x.t);
}

static void test_android_timestamps(void **state)
{
	(void)state;
	struct run x;
	run_text(import_android, android_ts, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.t.n_events, 7);
	/* 64 + 80 + 256, then 64 -> 128: 464 */
	assert_int_equal(x.t.peak_live_bytes, 464);
	assert_int_equal(x.t.n_threads, 2);
	assert_int_equal(x.r.skipped_frees, 0);
	assert_int_equal(x.r.n_warnings, 0);
	trace_free(&x.t);
}

static void test_android_malformed(void **state)
{
	(void)state;
	expect_fail(import_android, "1: malloc 0x10 8\n1 malloc 0x20 8\n", 2, 2, "TID: CALL");
	expect_fail(import_android, "1: malloc 0x10 8\n1: mmap 0x20 8\n", 2, 4, "unknown call");
	expect_fail(import_android, "1: calloc 0x10 8\n", 1, 17, "unsigned number");
	expect_fail(import_android, "1: malloc 0x10 8 100\n", 1, 21, "START_NS END_NS");
	expect_fail(import_android, "1: free 0x10 1 2 3\n", 1, 18, "unexpected text");
	expect_fail(import_android, "\n\n1: thread_done 0x0 5 6\n", 3, 22, "unexpected text");
	expect_fail(import_android, "1: realloc 0x10 zz 8\n", 1, 17, "expected a pointer");
}

/* ---- helpers --------------------------------------------------------------- */

static void test_name_from_path(void **state)
{
	(void)state;
	char name[TRACE_NAME_MAX];
	import_name_from_path("/a/b/short1-bal.rep", name, sizeof name);
	assert_string_equal(name, "short1-bal");
	import_name_from_path("dir/my trace+1.txt", name, sizeof name);
	assert_string_equal(name, "my_trace_1");
	import_name_from_path(".hidden", name, sizeof name);
	assert_string_equal(name, ".hidden");
	import_name_from_path("/x/", name, sizeof name);
	assert_string_equal(name, "imported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloclab_handout),
		cmocka_unit_test(test_malloclab_autolab),
		cmocka_unit_test(test_malloclab_malformed),
		cmocka_unit_test(test_mtrace_fragment),
		cmocka_unit_test(test_mtrace_null_pointer),
		cmocka_unit_test(test_lines_not_text),
		cmocka_unit_test(test_mtrace_malformed),
		cmocka_unit_test(test_android_plain),
		cmocka_unit_test(test_android_timestamps),
		cmocka_unit_test(test_android_malformed),
		cmocka_unit_test(test_name_from_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
