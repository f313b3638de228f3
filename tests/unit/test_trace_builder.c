/* test_trace_builder.c - the trace builder: liveness and limit checks, dense
 * slot renaming with LIFO reuse, counts and peak live bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "trace.h"

static char err[256];

static int add(struct trace_builder *b, enum trace_op op, uint64_t id, uint64_t size,
	       uint64_t extra, unsigned thread)
{
	err[0] = '\0';
	return trace_builder_add(b, op, id, size, extra, thread, err, sizeof err);
}

/* The SPEC §4 example, by hand:
 *   m 1 24        live 24            slot 0
 *   c 2 10x8      live 104           slot 1
 *   a 3 64 100    live 204           slot 2
 *   r 1 48        live 204-24+48=228 slot 0   <- peak
 *   f 2           live 148           slot 1 freed
 *   m 4 32 t1     live 180           slot 1 (LIFO reuse)
 * counts m2 c1 a1 r1 f1; max_request 100; 3 slots; 2 threads. */
static void test_spec_example(void **state)
{
	(void)state;
	struct trace_builder b;
	struct trace t;
	trace_builder_init(&b, 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 1, 24, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_CALLOC, 2, 8, 10, 0), 0);
	assert_int_equal(add(&b, TRACE_ALIGNED, 3, 100, 64, 0), 0);
	assert_int_equal(add(&b, TRACE_REALLOC, 1, 48, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_FREE, 2, 0, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 4, 32, 0, 1), 0);
	trace_builder_finish(&b, &t);

	assert_int_equal(t.n_events, 6);
	assert_int_equal(t.cap, 6);
	assert_int_equal(t.count[TRACE_MALLOC], 2);
	assert_int_equal(t.count[TRACE_CALLOC], 1);
	assert_int_equal(t.count[TRACE_ALIGNED], 1);
	assert_int_equal(t.count[TRACE_REALLOC], 1);
	assert_int_equal(t.count[TRACE_FREE], 1);
	assert_int_equal(t.peak_live_bytes, 228);
	assert_int_equal(t.max_request, 100);
	assert_int_equal(t.n_slots, 3);
	assert_int_equal(t.n_threads, 2);
	static const uint32_t slots[] = { 0, 1, 2, 0, 1, 1 };
	static const uint64_t sizes[] = { 24, 80, 100, 48, 0, 32 };
	for (int i = 0; i < 6; i++) {
		assert_int_equal(t.events[i].slot, slots[i]);
		assert_int_equal(t.events[i].size, sizes[i]);
	}
	assert_int_equal(t.events[1].op, TRACE_CALLOC);
	assert_int_equal(t.events[2].align_log2, 6);
	assert_int_equal(t.events[0].align_log2, 0);
	assert_int_equal(t.events[5].thread, 1);
	trace_free(&t);
	trace_builder_discard(&b);
}

/* m 7 10, f 7, m 7 20: the id is free again and takes slot 0 back. */
static void test_id_reuse(void **state)
{
	(void)state;
	struct trace_builder b;
	struct trace t;
	trace_builder_init(&b, 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 7, 10, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_FREE, 7, 0, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 7, 20, 0, 0), 0);
	trace_builder_finish(&b, &t);
	assert_int_equal(t.n_slots, 1);
	assert_int_equal(t.events[2].slot, 0);
	assert_int_equal(t.peak_live_bytes, 20);
	trace_free(&t);
}

/* malloc(0) is legal; realloc to 0 keeps the block live (then f is legal);
 * a leak at the end is no error. m1 0, m2 10, r2 0, f2, m3 5:
 * live 0, 10, 0, 0, 5: peak 10; slots 0,1,1,1,1 -> 2 slots. */
static void test_zero_sizes_and_leaks(void **state)
{
	(void)state;
	struct trace_builder b;
	struct trace t;
	trace_builder_init(&b, 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 1, 0, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 2, 10, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_REALLOC, 2, 0, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_FREE, 2, 0, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 3, 5, 0, 0), 0);
	trace_builder_finish(&b, &t);
	assert_int_equal(t.peak_live_bytes, 10);
	assert_int_equal(t.n_slots, 2);
	assert_int_equal(t.events[4].slot, 1);
	assert_int_equal(t.n_threads, 1);
	trace_free(&t);
}

static void test_rejections(void **state)
{
	(void)state;
	struct trace_builder b;
	trace_builder_init(&b, 1000);
	assert_int_equal(add(&b, TRACE_MALLOC, 1, 1000, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 1, 8, 0, 0), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_ID);
	assert_string_equal(err, "block 1 is already live");
	assert_int_equal(add(&b, TRACE_REALLOC, 9, 8, 0, 0), -1);
	assert_string_equal(err, "block 9 is not live");
	assert_int_equal(add(&b, TRACE_FREE, UINT64_MAX, 0, 0, 0), -1);
	assert_string_equal(err, "block 18446744073709551615 is not live");
	assert_int_equal(b.err_arg, TRACE_ARG_ID);

	assert_int_equal(add(&b, TRACE_ALIGNED, 2, 8, 0, 0), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_NMEMB_OR_ALIGN);
	assert_string_equal(err, "alignment 0 is not a power of two");
	assert_int_equal(add(&b, TRACE_ALIGNED, 2, 8, 48, 0), -1);
	assert_string_equal(err, "alignment 48 is not a power of two");

	assert_int_equal(add(&b, TRACE_MALLOC, 2, 1001, 0, 0), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_SIZE);
	assert_string_equal(err, "size 1001 is above the maximum 1000 (--max-size)");
	assert_int_equal(add(&b, TRACE_REALLOC, 1, 1001, 0, 0), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_SIZE);
	assert_int_equal(add(&b, TRACE_CALLOC, 2, 11, 91, 0), -1); /* 1001 */
	assert_int_equal(b.err_arg, TRACE_ARG_SIZE);
	assert_int_equal(add(&b, TRACE_CALLOC, 2, (uint64_t)1 << 32, (uint64_t)1 << 32, 0), -1);
	assert_string_equal(err, "calloc(4294967296, 4294967296) overflows 64 bits");

	assert_int_equal(add(&b, TRACE_MALLOC, 2, 8, 0, 65536), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_THREAD);
	assert_int_equal(add(&b, TRACE_MALLOC, 2, 8, 0, 65535), 0);
	assert_int_equal(b.trace.n_threads, 65536);
	/* rejected events left no trace: only m1 and m2 went in */
	assert_int_equal(b.trace.n_events, 2);
	assert_int_equal(b.trace.n_slots, 2);
	assert_int_equal(b.trace.peak_live_bytes, 1008);
	trace_builder_discard(&b);

	/* Live bytes that would pass 2^64 (only with --max-size near its top)
	 * are refused, by a new block or a realloc's growth, not wrapped. */
	trace_builder_init(&b, UINT64_MAX);
	const uint64_t big = (uint64_t)1 << 62;
	for (uint64_t id = 1; id <= 3; id++)
		assert_int_equal(add(&b, TRACE_MALLOC, id, big, 0, 0), 0);
	assert_int_equal(add(&b, TRACE_MALLOC, 4, big, 0, 0), -1);
	assert_int_equal(b.err_arg, TRACE_ARG_SIZE);
	assert_string_equal(err, "the live blocks would hold 2^64 bytes or more");
	assert_int_equal(add(&b, TRACE_REALLOC, 3, 2 * big, 0, 0), -1);
	assert_string_equal(err, "the live blocks would hold 2^64 bytes or more");
	assert_int_equal(add(&b, TRACE_REALLOC, 3, 2 * big - 1, 0, 0), 0);
	assert_int_equal(b.trace.n_events, 4);
	assert_int_equal(b.trace.n_slots, 3);
	assert_true(b.trace.peak_live_bytes == UINT64_MAX);
	trace_builder_discard(&b);
}

/* A reference model over sparse 64-bit ids (0 and UINT64_MAX included):
 * the builder accepts exactly the legal calls, and n_slots ends equal to the
 * most blocks ever live at once. Exercises map growth and deletion. */
static void test_dense_slots_sparse_ids(void **state)
{
	(void)state;
	enum { POOL = 3000, STEPS = 200000 };
	static uint64_t ids[POOL];
	static char live[POOL];
	static uint32_t slot_of[POOL];
	struct trace_builder b;
	struct trace t;
	uint64_t x = 88172645463325252u;
	unsigned n_live = 0, max_live = 0;

	for (uint64_t i = 0; i < POOL; i++)
		ids[i] = (i + 1u) * 0x9E3779B97F4A7C15u ^ ((i + 1u) << 50);
	ids[1] = 0;
	ids[2] = UINT64_MAX;
	trace_builder_init(&b, 0);
	for (int s = 0; s < STEPS; s++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned i = (unsigned)(x % POOL);
		/* drift between mostly-allocating and mostly-freeing phases */
		int alloc = (x >> 32) % 100 < ((s / 20000) % 2 ? 30u : 70u);
		enum trace_op op = alloc ? TRACE_MALLOC : TRACE_FREE;
		int rc = add(&b, op, ids[i], 16, 0, 0);
		if (alloc == (live[i] == 0)) {
			assert_int_equal(rc, 0);
			if (alloc) {
				slot_of[i] = b.trace.events[b.trace.n_events - 1].slot;
				if (++n_live > max_live)
					max_live = n_live;
			} else {
				assert_int_equal(b.trace.events[b.trace.n_events - 1].slot, slot_of[i]);
				n_live--;
			}
			live[i] = (char)alloc;
		} else {
			assert_int_equal(rc, -1);
		}
	}
	trace_builder_finish(&b, &t);
	assert_true(max_live > 1000);
	assert_int_equal(t.n_slots, max_live);
	assert_int_equal(t.peak_live_bytes, 16u * max_live);
	/* no two live blocks share a slot at any time */
	static char used[POOL];
	for (uint64_t e = 0; e < t.n_events; e++) {
		assert_true(t.events[e].slot < t.n_slots);
		char want = t.events[e].op == TRACE_FREE;
		assert_int_equal(used[t.events[e].slot], want);
		used[t.events[e].slot] = !want;
	}
	trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_id_reuse),
		cmocka_unit_test(test_zero_sizes_and_leaks),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_dense_slots_sparse_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
