/* simple_seg.c - `simple-seg`: simple segregated storage.
 * Policy: power-of-two size classes from 16 bytes; a request takes a block
 * of the smallest class that holds it. Each class carves whole runs of
 * pages into equal blocks: a run is one `page=` (default 4096) for classes
 * up to a page, and exactly one block for larger classes (so a large request
 * gets its own run of pages, rounded to a power of two). No splitting
 * across classes, no coalescing; freed blocks go on their class's LIFO free
 * list, and runs are never returned or given to another class.
 * Mechanism: blocks have no header. Each run starts at an offset aligned to
 * its size, so a block's start is its offset rounded down to the block
 * size, and its class comes from a side table of one byte per page (in a
 * second os_heap). A class hands out the free list's head, else the next
 * uncarved block of its newest run, else carves a new run at the top.
 * Alignment padding before a large run becomes free page-class runs, pushed
 * as one free-list entry for the whole range (struct ss_range), so that a
 * run of a GiB after a small block costs neither a push per padding page
 * nor a write to each; the range hands out its pages from the top down,
 * as the pages pushed one by one would have come off the list.
 * Per-block overhead: none; the table costs 1/page of the heap (its bytes
 * are written once per page carved); internal fragmentation up to half of
 * each block. Cost: malloc and free O(1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "os_heap.h"

#define SS_MIN_LOG2 4u
#define SS_CLASSES 48
#define SS_META_STEP 4096u

/* The instance, at the start of the `meta` heap, followed by the page
 * table: classes[off >> page_log2] is the class of the run covering data
 * offset off. Runs tile [0, top); a run of class k is max(page, 16 << k)
 * bytes at an offset aligned to its size. [bump[k], bump_end[k]) is the
 * uncarved tail of class k's newest run; free[k] links freed blocks of
 * class k through their first word. [top, data.extent) is committed but
 * not yet carved. */
struct simple_seg {
	struct os_heap data;
	struct os_heap meta;
	size_t page;
	unsigned page_log2;
	uintptr_t base_align; /* alignment of data.base: address alignment cap */
	size_t top;
	void *free[SS_CLASSES];
	char *bump[SS_CLASSES];
	char *bump_end[SS_CLASSES];
	size_t runs[SS_CLASSES];
	uint8_t *classes;
};

static const struct allocator_param simple_seg_params[] = {
	{"step", "4096", "heap growth step in bytes (a multiple of the page size)"},
	{"page", "4096", "run size of the small classes: a power of two, a multiple of the OS page"},
	{NULL, NULL, NULL},
};

static size_t ss_block_size(unsigned k)
{
	return (size_t)16 << k;
}

static size_t ss_run_size(const struct simple_seg *s, unsigned k)
{
	size_t bs = ss_block_size(k);
	return bs > s->page ? bs : s->page;
}

static unsigned ss_class_for(size_t n)
{
	if (n <= 16)
		return 0;
	return 64u - (unsigned)__builtin_clzll(n - 1) - SS_MIN_LOG2;
}

static size_t ss_offset(const struct simple_seg *s, const void *p)
{
	return (size_t)((const char *)p - s->data.base);
}

static unsigned ss_class_at(const struct simple_seg *s, size_t off)
{
	return s->classes[off >> s->page_log2];
}

/* A free-list entry standing for `count` free blocks from itself upwards.
 * The low bit of its link says so: ordinary entries' links are block
 * addresses or NULL, whose low bit is clear. */
struct ss_range {
	uintptr_t next_tagged;
	size_t count;
};
#define SS_RANGE_TAG ((uintptr_t)1)

static void ss_push(struct simple_seg *s, unsigned k, void *block)
{
	*(void **)block = s->free[k];
	s->free[k] = block;
}

static void ss_push_range(struct simple_seg *s, unsigned k, char *first, size_t count)
{
	struct ss_range *r = (struct ss_range *)first;
	r->next_tagged = (uintptr_t)s->free[k] | SS_RANGE_TAG;
	r->count = count;
	s->free[k] = first;
}

/* Takes the head of class k's free list (a range gives its top block until
 * only the entry itself is left); NULL when the list is empty. */
static void *ss_pop(struct simple_seg *s, unsigned k)
{
	char *p = s->free[k];
	if (!p)
		return NULL;
	uintptr_t next = *(uintptr_t *)p;
	if (next & SS_RANGE_TAG) {
		struct ss_range *r = (struct ss_range *)p;
		if (r->count > 1)
			return p + --r->count * ss_block_size(k);
		next &= ~SS_RANGE_TAG;
	}
	s->free[k] = (void *)next;
	return p;
}

/* Commits data up to `end` and the page table that describes it; both are
 * prepared before either grows, so that a refusal leaves the footprint as
 * it was. */
static int ss_commit(struct simple_seg *s, size_t end)
{
	size_t table_end = (size_t)((char *)s->classes - s->meta.base) +
			   (end >> s->page_log2) + 1;
	size_t table_grow = table_end > s->meta.extent ? table_end - s->meta.extent : 0;
	size_t data_grow = end > s->data.extent ? end - s->data.extent : 0;
	if ((table_grow && os_heap_prepare(&s->meta, table_grow) != 0) ||
	    (data_grow && os_heap_prepare(&s->data, data_grow) != 0))
		return -1;
	if (table_grow)
		os_heap_grow(&s->meta, table_grow);
	if (data_grow)
		os_heap_grow(&s->data, data_grow);
	return 0;
}

/* Carves a run of `bytes` at the top for class k. */
static char *ss_carve_at_top(struct simple_seg *s, unsigned k, size_t bytes)
{
	char *run = s->data.base + s->top;
	memset(s->classes + (s->top >> s->page_log2), (int)k, bytes >> s->page_log2);
	s->top += bytes;
	s->runs[k]++;
	return run;
}

/* Starts a new run for class k. Pages skipped to align it become runs of
 * the page-sized class, their single blocks free: one range entry. */
static int ss_new_run(struct simple_seg *s, unsigned k)
{
	size_t run = ss_run_size(s, k);
	size_t start = (s->top + run - 1) & ~(run - 1);
	if (start < s->top || start + run < start || start + run > s->data.reserved ||
	    ss_commit(s, start + run) != 0)
		return -1;
	if (s->top < start) {
		unsigned page_class = s->page_log2 - SS_MIN_LOG2;
		size_t pages = (start - s->top) >> s->page_log2;
		char *first = ss_carve_at_top(s, page_class, start - s->top);
		s->runs[page_class] += pages - 1; /* one run per page */
		ss_push_range(s, page_class, first, pages);
	}
	s->bump[k] = ss_carve_at_top(s, k, run);
	s->bump_end[k] = s->bump[k] + run;
	return 0;
}

static void *simple_seg_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	size_t step, page;
	if (os_heap_parse_step(cfg->values[0], &step, err, err_len) != 0)
		return NULL;
	if (os_heap_parse_step(cfg->values[1], &page, err, err_len) != 0 || (page & (page - 1))) {
		snprintf(err, err_len, "page '%s' must be a power of two, a multiple of the "
			 "OS page size, up to 1 GiB", cfg->values[1]);
		return NULL;
	}
	struct os_heap data, meta;
	if (os_heap_init(&data, 0, step) != 0) {
		snprintf(err, err_len, "cannot reserve address space for the heap");
		return NULL;
	}
	size_t table_max = data.reserved / page + 1;
	if (os_heap_init(&meta, sizeof(struct simple_seg) + table_max, SS_META_STEP) != 0 ||
	    !os_heap_grow(&meta, sizeof(struct simple_seg))) {
		os_heap_release(&data);
		os_heap_release(&meta);
		snprintf(err, err_len, "cannot reserve address space for the page table");
		return NULL;
	}
	struct simple_seg *s = (struct simple_seg *)meta.base;
	s->data = data;
	s->meta = meta;
	s->page = page;
	s->page_log2 = (unsigned)__builtin_ctzl(page);
	s->base_align = (uintptr_t)data.base & -(uintptr_t)data.base;
	s->classes = (uint8_t *)(s + 1);
	return s;
}

static void simple_seg_destroy(void *self)
{
	struct simple_seg *s = self;
	struct os_heap meta = s->meta;
	os_heap_release(&s->data);
	os_heap_release(&meta);
}

static void *simple_seg_malloc(void *self, size_t size)
{
	struct simple_seg *s = self;
	if (size > s->data.reserved)
		return NULL;
	unsigned k = ss_class_for(size);
	void *p = ss_pop(s, k);
	if (p)
		return p;
	if (s->bump[k] == s->bump_end[k] && ss_new_run(s, k) != 0)
		return NULL;
	p = s->bump[k];
	s->bump[k] += ss_block_size(k);
	return p;
}

/* The start of the block holding the user pointer p, and its class. */
static char *ss_block_of(const struct simple_seg *s, const void *p, unsigned *k)
{
	size_t off = ss_offset(s, p);
	*k = ss_class_at(s, off);
	return s->data.base + (off & ~(ss_block_size(*k) - 1));
}

static void simple_seg_free(void *self, void *ptr)
{
	struct simple_seg *s = self;
	if (!ptr)
		return;
	unsigned k;
	char *block = ss_block_of(s, ptr, &k);
	ss_push(s, k, block);
}

static size_t simple_seg_usable_size(void *self, void *ptr)
{
	unsigned k;
	char *block = ss_block_of(self, ptr, &k);
	return (size_t)(block + ss_block_size(k) - (char *)ptr);
}

/* Stays in place while the block holds the new size, else moves. */
static void *simple_seg_realloc(void *self, void *ptr, size_t size)
{
	if (!ptr)
		return simple_seg_malloc(self, size);
	size_t usable = simple_seg_usable_size(self, ptr);
	if (size <= usable)
		return ptr;
	void *moved = simple_seg_malloc(self, size);
	if (!moved)
		return NULL;
	memcpy(moved, ptr, usable);
	simple_seg_free(self, ptr);
	return moved;
}

static void *simple_seg_calloc(void *self, size_t nmemb, size_t size)
{
	return allocator_calloc_cleared(self, nmemb, size, simple_seg_malloc);
}

/* A block of at least the alignment sits at an offset aligned to it, which
 * is an aligned address unless the alignment exceeds the heap base's; then
 * the block is oversized and an interior pointer returned (free finds the
 * block start by rounding down to the block size). */
static void *simple_seg_aligned_alloc(void *self, size_t alignment, size_t size)
{
	struct simple_seg *s = self;
	if (alignment <= s->base_align)
		return simple_seg_malloc(s, size > alignment ? size : alignment);
	if (size > s->data.reserved || alignment > s->data.reserved)
		return NULL;
	char *p = simple_seg_malloc(s, size + alignment);
	if (!p)
		return NULL;
	return (void *)(((uintptr_t)p + alignment - 1) & ~(alignment - 1));
}

static void simple_seg_heap_stats(void *self, struct allocator_heap_stats *out)
{
	const struct simple_seg *s = self;
	/* Neither heap ever shrinks, so the footprint is its own peak. */
	out->current_bytes = s->data.extent + s->meta.extent;
	out->peak_bytes = s->data.extent + s->meta.extent;
}

static void simple_seg_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	const struct simple_seg *s = self;
	*lo = (uintptr_t)s->data.base;
	*hi = (uintptr_t)os_heap_end(&s->data);
}

/* Walks the runs, checking the page table and counting runs per class. */
static int ss_check_runs(const struct simple_seg *s, size_t *runs, char *err, size_t err_len)
{
	for (size_t off = 0; off < s->top;) {
		unsigned k = ss_class_at(s, off);
		size_t run = k < SS_CLASSES ? ss_run_size(s, k) : 0;
		if (!run || (off & (run - 1)) || off + run > s->top) {
			snprintf(err, err_len, "bad run of class %u at offset %zu", k, off);
			return -1;
		}
		for (size_t p = off; p < off + run; p += s->page)
			if (ss_class_at(s, p) != k) {
				snprintf(err, err_len, "page at offset %zu is not in its run's "
					 "class %u", p, k);
				return -1;
			}
		runs[k]++;
		off += run;
	}
	return 0;
}

/* Checks class k's newest run and free list: every entry is a carved block
 * of class k, and there are no more of them than carved blocks (a repeated
 * entry would make the list cyclic). */
static int ss_check_class(const struct simple_seg *s, unsigned k, char *err, size_t err_len)
{
	size_t bs = ss_block_size(k);
	size_t carved = s->runs[k] * (ss_run_size(s, k) / bs);
	if (s->bump[k]) {
		size_t off = ss_offset(s, s->bump[k]);
		if (ss_class_at(s, off - 1) != k || (off & (bs - 1)) ||
		    s->bump_end[k] - s->bump[k] > (ptrdiff_t)ss_run_size(s, k)) {
			snprintf(err, err_len, "class %u: bad uncarved run tail", k);
			return -1;
		}
		carved -= (size_t)(s->bump_end[k] - s->bump[k]) / bs;
	}
	size_t listed = 0;
	for (char *entry = s->free[k]; entry;) {
		uintptr_t next = *(uintptr_t *)entry;
		size_t count = next & SS_RANGE_TAG ? ((struct ss_range *)entry)->count : 1;
		if (count == 0) {
			snprintf(err, err_len, "class %u: empty range entry at offset %zu", k,
				 ss_offset(s, entry));
			return -1;
		}
		for (size_t i = 0; i < count; i++, listed++) {
			char *p = entry + i * bs;
			size_t off = ss_offset(s, p);
			int uncarved = p >= s->bump[k] && p < s->bump_end[k];
			if (listed >= carved || off >= s->top ||
			    ss_class_at(s, off) != k || (off & (bs - 1)) || uncarved) {
				snprintf(err, err_len, "class %u: free list holds a wrong block "
					 "at offset %zu", k, off);
				return -1;
			}
		}
		entry = (char *)(next & ~SS_RANGE_TAG);
	}
	return 0;
}

static int simple_seg_check(void *self, char *err, size_t err_len)
{
	const struct simple_seg *s = self;
	size_t runs[SS_CLASSES] = {0};
	if (s->top > s->data.extent) {
		snprintf(err, err_len, "carved top beyond the heap end");
		return -1;
	}
	if (ss_check_runs(s, runs, err, err_len) != 0)
		return -1;
	for (unsigned k = 0; k < SS_CLASSES; k++) {
		if (runs[k] != s->runs[k]) {
			snprintf(err, err_len, "class %u: %zu runs in the heap, %zu counted",
				 k, runs[k], s->runs[k]);
			return -1;
		}
		if (ss_check_class(s, k, err, err_len) != 0)
			return -1;
	}
	return 0;
}

const struct allocator_ops simple_seg_ops = {
	.name = "simple-seg",
	.description = "simple segregated storage: power-of-two classes, pages per class",
	.params = simple_seg_params,
	.create = simple_seg_create,
	.destroy = simple_seg_destroy,
	.malloc = simple_seg_malloc,
	.free = simple_seg_free,
	.realloc = simple_seg_realloc,
	.calloc = simple_seg_calloc,
	.aligned_alloc = simple_seg_aligned_alloc,
	.usable_size = simple_seg_usable_size,
	.heap_stats = simple_seg_heap_stats,
	.check = simple_seg_check,
	.heap_range = simple_seg_heap_range,
};
