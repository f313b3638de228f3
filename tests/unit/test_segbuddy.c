/* test_segbuddy.c - unit tests of the segregated, simple-seg, buddy and tlsf
 * strategies through their ops tables: hand-worked layouts (offsets, block
 * sizes, heap extents), realloc/calloc/aligned_alloc contracts, and a seeded
 * random property test per strategy that runs check() as it goes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "allocator.h"

/* The kernel's mprotect, unless a test asks it to refuse commits larger
 * than refuse_commit_over bytes, as a machine short of memory would: this
 * definition takes the place of libc's for os_heap.c, linked in here. */
static size_t refuse_commit_over;

int mprotect(void *addr, size_t len, int prot)
{
	if (refuse_commit_over && len > refuse_commit_over && prot != PROT_NONE) {
		errno = ENOMEM;
		return -1;
	}
	return (int)syscall(SYS_mprotect, addr, len, prot);
}

extern const struct allocator_ops segregated_ops, simple_seg_ops, buddy_ops, tlsf_ops;

/* Creates an instance with the defaults, overridden by "key=value" strings
 * (NULL-terminated). */
static void *inst_new(const struct allocator_ops *ops, ...)
{
	struct allocator_config cfg = {0};
	size_t n = 0;
	for (; ops->params[n].key; n++)
		cfg.values[n] = ops->params[n].default_value;
	static char buf[8][64];
	va_list ap;
	va_start(ap, ops);
	for (const char *kv; (kv = va_arg(ap, const char *));) {
		size_t klen = strcspn(kv, "=");
		size_t i = 0;
		while (i < n && (strlen(ops->params[i].key) != klen ||
				 strncmp(ops->params[i].key, kv, klen)))
			i++;
		assert_true(i < n);
		snprintf(buf[i], sizeof buf[i], "%s", kv + klen + 1);
		cfg.values[i] = buf[i];
	}
	va_end(ap);
	char err[256] = "";
	void *self = ops->create(&cfg, err, sizeof err);
	if (!self)
		fail_msg("%s: create failed: %s", ops->name, err);
	return self;
}

static void check_ok(const struct allocator_ops *ops, void *self)
{
	char err[256] = "";
	if (ops->check(self, err, sizeof err) != 0)
		fail_msg("%s: check failed: %s", ops->name, err);
}

static uint64_t heap_now(const struct allocator_ops *ops, void *self)
{
	struct allocator_heap_stats st;
	ops->heap_stats(self, &st);
	return st.current_bytes;
}

static uint64_t heap_peak(const struct allocator_ops *ops, void *self)
{
	struct allocator_heap_stats st;
	ops->heap_stats(self, &st);
	return st.peak_bytes;
}

static char *heap_lo(const struct allocator_ops *ops, void *self)
{
	uintptr_t lo, hi;
	ops->heap_range(self, &lo, &hi);
	return (char *)lo;
}

static size_t heap_span(const struct allocator_ops *ops, void *self)
{
	uintptr_t lo, hi;
	ops->heap_range(self, &lo, &hi);
	return hi - lo;
}

/* ---- boundary-tag strategies (segregated, tlsf) ------------------------ */

/* Block layout: 16-byte header before the payload, block = align16(n + 8),
 * at least 32; the first block starts at heap_range's lo. */
static void bt_split_and_coalesce(const struct allocator_ops *ops)
{
	void *h = inst_new(ops, NULL);
	char *lo = heap_lo(ops, h);
	char *a = ops->malloc(h, 24);  /* block [0, 32) */
	char *b = ops->malloc(h, 100); /* block [32, 144) */
	char *c = ops->malloc(h, 40);  /* block [144, 192) */
	assert_ptr_equal(a, lo + 16);
	assert_ptr_equal(b, lo + 48);
	assert_ptr_equal(c, lo + 160);
	assert_int_equal(ops->usable_size(h, a), 24);
	assert_int_equal(ops->usable_size(h, b), 104);
	check_ok(ops, h);
	ops->free(h, b);
	check_ok(ops, h);
	/* Splitting: the 112-byte hole gives a 32-byte block at its start. */
	char *d = ops->malloc(h, 24);
	assert_ptr_equal(d, b);
	check_ok(ops, h);
	/* Coalescing: a, d and the 80-byte rest of the hole merge into [0, 144). */
	ops->free(h, a);
	ops->free(h, d);
	check_ok(ops, h);
	char *e = ops->malloc(h, 136);
	assert_ptr_equal(e, lo + 16);
	assert_int_equal(ops->usable_size(h, e), 136);
	/* Coalescing with the following free tail: freeing c then asking for a
	 * block bigger than [144, 192) returns c's address. */
	ops->free(h, c);
	char *f = ops->malloc(h, 1000);
	assert_ptr_equal(f, c);
	check_ok(ops, h);
	ops->destroy(h);
}

static void test_segregated_split_coalesce(void **state)
{
	(void)state;
	bt_split_and_coalesce(&segregated_ops);
}

static void test_tlsf_split_coalesce(void **state)
{
	(void)state;
	bt_split_and_coalesce(&tlsf_ops);
}

/* A block of `size` freed between used ones, then a request of exactly that
 * size: reused or not. */
static void bt_refit(const struct allocator_ops *ops, size_t size, int reused)
{
	void *h = inst_new(ops, NULL);
	char *x = ops->malloc(h, size);
	char *guard = ops->malloc(h, 16);
	ops->free(h, x);
	char *y = ops->malloc(h, size);
	assert_int_equal(y == x, reused);
	check_ok(ops, h);
	(void)guard;
	ops->destroy(h);
}

/* Holes of 1200, 1104, 1152 and 1104 bytes (blocks), all in the class
 * 1024..1279, freed last to first (so a LIFO first fit would hand out the
 * 1200 hole first): a 1090-byte request (a 1104-byte block)
 * takes an exact 1104 hole, the next 1140 request (1152) the 1152 hole, and
 * a 1180 one (1200) the 1200 hole; the last 1104 serves a 1096 request. */
static void test_segregated_best_fit(void **state)
{
	(void)state;
	const struct allocator_ops *ops = &segregated_ops;
	void *h = inst_new(ops, "step=65536", NULL);
	static const size_t sizes[4] = {1192, 1096, 1144, 1096};
	char *hole[4];
	for (int i = 0; i < 4; i++) {
		hole[i] = ops->malloc(h, sizes[i]);
		assert_non_null(ops->malloc(h, 16));
	}
	for (int i = 3; i >= 0; i--)
		ops->free(h, hole[i]);
	check_ok(ops, h);
	char *a = ops->malloc(h, 1090);
	assert_true(a == hole[1] || a == hole[3]);
	assert_ptr_equal(ops->malloc(h, 1140), hole[2]);
	assert_ptr_equal(ops->malloc(h, 1180), hole[0]);
	assert_ptr_equal(ops->malloc(h, 1096), a == hole[1] ? hole[3] : hole[1]);
	check_ok(ops, h);
	ops->destroy(h);
}

/* Frees blocks of the given sizes (block bytes), each kept apart from its
 * neighbours by a used guard, in the order given; returns their payloads. */
static void seg_holes(void *h, const size_t *blocks, int n, char **hole)
{
	for (int i = 0; i < n; i++) {
		hole[i] = segregated_ops.malloc(h, blocks[i] - 8);
		assert_non_null(segregated_ops.malloc(h, 16));
	}
	for (int i = 0; i < n; i++)
		segregated_ops.free(h, hole[i]);
	check_ok(&segregated_ops, h);
}

/* The trie of class 1024..1279 keys on bits 7..4 of size - 1024. First:
 * root 1056 (key 0010), 1200 (1011) right of it, 1072 (0011) left; a 1088
 * (0100) request goes left and misses, so the best is the right subtree set
 * aside at the root: 1200. Then: root 1200, 1104 (0101) left of it; a 1104
 * request must not settle for the root. A 64 KiB step keeps the heap's
 * free tail out of this class. */
static void test_segregated_trie(void **state)
{
	(void)state;
	void *h = inst_new(&segregated_ops, "step=65536", NULL);
	static const size_t first[3] = {1056, 1200, 1072};
	char *hole[3];
	seg_holes(h, first, 3, hole);
	assert_ptr_equal(segregated_ops.malloc(h, 1080), hole[1]);
	check_ok(&segregated_ops, h);
	segregated_ops.destroy(h);

	h = inst_new(&segregated_ops, "step=65536", NULL);
	static const size_t second[2] = {1200, 1104};
	seg_holes(h, second, 2, hole);
	assert_ptr_equal(segregated_ops.malloc(h, 1096), hole[1]);
	assert_ptr_equal(segregated_ops.malloc(h, 1096), hole[0]);
	check_ok(&segregated_ops, h);
	segregated_ops.destroy(h);
}

static void test_segregated_refit(void **state)
{
	(void)state;
	bt_refit(&segregated_ops, 8200, 1);
}

/* TLSF rounds a request up to the next class boundary (size + one class
 * width - 1), so that any block of that class fits: an 8200-byte request
 * (8208-byte block) skips its own class and the hole it left, while 8184
 * (an 8192-byte block, the first size of a class) rounds within the class
 * and takes the hole back. */
static void test_tlsf_good_fit(void **state)
{
	(void)state;
	bt_refit(&tlsf_ops, 8200, 0);
	bt_refit(&tlsf_ops, 8184, 1);
}

/* The instance and its index take the first 7648 bytes (96-byte struct, 29
 * bitmap words, 29 x 32 list heads), so the first step commits 8192. */
static void bt_peak(const struct allocator_ops *ops)
{
	void *h = inst_new(ops, NULL);
	assert_int_equal(heap_now(ops, h), 8192);
	/* 1008-byte block: the 528-byte free tail plus one 4096 step. */
	void *a = ops->malloc(h, 1000);
	assert_int_equal(heap_now(ops, h), 12288);
	ops->free(h, a);
	a = ops->malloc(h, 1000);
	assert_int_equal(heap_now(ops, h), 12288);
	ops->free(h, a);
	/* 5008 bytes against a 4624-byte free tail: one more step. */
	a = ops->malloc(h, 5000);
	assert_int_equal(heap_now(ops, h), 16384);
	ops->free(h, a);
	assert_int_equal(heap_now(ops, h), 16384);
	assert_int_equal(heap_peak(ops, h), 16384);
	check_ok(ops, h);
	ops->destroy(h);
}

static void test_segregated_peak(void **state)
{
	(void)state;
	bt_peak(&segregated_ops);
}

static void test_tlsf_peak(void **state)
{
	(void)state;
	bt_peak(&tlsf_ops);
}

static void bt_realloc(const struct allocator_ops *ops)
{
	void *h = inst_new(ops, NULL);
	char *p = ops->malloc(h, 100);
	char *guard = ops->malloc(h, 16);
	memset(p, 'p', 100);
	/* Shrink in place, the 48-byte tail freed; grow back into it. */
	assert_ptr_equal(ops->realloc(h, p, 50), p);
	assert_int_equal(ops->usable_size(h, p), 56);
	check_ok(ops, h);
	assert_ptr_equal(ops->realloc(h, p, 100), p);
	assert_int_equal(ops->usable_size(h, p), 104);
	/* The neighbour is used: move, keeping the first 50 bytes. */
	char *q = ops->realloc(h, p, 1000);
	assert_ptr_not_equal(q, p);
	for (int i = 0; i < 50; i++)
		assert_int_equal(q[i], 'p');
	check_ok(ops, h);
	/* q is the last block: growing it extends the heap in place. */
	uint64_t before = heap_now(ops, h);
	memset(q, 'q', 1000);
	assert_ptr_equal(ops->realloc(h, q, 40000), q);
	assert_true(heap_now(ops, h) > before);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(q[i], 'q');
	check_ok(ops, h);
	ops->free(h, guard);
	ops->free(h, q);
	check_ok(ops, h);
	ops->destroy(h);
}

static void test_segregated_realloc(void **state)
{
	(void)state;
	bt_realloc(&segregated_ops);
}

static void test_tlsf_realloc(void **state)
{
	(void)state;
	bt_realloc(&tlsf_ops);
}

/* ---- buddy ---------------------------------------------------------- */

static void test_buddy_block_sizes(void **state)
{
	(void)state;
	void *h = inst_new(&buddy_ops, "min=32", NULL);
	void *a = buddy_ops.malloc(h, 33);
	assert_int_equal(buddy_ops.usable_size(h, a), 64);
	void *b = buddy_ops.malloc(h, 32);
	assert_int_equal(buddy_ops.usable_size(h, b), 32);
	void *c = buddy_ops.malloc(h, 1);
	assert_int_equal(buddy_ops.usable_size(h, c), 32);
	void *d = buddy_ops.malloc(h, 1025);
	assert_int_equal(buddy_ops.usable_size(h, d), 2048);
	check_ok(&buddy_ops, h);
	buddy_ops.destroy(h);
}

/* Four 32-byte blocks split from the first 65536 step take offsets 0, 32,
 * 64, 96; freed in a scrambled order they merge back into one 64 KiB block,
 * which the next 64 KiB request gets without growing the heap. */
static void test_buddy_split_coalesce(void **state)
{
	(void)state;
	void *h = inst_new(&buddy_ops, NULL);
	char *lo = heap_lo(&buddy_ops, h);
	char *blk[4];
	for (int i = 0; i < 4; i++) {
		blk[i] = buddy_ops.malloc(h, 32);
		assert_ptr_equal(blk[i], lo + 32 * i);
	}
	check_ok(&buddy_ops, h);
	static const int order[4] = {1, 2, 0, 3};
	for (int i = 0; i < 4; i++) {
		buddy_ops.free(h, blk[order[i]]);
		check_ok(&buddy_ops, h);
	}
	assert_int_equal(heap_span(&buddy_ops, h), 65536);
	assert_ptr_equal(buddy_ops.malloc(h, 65536), lo);
	assert_int_equal(heap_span(&buddy_ops, h), 65536);
	check_ok(&buddy_ops, h);
	buddy_ops.destroy(h);
}

/* The instance (632 bytes) and its order table (a byte per 32 bytes) sit in
 * a 4 KiB-step side heap; data grows in 64 KiB aligned regions. */
static void test_buddy_peak(void **state)
{
	(void)state;
	void *h = inst_new(&buddy_ops, NULL);
	assert_int_equal(heap_now(&buddy_ops, h), 4096);
	char *a = buddy_ops.malloc(h, 100);
	assert_int_equal(heap_now(&buddy_ops, h), 65536 + 4096);
	/* 70000 bytes: a 128 KiB block, aligned, so [64K, 128K) is skipped
	 * (freed as a block) and the heap ends at 256 KiB; its table needs
	 * 632 + 8192 bytes, three side pages. */
	char *b = buddy_ops.malloc(h, 70000);
	assert_ptr_equal(b, heap_lo(&buddy_ops, h) + 131072);
	assert_int_equal(heap_now(&buddy_ops, h), 262144 + 12288);
	char *c = buddy_ops.malloc(h, 65536);
	assert_ptr_equal(c, heap_lo(&buddy_ops, h) + 65536);
	buddy_ops.free(h, a);
	buddy_ops.free(h, b);
	buddy_ops.free(h, c);
	check_ok(&buddy_ops, h);
	assert_int_equal(heap_now(&buddy_ops, h), 262144 + 12288);
	assert_int_equal(heap_peak(&buddy_ops, h), 262144 + 12288);
	/* Everything merged back: one 256 KiB block at the base. */
	assert_ptr_equal(buddy_ops.malloc(h, 262144), heap_lo(&buddy_ops, h));
	buddy_ops.destroy(h);
}

/* With no free block large enough the heap grows by the least that makes
 * one: a free tail of the heap merges with the new memory rather than being
 * stepped over to the next aligned offset. */
static void test_buddy_grows_least(void **state)
{
	(void)state;
	void *h = inst_new(&buddy_ops, NULL);
	char *lo = heap_lo(&buddy_ops, h);
	buddy_ops.free(h, buddy_ops.malloc(h, 16)); /* [0, 64K) free, one block */
	/* 128 KiB at 0: 64 KiB more, not a heap of 256 KiB; the table takes
	 * 632 + 4096 bytes, two side pages. */
	char *b = buddy_ops.malloc(h, 65537);
	assert_ptr_equal(b, lo);
	assert_int_equal(heap_now(&buddy_ops, h), 131072 + 8192);
	/* A partly free tail: [128K, 192K) free after x; 128 KiB more starts
	 * at 128K and ends the heap at 256 KiB, not 384 KiB. */
	char *x = buddy_ops.malloc(h, 100);
	assert_ptr_equal(x, lo + 131072);
	buddy_ops.free(h, x);
	assert_int_equal(heap_now(&buddy_ops, h), 196608 + 8192);
	char *y = buddy_ops.malloc(h, 131072);
	assert_ptr_equal(y, lo + 131072);
	assert_int_equal(heap_now(&buddy_ops, h), 262144 + 12288);
	check_ok(&buddy_ops, h);
	/* A used block in the tail: the new block goes past the end. */
	buddy_ops.free(h, b);
	char *z = buddy_ops.malloc(h, 262144);
	assert_ptr_equal(z, lo + 262144);
	assert_int_equal(heap_now(&buddy_ops, h), 524288 + 20480);
	check_ok(&buddy_ops, h);
	buddy_ops.destroy(h);
}

static void test_buddy_realloc(void **state)
{
	(void)state;
	void *h = inst_new(&buddy_ops, NULL);
	char *lo = heap_lo(&buddy_ops, h);
	char *p = buddy_ops.malloc(h, 33); /* [0, 64); its buddy [64, 128) free */
	memset(p, 'p', 33);
	assert_ptr_equal(buddy_ops.realloc(h, p, 64), p);
	assert_ptr_equal(buddy_ops.realloc(h, p, 10), p);
	assert_int_equal(buddy_ops.usable_size(h, p), 64);
	/* Absorbs the free buddy: now [0, 128). */
	assert_ptr_equal(buddy_ops.realloc(h, p, 128), p);
	assert_int_equal(buddy_ops.usable_size(h, p), 128);
	check_ok(&buddy_ops, h);
	char *q = buddy_ops.malloc(h, 32);
	assert_ptr_equal(q, lo + 128);
	/* The buddy [128, 256) is split: move, keeping the data. */
	char *r = buddy_ops.realloc(h, p, 256);
	assert_ptr_equal(r, lo + 256);
	for (int i = 0; i < 33; i++)
		assert_int_equal(r[i], 'p');
	check_ok(&buddy_ops, h);
	buddy_ops.destroy(h);
}

/* ---- simple-seg ------------------------------------------------------ */

static void test_simple_seg_no_coalescing(void **state)
{
	(void)state;
	void *h = inst_new(&simple_seg_ops, NULL);
	char *lo = heap_lo(&simple_seg_ops, h);
	char *blk[256];
	for (int i = 0; i < 256; i++) {
		blk[i] = simple_seg_ops.malloc(h, 16);
		assert_ptr_equal(blk[i], lo + 16 * i);
	}
	assert_int_equal(heap_span(&simple_seg_ops, h), 4096);
	uint64_t before = heap_now(&simple_seg_ops, h);
	for (int i = 0; i < 256; i++)
		simple_seg_ops.free(h, blk[i]);
	check_ok(&simple_seg_ops, h);
	/* 4 KiB of free 16-byte blocks, yet a 32-byte request grows the heap. */
	char *p = simple_seg_ops.malloc(h, 32);
	assert_ptr_equal(p, lo + 4096);
	assert_int_equal(heap_span(&simple_seg_ops, h), 8192);
	assert_int_equal(heap_now(&simple_seg_ops, h), before + 4096);
	/* And a 16-byte request reuses the last freed block (LIFO). */
	assert_ptr_equal(simple_seg_ops.malloc(h, 16), blk[255]);
	check_ok(&simple_seg_ops, h);
	simple_seg_ops.destroy(h);
}

/* The instance and page table take one 4 KiB side page; 16..4096-byte
 * classes carve one 4 KiB page each, larger classes a run of their size
 * aligned to it (skipped pages become free 4 KiB-class runs). */
/* A request of exactly a class's size fits that class, not the next. */
static void test_simple_seg_exact_powers(void **state)
{
	(void)state;
	void *h = inst_new(&simple_seg_ops, NULL);
	for (size_t size = 16; size <= 8192; size *= 2)
		assert_int_equal(simple_seg_ops.usable_size(h, simple_seg_ops.malloc(h, size)), size);
	check_ok(&simple_seg_ops, h);
	simple_seg_ops.destroy(h);
}

static void test_simple_seg_peak(void **state)
{
	(void)state;
	void *h = inst_new(&simple_seg_ops, NULL);
	char *lo = heap_lo(&simple_seg_ops, h);
	assert_int_equal(heap_now(&simple_seg_ops, h), 4096);
	void *a = simple_seg_ops.malloc(h, 100); /* 128 class, page [0, 4K) */
	assert_int_equal(simple_seg_ops.usable_size(h, a), 128);
	assert_int_equal(heap_now(&simple_seg_ops, h), 4096 + 4096);
	void *b = simple_seg_ops.malloc(h, 5000); /* 8 KiB class, run [8K, 16K) */
	assert_ptr_equal(b, lo + 8192);
	assert_int_equal(simple_seg_ops.usable_size(h, b), 8192);
	assert_int_equal(heap_now(&simple_seg_ops, h), 4096 + 16384);
	/* The skipped page [4K, 8K) serves a 4 KiB request. */
	assert_ptr_equal(simple_seg_ops.malloc(h, 3000), lo + 4096);
	simple_seg_ops.free(h, a);
	simple_seg_ops.free(h, b);
	assert_int_equal(heap_now(&simple_seg_ops, h), 4096 + 16384);
	assert_int_equal(heap_peak(&simple_seg_ops, h), 4096 + 16384);
	check_ok(&simple_seg_ops, h);
	simple_seg_ops.destroy(h);
}

/* The pages skipped to align a large run are one free range: handed out
 * from the top down (as pages pushed one by one would be), LIFO with later
 * frees, and never written to, so a big run after a small block does not
 * make its padding resident (mincore). */
static void test_simple_seg_padding_range(void **state)
{
	(void)state;
	void *h = inst_new(&simple_seg_ops, NULL);
	char *lo = heap_lo(&simple_seg_ops, h);
	char *a = simple_seg_ops.malloc(h, 100);                 /* page [0, 4K) */
	char *big = simple_seg_ops.malloc(h, ((size_t)64 << 20) + 1); /* 128 MiB class */
	const size_t run = (size_t)128 << 20;
	assert_ptr_equal(a, lo);
	assert_ptr_equal(big, lo + run);
	size_t pages = (run - 4096) / 4096;
	unsigned char *resident = malloc(pages);
	assert_non_null(resident);
	assert_int_equal(mincore(lo + 4096, run - 4096, resident), 0);
	size_t in_core = 0;
	for (size_t i = 0; i < pages; i++)
		in_core += resident[i] & 1;
	free(resident);
	/* The range's entry is written in its first page (2 MiB with THP). */
	assert_true(in_core <= 1024);
	check_ok(&simple_seg_ops, h);
	char *p1 = simple_seg_ops.malloc(h, 4096);
	char *p2 = simple_seg_ops.malloc(h, 3000);
	assert_ptr_equal(p1, lo + run - 4096);
	assert_ptr_equal(p2, lo + run - 8192);
	simple_seg_ops.free(h, p1);
	assert_ptr_equal(simple_seg_ops.malloc(h, 4000), p1);
	assert_ptr_equal(simple_seg_ops.malloc(h, 4096), lo + run - 12288);
	check_ok(&simple_seg_ops, h);
	/* Down to the entry's own page, the last of the range to go. */
	for (size_t off = run - 16384; off >= 8192; off -= 4096)
		assert_ptr_equal(simple_seg_ops.malloc(h, 4096), lo + off);
	assert_ptr_equal(simple_seg_ops.malloc(h, 4096), lo + 4096);
	check_ok(&simple_seg_ops, h);
	/* The range used up: the next page-class block is carved anew. */
	assert_ptr_equal(simple_seg_ops.malloc(h, 4096), lo + 2 * run);
	simple_seg_ops.destroy(h);
}

/* A growth the kernel refuses returns NULL and leaves the footprint as it
 * was: the side table is committed with the data, not before it. */
static void test_refused_growth_keeps_footprint(void **state)
{
	(void)state;
	const struct allocator_ops *ops[] = {&buddy_ops, &simple_seg_ops};
	for (size_t i = 0; i < 2; i++) {
		void *h = inst_new(ops[i], NULL);
		assert_non_null(ops[i]->malloc(h, 100));
		uint64_t before = heap_now(ops[i], h);
		refuse_commit_over = (size_t)8 << 20;
		void *p = ops[i]->malloc(h, (size_t)64 << 20);
		refuse_commit_over = 0;
		assert_null(p);
		assert_int_equal(heap_now(ops[i], h), before);
		check_ok(ops[i], h);
		assert_non_null(ops[i]->malloc(h, (size_t)64 << 20));
		check_ok(ops[i], h);
		ops[i]->destroy(h);
	}
}

static void test_simple_seg_realloc(void **state)
{
	(void)state;
	void *h = inst_new(&simple_seg_ops, NULL);
	char *p = simple_seg_ops.malloc(h, 20);
	memset(p, 'p', 20);
	assert_ptr_equal(simple_seg_ops.realloc(h, p, 32), p);
	assert_ptr_equal(simple_seg_ops.realloc(h, p, 1), p);
	char *q = simple_seg_ops.realloc(h, p, 33);
	assert_ptr_not_equal(q, p);
	assert_int_equal(simple_seg_ops.usable_size(h, q), 64);
	for (int i = 0; i < 20; i++)
		assert_int_equal(q[i], 'p');
	/* p went back to the 32 class. */
	assert_ptr_equal(simple_seg_ops.malloc(h, 30), p);
	check_ok(&simple_seg_ops, h);
	simple_seg_ops.destroy(h);
}

/* ---- contracts common to all four ----------------------------------- */

static const struct allocator_ops *const all_ops[] = {
	&segregated_ops, &simple_seg_ops, &buddy_ops, &tlsf_ops,
};

static void test_aligned_alloc(void **state)
{
	(void)state;
	for (size_t s = 0; s < 4; s++) {
		const struct allocator_ops *ops = all_ops[s];
		void *h = inst_new(ops, NULL);
		void *blk[2][9];
		for (int round = 0; round < 2; round++)
			for (int i = 0; i < 9; i++) {
				size_t align = (size_t)16 << i;
				char *p = ops->aligned_alloc(h, align, 40 + 24 * i);
				assert_non_null(p);
				if ((uintptr_t)p % align)
					fail_msg("%s: %p not aligned to %zu", ops->name, (void *)p, align);
				assert_true(ops->usable_size(h, p) >= 40 + 24 * (size_t)i);
				memset(p, 0x5a, 40 + 24 * i);
				blk[round][i] = p;
				check_ok(ops, h);
			}
		/* Beyond the page size too. */
		char *big = ops->aligned_alloc(h, (size_t)1 << 20, 100);
		assert_int_equal((uintptr_t)big % ((size_t)1 << 20), 0);
		assert_true(ops->usable_size(h, big) >= 100);
		memset(big, 1, 100);
		check_ok(ops, h);
		for (int i = 0; i < 9; i++)
			ops->free(h, blk[0][i]);
		ops->free(h, big);
		for (int i = 0; i < 9; i++)
			ops->free(h, blk[1][i]);
		check_ok(ops, h);
		ops->destroy(h);
	}
}

static void test_calloc_after_dirty_reuse(void **state)
{
	(void)state;
	for (size_t s = 0; s < 4; s++) {
		const struct allocator_ops *ops = all_ops[s];
		void *h = inst_new(ops, NULL);
		unsigned char *p = ops->malloc(h, 200);
		memset(p, 0xab, 200);
		ops->free(h, p);
		unsigned char *q = ops->calloc(h, 25, 8);
		assert_ptr_equal(q, p);
		for (int i = 0; i < 200; i++)
			assert_int_equal(q[i], 0);
		assert_null(ops->calloc(h, SIZE_MAX / 2, 3));
		check_ok(ops, h);
		ops->destroy(h);
	}
}

static void test_malloc_zero_and_huge(void **state)
{
	(void)state;
	for (size_t s = 0; s < 4; s++) {
		const struct allocator_ops *ops = all_ops[s];
		void *h = inst_new(ops, NULL);
		char *a = ops->malloc(h, 0);
		char *b = ops->malloc(h, 0);
		assert_non_null(a);
		assert_non_null(b);
		assert_ptr_not_equal(a, b);
		assert_int_equal((uintptr_t)a % 16, 0);
		assert_true(ops->usable_size(h, a) >= 16);
		assert_null(ops->malloc(h, SIZE_MAX - 8));
		assert_null(ops->realloc(h, a, SIZE_MAX - 8));
		ops->free(h, a);
		ops->free(h, b);
		ops->free(h, NULL);
		check_ok(ops, h);
		ops->destroy(h);
	}
}

static void test_bad_params(void **state)
{
	(void)state;
	static const struct {
		const struct allocator_ops *ops;
		size_t index;
		const char *value;
	} bad[] = {
		{&tlsf_ops, 1, "3"}, {&tlsf_ops, 1, "64"}, {&tlsf_ops, 0, "1000"},
		{&segregated_ops, 1, "1024"}, {&segregated_ops, 2, "x"},
		{&buddy_ops, 0, "12288"}, {&buddy_ops, 1, "8"},
		{&simple_seg_ops, 1, "12288"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct allocator_config cfg = {0};
		for (size_t j = 0; bad[i].ops->params[j].key; j++)
			cfg.values[j] = bad[i].ops->params[j].default_value;
		cfg.values[bad[i].index] = bad[i].value;
		char err[256] = "";
		assert_null(bad[i].ops->create(&cfg, err, sizeof err));
		assert_non_null(strstr(err, bad[i].value));
	}
}

/* ---- randomized property test --------------------------------------- */

#define PROP_SLOTS 512
#define PROP_OPS 20000

struct prop_block {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

static uint64_t prop_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t prop_size(uint64_t *rng)
{
	uint64_t r = prop_rng(rng);
	switch (r % 8) {
	case 0: return 0;
	case 7: return (size_t)(r >> 8) % 70000;
	case 6: return (size_t)(r >> 8) % 4096;
	default: return (size_t)(r >> 8) % 300;
	}
}

static void prop_fill(struct prop_block *b)
{
	for (size_t i = 0; i < b->size; i++)
		b->p[i] = (unsigned char)(b->seed + i * 7);
}

static void prop_verify(const struct allocator_ops *ops, const struct prop_block *b, size_t n)
{
	for (size_t i = 0; i < n && i < b->size; i++)
		if (b->p[i] != (unsigned char)(b->seed + i * 7))
			fail_msg("%s: payload of %p corrupted at byte %zu", ops->name,
				 (void *)b->p, i);
}

static int prop_cmp(const void *x, const void *y)
{
	const struct prop_block *a = x, *b = y;
	return (a->p > b->p) - (a->p < b->p);
}

/* Live blocks lie in the heap range and do not overlap (usable sizes). */
static void prop_no_overlap(const struct allocator_ops *ops, void *h,
			    const struct prop_block *live)
{
	static struct prop_block sorted[PROP_SLOTS];
	size_t n = 0;
	for (size_t i = 0; i < PROP_SLOTS; i++)
		if (live[i].p)
			sorted[n++] = live[i];
	qsort(sorted, n, sizeof sorted[0], prop_cmp);
	uintptr_t lo, hi;
	ops->heap_range(h, &lo, &hi);
	for (size_t i = 0; i < n; i++) {
		uintptr_t start = (uintptr_t)sorted[i].p;
		uintptr_t end = start + ops->usable_size(h, sorted[i].p);
		assert_true(start >= lo && end <= hi);
		if (i + 1 < n && end > (uintptr_t)sorted[i + 1].p)
			fail_msg("%s: blocks %p and %p overlap", ops->name,
				 (void *)sorted[i].p, (void *)sorted[i + 1].p);
	}
}

static void prop_step(const struct allocator_ops *ops, void *h, struct prop_block *b,
		      uint64_t *rng)
{
	uint64_t r = prop_rng(rng);
	size_t size = prop_size(rng);
	size_t align = ALLOCATOR_MIN_ALIGN;
	if (!b->p) {
		switch (r % 4) {
		case 0: b->p = ops->calloc(h, 1, size); break;
		case 1:
			align = (size_t)1 << (r >> 8) % 14;
			b->p = ops->aligned_alloc(h, align, size);
			break;
		default: b->p = ops->malloc(h, size); break;
		}
		assert_non_null(b->p);
		if ((uintptr_t)b->p % (align > 16 ? align : 16))
			fail_msg("%s: %p not aligned to %zu", ops->name, (void *)b->p, align);
		assert_true(ops->usable_size(h, b->p) >= size);
		if (r % 4 == 0)
			for (size_t i = 0; i < size; i++)
				assert_int_equal(b->p[i], 0);
		b->size = size;
		b->seed = (unsigned char)(r >> 40);
		prop_fill(b);
	} else if (r % 3 == 0) {
		unsigned char *q = ops->realloc(h, b->p, size);
		assert_non_null(q);
		b->p = q;
		prop_verify(ops, b, size);
		b->size = size;
		assert_true(ops->usable_size(h, b->p) >= size);
		prop_fill(b);
	} else {
		prop_verify(ops, b, b->size);
		ops->free(h, b->p);
		b->p = NULL;
	}
}

static void prop_run(const struct allocator_ops *ops, void *h, uint64_t seed)
{
	static struct prop_block live[PROP_SLOTS];
	memset(live, 0, sizeof live);
	uint64_t rng = seed;
	for (int op = 0; op < PROP_OPS; op++) {
		prop_step(ops, h, &live[prop_rng(&rng) % PROP_SLOTS], &rng);
		if (op % 500 == 0) {
			check_ok(ops, h);
			prop_no_overlap(ops, h, live);
		}
	}
	prop_no_overlap(ops, h, live);
	for (size_t i = 0; i < PROP_SLOTS; i++)
		if (live[i].p) {
			prop_verify(ops, &live[i], live[i].size);
			ops->free(h, live[i].p);
		}
	check_ok(ops, h);
	ops->destroy(h);
}

static void test_property_segregated(void **state)
{
	(void)state;
	prop_run(&segregated_ops, inst_new(&segregated_ops, NULL), 0x9e3779b97f4a7c15u);
	prop_run(&segregated_ops, inst_new(&segregated_ops, "small=64", "sub=1", NULL), 7);
}

static void test_property_tlsf(void **state)
{
	(void)state;
	prop_run(&tlsf_ops, inst_new(&tlsf_ops, NULL), 0x9e3779b97f4a7c15u);
	prop_run(&tlsf_ops, inst_new(&tlsf_ops, "sl=4", "step=65536", NULL), 11);
}

static void test_property_buddy(void **state)
{
	(void)state;
	prop_run(&buddy_ops, inst_new(&buddy_ops, NULL), 0x9e3779b97f4a7c15u);
	prop_run(&buddy_ops, inst_new(&buddy_ops, "min=16", "step=4096", NULL), 13);
}

static void test_property_simple_seg(void **state)
{
	(void)state;
	prop_run(&simple_seg_ops, inst_new(&simple_seg_ops, NULL), 0x9e3779b97f4a7c15u);
	prop_run(&simple_seg_ops, inst_new(&simple_seg_ops, "page=16384", NULL), 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segregated_split_coalesce),
		cmocka_unit_test(test_tlsf_split_coalesce),
		cmocka_unit_test(test_segregated_refit),
		cmocka_unit_test(test_segregated_best_fit),
		cmocka_unit_test(test_segregated_trie),
		cmocka_unit_test(test_tlsf_good_fit),
		cmocka_unit_test(test_segregated_peak),
		cmocka_unit_test(test_tlsf_peak),
		cmocka_unit_test(test_segregated_realloc),
		cmocka_unit_test(test_tlsf_realloc),
		cmocka_unit_test(test_buddy_block_sizes),
		cmocka_unit_test(test_buddy_split_coalesce),
		cmocka_unit_test(test_buddy_peak),
		cmocka_unit_test(test_buddy_grows_least),
		cmocka_unit_test(test_buddy_realloc),
		cmocka_unit_test(test_simple_seg_no_coalescing),
		cmocka_unit_test(test_simple_seg_exact_powers),
		cmocka_unit_test(test_simple_seg_peak),
		cmocka_unit_test(test_simple_seg_padding_range),
		cmocka_unit_test(test_refused_growth_keeps_footprint),
		cmocka_unit_test(test_simple_seg_realloc),
		cmocka_unit_test(test_aligned_alloc),
		cmocka_unit_test(test_calloc_after_dirty_reuse),
		cmocka_unit_test(test_malloc_zero_and_huge),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_property_segregated),
		cmocka_unit_test(test_property_tlsf),
		cmocka_unit_test(test_property_buddy),
		cmocka_unit_test(test_property_simple_seg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
