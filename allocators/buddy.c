/* buddy.c - `buddy`: the binary buddy system (Knowlton 1965).
 * Policy: block sizes are min << k (`min=`, default 32); a request takes a
 * free block of the smallest order that holds it, else of the smallest
 * larger order with one, splitting it in halves; a freed block merges with
 * its buddy (offset XOR size) while the buddy is whole and free,
 * recursively. realloc stays in place while the new size fits the block,
 * and grows in place by absorbing free right-hand buddies.
 * Mechanism: per-order doubly linked free lists and a bitmap of non-empty
 * orders; each block's order and free bit sit in a side table of one byte
 * per min-sized unit (in a second os_heap), so blocks carry no header. A
 * list hands out its most recently freed block. With no free block large
 * enough, the heap grows by the least (in `step=` bytes, a power of two,
 * default 65536) that makes one, a free tail of the heap merging with the
 * new memory (buddy_grow).
 * Per-block overhead: none in the block; the table costs 1/min of the heap
 * (3% at min=32); internal fragmentation up to half of each block.
 * Cost: malloc O(log(heap/min)) splits, free O(log(heap/min)) merges. */
#include <stdio.h>
#include <string.h>

#include "allocator.h"
#include "os_heap.h"
#include "param.h"

#define BUDDY_ORDERS 64
#define BUDDY_ORDER_MASK 0x3fu
#define BUDDY_FREE 0x40u     /* the block starting at this unit is free */
#define BUDDY_INTERIOR 0x80u /* an over-aligned pointer inside its block */
#define BUDDY_META_STEP 4096u

/* A free block's first bytes: its links on the list of its order. */
struct buddy_free {
	struct buddy_free *next;
	struct buddy_free *prev;
};
_Static_assert(sizeof(struct buddy_free) <= 16, "a free block must hold its links");

/* The instance, at the start of the `meta` heap, followed by the order
 * table: orders[off >> min_log2] for the block at data offset off holds its
 * order and BUDDY_FREE. Only bytes at the first unit of a current block
 * are meaningful; the buddy of a block always starts at such a unit (a
 * block's buddy is either whole or split, never inside a larger block), so
 * stale bytes of merged blocks are never read. An over-aligned pointer's
 * own unit holds BUDDY_INTERIOR and the order of the block containing it.
 * Invariants: blocks tile [0, data.extent); every block is aligned (as an
 * offset) to its size; no free block has a free buddy of the same order;
 * bit k of nonempty is set iff lists[k] is non-empty. */
struct buddy {
	struct os_heap data;
	struct os_heap meta;
	size_t min;
	unsigned min_log2;
	uintptr_t base_align; /* alignment of data.base: address alignment cap */
	uint64_t nonempty;
	struct buddy_free *lists[BUDDY_ORDERS];
	uint8_t *orders;
};

static const struct allocator_param buddy_params[] = {
	{"step", "65536", "heap growth step: a power of two, a multiple of the page size"},
	{"min", "32", "smallest block: a power of two from 16 to 4096"},
	{NULL, NULL, NULL},
};

static size_t buddy_size(const struct buddy *b, unsigned order)
{
	return b->min << order;
}

static size_t buddy_offset(const struct buddy *b, const void *p)
{
	return (size_t)((const char *)p - b->data.base);
}

static uint8_t *buddy_tag(struct buddy *b, size_t off)
{
	return &b->orders[off >> b->min_log2];
}

/* The smallest order whose blocks hold n bytes. */
static unsigned buddy_order_for(const struct buddy *b, size_t n)
{
	if (n <= b->min)
		return 0;
	return 64u - (unsigned)__builtin_clzll((n - 1) >> b->min_log2);
}

static void buddy_push(struct buddy *b, size_t off, unsigned order)
{
	struct buddy_free *f = (struct buddy_free *)(b->data.base + off);
	f->next = b->lists[order];
	f->prev = NULL;
	if (f->next)
		f->next->prev = f;
	b->lists[order] = f;
	b->nonempty |= (uint64_t)1 << order;
	*buddy_tag(b, off) = (uint8_t)(order | BUDDY_FREE);
}

static void buddy_unlink(struct buddy *b, size_t off, unsigned order)
{
	struct buddy_free *f = (struct buddy_free *)(b->data.base + off);
	if (f->prev)
		f->prev->next = f->next;
	else
		b->lists[order] = f->next;
	if (f->next)
		f->next->prev = f->prev;
	if (!b->lists[order])
		b->nonempty &= ~((uint64_t)1 << order);
}

/* Frees the block at off, merging it with free buddies. */
static void buddy_release(struct buddy *b, size_t off, unsigned order)
{
	for (; order + 1 < BUDDY_ORDERS; order++) {
		size_t size = buddy_size(b, order);
		size_t mate = off ^ size;
		if (mate + size > b->data.extent || *buddy_tag(b, mate) != (order | BUDDY_FREE))
			break;
		buddy_unlink(b, mate, order);
		off &= ~size;
	}
	buddy_push(b, off, order);
}

/* Whether every block from off (a block boundary) to the heap's end is free. */
static int buddy_free_to_end(struct buddy *b, size_t off)
{
	while (off < b->data.extent) {
		uint8_t tag = *buddy_tag(b, off);
		if (!(tag & BUDDY_FREE))
			return 0;
		off += buddy_size(b, tag & BUDDY_ORDER_MASK);
	}
	return 1;
}

/* Grows the heap by the least that makes a free block of the given order:
 * the block at the last offset aligned to its size below the end when all
 * from there to the end is free (the growth completes it), else the one at
 * the first aligned offset at or past the end. No block straddles that
 * offset (a block is aligned to its size and ends by the end), so it is a
 * block boundary. The new range is freed as the largest aligned blocks
 * that tile it, each merging with its free buddies. */
static int buddy_grow(struct buddy *b, unsigned order)
{
	size_t size = buddy_size(b, order);
	size_t end = b->data.extent;
	size_t start = end & ~(size - 1);
	if (start < end && !buddy_free_to_end(b, start))
		start += size;
	size_t want = start + size - end;
	if (want > b->data.reserved - end)
		return -1;
	size_t new_extent = end + (want + b->data.step - 1) / b->data.step * b->data.step;
	if (new_extent > b->data.reserved)
		return -1;
	size_t table_end = (size_t)((char *)b->orders - b->meta.base) +
			   (new_extent >> b->min_log2);
	size_t table_grow = table_end > b->meta.extent ? table_end - b->meta.extent : 0;
	/* Both heaps are committed before either grows, so that a refusal
	 * leaves the footprint as it was. */
	if ((table_grow && os_heap_prepare(&b->meta, table_grow) != 0) ||
	    os_heap_prepare(&b->data, want) != 0)
		return -1;
	if (table_grow)
		os_heap_grow(&b->meta, table_grow);
	os_heap_grow(&b->data, want);
	for (size_t off = end; off < b->data.extent;) {
		unsigned o = (unsigned)__builtin_ctzll(off | ((uint64_t)1 << 62)) - b->min_log2;
		while (off + buddy_size(b, o) > b->data.extent)
			o--;
		buddy_release(b, off, o);
		off += buddy_size(b, o);
	}
	return 0;
}

/* Takes a free block of the given order (splitting a larger one, growing
 * the heap if needed) and marks it used; returns its offset or -1. */
static long long buddy_take(struct buddy *b, unsigned order)
{
	uint64_t fit = b->nonempty & (~(uint64_t)0 << order);
	if (!fit) {
		if (buddy_grow(b, order) != 0)
			return -1;
		fit = b->nonempty & (~(uint64_t)0 << order);
	}
	unsigned j = (unsigned)__builtin_ctzll(fit);
	size_t off = buddy_offset(b, b->lists[j]);
	buddy_unlink(b, off, j);
	while (j > order) {
		j--;
		buddy_push(b, off + buddy_size(b, j), j);
	}
	*buddy_tag(b, off) = (uint8_t)order;
	return (long long)off;
}

static void *buddy_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	size_t step;
	if (os_heap_parse_step(cfg->values[0], &step, err, err_len) != 0)
		return NULL;
	if (step & (step - 1)) {
		snprintf(err, err_len, "step '%s' must be a power of two", cfg->values[0]);
		return NULL;
	}
	unsigned min_log2;
	if (param_parse_pow2("min", cfg->values[1], 16, 4096, &min_log2, err, err_len))
		return NULL;
	unsigned long min = 1ul << min_log2;
	struct os_heap data, meta;
	if (os_heap_init(&data, 0, step) != 0) {
		snprintf(err, err_len, "cannot reserve address space for the heap");
		return NULL;
	}
	size_t table_max = data.reserved / min;
	if (os_heap_init(&meta, sizeof(struct buddy) + table_max, BUDDY_META_STEP) != 0 ||
	    !os_heap_grow(&meta, sizeof(struct buddy))) {
		os_heap_release(&data);
		os_heap_release(&meta);
		snprintf(err, err_len, "cannot reserve address space for the order table");
		return NULL;
	}
	struct buddy *b = (struct buddy *)meta.base;
	b->data = data;
	b->meta = meta;
	b->min = min;
	b->min_log2 = (unsigned)__builtin_ctzl(min);
	b->base_align = (uintptr_t)data.base & -(uintptr_t)data.base;
	b->orders = (uint8_t *)(b + 1);
	return b;
}

static void buddy_destroy(void *self)
{
	struct buddy *b = self;
	struct os_heap meta = b->meta;
	os_heap_release(&b->data);
	os_heap_release(&meta);
}

static void *buddy_malloc(void *self, size_t size)
{
	struct buddy *b = self;
	if (size > b->data.reserved)
		return NULL;
	long long off = buddy_take(b, buddy_order_for(b, size));
	return off < 0 ? NULL : b->data.base + off;
}

/* The block holding the user pointer p: its offset and order. */
static size_t buddy_block_of(struct buddy *b, const void *p, unsigned *order)
{
	size_t off = buddy_offset(b, p);
	uint8_t tag = *buddy_tag(b, off);
	*order = tag & BUDDY_ORDER_MASK;
	if (tag & BUDDY_INTERIOR)
		off &= ~(buddy_size(b, *order) - 1);
	return off;
}

static void buddy_free(void *self, void *ptr)
{
	struct buddy *b = self;
	if (!ptr)
		return;
	unsigned order;
	size_t off = buddy_block_of(b, ptr, &order);
	buddy_release(b, off, order);
}

static size_t buddy_usable_size(void *self, void *ptr)
{
	struct buddy *b = self;
	unsigned order;
	size_t off = buddy_block_of(b, ptr, &order);
	return off + buddy_size(b, order) - buddy_offset(b, ptr);
}

/* Grows the block at off to `order` by absorbing the free right-hand
 * buddies of each intermediate order; 0 on success, -1 (untouched) if one
 * of them is a left buddy, used, split, or past the heap end. */
static int buddy_absorb(struct buddy *b, size_t off, unsigned from, unsigned order)
{
	for (unsigned j = from; j < order; j++) {
		size_t size = buddy_size(b, j);
		if ((off & size) || off + 2 * size > b->data.extent ||
		    *buddy_tag(b, off + size) != (j | BUDDY_FREE))
			return -1;
	}
	for (unsigned j = from; j < order; j++)
		buddy_unlink(b, off + buddy_size(b, j), j);
	*buddy_tag(b, off) = (uint8_t)order;
	return 0;
}

static void *buddy_realloc(void *self, void *ptr, size_t size)
{
	struct buddy *b = self;
	if (!ptr)
		return buddy_malloc(b, size);
	if (size > b->data.reserved)
		return NULL;
	size_t usable = buddy_usable_size(b, ptr);
	if (size <= usable)
		return ptr;
	unsigned order;
	size_t off = buddy_block_of(b, ptr, &order);
	if (off == buddy_offset(b, ptr) &&
	    buddy_absorb(b, off, order, buddy_order_for(b, size)) == 0)
		return ptr;
	void *moved = buddy_malloc(b, size);
	if (!moved)
		return NULL;
	memcpy(moved, ptr, usable);
	buddy_release(b, off, order);
	return moved;
}

static void *buddy_calloc(void *self, size_t nmemb, size_t size)
{
	return allocator_calloc_cleared(self, nmemb, size, buddy_malloc);
}

/* A block of at least the alignment is aligned to it as an offset; it is
 * aligned as an address too unless the alignment exceeds the heap base's.
 * Then the block is oversized and the pointer tagged as interior. */
static void *buddy_aligned_alloc(void *self, size_t alignment, size_t size)
{
	struct buddy *b = self;
	if (alignment <= b->base_align)
		return buddy_malloc(b, size > alignment ? size : alignment);
	if (size > b->data.reserved || alignment > b->data.reserved)
		return NULL;
	char *p = buddy_malloc(b, size + alignment);
	if (!p)
		return NULL;
	uintptr_t q = ((uintptr_t)p + alignment - 1) & ~(alignment - 1);
	if (q != (uintptr_t)p)
		*buddy_tag(b, buddy_offset(b, (void *)q)) =
			(uint8_t)(*buddy_tag(b, buddy_offset(b, p)) | BUDDY_INTERIOR);
	return (void *)q;
}

static void buddy_heap_stats(void *self, struct allocator_heap_stats *out)
{
	const struct buddy *b = self;
	/* Neither heap ever shrinks, so the footprint is its own peak. */
	out->current_bytes = b->data.extent + b->meta.extent;
	out->peak_bytes = b->data.extent + b->meta.extent;
}

static void buddy_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	const struct buddy *b = self;
	*lo = (uintptr_t)b->data.base;
	*hi = (uintptr_t)os_heap_end(&b->data);
}

/* Walks the tiling, counting free blocks per order into counts. */
static int buddy_check_walk(struct buddy *b, size_t *counts, char *err, size_t err_len)
{
	for (size_t off = 0; off < b->data.extent;) {
		uint8_t tag = *buddy_tag(b, off);
		unsigned order = tag & BUDDY_ORDER_MASK;
		size_t size = buddy_size(b, order);
		if ((tag & BUDDY_INTERIOR) || (off & (size - 1)) || off + size > b->data.extent) {
			snprintf(err, err_len, "block at offset %zu has bad tag 0x%02x", off, tag);
			return -1;
		}
		if (tag & BUDDY_FREE) {
			size_t mate = off ^ size;
			if (mate + size <= b->data.extent && *buddy_tag(b, mate) == tag) {
				snprintf(err, err_len, "free buddies at offsets %zu and %zu "
					 "(order %u) are not merged", off, mate, order);
				return -1;
			}
			counts[order]++;
		}
		off += size;
	}
	return 0;
}

static int buddy_check(void *self, char *err, size_t err_len)
{
	struct buddy *b = self;
	size_t counts[BUDDY_ORDERS] = {0};
	if (buddy_check_walk(b, counts, err, err_len) != 0)
		return -1;
	for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
		if (!!b->lists[k] != !!(b->nonempty & ((uint64_t)1 << k))) {
			snprintf(err, err_len, "bitmap wrong for order %u", k);
			return -1;
		}
		size_t listed = 0;
		const struct buddy_free *back = NULL;
		for (struct buddy_free *f = b->lists[k]; f; back = f, f = f->next, listed++) {
			size_t off = buddy_offset(b, f);
			if (off >= b->data.extent || *buddy_tag(b, off) != (k | BUDDY_FREE) ||
			    f->prev != back || listed >= counts[k]) {
				snprintf(err, err_len, "list of order %u holds a wrong block "
					 "at offset %zu", k, off);
				return -1;
			}
		}
		if (listed != counts[k]) {
			snprintf(err, err_len, "%zu free blocks of order %u but %zu listed",
				 counts[k], k, listed);
			return -1;
		}
	}
	return 0;
}

const struct allocator_ops buddy_ops = {
	.name = "buddy",
	.description = "binary buddy system: power-of-two blocks, split and merge with buddies",
	.params = buddy_params,
	.create = buddy_create,
	.destroy = buddy_destroy,
	.malloc = buddy_malloc,
	.free = buddy_free,
	.realloc = buddy_realloc,
	.calloc = buddy_calloc,
	.aligned_alloc = buddy_aligned_alloc,
	.usable_size = buddy_usable_size,
	.heap_stats = buddy_heap_stats,
	.check = buddy_check,
	.heap_range = buddy_heap_range,
};
