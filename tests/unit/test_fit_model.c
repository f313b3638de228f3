/* test_fit_model.c - first-fit, next-fit and best-fit against a reference
 * model written to be obviously right rather than fast: the heap as an array
 * of blocks in address order, the free list's order as a sequence number,
 * every search a linear scan. Random traces (malloc, aligned allocation,
 * realloc, free, heap growth) go to both, and every block must land at the
 * same address, for every policy, order and growth step. The strategies'
 * indexed mechanisms (B+tree, treap, lists with a rover) are where a fast
 * implementation could depart from its policy unnoticed; the model shares
 * none of their code, only the layout of fit_heap.h (8-byte header, sizes
 * in 16s, 32-byte minimum block, an aligned block's leading gap at least a
 * minimum block) and the order rules stated there and in next_fit.c. */
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

#define HEAD 8
#define MIN_BLOCK 32
#define MODEL_BLOCKS 8192

enum policy { FIRST, NEXT, BEST };
enum order { ADDRESS, LIFO, FIFO };

struct mblock {
	uintptr_t addr;
	size_t size;
	int free;
	uint64_t seq; /* when it joined the free list: its place in lifo/fifo */
};

struct model {
	enum policy policy;
	enum order order;
	size_t step;
	struct mblock b[MODEL_BLOCKS]; /* tiling [b[0].addr, end), by address */
	size_t n;
	uintptr_t end;   /* the epilogue: where the heap grows */
	uint64_t seq;
	uintptr_t rover; /* next fit: the free block the search starts at; 0 none */
};

static size_t need_of(size_t size)
{
	size_t need = (size + HEAD + 15) & ~(size_t)15;
	return need < MIN_BLOCK ? MIN_BLOCK : need;
}

static size_t find_block(const struct model *m, uintptr_t addr)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->b[i].addr == addr)
			return i;
	fail_msg("model: no block at %#lx", (unsigned long)addr);
	return 0;
}

static void insert_block(struct model *m, size_t at, struct mblock blk)
{
	assert_true(m->n < MODEL_BLOCKS);
	memmove(&m->b[at + 1], &m->b[at], (m->n - at) * sizeof m->b[0]);
	m->b[at] = blk;
	m->n++;
}

static void delete_block(struct model *m, size_t at)
{
	memmove(&m->b[at], &m->b[at + 1], (m->n - at - 1) * sizeof m->b[0]);
	m->n--;
}

/* Does free block x come before free block y in the search order? */
static int comes_before(const struct model *m, const struct mblock *x, const struct mblock *y)
{
	switch (m->order) {
	case LIFO:
		return x->seq > y->seq;
	case FIFO:
		return x->seq < y->seq;
	default:
		return x->addr < y->addr;
	}
}

/* The free blocks' indices in search order; returns how many. */
static size_t free_list(const struct model *m, size_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!m->b[i].free)
			continue;
		size_t j = k++;
		while (j > 0 && comes_before(m, &m->b[i], &m->b[out[j - 1]])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return k;
}

/* The free block after the one at addr in search order, or 0. */
static uintptr_t successor(const struct model *m, uintptr_t addr)
{
	static size_t list[MODEL_BLOCKS];
	size_t k = free_list(m, list);
	for (size_t i = 0; i + 1 < k; i++)
		if (m->b[list[i]].addr == addr)
			return m->b[list[i + 1]].addr;
	return 0;
}

/* The lowest free block above addr, or 0. */
static uintptr_t free_above(const struct model *m, uintptr_t addr)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->b[i].free && m->b[i].addr > addr)
			return m->b[i].addr;
	return 0;
}

/* A list rover on a block leaving the list moves on, like a pointer into
 * the list when its node is unlinked. */
static void list_unlink(struct model *m, uintptr_t addr)
{
	if (m->policy == NEXT && m->order != ADDRESS && m->rover == addr)
		m->rover = successor(m, addr);
}

/* Offset of an aligned allocation in block x (as fit_block_offset), or -1. */
static ptrdiff_t offset_in(const struct mblock *x, size_t need, size_t align)
{
	if (align <= 16)
		return x->size >= need ? 0 : -1;
	uintptr_t p = x->addr + HEAD, q = (p + align - 1) & ~(uintptr_t)(align - 1);
	while (q != p && q - p < MIN_BLOCK)
		q += align;
	return q - p + need <= x->size ? (ptrdiff_t)(q - p) : -1;
}

static long find_fit(const struct model *m, size_t need, size_t align)
{
	static size_t list[MODEL_BLOCKS];
	size_t k = free_list(m, list), start = 0;
	long best = -1;
	if (m->policy == BEST) {
		for (size_t i = 0; i < k; i++) {
			const struct mblock *x = &m->b[list[i]];
			if (offset_in(x, need, align) >= 0 && (best < 0 || x->size < m->b[best].size))
				best = (long)list[i];
		}
		return best;
	}
	if (m->policy == NEXT && m->rover)
		while (start < k && (m->order == ADDRESS ? m->b[list[start]].addr < m->rover
							 : m->b[list[start]].addr != m->rover))
			start++;
	if (start == k)
		start = 0;
	for (size_t s = 0; s < k; s++) {
		size_t i = list[(start + s) % k];
		if (offset_in(&m->b[i], need, align) >= 0)
			return (long)i;
	}
	return -1;
}

static size_t round_step(const struct model *m, size_t bytes)
{
	return (bytes + m->step - 1) / m->step * m->step;
}

/* Grows the heap for a block of `need` at `align` (as heap_grow): a free
 * last block is extended and keeps its place, else new memory is a newly
 * freed block at the old end; either way the block's start is known, so the
 * heap grows by exactly what the aligned placement there needs. */
static size_t grow(struct model *m, size_t need, size_t align)
{
	struct mblock *last = &m->b[m->n - 1];
	size_t have = last->free ? last->size : 0;
	struct mblock at = {last->free ? last->addr : m->end, SIZE_MAX / 2, 1, 0};
	size_t want = need + (size_t)offset_in(&at, need, align);
	size_t got = round_step(m, want > have ? want - have : want);
	m->end += got;
	if (last->free) {
		last->size += got;
		return m->n - 1;
	}
	insert_block(m, m->n, (struct mblock){m->end - got, got, 1, ++m->seq});
	return m->n - 1;
}

/* Places `need` bytes at offset `off` of free block i; returns the payload. */
static uintptr_t place(struct model *m, size_t i, size_t need, size_t off)
{
	struct mblock b = m->b[i];
	size_t rest = b.size - off - need;
	int split = rest >= MIN_BLOCK;
	size_t at = i;
	if (m->policy == NEXT && m->order != ADDRESS)
		m->rover = b.addr;
	if (off) {
		/* The leading gap keeps the block's place; the tail is newly freed. */
		m->b[i].size = off;
		at = i + 1;
		insert_block(m, at, (struct mblock){b.addr + off, split ? need : b.size - off, 0, 0});
		if (split)
			insert_block(m, at + 1, (struct mblock){b.addr + off + need, rest, 1, ++m->seq});
	} else if (split) {
		/* The remainder keeps the block's place, and a list rover on it. */
		m->b[i] = (struct mblock){b.addr, need, 0, 0};
		insert_block(m, i + 1, (struct mblock){b.addr + need, rest, 1, b.seq});
		if (m->rover == b.addr && m->order != ADDRESS)
			m->rover = b.addr + need;
	} else {
		list_unlink(m, b.addr);
		m->b[i].free = 0;
	}
	if (m->policy == NEXT && m->order == ADDRESS)
		m->rover = free_above(m, m->b[at].addr);
	return m->b[at].addr + HEAD;
}

static uintptr_t model_alloc(struct model *m, size_t size, size_t align)
{
	size_t need = need_of(size);
	long i = find_fit(m, need, align);
	if (i < 0)
		i = (long)grow(m, need, align);
	ptrdiff_t off = offset_in(&m->b[i], need, align);
	assert_true(off >= 0);
	return place(m, (size_t)i, need, (size_t)off);
}

/* Frees block i with immediate coalescing; a merged block counts as freed
 * now. In address order a rover inside the merged block moves to its start. */
static void release(struct model *m, size_t i)
{
	int prev = i > 0 && m->b[i - 1].free;
	int next = i + 1 < m->n && m->b[i + 1].free;
	size_t merged = i;
	if (next) {
		list_unlink(m, m->b[i + 1].addr);
		m->b[i].size += m->b[i + 1].size;
		delete_block(m, i + 1);
	}
	if (prev) {
		merged = i - 1;
		list_unlink(m, m->b[i - 1].addr);
		m->b[i - 1].size += m->b[i].size;
		delete_block(m, i);
	}
	m->b[merged].free = 1;
	m->b[merged].seq = ++m->seq;
	const struct mblock *x = &m->b[merged];
	if (m->policy == NEXT && m->order == ADDRESS && m->rover > x->addr &&
	    m->rover < x->addr + x->size)
		m->rover = x->addr;
}

/* Cuts allocated block i to `need`, freeing a tail of a minimum block or more. */
static void shrink(struct model *m, size_t i, size_t need)
{
	size_t rest = m->b[i].size - need;
	if (rest < MIN_BLOCK)
		return;
	m->b[i].size = need;
	insert_block(m, i + 1, (struct mblock){m->b[i].addr + need, rest, 0, 0});
	release(m, i + 1);
}

/* realloc: in place when the block, with a free successor and (at the end
 * of the heap) growth, holds `size`; else moved. */
static uintptr_t model_realloc(struct model *m, uintptr_t payload, size_t size)
{
	size_t need = need_of(size), i = find_block(m, payload - HEAD);
	if (need > m->b[i].size) {
		int next = i + 1 < m->n && m->b[i + 1].free;
		size_t avail = m->b[i].size + (next ? m->b[i + 1].size : 0);
		if (avail < need) {
			if (m->b[i].addr + avail != m->end) {
				uintptr_t moved = model_alloc(m, size, 16);
				release(m, find_block(m, payload - HEAD));
				return moved;
			}
			m->end += round_step(m, need - avail);
			avail = m->end - m->b[i].addr;
		}
		if (next) {
			uintptr_t taken = m->b[i + 1].addr;
			list_unlink(m, taken);
			delete_block(m, i + 1);
			if (m->policy == NEXT && m->order == ADDRESS && m->rover == taken)
				m->rover = free_above(m, taken);
		}
		m->b[i].size = avail;
	}
	shrink(m, i, need);
	return payload;
}

static void model_free(struct model *m, uintptr_t payload)
{
	release(m, find_block(m, payload - HEAD));
}

/* ---- replaying random traces on both ------------------------------------ */

#define LIVE_MAX 600

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly small sizes with a tail of large ones, so that holes of many sizes
 * appear, merge and grow the heap. */
static size_t random_size(uint64_t *s)
{
	uint64_t r = rng_next(s) % 100;
	if (r < 60)
		return rng_next(s) % 200;
	if (r < 90)
		return 200 + rng_next(s) % 2000;
	return 2000 + rng_next(s) % 20000;
}

static void replay_random(const struct allocator_ops *ops, enum policy policy, enum order order,
			  const char *step, uint64_t seed, int events)
{
	static const char *const order_names[] = {"address", "lifo", "fifo"};
	struct allocator_config cfg = {.values = {order_names[order], step}};
	char err[256] = "";
	void *a = ops->create(&cfg, err, sizeof err);
	if (!a)
		fail_msg("%s: %s", ops->name, err);
	static struct model m;
	uintptr_t lo, hi;
	ops->heap_range(a, &lo, &hi);
	m = (struct model){.policy = policy, .order = order, .step = strtoul(step, NULL, 10),
			   .end = hi};
	m.b[0] = (struct mblock){lo, hi - lo, 1, ++m.seq};
	m.n = 1;

	void *live[LIVE_MAX];
	int n_live = 0;
	uint64_t s = seed;
	for (int e = 0; e < events; e++) {
		uint64_t r = rng_next(&s) % 100;
		void *p;
		uintptr_t want;
		const char *what;
		if (n_live > 0 && (r < 40 || n_live == LIVE_MAX)) {
			int k = (int)(rng_next(&s) % (uint64_t)n_live);
			model_free(&m, (uintptr_t)live[k]);
			ops->free(a, live[k]);
			live[k] = live[--n_live];
			continue;
		}
		if (n_live > 0 && r < 52) {
			int k = (int)(rng_next(&s) % (uint64_t)n_live);
			size_t size = random_size(&s);
			want = model_realloc(&m, (uintptr_t)live[k], size);
			p = live[k] = ops->realloc(a, live[k], size);
			what = "realloc";
		} else if (r < 60) {
			size_t align = (size_t)32 << (rng_next(&s) % 8), size = random_size(&s);
			want = model_alloc(&m, size, align);
			p = live[n_live++] = ops->aligned_alloc(a, align, size);
			what = "aligned_alloc";
		} else {
			size_t size = random_size(&s);
			want = model_alloc(&m, size, 16);
			p = live[n_live++] = ops->malloc(a, size);
			what = "malloc";
		}
		if ((uintptr_t)p != want)
			fail_msg("%s:order=%s:step=%s, seed %llu, event %d (%s): the model places "
				 "the block at heap offset %ld, the strategy at %ld",
				 ops->name, order_names[order], step, (unsigned long long)seed, e, what,
				 (long)(want - lo), (long)((uintptr_t)p - lo));
	}
	ops->heap_range(a, &lo, &hi);
	assert_int_equal(hi, m.end);
	ops->destroy(a);
}

static void agree_everywhere(const struct allocator_ops *ops, enum policy policy)
{
	for (int order = ADDRESS; order <= FIFO; order++)
		for (uint64_t seed = 1; seed <= 6; seed++)
			replay_random(ops, policy, (enum order)order, seed % 3 ? "4096" : "65536",
				      seed * 0x9e3779b97f4a7c15u, 4000);
}

static void test_first_fit_agrees(void **state)
{
	(void)state;
	agree_everywhere(&first_fit_ops, FIRST);
}

static void test_next_fit_agrees(void **state)
{
	(void)state;
	agree_everywhere(&next_fit_ops, NEXT);
}

static void test_best_fit_agrees(void **state)
{
	(void)state;
	agree_everywhere(&best_fit_ops, BEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fit_agrees),
		cmocka_unit_test(test_next_fit_agrees),
		cmocka_unit_test(test_best_fit_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
