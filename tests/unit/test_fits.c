/* test_fits.c - first-fit, next-fit and best-fit through their ops tables:
 * hand-worked placements, coalescing, heap growth, alignment, realloc,
 * calloc, and a randomized property test for every order of every fit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

extern const struct allocator_ops first_fit_ops, next_fit_ops, best_fit_ops;

static const struct allocator_ops *const fits[] = {&first_fit_ops, &next_fit_ops, &best_fit_ops};
static const char *const orders[] = {"address", "lifo", "fifo"};

static void *fit_new(const struct allocator_ops *ops, const char *order, const char *step)
{
	struct allocator_config cfg = {.values = {order, step}};
	char err[256] = "";
	void *a = ops->create(&cfg, err, sizeof err);
	if (!a)
		fail_msg("%s:order=%s:step=%s: %s", ops->name, order, step, err);
	return a;
}

static void fit_assert_ok(const struct allocator_ops *ops, void *a)
{
	char err[256] = "";
	if (ops->check(a, err, sizeof err))
		fail_msg("%s: check failed: %s", ops->name, err);
}

/* Offset of ptr's block from the heap's first block (payloads are 8 in). */
static ptrdiff_t fit_off(const struct allocator_ops *ops, void *a, void *ptr)
{
	uintptr_t lo, hi;
	ops->heap_range(a, &lo, &hi);
	return (ptrdiff_t)((uintptr_t)ptr - 8 - lo);
}

/* Allocates the rest of the heap from offset `at`, where the last block
 * must start, so that nothing free is left after it. Returns the block. */
static void *fit_fill_rest(const struct allocator_ops *ops, void *a, ptrdiff_t at)
{
	uintptr_t lo, hi;
	ops->heap_range(a, &lo, &hi);
	void *p = ops->malloc(a, hi - lo - (uintptr_t)at - 8);
	assert_int_equal(fit_off(ops, a, p), at);
	return p;
}

/* Blocks A 128 @0, B 48 @128, C 64 @176, D 48 @240, E 96 @288, F 48 @384,
 * then A, C, E freed: holes 128 @0, 64 @176, 96 @288 and the tail @432.
 * Returns F. */
static void *fit_holes(const struct allocator_ops *ops, void *a)
{
	static const size_t req[] = {120, 40, 56, 40, 88, 40};
	static const ptrdiff_t at[] = {0, 128, 176, 240, 288, 384};
	void *p[6];
	for (int i = 0; i < 6; i++) {
		p[i] = ops->malloc(a, req[i]);
		assert_int_equal(fit_off(ops, a, p[i]), at[i]);
	}
	ops->free(a, p[0]);
	ops->free(a, p[2]);
	ops->free(a, p[4]);
	fit_assert_ok(ops, a);
	return p[5];
}

/* Two 64-byte blocks (malloc(56)) after fit_holes land at want[0], want[1]. */
static void fit_expect_two(const struct allocator_ops *ops, const char *order,
			   ptrdiff_t first, ptrdiff_t second)
{
	void *a = fit_new(ops, order, "4096");
	fit_holes(ops, a);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), first);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), second);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

static void test_placement_by_policy(void **state)
{
	(void)state;
	/* First fit splits the first hole; best fit takes the exact hole, then
	 * splits the 96 one; next fit goes on from F, into the tail. */
	fit_expect_two(&first_fit_ops, "address", 0, 64);
	fit_expect_two(&best_fit_ops, "address", 176, 288);
	fit_expect_two(&next_fit_ops, "address", 432, 496);
}

static void test_placement_by_order(void **state)
{
	(void)state;
	/* Lists: E was freed last, the tail (free since create) first. */
	fit_expect_two(&first_fit_ops, "lifo", 288, 176);
	fit_expect_two(&first_fit_ops, "fifo", 432, 496);
	/* Next fit starts at the rover (the tail, where F was cut from). */
	fit_expect_two(&next_fit_ops, "lifo", 432, 496);
}

/* Best fit among equal sizes: 64-byte holes @0 and @128, freed in either
 * order, go by address, most recent (lifo) or least recent (fifo). */
static void test_best_fit_ties(void **state)
{
	(void)state;
	static const int free_first[2] = {2, 0};
	static const ptrdiff_t want[2][3] = {{0, 0, 128}, {0, 128, 0}};
	const struct allocator_ops *ops = &best_fit_ops;
	for (int s = 0; s < 2; s++)
		for (int o = 0; o < 3; o++) {
			void *a = fit_new(ops, orders[o], "4096");
			void *p[4];
			for (int k = 0; k < 4; k++)
				p[k] = ops->malloc(a, 56); /* 64 @0, @64, @128, @192 */
			ops->free(a, p[free_first[s]]);
			ops->free(a, p[2 - free_first[s]]);
			assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), want[s][o]);
			fit_assert_ok(ops, a);
			ops->destroy(a);
		}
}

static void test_next_fit_wraps(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	void *a = fit_new(ops, "address", "4096");
	fit_holes(ops, a);
	/* Take the whole tail: the rover now stands at the heap's end. */
	fit_fill_rest(ops, a, 432);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), 0);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), 64);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

static void test_next_fit_rover_follows_merge(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	void *a = fit_new(ops, "address", "4096");
	void *f = fit_holes(ops, a);
	/* The rover stands on F @384; freeing F merges E, F and the tail into
	 * one block @288, where the next search must start (not @0, by wrapping
	 * past a block that begins below the old rover). */
	ops->free(a, f);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), 288);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

static void test_next_fit_list_rover(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	void *a = fit_new(ops, "fifo", "4096");
	static const size_t req[] = {56, 40, 120, 40, 56, 40}; /* A..F */
	void *p[6];
	for (int i = 0; i < 6; i++)
		p[i] = ops->malloc(a, req[i]);
	fit_fill_rest(ops, a, 400);
	ops->free(a, p[0]);
	ops->free(a, p[2]);
	ops->free(a, p[4]);
	/* List A 64 @0, C 128 @112, E 64 @288: C is taken whole, so the rover
	 * moves on to E, not back to the head. */
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 120)), 112);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), 288);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 56)), 0);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

/* Next fit in address order keeps a pointer into the address-ordered free
 * list. Blocks A 32 @0, B 32 @32, C 32 @64 and D, the rest of the heap;
 * A and C freed. malloc(24) wraps to A and takes it whole, so the rover
 * moves on to C; A freed again lies behind the rover, and the next search
 * finds C first. */
static void test_next_fit_rover_passes_freed_block(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	void *a = fit_new(ops, "address", "4096");
	void *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = ops->malloc(a, 24);
	fit_fill_rest(ops, a, 96);
	ops->free(a, p[0]);
	ops->free(a, p[2]);
	void *again = ops->malloc(a, 24);
	assert_int_equal(fit_off(ops, a, again), 0);
	ops->free(a, again);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 24)), 64);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

/* The rover's block stays where it is when blocks before it merge. Blocks
 * A 32 @0, B 64 @32, C 32 @96, D 64 @128, E 32 @192 and the rest; B and D
 * freed. malloc(56) wraps to B and takes it whole (rover: D); A and then
 * that block freed merge into one block @0, below the rover: D @128 next. */
static void test_next_fit_rover_stays_on_its_block(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	void *a = fit_new(ops, "address", "4096");
	static const size_t req[] = {24, 56, 24, 56, 24};
	void *p[5];
	for (int i = 0; i < 5; i++)
		p[i] = ops->malloc(a, req[i]);
	fit_fill_rest(ops, a, 224);
	ops->free(a, p[1]);
	ops->free(a, p[3]);
	void *g = ops->malloc(a, 56);
	assert_int_equal(fit_off(ops, a, g), 32);
	ops->free(a, p[0]);
	ops->free(a, g);
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 24)), 128);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

/* When no free block fits, the heap grows and the search ends in the new
 * memory, for every order: the rover stands on what is left of the grown
 * block, not where the failed search began. A 1008 @0, B 32 @1008, C the
 * rest; A freed. malloc(600) splits A (rover: its remainder, 400 @608);
 * malloc(500) fits nowhere and grows the heap (its block starts at the old
 * end); malloc(24) follows it. */
static void test_next_fit_rover_after_growth(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	for (int o = 0; o < 3; o++) {
		void *a = fit_new(ops, orders[o], "4096");
		void *first = ops->malloc(a, 1000);
		ops->malloc(a, 24);
		void *rest = fit_fill_rest(ops, a, 1040);
		ptrdiff_t old_end = 1040 + 8 + (ptrdiff_t)ops->usable_size(a, rest);
		ops->free(a, first);
		assert_int_equal(fit_off(ops, a, ops->malloc(a, 600)), 0);
		void *grown = ops->malloc(a, 500);
		assert_int_equal(fit_off(ops, a, grown), old_end);
		assert_int_equal(fit_off(ops, a, ops->malloc(a, 24)), fit_off(ops, a, grown) + 512);
		fit_assert_ok(ops, a);
		ops->destroy(a);
	}
}

/* A realloc that grows into the free block the rover stands on moves the
 * rover on to the next free block, as taking that block would. P 32 @0,
 * X 128 @32, Q 32 @160, Y 128 @192 and the rest; X and Y freed. malloc(24)
 * wraps to X and splits it (N @32, rover: 96 @64); realloc(N, 40) takes
 * that remainder and frees its tail (80 @80): the search goes on at Y. */
static void test_next_fit_rover_after_realloc(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &next_fit_ops;
	for (int o = 0; o < 3; o++) {
		void *a = fit_new(ops, orders[o], "4096");
		static const size_t req[] = {24, 120, 24, 120};
		void *p[4];
		for (int i = 0; i < 4; i++)
			p[i] = ops->malloc(a, req[i]);
		fit_fill_rest(ops, a, 320);
		ops->free(a, p[1]);
		ops->free(a, p[3]);
		void *n = ops->malloc(a, 24);
		assert_int_equal(fit_off(ops, a, n), o == 1 ? 192 : 32);
		if (o != 1) {
			assert_ptr_equal(ops->realloc(a, n, 40), n);
			assert_int_equal(fit_off(ops, a, ops->malloc(a, 24)), 192);
		}
		fit_assert_ok(ops, a);
		ops->destroy(a);
	}
}

static void test_coalescing(void **state)
{
	(void)state;
	static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
					 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	const struct allocator_ops *cases[] = {&first_fit_ops, &best_fit_ops,
					       &best_fit_ops, &best_fit_ops};
	const char *case_orders[] = {"address", "address", "lifo", "fifo"};
	for (int c = 0; c < 4; c++)
		for (int pi = 0; pi < 6; pi++) {
			const struct allocator_ops *ops = cases[c];
			void *a = fit_new(ops, case_orders[c], "4096");
			void *keep = ops->malloc(a, 40);   /* 48 @0 */
			void *p[3] = {ops->malloc(a, 72),  /* 80 @48 */
				      ops->malloc(a, 104), /* 112 @128 */
				      ops->malloc(a, 56)}; /* 64 @240 */
			void *wall = ops->malloc(a, 40);   /* 48 @304 */
			for (int k = 0; k < 3; k++) {
				ops->free(a, p[perms[pi][k]]);
				fit_assert_ok(ops, a);
			}
			/* One 256-byte block @48: an exact fit for malloc(248). */
			assert_int_equal(fit_off(ops, a, ops->malloc(a, 248)), 48);
			fit_assert_ok(ops, a);
			(void)keep;
			(void)wall;
			ops->destroy(a);
		}
}

static void test_heap_peak(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		const struct allocator_ops *ops = fits[f];
		void *a = fit_new(ops, "address", "4096");
		/* Footprint: the block heap plus one page of node pool. */
		struct allocator_heap_stats st;
		ops->heap_stats(a, &st);
		assert_int_equal(st.current_bytes, 4096 + 4096);
		/* 5008 bytes: the free last block (< 4096) grows by one step. */
		void *p = ops->malloc(a, 5000);
		ops->heap_stats(a, &st);
		assert_int_equal(st.current_bytes, 8192 + 4096);
		ops->free(a, p);
		/* The whole 8 KiB is one free block: 9008 needs one step more,
		 * not three. */
		p = ops->malloc(a, 9000);
		assert_int_equal(fit_off(ops, a, p), 0);
		ops->heap_stats(a, &st);
		assert_int_equal(st.current_bytes, 12288 + 4096);
		assert_int_equal(st.peak_bytes, 12288 + 4096);
		fit_assert_ok(ops, a);
		ops->destroy(a);
		/* A large step grows the block heap, not the node pool: one
		 * 2 MiB step of heap and one page of pool. */
		a = fit_new(ops, "address", "2097152");
		ops->heap_stats(a, &st);
		assert_int_equal(st.current_bytes, 2097152 + 4096);
		ops->destroy(a);
	}
}

static void test_aligned_alloc(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++)
		for (int o = 0; o < 3; o++) {
			const struct allocator_ops *ops = fits[f];
			void *a = fit_new(ops, orders[o], "4096");
			for (size_t align = 16; align <= 4096; align *= 2)
				for (size_t size = 1; size <= 3000; size = size * 5 + 3) {
					void *small = ops->malloc(a, 24);
					char *p = ops->aligned_alloc(a, align, size);
					assert_non_null(p);
					assert_int_equal((uintptr_t)p % align, 0);
					assert_true(ops->usable_size(a, p) >= size);
					memset(p, 0x5a, size);
					fit_assert_ok(ops, a);
					if (size % 2)
						ops->free(a, p);
					ops->free(a, small);
				}
			fit_assert_ok(ops, a);
			ops->destroy(a);
		}
}

/* Growing for an aligned request costs what the placement at the heap's
 * end needs, not the alignment over again: with the heap full, the new
 * block starts at the old end, whose payload is page-aligned, so 4096-byte
 * alignment needs no gap and one step is enough (it took two). */
static void test_aligned_growth_exact(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		const struct allocator_ops *ops = fits[f];
		void *a = fit_new(ops, "address", "4096");
		uintptr_t lo, hi;
		ops->heap_range(a, &lo, &hi);
		fit_fill_rest(ops, a, 0);
		struct allocator_heap_stats before, after;
		ops->heap_stats(a, &before);
		char *p = ops->aligned_alloc(a, 4096, 100);
		ops->heap_stats(a, &after);
		assert_ptr_equal(p, (char *)hi + 8); /* hi: the epilogue, the new block's head */
		assert_int_equal(after.current_bytes - before.current_bytes, 4096);
		fit_assert_ok(ops, a);
		ops->destroy(a);
	}
}

static void test_aligned_gap_is_free(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &first_fit_ops;
	void *a = fit_new(ops, "address", "4096");
	uintptr_t lo, hi;
	ops->heap_range(a, &lo, &hi);
	char *p = ops->aligned_alloc(a, 1024, 100);
	assert_int_equal((uintptr_t)p % 1024, 0);
	/* The gap before p became a free block: a small block goes there. */
	assert_int_equal(fit_off(ops, a, ops->malloc(a, 24)), 0);
	fit_assert_ok(ops, a);
	ops->destroy(a);
}

static void test_realloc_in_place_and_moving(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		const struct allocator_ops *ops = fits[f];
		void *a = fit_new(ops, "address", "4096");
		char *p = ops->malloc(a, 100); /* 112 @0 */
		void *q = ops->malloc(a, 40);  /* 48 @112 */
		ops->free(a, q);
		/* Grows into the free neighbour. */
		assert_ptr_equal(ops->realloc(a, p, 200), p);
		assert_int_equal(ops->usable_size(a, p), 200);
		/* Shrinks in place; the cut tail takes the next request. */
		assert_ptr_equal(ops->realloc(a, p, 50), p);
		assert_int_equal(ops->usable_size(a, p), 56);
		assert_int_equal(fit_off(ops, a, ops->malloc(a, 40)), 64);
		fit_assert_ok(ops, a);
		/* Moves when the neighbour is taken; the bytes come along. */
		for (int i = 0; i < 56; i++)
			p[i] = (char)i;
		char *r = ops->realloc(a, p, 1000);
		assert_ptr_not_equal(r, p);
		for (int i = 0; i < 56; i++)
			assert_int_equal(r[i], (char)i);
		fit_assert_ok(ops, a);
		/* At the heap's end it grows the heap and stays. */
		uintptr_t lo, hi;
		ops->heap_range(a, &lo, &hi);
		size_t rest = hi - lo - (size_t)fit_off(ops, a, r) - 8;
		assert_ptr_equal(ops->realloc(a, r, rest), r);
		assert_ptr_equal(ops->realloc(a, r, rest + 5000), r);
		for (int i = 0; i < 56; i++)
			assert_int_equal(r[i], (char)i);
		struct allocator_heap_stats st;
		ops->heap_stats(a, &st);
		assert_int_equal(st.current_bytes, 12288 + 4096); /* + node pool */
		fit_assert_ok(ops, a);
		/* realloc(NULL, n) allocates; realloc(p, 0) keeps a minimum block. */
		void *n = ops->realloc(a, NULL, 10);
		assert_non_null(n);
		assert_ptr_equal(ops->realloc(a, n, 0), n);
		fit_assert_ok(ops, a);
		ops->destroy(a);
	}
}

static void test_calloc_after_dirty_reuse(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		const struct allocator_ops *ops = fits[f];
		void *a = fit_new(ops, "address", "4096");
		unsigned char *p = ops->malloc(a, 200);
		memset(p, 0xab, 200);
		ops->free(a, p);
		unsigned char *q = ops->calloc(a, 25, 8);
		assert_ptr_equal(q, p);
		for (int i = 0; i < 200; i++)
			assert_int_equal(q[i], 0);
		assert_null(ops->calloc(a, SIZE_MAX / 2, 3));
		ops->destroy(a);
	}
}

static void test_malloc_zero_and_huge(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		const struct allocator_ops *ops = fits[f];
		void *a = fit_new(ops, "lifo", "4096");
		void *p = ops->malloc(a, 0), *q = ops->malloc(a, 0);
		assert_non_null(p);
		assert_non_null(q);
		assert_ptr_not_equal(p, q);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_int_equal(ops->usable_size(a, p), 24); /* minimum block 32 */
		assert_null(ops->malloc(a, SIZE_MAX - 4));
		assert_null(ops->malloc(a, (size_t)1 << 40));
		fit_assert_ok(ops, a);
		ops->destroy(a);
	}
}

static void test_bad_params(void **state)
{
	(void)state;
	char err[256];
	struct allocator_config bad_order = {.values = {"random", "4096"}};
	struct allocator_config bad_step = {.values = {"address", "100"}};
	for (int f = 0; f < 3; f++) {
		assert_null(fits[f]->create(&bad_order, err, sizeof err));
		assert_string_equal(err, "order 'random' must be address, lifo or fifo");
		assert_null(fits[f]->create(&bad_step, err, sizeof err));
		assert_non_null(strstr(err, "step '100'"));
	}
}

/* Randomized property test: live blocks stay aligned, disjoint, inside the
 * heap, and keep their bytes; check() passes along the way; freeing all
 * leaves one free block spanning the heap. */
#define LIVE 1500

struct fit_live {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void live_verify(const struct fit_live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != l->fill)
			fail_msg("block %p byte %zu is %#x, not %#x", (void *)l->p, i, l->p[i], l->fill);
}

static int live_cmp(const void *x, const void *y)
{
	const struct fit_live *a = x, *b = y;
	return (a->p > b->p) - (a->p < b->p);
}

static void live_disjoint(const struct allocator_ops *ops, void *a, const struct fit_live *live)
{
	static struct fit_live sorted[LIVE];
	size_t n = 0;
	for (int i = 0; i < LIVE; i++)
		if (live[i].p)
			sorted[n++] = live[i];
	qsort(sorted, n, sizeof sorted[0], live_cmp);
	uintptr_t lo, hi;
	ops->heap_range(a, &lo, &hi);
	for (size_t i = 0; i < n; i++) {
		uintptr_t s = (uintptr_t)sorted[i].p, e = s + ops->usable_size(a, sorted[i].p);
		assert_true(s > lo && e <= hi);
		if (i + 1 < n)
			assert_true(e < (uintptr_t)sorted[i + 1].p);
	}
}

static size_t rand_size(unsigned *seed)
{
	int r = rand_r(seed) % 100;
	if (r < 70)
		return (size_t)(rand_r(seed) % 128);
	if (r < 95)
		return (size_t)(rand_r(seed) % 2048);
	return (size_t)(rand_r(seed) % 40000);
}

static void random_step(const struct allocator_ops *ops, void *a, struct fit_live *l,
			unsigned *seed, unsigned char fill)
{
	if (l->p && rand_r(seed) % 3) {
		live_verify(l);
		if (rand_r(seed) % 2) {
			ops->free(a, l->p);
			l->p = NULL;
			return;
		}
		size_t n = rand_size(seed);
		unsigned char *r = ops->realloc(a, l->p, n);
		assert_non_null(r);
		for (size_t i = 0; i < (n < l->size ? n : l->size); i++)
			assert_int_equal(r[i], l->fill);
		l->p = r;
		l->size = n;
	} else if (!l->p) {
		size_t n = rand_size(seed), align = (size_t)1 << (rand_r(seed) % 13);
		int kind = rand_r(seed) % 4;
		l->p = kind == 0 ? ops->calloc(a, 1, n)
		     : kind == 1 ? ops->aligned_alloc(a, align, n) : ops->malloc(a, n);
		assert_non_null(l->p);
		assert_int_equal((uintptr_t)l->p % (kind == 1 && align > 16 ? align : 16), 0);
		assert_true(ops->usable_size(a, l->p) >= n);
		if (kind == 0)
			for (size_t i = 0; i < n; i++)
				assert_int_equal(l->p[i], 0);
		l->size = n;
	} else {
		return;
	}
	l->fill = fill;
	memset(l->p, fill, l->size);
}

static void test_random_all(void **state)
{
	(void)state;
	static struct fit_live live[LIVE];
	for (int f = 0; f < 3; f++)
		for (int o = 0; o < 3; o++) {
			const struct allocator_ops *ops = fits[f];
			void *a = fit_new(ops, orders[o], "4096");
			unsigned seed = 12345u + (unsigned)(f * 3 + o);
			memset(live, 0, sizeof live);
			for (int step = 0; step < 30000; step++) {
				random_step(ops, a, &live[rand_r(&seed) % LIVE], &seed,
					    (unsigned char)(step | 1));
				if (step % 1000 == 0) {
					fit_assert_ok(ops, a);
					live_disjoint(ops, a, live);
				}
			}
			for (int i = 0; i < LIVE; i++)
				if (live[i].p) {
					live_verify(&live[i]);
					ops->free(a, live[i].p);
				}
			fit_assert_ok(ops, a);
			uintptr_t lo, hi;
			ops->heap_range(a, &lo, &hi);
			assert_int_equal(fit_off(ops, a, ops->malloc(a, hi - lo - 8)), 0);
			fit_assert_ok(ops, a);
			ops->destroy(a);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_by_policy),
		cmocka_unit_test(test_placement_by_order),
		cmocka_unit_test(test_best_fit_ties),
		cmocka_unit_test(test_next_fit_wraps),
		cmocka_unit_test(test_next_fit_rover_follows_merge),
		cmocka_unit_test(test_next_fit_list_rover),
		cmocka_unit_test(test_next_fit_rover_passes_freed_block),
		cmocka_unit_test(test_next_fit_rover_stays_on_its_block),
		cmocka_unit_test(test_next_fit_rover_after_growth),
		cmocka_unit_test(test_next_fit_rover_after_realloc),
		cmocka_unit_test(test_coalescing),
		cmocka_unit_test(test_heap_peak),
		cmocka_unit_test(test_aligned_alloc),
		cmocka_unit_test(test_aligned_gap_is_free),
		cmocka_unit_test(test_aligned_growth_exact),
		cmocka_unit_test(test_realloc_in_place_and_moving),
		cmocka_unit_test(test_calloc_after_dirty_reuse),
		cmocka_unit_test(test_malloc_zero_and_huge),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_random_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
