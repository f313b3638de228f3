/* bt_heap.c - boundary-tag heap with a two-level segregated free-list index,
 * the mechanism shared by `segregated` (Lea-style fits) and `tlsf`. Exports
 * the bt_heap_* functions of bt_heap.h; the strategies own parameters and
 * ops tables. Costs: BT_FIT_GOOD's malloc and free are O(1) (two bitmap
 * searches, list and tag updates); BT_FIT_BEST adds a trie walk of one
 * class, O(log of the class width). */
#include "bt_heap.h"

#include <stdio.h>
#include <string.h>

/* Block layout (addresses 16-aligned, sizes multiples of 16):
 *
 *     +0   prev_phys   the previous block, valid only while it is free
 *                      (BT_PREV_FREE); otherwise the last 8 bytes of the
 *                      previous block's payload
 *     +8   size        whole block bytes from +0 to the next block, with
 *                      BT_FREE and BT_PREV_FREE in the low bits
 *     +16  payload     of a used block: size - 8 usable bytes (it runs into
 *                      the next block's prev_phys); of a free block:
 *                      next_free, prev_free links of its class (then, in
 *                      a trie class, the struct bt_node fields)
 *
 * Overhead is 8 bytes per used block; the smallest block is 32 bytes.
 * Invariants: no two free blocks are adjacent (immediate coalescing);
 * a block's BT_PREV_FREE equals its predecessor's BT_FREE; every free block
 * is in exactly the class its size maps to; a class's bit is set in sl_map
 * iff the class is non-empty, and a row's bit in fl_map iff its sl_map is.
 * The heap ends in a 16-byte epilogue of size 0, always used, so walks and
 * coalescing stop there; growth turns the old epilogue into a block. */
struct bt_block {
	struct bt_block *prev_phys;
	size_t size;
	struct bt_block *next_free;
	struct bt_block *prev_free;
};
_Static_assert(sizeof(struct bt_block) == 32, "bt_block is the 32-byte minimum block");

#define BT_FREE ((size_t)1)
#define BT_PREV_FREE ((size_t)2)
#define BT_FLAGS ((size_t)15)
#define BT_HEADER 16u
#define BT_MIN_BLOCK 32u
#define BT_SL_COLUMNS 32u

/* The instance, at the start of its own heap, followed by sl_map and heads
 * (fl_count rows of BT_SL_COLUMNS lists), then the first block. */
struct bt_heap {
	struct os_heap os;
	struct bt_shape shape;
	unsigned fl_count;
	uint64_t fl_map;
	uint32_t *sl_map;
	struct bt_block **heads;
	struct bt_block *first;
	struct bt_block *epilogue;
};

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static unsigned floor_log2(size_t n)
{
	return 63u - (unsigned)__builtin_clzll(n);
}

static size_t bt_size(const struct bt_block *b)
{
	return b->size & ~BT_FLAGS;
}

static struct bt_block *bt_next(const struct bt_block *b)
{
	return (struct bt_block *)((char *)b + bt_size(b));
}

static void *bt_payload(struct bt_block *b)
{
	return (char *)b + BT_HEADER;
}

static struct bt_block *bt_from_payload(void *p)
{
	return (struct bt_block *)((char *)p - BT_HEADER);
}

/* Block bytes for a request of n, or 0 when it cannot fit the reservation. */
static size_t bt_request(const struct bt_heap *h, size_t n)
{
	if (n > h->os.reserved)
		return 0;
	size_t s = align_up(n + 8, 16);
	return s < BT_MIN_BLOCK ? BT_MIN_BLOCK : s;
}

static void bt_map(const struct bt_heap *h, size_t size, unsigned *fl, unsigned *sl)
{
	if (size < ((size_t)1 << h->shape.small_log2)) {
		*fl = 0;
		*sl = (unsigned)(size >> 4);
		return;
	}
	unsigned f = floor_log2(size);
	*fl = f - h->shape.small_log2 + 1;
	*sl = (unsigned)(size >> (f - h->shape.sl_log2)) & ((1u << h->shape.sl_log2) - 1);
}

/* In BT_FIT_BEST, each class of rows 1.. is a bitwise trie of its free
 * blocks keyed by size (Lea's tree bins), rooted at heads[index]: a node at
 * depth d agrees with every size below it on the d key bits under the
 * class's own prefix, and child[b] continues with bit b. Blocks of a size
 * already in the trie hang on that node's ring (next_free/prev_free,
 * circular, node included) with is_node 0. Blocks of row 0 and all of
 * BT_FIT_GOOD's are on plain NULL-terminated lists. */
struct bt_node {
	struct bt_block block;
	struct bt_node *child[2];
	struct bt_node *parent; /* NULL at the root */
	uint32_t index;         /* fl * BT_SL_COLUMNS + sl */
	uint32_t is_node;
};
_Static_assert(sizeof(struct bt_node) == 64, "trie classes need 64-byte blocks");

static int bt_is_tree_row(const struct bt_heap *h, unsigned fl)
{
	return fl && h->shape.fit == BT_FIT_BEST;
}

/* The key bit a trie of row fl tests at its root: the top bit under the
 * class prefix (below 4, the class holds a single size). */
static int bt_key_top(const struct bt_heap *h, unsigned fl)
{
	return (int)(fl + h->shape.small_log2 - 1 - h->shape.sl_log2) - 1;
}

static unsigned bt_key_bit(size_t size, int shift)
{
	return shift >= 0 ? (unsigned)(size >> shift) & 1 : 0;
}

/* Puts n (or nothing) where old hangs: its parent's child or the root. */
static void bt_node_replace(struct bt_heap *h, struct bt_node *old, struct bt_node *n)
{
	if (!old->parent)
		h->heads[old->index] = n ? &n->block : NULL;
	else
		old->parent->child[old->parent->child[1] == old] = n;
}

static void bt_ring_self(struct bt_node *x)
{
	x->block.next_free = x->block.prev_free = &x->block;
}

static void bt_tree_insert(struct bt_heap *h, struct bt_block *b, unsigned fl, unsigned index)
{
	struct bt_node *x = (struct bt_node *)b;
	struct bt_node *t = (struct bt_node *)h->heads[index];
	size_t size = bt_size(b);
	x->child[0] = x->child[1] = NULL;
	x->index = index;
	x->is_node = 1;
	x->parent = NULL;
	bt_ring_self(x);
	if (!t) {
		h->heads[index] = b;
		return;
	}
	for (int shift = bt_key_top(h, fl);; shift--) {
		if (bt_size(&t->block) == size) {
			x->is_node = 0;
			b->next_free = t->block.next_free;
			b->prev_free = &t->block;
			t->block.next_free->prev_free = b;
			t->block.next_free = b;
			return;
		}
		struct bt_node **slot = &t->child[bt_key_bit(size, shift)];
		if (!*slot) {
			*slot = x;
			x->parent = t;
			return;
		}
		t = *slot;
	}
}

static void bt_tree_remove(struct bt_heap *h, struct bt_block *b)
{
	struct bt_node *x = (struct bt_node *)b;
	struct bt_node *heir = NULL;
	if (b->next_free != b) {
		b->next_free->prev_free = b->prev_free;
		b->prev_free->next_free = b->next_free;
		if (!x->is_node)
			return;
		/* A block of the same size takes the node's place. */
		heir = (struct bt_node *)b->next_free;
	} else {
		/* Any leaf below x shares x's key prefix, so it can take its place. */
		heir = x;
		while (heir->child[0] || heir->child[1])
			heir = heir->child[heir->child[1] != NULL];
		bt_node_replace(h, heir, NULL);
		if (heir == x)
			return;
	}
	heir->is_node = 1;
	heir->index = x->index;
	heir->parent = x->parent;
	for (int d = 0; d < 2; d++) {
		heir->child[d] = x->child[d];
		if (heir->child[d])
			heir->child[d]->parent = heir;
	}
	bt_node_replace(h, x, heir);
}

/* A block of the node's size, preferring one off the trie (cheaper to
 * remove). */
static struct bt_block *bt_node_pick(struct bt_node *n)
{
	return n ? n->block.next_free : NULL;
}

/* The smallest block of at least size in the trie of row fl: walk the key's
 * path, remembering the deepest right subtree left aside (its blocks are the
 * smallest of those larger than the path), then its leftmost path. */
static struct bt_block *bt_tree_best(const struct bt_heap *h, unsigned fl, unsigned index,
				     size_t size)
{
	struct bt_node *t = (struct bt_node *)h->heads[index];
	struct bt_node *best = NULL, *aside = NULL;
	size_t slack = SIZE_MAX;
	for (int shift = bt_key_top(h, fl); t; shift--) {
		size_t ts = bt_size(&t->block);
		if (ts >= size && ts - size < slack) {
			best = t;
			slack = ts - size;
			if (!slack)
				return bt_node_pick(best);
		}
		struct bt_node *right = t->child[1];
		t = t->child[bt_key_bit(size, shift)];
		if (right && right != t)
			aside = right;
	}
	for (t = aside; t; t = t->child[0] ? t->child[0] : t->child[1]) {
		size_t ts = bt_size(&t->block);
		if (ts >= size && ts - size < slack) {
			best = t;
			slack = ts - size;
		}
	}
	return bt_node_pick(best);
}

/* The smallest block of a non-empty class. */
static struct bt_block *bt_class_min(const struct bt_heap *h, unsigned fl, unsigned index)
{
	if (!bt_is_tree_row(h, fl))
		return h->heads[index];
	struct bt_node *t = (struct bt_node *)h->heads[index], *best = t;
	while ((t = t->child[0] ? t->child[0] : t->child[1]))
		if (bt_size(&t->block) < bt_size(&best->block))
			best = t;
	return bt_node_pick(best);
}

static void bt_insert(struct bt_heap *h, struct bt_block *b)
{
	unsigned fl, sl;
	bt_map(h, bt_size(b), &fl, &sl);
	unsigned index = fl * BT_SL_COLUMNS + sl;
	if (bt_is_tree_row(h, fl)) {
		bt_tree_insert(h, b, fl, index);
	} else {
		struct bt_block **head = &h->heads[index];
		b->next_free = *head;
		b->prev_free = NULL;
		if (*head)
			(*head)->prev_free = b;
		*head = b;
	}
	h->sl_map[fl] |= 1u << sl;
	h->fl_map |= (uint64_t)1 << fl;
}

static void bt_remove(struct bt_heap *h, struct bt_block *b)
{
	unsigned fl, sl;
	bt_map(h, bt_size(b), &fl, &sl);
	struct bt_block **head = &h->heads[fl * BT_SL_COLUMNS + sl];
	if (bt_is_tree_row(h, fl)) {
		bt_tree_remove(h, b);
	} else {
		if (b->prev_free)
			b->prev_free->next_free = b->next_free;
		else
			*head = b->next_free;
		if (b->next_free)
			b->next_free->prev_free = b->prev_free;
	}
	if (!*head) {
		h->sl_map[fl] &= ~(1u << sl);
		if (!h->sl_map[fl])
			h->fl_map &= ~((uint64_t)1 << fl);
	}
}

/* The first non-empty class at (fl, sl) or after it, in size order; 0 when
 * there is none. */
static int bt_next_class(const struct bt_heap *h, unsigned *fl, unsigned *sl)
{
	if (*fl >= h->fl_count)
		return 0;
	uint32_t row = *sl < BT_SL_COLUMNS ? h->sl_map[*fl] & (~0u << *sl) : 0;
	if (!row) {
		uint64_t rows = *fl + 1 < 64 ? h->fl_map & (~(uint64_t)0 << (*fl + 1)) : 0;
		if (!rows)
			return 0;
		*fl = (unsigned)__builtin_ctzll(rows);
		row = h->sl_map[*fl];
	}
	*sl = (unsigned)__builtin_ctz(row);
	return 1;
}

/* A listed free block of at least size bytes, or NULL. */
static struct bt_block *bt_find(const struct bt_heap *h, size_t size)
{
	unsigned fl, sl;
	if (h->shape.fit == BT_FIT_GOOD) {
		size_t rounded = size;
		if (size >= ((size_t)1 << h->shape.small_log2))
			rounded += ((size_t)1 << (floor_log2(size) - h->shape.sl_log2)) - 1;
		bt_map(h, rounded, &fl, &sl);
		if (!bt_next_class(h, &fl, &sl))
			return NULL;
		return h->heads[fl * BT_SL_COLUMNS + sl];
	}
	/* Best fit: a row-0 class holds its size exactly; a trie class is
	 * searched; failing that, the smallest block of the next class. */
	bt_map(h, size, &fl, &sl);
	unsigned index = fl * BT_SL_COLUMNS + sl;
	struct bt_block *b = fl ? bt_tree_best(h, fl, index, size) : h->heads[index];
	if (b)
		return b;
	sl++;
	if (!bt_next_class(h, &fl, &sl))
		return NULL;
	return bt_class_min(h, fl, fl * BT_SL_COLUMNS + sl);
}

/* Marks b free, merges it with free neighbours and lists the result. */
static void bt_release(struct bt_heap *h, struct bt_block *b)
{
	struct bt_block *next = bt_next(b);
	if (next->size & BT_FREE) {
		bt_remove(h, next);
		b->size += bt_size(next);
		next = bt_next(b);
	}
	if (b->size & BT_PREV_FREE) {
		struct bt_block *prev = b->prev_phys;
		bt_remove(h, prev);
		prev->size += bt_size(b);
		b = prev;
	}
	b->size |= BT_FREE;
	next->prev_phys = b;
	next->size |= BT_PREV_FREE;
	bt_insert(h, b);
}

/* Makes the unlisted block b a used block of size bytes, releasing the tail
 * when it is big enough to be a block of its own. */
static void bt_use(struct bt_heap *h, struct bt_block *b, size_t size)
{
	size_t total = bt_size(b);
	b->size &= ~BT_FREE;
	if (total - size >= BT_MIN_BLOCK) {
		b->size = size | (b->size & BT_PREV_FREE);
		struct bt_block *rest = bt_next(b);
		rest->size = total - size;
		bt_release(h, rest);
	} else {
		bt_next(b)->size &= ~BT_PREV_FREE;
	}
}

/* Grows the heap so that its last block is free and at least need bytes;
 * returns that block, unlisted, or NULL when the reservation is exhausted.
 * A free last block counts towards need, so growth is only the shortfall. */
static struct bt_block *bt_extend(struct bt_heap *h, size_t need)
{
	struct bt_block *e = h->epilogue;
	struct bt_block *last = (e->size & BT_PREV_FREE) ? e->prev_phys : NULL;
	size_t have = last ? bt_size(last) : 0;
	if (last)
		bt_remove(h, last);
	if (have >= need)
		return last;
	char *mem = os_heap_grow(&h->os, need - have);
	if (!mem) {
		if (last)
			bt_insert(h, last);
		return NULL;
	}
	size_t grown = (size_t)(os_heap_end(&h->os) - mem);
	struct bt_block *b = last ? last : e;
	if (last)
		last->size += grown;
	else
		e->size = grown | BT_FREE;
	h->epilogue = (struct bt_block *)(os_heap_end(&h->os) - BT_HEADER);
	h->epilogue->size = BT_PREV_FREE;
	h->epilogue->prev_phys = b;
	return b;
}

void *bt_heap_create(size_t step, const struct bt_shape *shape, char *err, size_t err_len)
{
	struct os_heap os;
	if (os_heap_init(&os, 0, step) != 0) {
		snprintf(err, err_len, "cannot reserve address space for the heap");
		return NULL;
	}
	unsigned fl_count = floor_log2(os.reserved) - shape->small_log2 + 2;
	size_t sl_off = align_up(sizeof(struct bt_heap), 16);
	size_t heads_off = align_up(sl_off + fl_count * sizeof(uint32_t), 16);
	size_t meta = align_up(heads_off + (size_t)fl_count * BT_SL_COLUMNS *
				   sizeof(struct bt_block *), 16);
	char *base = os_heap_grow(&os, meta + BT_MIN_BLOCK + BT_HEADER);
	if (!base) {
		os_heap_release(&os);
		snprintf(err, err_len, "cannot commit the first heap step");
		return NULL;
	}
	/* Fresh heap memory reads as zero: the lists and bitmaps start empty. */
	struct bt_heap *h = (struct bt_heap *)base;
	h->os = os;
	h->shape = *shape;
	h->fl_count = fl_count;
	h->sl_map = (uint32_t *)(base + sl_off);
	h->heads = (struct bt_block **)(base + heads_off);
	h->first = (struct bt_block *)(base + meta);
	h->epilogue = (struct bt_block *)(os_heap_end(&h->os) - BT_HEADER);
	h->first->size = (size_t)((char *)h->epilogue - (char *)h->first);
	h->epilogue->size = 0;
	bt_release(h, h->first);
	return h;
}

void bt_heap_destroy(void *self)
{
	struct bt_heap *h = self;
	struct os_heap os = h->os;
	os_heap_release(&os);
}

void *bt_heap_malloc(void *self, size_t size)
{
	struct bt_heap *h = self;
	size_t need = bt_request(h, size);
	if (!need)
		return NULL;
	struct bt_block *b = bt_find(h, need);
	if (b)
		bt_remove(h, b);
	else if (!(b = bt_extend(h, need)))
		return NULL;
	bt_use(h, b, need);
	return bt_payload(b);
}

void bt_heap_free(void *self, void *ptr)
{
	if (ptr)
		bt_release(self, bt_from_payload(ptr));
}

/* Grows b in place to need bytes by absorbing a free successor, growing the
 * heap when b or that successor ends it. Returns 0, or -1 (nothing changed). */
static int bt_grow_in_place(struct bt_heap *h, struct bt_block *b, size_t need)
{
	size_t cur = bt_size(b);
	struct bt_block *next = bt_next(b);
	int next_free = (next->size & BT_FREE) != 0;
	if (next_free && cur + bt_size(next) >= need) {
		bt_remove(h, next);
	} else if (next == h->epilogue || (next_free && bt_next(next) == h->epilogue)) {
		if (!bt_extend(h, need - cur))
			return -1;
	} else {
		return -1;
	}
	b->size += bt_size(next);
	bt_use(h, b, need);
	return 0;
}

void *bt_heap_realloc(void *self, void *ptr, size_t size)
{
	struct bt_heap *h = self;
	if (!ptr)
		return bt_heap_malloc(h, size);
	size_t need = bt_request(h, size);
	if (!need)
		return NULL;
	struct bt_block *b = bt_from_payload(ptr);
	if (need <= bt_size(b)) {
		bt_use(h, b, need);
		return ptr;
	}
	if (bt_grow_in_place(h, b, need) == 0)
		return ptr;
	void *moved = bt_heap_malloc(h, size);
	if (!moved)
		return NULL;
	memcpy(moved, ptr, bt_size(b) - 8);
	bt_release(h, b);
	return moved;
}

void *bt_heap_calloc(void *self, size_t nmemb, size_t size)
{
	return allocator_calloc_cleared(self, nmemb, size, bt_heap_malloc);
}

/* Where an aligned payload goes in a block whose payload starts at p: the
 * gap in front of it is either empty or a free block of its own. */
static uintptr_t bt_aligned_at(uintptr_t p, size_t alignment)
{
	uintptr_t q = align_up(p, alignment);
	return q != p && q - p < BT_MIN_BLOCK ? align_up(p + BT_MIN_BLOCK, alignment) : q;
}

/* The free lists are searched for the alignment plus a minimum block more
 * than the request, which any block of that size can take wherever it
 * lies: one O(1) search, as TLSF's memalign does, at the price of passing
 * over a smaller free block that would have happened to be aligned. Growing
 * the heap, the block's start is known, and so is the exact gap. */
void *bt_heap_aligned_alloc(void *self, size_t alignment, size_t size)
{
	struct bt_heap *h = self;
	if (alignment <= ALLOCATOR_MIN_ALIGN)
		return bt_heap_malloc(h, size);
	size_t need = bt_request(h, size);
	if (!need || alignment > h->os.reserved)
		return NULL;
	struct bt_block *b = bt_find(h, need + alignment + BT_MIN_BLOCK);
	if (b) {
		bt_remove(h, b);
	} else {
		struct bt_block *e = h->epilogue;
		struct bt_block *start = (e->size & BT_PREV_FREE) ? e->prev_phys : e;
		uintptr_t p = (uintptr_t)bt_payload(start);
		if (!(b = bt_extend(h, bt_aligned_at(p, alignment) - p + need)))
			return NULL;
	}
	uintptr_t p = (uintptr_t)bt_payload(b);
	uintptr_t q = bt_aligned_at(p, alignment);
	if (q != p) {
		size_t gap = q - p;
		struct bt_block *a = bt_from_payload((void *)q);
		a->size = (bt_size(b) - gap) | BT_PREV_FREE;
		a->prev_phys = b;
		b->size = gap | (b->size & BT_PREV_FREE) | BT_FREE;
		bt_insert(h, b);
		b = a;
	}
	bt_use(h, b, need);
	return bt_payload(b);
}

size_t bt_heap_usable_size(void *self, void *ptr)
{
	(void)self;
	return bt_size(bt_from_payload(ptr)) - 8;
}

void bt_heap_stats(void *self, struct allocator_heap_stats *out)
{
	const struct bt_heap *h = self;
	out->current_bytes = h->os.extent;
	out->peak_bytes = h->os.extent;
}

void bt_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	const struct bt_heap *h = self;
	*lo = (uintptr_t)h->first;
	*hi = (uintptr_t)os_heap_end(&h->os);
}

/* Walks the heap block by block; returns the number of free blocks, or -1. */
static long bt_check_walk(const struct bt_heap *h, char *err, size_t err_len)
{
	long free_blocks = 0;
	int prev_free = 0;
	const struct bt_block *prev = NULL;
	const struct bt_block *b = h->first;
	for (; b != h->epilogue; prev = b, b = bt_next(b)) {
		size_t off = (size_t)((const char *)b - h->os.base);
		size_t size = bt_size(b);
		if ((uintptr_t)b % 16 || size < BT_MIN_BLOCK ||
		    size > (size_t)((const char *)h->epilogue - (const char *)b)) {
			snprintf(err, err_len, "block at offset %zu has bad size %zu", off, size);
			return -1;
		}
		if (!!(b->size & BT_PREV_FREE) != prev_free) {
			snprintf(err, err_len, "block at offset %zu: prev-free bit is wrong", off);
			return -1;
		}
		if (prev_free && b->prev_phys != prev) {
			snprintf(err, err_len, "block at offset %zu: stale prev_phys", off);
			return -1;
		}
		int is_free = (b->size & BT_FREE) != 0;
		if (is_free && prev_free) {
			snprintf(err, err_len, "uncoalesced free blocks at offset %zu", off);
			return -1;
		}
		free_blocks += is_free;
		prev_free = is_free;
	}
	if (bt_size(b) != 0 || (char *)b != os_heap_end(&h->os) - BT_HEADER ||
	    !!(b->size & BT_PREV_FREE) != prev_free || (prev_free && b->prev_phys != prev)) {
		snprintf(err, err_len, "bad epilogue");
		return -1;
	}
	return free_blocks;
}

/* A listed block must be free and in the class its size maps to. */
static int bt_check_listed(const struct bt_heap *h, const struct bt_block *b, unsigned fl,
			   unsigned sl, char *err, size_t err_len)
{
	unsigned bfl, bsl;
	bt_map(h, bt_size(b), &bfl, &bsl);
	if ((b->size & BT_FREE) && bfl == fl && bsl == sl)
		return 0;
	snprintf(err, err_len, "class (%u, %u) holds a wrong block at offset %zu", fl, sl,
		 (size_t)((const char *)b - h->os.base));
	return -1;
}

/* Checks a plain list; adds its length to *listed, stopping past limit. */
static int bt_check_list(const struct bt_heap *h, unsigned fl, unsigned sl, long *listed,
			 long limit, char *err, size_t err_len)
{
	const struct bt_block *back = NULL;
	for (const struct bt_block *b = h->heads[fl * BT_SL_COLUMNS + sl]; b;
	     back = b, b = b->next_free) {
		if (bt_check_listed(h, b, fl, sl, err, err_len) != 0)
			return -1;
		if (b->prev_free != back || ++*listed > limit) {
			snprintf(err, err_len, "class (%u, %u): broken list links", fl, sl);
			return -1;
		}
	}
	return 0;
}

/* Checks the trie below n (its links, key bits, rings) likewise. */
static int bt_check_tree(const struct bt_heap *h, const struct bt_node *n,
			 const struct bt_node *parent, unsigned fl, unsigned sl, int shift,
			 long *listed, long limit, char *err, size_t err_len)
{
	if (!n)
		return 0;
	unsigned index = fl * BT_SL_COLUMNS + sl;
	if (!n->is_node || n->index != index || n->parent != parent ||
	    (parent && parent->child[bt_key_bit(bt_size(&n->block), shift + 1)] != n)) {
		snprintf(err, err_len, "class (%u, %u): broken trie at offset %zu", fl, sl,
			 (size_t)((const char *)n - h->os.base));
		return -1;
	}
	const struct bt_block *b = &n->block;
	do {
		if (bt_check_listed(h, b, fl, sl, err, err_len) != 0)
			return -1;
		if (bt_size(b) != bt_size(&n->block) || b->next_free->prev_free != b ||
		    (b != &n->block && ((const struct bt_node *)b)->is_node) || ++*listed > limit) {
			snprintf(err, err_len, "class (%u, %u): broken ring at offset %zu", fl, sl,
				 (size_t)((const char *)b - h->os.base));
			return -1;
		}
		b = b->next_free;
	} while (b != &n->block);
	for (int d = 0; d < 2; d++)
		if (bt_check_tree(h, n->child[d], n, fl, sl, shift - 1, listed, limit,
				  err, err_len) != 0)
			return -1;
	return 0;
}

/* Checks every class against the bitmaps; returns the number of listed
 * blocks (at most limit), or -1. */
static long bt_check_lists(const struct bt_heap *h, long limit, char *err, size_t err_len)
{
	long listed = 0;
	for (unsigned fl = 0; fl < h->fl_count; fl++) {
		if (!!(h->fl_map & ((uint64_t)1 << fl)) != !!h->sl_map[fl]) {
			snprintf(err, err_len, "first-level bitmap wrong for row %u", fl);
			return -1;
		}
		for (unsigned sl = 0; sl < BT_SL_COLUMNS; sl++) {
			const struct bt_block *b = h->heads[fl * BT_SL_COLUMNS + sl];
			if (!!b != !!(h->sl_map[fl] & (1u << sl))) {
				snprintf(err, err_len, "bitmap wrong for class (%u, %u)", fl, sl);
				return -1;
			}
			int rc = bt_is_tree_row(h, fl)
				? bt_check_tree(h, (const struct bt_node *)b, NULL, fl, sl,
						bt_key_top(h, fl), &listed, limit, err, err_len)
				: bt_check_list(h, fl, sl, &listed, limit, err, err_len);
			if (rc != 0)
				return -1;
		}
	}
	return listed;
}

int bt_heap_check(void *self, char *err, size_t err_len)
{
	const struct bt_heap *h = self;
	long free_blocks = bt_check_walk(h, err, err_len);
	if (free_blocks < 0)
		return -1;
	long listed = bt_check_lists(h, free_blocks, err, err_len);
	if (listed < 0)
		return -1;
	if (listed != free_blocks) {
		snprintf(err, err_len, "%ld free blocks in the heap but %ld on lists",
			 free_blocks, listed);
		return -1;
	}
	return 0;
}
