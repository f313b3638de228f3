/* fit_heap.c - the boundary-tag heap under first-fit, next-fit and best-fit:
 * placement with splitting, immediate coalescing on free, growth at the end
 * of the os_heap, realloc in place, and check(). Which free block to use is
 * the index's business (fit_index.c); layout and invariants: fit_heap.h. */
#include <stdio.h>
#include <string.h>

#include "fit_heap.h"

static struct fit_block *block_at(void *p)
{
	return p;
}

static struct fit_block *block_next(struct fit_block *b)
{
	return block_at((char *)b + fit_block_size(b));
}

/* Valid only when b->head has FIT_PREV_FREE: reads the neighbour's footer. */
static struct fit_block *block_prev(struct fit_block *b)
{
	size_t prev_size = *((size_t *)b - 1);
	return block_at((char *)b - prev_size);
}

static void block_set_footer(struct fit_block *b)
{
	size_t size = fit_block_size(b);
	*(size_t *)((char *)b + size - sizeof(size_t)) = size;
}

/* Writes a free block of `size` at b (whose previous block is allocated)
 * and tells its successor. Does not touch the index. */
static void block_make_free(struct fit_block *b, size_t size)
{
	b->head = size | FIT_FREE;
	block_set_footer(b);
	block_next(b)->head |= FIT_PREV_FREE;
}

static struct fit_block *heap_epilogue(const struct fit_heap *h)
{
	return block_at(os_heap_end(&h->os) - FIT_HEAD);
}

/* Block size for a request of `size` bytes, or 0 when it cannot exist. */
static size_t heap_need(size_t size)
{
	if (size > SIZE_MAX / 2)
		return 0;
	size_t need = (size + FIT_HEAD + 15) & ~(size_t)15;
	return need < FIT_MIN_BLOCK ? FIT_MIN_BLOCK : need;
}

ptrdiff_t fit_block_offset(const struct fit_block *b, size_t need, size_t align)
{
	uintptr_t p = (uintptr_t)b + FIT_HEAD;
	uintptr_t q = (p + align - 1) & ~(uintptr_t)(align - 1);
	/* A leading gap must be able to stand as a free block of its own. */
	while (q != p && q - p < FIT_MIN_BLOCK)
		q += align;
	if (q - p + need > fit_block_size(b))
		return -1;
	return (ptrdiff_t)(q - p);
}

/* When next fit's start address falls inside a block that merging just
 * made, the search starts at that block, as if the rover pointed at it. */
static void heap_rover_merged(struct fit_heap *h, struct fit_block *m)
{
	uintptr_t s = (uintptr_t)m, e = s + fit_block_size(m);
	if (h->rover_addr > s && h->rover_addr < e)
		h->rover_addr = s;
}

/* Allocates `need` bytes at offset `off` of free block b (from
 * fit_block_offset); the leading gap and a large enough tail stay free.
 * Next fit's search, which chose b or grew the heap into it, stops here. */
static void *heap_place(struct fit_heap *h, struct fit_block *b, size_t need, size_t off)
{
	if (h->policy == FIT_NEXT)
		fit_index_rover_at(h, b);
	size_t size = fit_block_size(b);
	size_t prev_flag = b->head & FIT_PREV_FREE;
	struct fit_block *a = b;
	int split = size - off - need >= FIT_MIN_BLOCK;
	if (off) {
		fit_index_resize(h, b, off, 0);
		block_set_footer(b);
		a = block_at((char *)b + off);
		prev_flag = FIT_PREV_FREE;
		size -= off;
		a->head = size;
		if (split) {
			block_make_free(block_at((char *)a + need), size - need);
			fit_index_insert(h, block_at((char *)a + need));
		}
	} else if (split) {
		struct fit_block *rest = block_at((char *)b + need);
		rest->head = (size - need) | FIT_FREE;
		block_set_footer(rest);
		fit_index_replace(h, b, rest);
	} else {
		fit_index_remove(h, b);
	}
	if (!split) {
		need = size;
		block_next(a)->head &= ~FIT_PREV_FREE;
	}
	a->head = need | prev_flag;
	/* A pointer into an address-ordered list would now stand on the first
	 * free block after a: the remainder, or b's successor (0: none, wrap). */
	if (h->policy == FIT_NEXT && h->kind == FIT_INDEX_ADDR_TREE)
		h->rover_addr = fit_btree_first(h, 0, (uintptr_t)a + 1);
	return fit_block_payload(a);
}

/* Grows the os_heap so that a free block at its end fits `need` bytes at
 * `align`; when the last block is free, grows only by the shortfall and
 * merges. The block will start where the last free block (or the epilogue)
 * is, so the gap an alignment needs in front of it is known exactly here.
 * Returns that (indexed) block, or NULL when out of memory. */
static struct fit_block *heap_grow(struct fit_heap *h, size_t need, size_t align)
{
	struct fit_block *epi = heap_epilogue(h);
	struct fit_block *last = epi->head & FIT_PREV_FREE ? block_prev(epi) : NULL;
	size_t have = last ? fit_block_size(last) : 0;
	size_t want = need;
	if (align > ALLOCATOR_MIN_ALIGN) {
		uintptr_t p = (uintptr_t)fit_block_payload(last ? last : epi);
		uintptr_t q = (p + align - 1) & ~(uintptr_t)(align - 1);
		while (q != p && q - p < FIT_MIN_BLOCK) /* as fit_block_offset places it */
			q += align;
		want += q - p;
	}
	char *old_end = os_heap_grow(&h->os, want > have ? want - have : want);
	if (!old_end)
		return NULL;
	size_t got = (size_t)(os_heap_end(&h->os) - old_end);
	heap_epilogue(h)->head = FIT_PREV_FREE;
	if (last) {
		fit_index_resize(h, last, have + got, 0);
		block_set_footer(last);
		return last;
	}
	epi->head = got | FIT_FREE;
	block_set_footer(epi);
	fit_index_insert(h, epi);
	return epi;
}

static void *heap_alloc(struct fit_heap *h, size_t size, size_t align)
{
	size_t need = heap_need(size);
	/* Past the reservation nothing can fit; refusing here also keeps such a
	 * size from the index, whose 16-byte units are 32-bit (every real block
	 * is smaller than the reservation). */
	if (!need || need > h->os.reserved || align > h->os.reserved || fit_index_reserve(h))
		return NULL;
	struct fit_block *b = fit_index_find(h, need, align);
	if (!b)
		b = heap_grow(h, need, align);
	if (!b)
		return NULL;
	ptrdiff_t off = align > ALLOCATOR_MIN_ALIGN ? fit_block_offset(b, need, align) : 0;
	return heap_place(h, b, need, (size_t)off);
}

void *fit_malloc(void *self, size_t size)
{
	return heap_alloc(self, size, ALLOCATOR_MIN_ALIGN);
}

void *fit_aligned_alloc(void *self, size_t alignment, size_t size)
{
	return heap_alloc(self, size, alignment);
}

void *fit_calloc(void *self, size_t nmemb, size_t size)
{
	return allocator_calloc_cleared(self, nmemb, size, fit_malloc);
}

/* Frees b, merging it with free neighbours. A merged block counts as freed
 * now (lifo/fifo); in the address b-tree it reuses a neighbour's entry. */
static void heap_release(struct fit_heap *h, struct fit_block *b)
{
	size_t size = fit_block_size(b);
	struct fit_block *next = block_next(b), *merged = b;
	size_t next_size = next->head & FIT_FREE ? fit_block_size(next) : 0;
	if (b->head & FIT_PREV_FREE) {
		merged = block_prev(b);
		if (next_size)
			fit_index_remove(h, next);
		fit_index_resize(h, merged, fit_block_size(merged) + size + next_size, 1);
		block_set_footer(merged);
		block_next(merged)->head |= FIT_PREV_FREE;
	} else if (next_size) {
		b->head = (size + next_size) | FIT_FREE;
		block_set_footer(b);
		if (h->kind == FIT_INDEX_ADDR_TREE) {
			fit_index_replace(h, next, b);
		} else {
			fit_index_remove(h, next);
			fit_index_insert(h, b);
		}
	} else {
		block_make_free(b, size);
		fit_index_insert(h, b);
	}
	if (h->policy == FIT_NEXT)
		heap_rover_merged(h, merged);
}

/* Should the node pool fail to grow (the kernel refusing a page), the block
 * stays allocated: free cannot report an error. */
void fit_free(void *self, void *ptr)
{
	if (ptr && !fit_index_reserve(self))
		heap_release(self, fit_payload_block(ptr));
}

/* Cuts allocated block b down to `need` bytes, freeing a large enough tail. */
static void heap_shrink(struct fit_heap *h, struct fit_block *b, size_t need)
{
	size_t size = fit_block_size(b);
	if (size - need < FIT_MIN_BLOCK)
		return;
	struct fit_block *tail = block_at((char *)b + need);
	b->head = need | (b->head & FIT_FLAGS);
	tail->head = size - need;
	heap_release(h, tail);
}

/* Grows allocated block b in place to at least `need` bytes, taking the
 * next block when free and growing the heap when b (or that block) is
 * last. Returns 0, or -1 with the heap unchanged. */
static int heap_extend(struct fit_heap *h, struct fit_block *b, size_t need)
{
	struct fit_block *next = block_next(b);
	size_t avail = fit_block_size(b);
	int next_free = (next->head & FIT_FREE) != 0;
	if (next_free)
		avail += fit_block_size(next);
	struct fit_block *after = block_at((char *)b + avail);
	if (avail < need) {
		if (after != heap_epilogue(h) || !os_heap_grow(&h->os, need - avail))
			return -1;
		avail = (size_t)((char *)heap_epilogue(h) - (char *)b);
		after = heap_epilogue(h);
	}
	if (next_free) {
		fit_index_remove(h, next);
		/* In address order next fit's rover may stand on the block taken:
		 * it moves on, as a list rover does when its block is unlinked. */
		if (h->policy == FIT_NEXT && h->kind == FIT_INDEX_ADDR_TREE &&
		    h->rover_addr == (uintptr_t)next)
			h->rover_addr = fit_btree_first(h, 0, (uintptr_t)next + 1);
	}
	b->head = avail | (b->head & FIT_PREV_FREE);
	after->head &= ~FIT_PREV_FREE;
	return 0;
}

void *fit_realloc(void *self, void *ptr, size_t size)
{
	struct fit_heap *h = self;
	if (!ptr)
		return fit_malloc(h, size);
	size_t need = heap_need(size);
	if (!need || fit_index_reserve(h))
		return NULL;
	struct fit_block *b = fit_payload_block(ptr);
	if (need <= fit_block_size(b) || heap_extend(h, b, need) == 0) {
		heap_shrink(h, b, need);
		return ptr;
	}
	void *p = fit_malloc(h, size);
	if (p) {
		memcpy(p, ptr, fit_block_size(b) - FIT_HEAD);
		heap_release(h, b);
	}
	return p;
}

size_t fit_usable_size(void *self, void *ptr)
{
	(void)self;
	return fit_block_size(fit_payload_block(ptr)) - FIT_HEAD;
}

void fit_heap_stats(void *self, struct allocator_heap_stats *out)
{
	const struct fit_heap *h = self;
	/* Neither heap ever shrinks, so the footprint is its own peak. */
	out->current_bytes = h->os.extent + h->meta.extent;
	out->peak_bytes = h->os.extent + h->meta.extent;
}

void fit_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	const struct fit_heap *h = self;
	*lo = (uintptr_t)h->first;
	*hi = (uintptr_t)heap_epilogue(h);
}

static int heap_parse_order(const char *value, enum fit_order *order)
{
	static const char *const names[] = {"address", "lifo", "fifo"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(value, names[i])) {
			*order = (enum fit_order)i;
			return 0;
		}
	return -1;
}

static enum fit_index_kind heap_index_kind(enum fit_policy policy, enum fit_order order)
{
	if (policy == FIT_BEST)
		return FIT_INDEX_SIZE_TREE;
	return order == FIT_ORDER_ADDRESS ? FIT_INDEX_ADDR_TREE : FIT_INDEX_LIST;
}

/* The node pool's reservation (address space only; commits follow use). A
 * full 64 GiB heap holds at most 2^30 free blocks (each is followed by an
 * allocated one, both at least 32 bytes): 32 GiB of treap nodes, or 64 GiB
 * of b-tree nodes at their minimum fill of 4 entries per 256 bytes. */
#define HEAP_META_RESERVE ((size_t)64 << 30)

void *fit_create(enum fit_policy policy, const struct allocator_config *cfg,
		 char *err, size_t err_len)
{
	enum fit_order order;
	size_t step;
	const char *order_s = cfg->values[FIT_PARAM_ORDER];
	if (heap_parse_order(order_s, &order)) {
		snprintf(err, err_len, "order '%s' must be address, lifo or fifo", order_s);
		return NULL;
	}
	if (os_heap_parse_step(cfg->values[FIT_PARAM_STEP], &step, err, err_len))
		return NULL;
	enum fit_index_kind kind = heap_index_kind(policy, order);
	struct os_heap os, meta = {0};
	if (os_heap_init(&os, 0, step)) {
		snprintf(err, err_len, "cannot reserve address space for the heap");
		return NULL;
	}
	/* Pool node 0 stands for "no node" and stays zero. The pool grows a
	 * page at a time whatever the heap's step, as buddy's and simple-seg's
	 * side tables do: a large step must not inflate the footprint twice. */
	if (!os_heap_grow(&os, sizeof(struct fit_heap)) ||
	    (kind != FIT_INDEX_LIST && (os_heap_init(&meta, HEAP_META_RESERVE, 0) ||
					!os_heap_grow(&meta, sizeof(struct fit_node))))) {
		os_heap_release(&meta);
		os_heap_release(&os);
		snprintf(err, err_len, "cannot reserve address space for the heap");
		return NULL;
	}
	struct fit_heap *h = (struct fit_heap *)os.base;
	*h = (struct fit_heap){
		.os = os,
		.meta = meta,
		.policy = policy,
		.order = order,
		.kind = kind,
		.node_used = 1,
		.rng = 0x5eed,
	};
	/* The first block's payload is the first 16-byte boundary past h. */
	uintptr_t payload = ((uintptr_t)(h + 1) + FIT_HEAD + 15) & ~(uintptr_t)15;
	h->first = block_at((char *)payload - FIT_HEAD);
	/* A step is at least a page: room for h and one free block. */
	struct fit_block *epi = heap_epilogue(h);
	epi->head = 0;
	block_make_free(h->first, (size_t)((char *)epi - (char *)h->first));
	fit_index_insert(h, h->first); /* the pool's first step has room */
	return h;
}

void fit_destroy(void *self)
{
	struct fit_heap *h = self;
	struct os_heap os = h->os;
	os_heap_release(&h->meta);
	os_heap_release(&os);
}

static int heap_check_block(const struct fit_heap *h, struct fit_block *b, int prev_free,
			    char *err, size_t err_len)
{
	size_t size = fit_block_size(b);
	char *epi = (char *)heap_epilogue(h);
	if ((uintptr_t)b % 16 != 16 - FIT_HEAD || size % 16 || size < FIT_MIN_BLOCK ||
	    size > (size_t)(epi - (char *)b) || (b->head & FIT_FLAGS & ~(FIT_FREE | FIT_PREV_FREE))) {
		snprintf(err, err_len, "block %p has a bad head %#zx", (void *)b, b->head);
		return -1;
	}
	if (!(b->head & FIT_PREV_FREE) != !prev_free) {
		snprintf(err, err_len, "block %p says its neighbour is %s", (void *)b,
			 prev_free ? "allocated, but it is free" : "free, but it is allocated");
		return -1;
	}
	if (!(b->head & FIT_FREE))
		return 0;
	if (prev_free) {
		snprintf(err, err_len, "free blocks %p and %p are adjacent",
			 (void *)block_prev(b), (void *)b);
		return -1;
	}
	if (*(size_t *)((char *)b + size - sizeof(size_t)) != size) {
		snprintf(err, err_len, "free block %p: footer does not match its head", (void *)b);
		return -1;
	}
	return 0;
}

int fit_check(void *self, char *err, size_t err_len)
{
	struct fit_heap *h = self;
	struct fit_block *epi = heap_epilogue(h), *b = h->first;
	size_t free_blocks = 0;
	int prev_free = 0;
	for (; b != epi && fit_block_size(b); b = block_next(b)) {
		if (heap_check_block(h, b, prev_free, err, err_len))
			return -1;
		prev_free = (b->head & FIT_FREE) != 0;
		free_blocks += prev_free;
	}
	if (b != epi || (epi->head & ~FIT_PREV_FREE) || !(epi->head & FIT_PREV_FREE) != !prev_free) {
		snprintf(err, err_len, "heap walk ends at %p, not at the epilogue %p (head %#zx)",
			 (void *)b, (void *)epi, b->head);
		return -1;
	}
	return fit_index_check(h, free_blocks, err, err_len);
}
