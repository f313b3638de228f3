/* test_sorted.c - the in-place heapsorts and the median (sorted.h): exact
 * medians of small hand-made arrays, on seeded random arrays (with
 * duplicates) an ascending result holding the same values, and the timer
 * cost's mean without the slowest 1%. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sorted.h"

static void test_median_exact(void **state)
{
	(void)state;
	double odd[] = {5, 1, 4, 2, 3}, even[] = {10, 2, 8, 4}, one[] = {7}, dup[] = {3, 3, 1, 3};
	assert_true(sorted_median(odd, 5) == 3);
	assert_true(odd[0] == 1 && odd[4] == 5);
	assert_true(sorted_median(even, 4) == 6);
	assert_true(sorted_median(one, 1) == 7);
	assert_true(sorted_median(dup, 4) == 3);
	assert_true(sorted_median(NULL, 0) == 0);
}

/* 200 values: 198 of 10 and 11 alternately, then two of 10^6 (the top 1%,
 * a preempted timing): the mean keeps the 198, (99 x 10 + 99 x 11) / 198 =
 * 10.5, rounded to 11; with the top kept it would be about 10010. */
static void test_mean_without_top_percent(void **state)
{
	(void)state;
	uint64_t v[200];
	for (int i = 0; i < 198; i++)
		v[i] = 10 + (uint64_t)(i % 2);
	v[198] = v[199] = 1000000;
	assert_int_equal(sorted_mean_without_top_percent(v, 200), 11);
	assert_int_equal(v[0], 10);
	assert_int_equal(v[199], 1000000);
	uint64_t few[] = {7, 3, 5};
	assert_int_equal(sorted_mean_without_top_percent(few, 3), 5); /* 1% of 3 is 0 */
	assert_int_equal(sorted_mean_without_top_percent(NULL, 0), 0);
}

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 40;
}

static void test_random_arrays(void **state)
{
	(void)state;
	static uint64_t v[4099], count_before[64], count_after[64];
	uint64_t seed = 42;
	for (size_t n = 0; n < 4099; n = n * 3 + 1) {
		for (size_t i = 0; i < 64; i++)
			count_before[i] = count_after[i] = 0;
		for (size_t i = 0; i < n; i++)
			count_before[v[i] = next(&seed) % 64]++;
		sorted_u64(v, n);
		for (size_t i = 0; i < n; i++) {
			count_after[v[i]]++;
			if (i)
				assert_true(v[i - 1] <= v[i]);
		}
		for (size_t i = 0; i < 64; i++)
			assert_int_equal(count_before[i], count_after[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_exact),
		cmocka_unit_test(test_random_arrays),
		cmocka_unit_test(test_mean_without_top_percent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
