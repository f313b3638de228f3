/* segregated.c - `segregated`: Lea-style segregated fits (dlmalloc's bins).
 * Policy: best fit — the smallest free block that holds the request (ties
 * in no particular order), split, the tail freed; free blocks coalesce
 * immediately with both neighbours (boundary tags). Size classes: exact
 * classes 16 bytes apart below `small=` (default 512), then logarithmic
 * classes, each power of two cut into `sub=` (default 4). The request's own
 * class is searched first, then the next larger non-empty class.
 * Mechanism (allocators/bt_heap.c): an exact class is a LIFO list (any
 * block fits); a logarithmic class is a bitwise trie keyed by size, with
 * equal sizes on a ring (Lea's tree bins); a two-level bitmap finds the
 * next non-empty class. Per-block overhead: 8 bytes; blocks are 32..n bytes
 * in steps of 16. Cost: exact classes O(1); otherwise malloc and free walk
 * one trie, O(log2 of the class width / 16) steps, at most ~30. */
#include <stdio.h>

#include "bt_heap.h"
#include "param.h"

static const struct allocator_param segregated_params[] = {
	{"step", "4096", "heap growth step in bytes (a multiple of the page size)"},
	{"small", "512", "exact 16-byte classes below this size: a power of two, 64..512"},
	{"sub", "4", "classes per power of two above small: 1, 2, 4, 8, 16 or 32"},
	{NULL, NULL, NULL},
};

static void *segregated_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	size_t step;
	struct bt_shape shape = {.fit = BT_FIT_BEST};
	if (os_heap_parse_step(cfg->values[0], &step, err, err_len) != 0 ||
	    param_parse_pow2("small", cfg->values[1], 64, 512, &shape.small_log2,
				  err, err_len) != 0 ||
	    param_parse_pow2("sub", cfg->values[2], 1, 32, &shape.sl_log2,
				  err, err_len) != 0)
		return NULL;
	return bt_heap_create(step, &shape, err, err_len);
}

const struct allocator_ops segregated_ops = {
	.name = "segregated",
	.description = "segregated fits (Lea-style): best fit over exact and log size classes, coalescing",
	.params = segregated_params,
	.create = segregated_create,
	BT_HEAP_CALLS,
};
