/* fit_heap.h - the boundary-tag heap shared by first-fit, next-fit and best-fit:
 * block layout, splitting, immediate coalescing, growth, and the free index
 * (address b-tree, size treap or list) that each policy searches. The three
 * strategy files only choose a policy and wrap these functions in ops tables. */
#ifndef ALLOCSCOPE_FIT_HEAP_H
#define ALLOCSCOPE_FIT_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "allocator.h"
#include "os_heap.h"

/* Block layout. A block starts 8 bytes before a 16-byte boundary:
 *
 *   block:   size_t head     size | FIT_FREE | FIT_PREV_FREE; size % 16 == 0
 *   payload: 16-aligned      allocated: the caller's bytes, size - 8 of them
 *                            free: a struct fit_link (list index) or the
 *                            tie key (size treap, lifo/fifo), else unused
 *   last 8 bytes             free blocks only: a copy of the size (footer)
 *
 * Allocated blocks carry no footer: the next block's FIT_PREV_FREE bit says
 * whether the previous block is free, and only then is its footer read. So
 * the overhead of an allocated block is 8 bytes plus rounding to 16, and the
 * minimum block is 32 bytes (head, two list links, footer).
 *
 * Heap: [struct fit_heap][pad][block][block]...[epilogue head: size 0], the
 * epilogue being the last 8 bytes of the os_heap extent. Invariants: blocks
 * tile [first, end - 8) exactly; no two free blocks are adjacent (coalescing
 * is immediate); every free block is in the index exactly once. */
struct fit_block {
	size_t head;
};

#define FIT_FREE      ((size_t)1)
#define FIT_PREV_FREE ((size_t)2)
#define FIT_FLAGS     ((size_t)15)
#define FIT_HEAD      sizeof(struct fit_block)
#define FIT_MIN_BLOCK ((size_t)32)

/* A free block's place in the lifo/fifo list, in its payload. */
struct fit_link {
	struct fit_link *prev, *next;
};

/* A node of the size treap. Nodes live in a pool of their own
 * (fit_heap.meta), not in the free blocks: a search touches a few dense
 * cache lines instead of one page per level of a heap of hundreds of
 * megabytes. Index 0 is no node and stays all zero. `prio` is a random heap
 * priority (parent >= child); keys are (units, tie), tie being the address
 * or, for lifo/fifo, a free sequence number (also kept in the block's
 * payload, to find the node again). Free nodes are chained through `left`. */
struct fit_node {
	uint32_t left, right;
	uint32_t prio;
	uint32_t units; /* block size / 16: < 2^32 in a 64 GiB heap */
	uint64_t addr;  /* the block */
	uint64_t tie;
};

_Static_assert(sizeof(struct fit_block) == 8, "header is one word");
_Static_assert(sizeof(struct fit_node) == 32, "two treap nodes per cache line");
_Static_assert(ALLOCATOR_MIN_ALIGN == 16, "layout assumes 16-byte payloads");

enum fit_policy { FIT_FIRST, FIT_NEXT, FIT_BEST };
enum fit_order { FIT_ORDER_ADDRESS, FIT_ORDER_LIFO, FIT_ORDER_FIFO };

/* How free blocks are indexed; follows from (policy, order). */
enum fit_index_kind {
	FIT_INDEX_ADDR_TREE, /* first/next fit, address order: b-tree */
	FIT_INDEX_SIZE_TREE, /* best fit, every order: treap */
	FIT_INDEX_LIST,      /* first/next fit, lifo/fifo */
};

/* The instance lives at the start of its own os_heap (no malloc anywhere),
 * followed by padding up to `first`, the lowest block. */
struct fit_heap {
	struct os_heap os;
	struct fit_block *first;
	enum fit_policy policy;
	enum fit_order order;
	enum fit_index_kind kind;
	struct os_heap meta;         /* node pool: b-tree or treap nodes */
	uint32_t root;               /* treap or b-tree */
	uint32_t height;             /* b-tree levels */
	uint32_t node_free;          /* pool: chain of released nodes */
	uint32_t node_used;          /* pool: nodes ever carved (0 is none) */
	struct fit_link *head, *tail; /* list: head is searched first */
	struct fit_link *rover;      /* next fit over a list: where to start */
	/* next fit over the b-tree: the address of the free block the search
	 * starts at (the first one after the last block placed; 0: the lowest) */
	uintptr_t rover_addr;
	uint64_t seq;                /* frees so far: lifo/fifo tie keys */
	uint64_t rng;                /* treap priorities (fixed seed) */
	size_t free_blocks;
};

/* Every fit strategy's params list `order` then `step`, in this order. */
enum { FIT_PARAM_ORDER, FIT_PARAM_STEP };

void *fit_create(enum fit_policy policy, const struct allocator_config *cfg,
		 char *err, size_t err_len);
void fit_destroy(void *self);
void *fit_malloc(void *self, size_t size);
void fit_free(void *self, void *ptr);
void *fit_realloc(void *self, void *ptr, size_t size);
void *fit_calloc(void *self, size_t nmemb, size_t size);
void *fit_aligned_alloc(void *self, size_t alignment, size_t size);
size_t fit_usable_size(void *self, void *ptr);
void fit_heap_stats(void *self, struct allocator_heap_stats *out);
int fit_check(void *self, char *err, size_t err_len);
void fit_heap_range(void *self, uintptr_t *lo, uintptr_t *hi);

/* Block helpers shared by the index code (fit_index.c). */
static inline size_t fit_block_size(const struct fit_block *b)
{
	return b->head & ~FIT_FLAGS;
}

static inline void *fit_block_payload(struct fit_block *b)
{
	return (char *)b + FIT_HEAD;
}

static inline struct fit_block *fit_payload_block(void *payload)
{
	return (struct fit_block *)((char *)payload - FIT_HEAD);
}

static inline struct fit_node *fit_node_at(const struct fit_heap *h, uint32_t i)
{
	return (struct fit_node *)h->meta.base + i;
}

/* The free index (fit_index.c). `insert` files a newly freed block (the
 * most recent for lifo/fifo); `replace` puts `repl` where `old` was (a split
 * remainder or a merge keeps its place); `resize` gives an indexed block a
 * new size, as fresh or keeping its place. Where a split leaves two free
 * pieces (an aligned block cut from inside a free one) the leading gap keeps
 * the place and the tail counts as freed now; a free last block that the
 * heap grows into keeps its place, and new memory after an allocated last
 * block counts as freed now. Heads are set by the caller,
 * except resize, which writes the new size itself. An insert needs a spare
 * pool node: fit_index_reserve before an operation makes sure of three. */
int fit_index_reserve(struct fit_heap *h);
void fit_index_insert(struct fit_heap *h, struct fit_block *b);
void fit_index_remove(struct fit_heap *h, struct fit_block *b);
void fit_index_replace(struct fit_heap *h, struct fit_block *old, struct fit_block *repl);
void fit_index_resize(struct fit_heap *h, struct fit_block *b, size_t size, int fresh);
/* Next fit: b, a free block about to be split or taken, is where the search
 * stopped. A list rover is pointed at it, so that the list operations carry
 * it on as they carry any pointer into the list (to the remainder, or to b's
 * successor); the address rover is set once b is placed (heap_place). */
void fit_index_rover_at(struct fit_heap *h, struct fit_block *b);
/* The block the policy picks for `need` bytes at `align`, or NULL. */
struct fit_block *fit_index_find(struct fit_heap *h, size_t need, size_t align);
/* Verifies the index against the heap walk's count of free blocks. */
int fit_index_check(struct fit_heap *h, size_t free_blocks, char *err, size_t err_len);

/* Where an allocation of `need` bytes at `align` goes inside free block b:
 * the allocated block's offset from b (0, or a gap of at least the minimum
 * block that becomes a free block), or -1 when it does not fit. */
ptrdiff_t fit_block_offset(const struct fit_block *b, size_t need, size_t align);

/* The address b-tree (fit_btree.c) over the node pool: entries are (block
 * address, units). reserve makes room for that many inserts' splits. */
int fit_btree_reserve(struct fit_heap *h, uint32_t inserts);
void fit_btree_insert(struct fit_heap *h, uint64_t addr, uint32_t units);
void fit_btree_remove(struct fit_heap *h, uint64_t addr);
/* The entry at key_addr becomes (addr, units); no other entry may lie
 * between the two addresses. */
void fit_btree_set(struct fit_heap *h, uint64_t key_addr, uint64_t addr, uint32_t units);
/* The lowest address >= from with units >= need, or 0. */
uint64_t fit_btree_first(const struct fit_heap *h, uint32_t need, uint64_t from);
int fit_btree_check(const struct fit_heap *h, size_t *count, char *err, size_t err_len);

/* The size treap over the node pool (fit_tree.c); roots are node indices.
 * reserve makes room for `spare` more nodes; `key` is a probe node with
 * units, tie (and for insert, addr) set. Inserts take a node from the pool,
 * removes give it back. */
int fit_tree_reserve(struct fit_heap *h, uint32_t spare);
uint32_t fit_tree_insert(struct fit_heap *h, uint32_t t, const struct fit_node *key);
uint32_t fit_tree_remove(struct fit_heap *h, uint32_t t, const struct fit_node *key);
/* The smallest node with (units, tie) >= the given pair, or 0. */
uint32_t fit_tree_lower_bound(const struct fit_heap *h, uint32_t t, uint32_t units, uint64_t tie);
/* Verifies order, priorities and that nodes match free blocks; counts
 * nodes into *count. */
int fit_tree_check(const struct fit_heap *h, uint32_t t, size_t *count, char *err, size_t err_len);

/* The ops table entries the three fit strategies share (each sets name,
 * description, params and create itself). */
#define FIT_HEAP_CALLS                            \
	.destroy = fit_destroy,                   \
	.malloc = fit_malloc,                     \
	.free = fit_free,                         \
	.realloc = fit_realloc,                   \
	.calloc = fit_calloc,                     \
	.aligned_alloc = fit_aligned_alloc,       \
	.usable_size = fit_usable_size,           \
	.heap_stats = fit_heap_stats,             \
	.check = fit_check,                       \
	.heap_range = fit_heap_range

#endif
