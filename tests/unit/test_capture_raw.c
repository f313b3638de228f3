/* test_capture_raw.c - the raw capture format's words (capture_raw.h): what
 * the traced process writes in one word and what in three, and that reading
 * back gives every field, the thread carried across short records, and
 * refusals for cut-off or unknown words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "preload/capture_raw.h"

/* Writes one record, reads it back; returns the words written. */
static unsigned round_trip(unsigned op, unsigned thread, uint64_t ptr, uint64_t size,
			   unsigned *writer_thread, unsigned *reader_thread)
{
	uint64_t w[CAPTURE_MAX_WORDS] = {0};
	unsigned n = capture_put(w, writer_thread, op, thread, ptr, size);
	struct capture_rec r = {0};
	assert_int_equal(capture_get(w, n, reader_thread, &r), n);
	assert_int_equal(capture_rec_op(&r), op);
	assert_int_equal(capture_rec_thread(&r), thread);
	assert_true(r.ptr == ptr);
	assert_true(capture_rec_size(&r) == size);
	return n;
}

static void test_one_word_when_it_fits(void **state)
{
	(void)state;
	unsigned wt = 0, rt = 0;
	uint64_t top = (UINT64_C(1) << 47) - 8; /* the highest 8-aligned address */
	assert_int_equal(round_trip(CAPTURE_MALLOC, 0, top, 131071, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_FREE, 0, 0x10, 0, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_REALLOC, 0, 0, 0, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_REALLOC_BEGIN, 0, 0x5555aaaa0008, 0, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_CALLOC, 0, 0x1000, 8, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_ALIGNED, 0, 0x2000, 100, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_AUX, 0, (UINT64_C(1) << 61) - 1, 0, &wt, &rt), 1);
}

static void test_three_words_when_it_does_not(void **state)
{
	(void)state;
	unsigned wt = 0, rt = 0;
	assert_int_equal(round_trip(CAPTURE_MALLOC, 0, 0x1000, 131072, &wt, &rt), 3);
	assert_int_equal(round_trip(CAPTURE_MALLOC, 0, 0x1004, 16, &wt, &rt), 3);
	assert_int_equal(round_trip(CAPTURE_FREE, 0, UINT64_C(1) << 47, 0, &wt, &rt), 3);
	assert_int_equal(round_trip(CAPTURE_AUX, 0, UINT64_C(1) << 61, 0, &wt, &rt), 3);
	assert_int_equal(round_trip(CAPTURE_MALLOC, 0, 0x1000, CAPTURE_SIZE_MAX - 1, &wt, &rt), 3);
}

/* A thread's first record is long and sets the thread that the short
 * records after it inherit, on both sides. */
static void test_thread_switch(void **state)
{
	(void)state;
	unsigned wt = 0, rt = 0;
	assert_int_equal(round_trip(CAPTURE_MALLOC, 5, 0x1000, 16, &wt, &rt), 3);
	assert_int_equal(wt, 5);
	assert_int_equal(rt, 5);
	assert_int_equal(round_trip(CAPTURE_FREE, 5, 0x1000, 0, &wt, &rt), 1);
	assert_int_equal(round_trip(CAPTURE_FREE, 0, 0x2000, 0, &wt, &rt), 3);
	assert_int_equal(round_trip(CAPTURE_FREE, 0, 0x3000, 0, &wt, &rt), 1);
}

static void test_refusals(void **state)
{
	(void)state;
	unsigned wt = 0, rt = 0;
	uint64_t w[CAPTURE_MAX_WORDS];
	struct capture_rec r = {0};
	unsigned n = capture_put(w, &wt, CAPTURE_MALLOC, 0, 0x1000, 1u << 20);
	assert_int_equal(n, 3);
	assert_int_equal(capture_get(w, 2, &rt, &r), 0);  /* cut off */
	assert_int_equal(capture_get(w, 0, &rt, &r), 0);  /* nothing left */
	w[0] = 8;                                          /* code 0 with stray bits */
	assert_int_equal(capture_get(w, 3, &rt, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_word_when_it_fits),
		cmocka_unit_test(test_three_words_when_it_does_not),
		cmocka_unit_test(test_thread_switch),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
