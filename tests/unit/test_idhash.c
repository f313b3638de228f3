/* test_idhash.c - the keyed map hash (idhash.h): ids chosen to collide under
 * the Fibonacci hashing it replaced (multiples of the golden ratio's inverse),
 * and page-aligned pointer values, spread evenly over both the top bits
 * (which index u64map's table) and the low bits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "idhash.h"

#define N_KEYS 65536u
#define N_BUCKETS 1024u /* 64 keys each on average */

/* The fullest bucket when key(i), i < N_KEYS, is hashed into N_BUCKETS by
 * the top (top = 1) or the low bits of the hash. */
static unsigned fullest(uint64_t (*key)(uint64_t), int top, uint64_t seed)
{
	static unsigned count[N_BUCKETS];
	unsigned most = 0;
	memset(count, 0, sizeof count);
	for (uint64_t i = 1; i <= N_KEYS; i++) {
		uint64_t h = idhash(key(i), seed);
		unsigned b = top ? (unsigned)(h >> 54) : (unsigned)(h & (N_BUCKETS - 1));
		if (++count[b] > most)
			most = count[b];
	}
	return most;
}

/* i * 0x9E3779B97F4A7C15^-1 mod 2^64: under Fibonacci hashing every one of
 * these lands on the same home index. */
static uint64_t fibonacci_adversary(uint64_t i)
{
	uint64_t inv = 1, phi = UINT64_C(0x9E3779B97F4A7C15);
	for (int k = 0; k < 6; k++) /* Newton: each step doubles the correct bits */
		inv *= 2 - phi * inv;
	return i * inv;
}

static uint64_t page_pointer(uint64_t i)
{
	return UINT64_C(0x7f0000000000) + i * 4096;
}

static void adversarial_ids_spread(void **state)
{
	(void)state;
	assert_int_equal(fibonacci_adversary(1) * UINT64_C(0x9E3779B97F4A7C15), 1);
	uint64_t seed = idhash_seed();
	/* Balls in bins: 64 a bin on average, the fullest near 90; a pile-up
	 * (the old hash put all 65536 in one) is far above 3x the mean. */
	assert_in_range(fullest(fibonacci_adversary, 1, seed), 64, 192);
	assert_in_range(fullest(fibonacci_adversary, 0, seed), 64, 192);
	assert_in_range(fullest(page_pointer, 1, seed), 64, 192);
	assert_in_range(fullest(page_pointer, 0, seed), 64, 192);
}

static void seeds_differ(void **state)
{
	(void)state;
	uint64_t a = idhash_seed(), b = idhash_seed();
	assert_true(a != b);
	assert_true(idhash(42, a) != idhash(42, b));
	assert_int_equal(idhash(42, a), idhash(42, a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adversarial_ids_spread),
		cmocka_unit_test(seeds_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
