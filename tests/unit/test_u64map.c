/* test_u64map.c - the id and pointer map (u64map.h) against a plain array
 * over 200000 random puts and deletes of pointer-like keys (0 included),
 * and add's and del's contracts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "u64map.h"

static void test_against_an_array(void **state)
{
	(void)state;
	enum { N = 5000 };
	static uint64_t shadow[N]; /* 0: absent, else value + 1 */
	struct u64map m = {0};
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		uint64_t k = x % N, key = k * 16; /* pointer-like keys, and 0 */
		if (x >> 63) {
			assert_int_equal(u64map_put(&m, key, i), 0);
			shadow[k] = (uint64_t)i + 1;
		} else {
			uint64_t was = 12345;
			assert_int_equal(u64map_del(&m, key, &was), shadow[k] != 0);
			assert_true(shadow[k] ? was + 1 == shadow[k] : was == 12345);
			shadow[k] = 0;
		}
	}
	size_t n = 0;
	for (uint64_t k = 0; k < N; k++) {
		uint64_t *v = u64map_get(&m, k * 16);
		assert_int_equal(v != NULL, shadow[k] != 0);
		if (v)
			assert_int_equal(*v + 1, shadow[k]);
		n += shadow[k] != 0;
	}
	assert_int_equal(m.n + (size_t)m.has_zero, n);
	assert_true(m.n <= (m.mask + 1) / 2);
	u64map_free(&m);
}

static void test_add(void **state)
{
	(void)state;
	struct u64map m = {0};
	int added;
	assert_null(u64map_get(&m, 7));
	uint64_t *v = u64map_add(&m, 7, &added);
	assert_non_null(v);
	assert_int_equal(added, 1);
	assert_int_equal(*v, 0);
	*v = 99;
	v = u64map_add(&m, 7, &added);
	assert_int_equal(added, 0);
	assert_int_equal(*v, 99);
	v = u64map_add(&m, 0, &added); /* key 0 lives beside the table */
	assert_int_equal(added, 1);
	*v = 5;
	assert_int_equal(*u64map_get(&m, 0), 5);
	assert_int_equal(u64map_del(&m, 0, NULL), 1);
	assert_null(u64map_get(&m, 0));
	assert_int_equal(u64map_del(&m, 0, NULL), 0);
	assert_int_equal(u64map_del(&m, 8, NULL), 0);
	u64map_free(&m);
	assert_null(u64map_get(&m, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_an_array),
		cmocka_unit_test(test_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
