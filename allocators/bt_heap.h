/* bt_heap.h - the boundary-tag heap under `segregated` and `tlsf`: block
 * layout, splitting, immediate coalescing, growth, realloc and check, over a
 * two-level index of size-class free lists with bitmaps of non-empty lists.
 * The two strategies differ only in their class map and in how they search. */
#ifndef ALLOCSCOPE_BT_HEAP_H
#define ALLOCSCOPE_BT_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "allocator.h"
#include "os_heap.h"

/* How a request finds a free block. */
enum bt_fit {
	/* TLSF's good fit: round the request up to the next list boundary so
	 * the head of the first non-empty list at or above it always fits. */
	BT_FIT_GOOD,
	/* Lea-style best fit: the smallest block that fits, searched in the
	 * request's own class (a size-keyed trie above the exact classes),
	 * then the smallest block of the next larger non-empty class. */
	BT_FIT_BEST,
};

/* The class map. Block sizes below 1 << small_log2 each have an exact class
 * (16-byte spacing, row 0 of the index); above it, each power of two is cut
 * into 1 << sl_log2 equal classes (rows 1..). Needs small_log2 <= 9 (row 0
 * fits a 32-bit bitmap), sl_log2 <= 5 and sl_log2 <= small_log2;
 * BT_FIT_BEST also needs small_log2 >= 6 (a trie node takes 64 bytes). */
struct bt_shape {
	unsigned small_log2;
	unsigned sl_log2;
	enum bt_fit fit;
};

/* Returns an instance (which lives at the start of its own heap), or NULL
 * with a message in err. */
void *bt_heap_create(size_t step, const struct bt_shape *shape, char *err, size_t err_len);

/* The allocator_ops entries, shared as they are by both strategies. */
void bt_heap_destroy(void *self);
void *bt_heap_malloc(void *self, size_t size);
void bt_heap_free(void *self, void *ptr);
void *bt_heap_realloc(void *self, void *ptr, size_t size);
void *bt_heap_calloc(void *self, size_t nmemb, size_t size);
void *bt_heap_aligned_alloc(void *self, size_t alignment, size_t size);
size_t bt_heap_usable_size(void *self, void *ptr);
void bt_heap_stats(void *self, struct allocator_heap_stats *out);
int bt_heap_check(void *self, char *err, size_t err_len);
void bt_heap_range(void *self, uintptr_t *lo, uintptr_t *hi);

/* The ops table entries segregated and tlsf share (each sets name,
 * description, params and create itself). */
#define BT_HEAP_CALLS                             \
	.destroy = bt_heap_destroy,               \
	.malloc = bt_heap_malloc,                 \
	.free = bt_heap_free,                     \
	.realloc = bt_heap_realloc,               \
	.calloc = bt_heap_calloc,                 \
	.aligned_alloc = bt_heap_aligned_alloc,   \
	.usable_size = bt_heap_usable_size,       \
	.heap_stats = bt_heap_stats,              \
	.check = bt_heap_check,                   \
	.heap_range = bt_heap_range

#endif
