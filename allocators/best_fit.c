/* best_fit.c - best fit: the smallest free block that fits. Ties between
 * blocks of equal size go, by `order=`, to the lowest address (default),
 * the most recently freed (lifo) or the least recently freed (fifo), where a
 * block made by coalescing counts as freed when the merge happened and a
 * split remainder keeps its block's standing (fit_heap.h gives the rule for
 * aligned splits and heap growth). Splitting (32-byte minimum
 * block) and immediate coalescing in the boundary-tag heap of fit_heap.c.
 *
 * Mechanism: one treap ordered by (size, tie key), the key being the address
 * or a free sequence number (fit_tree.c); the search is a lower bound on
 * (request, 0). malloc and free are O(log n) expected in the number of free
 * blocks, in every order. Overhead: 8 bytes of header per allocated block,
 * sizes rounded to 16; a 32-byte treap node per free block, in a node pool
 * counted in the footprint. */
#include "fit_heap.h"

static const struct allocator_param best_fit_params[] = {
	[FIT_PARAM_ORDER] = {"order", "address",
			     "ties among equal sizes: address, lifo (most recently freed) or fifo"},
	[FIT_PARAM_STEP] = {"step", "4096", "heap growth in bytes, a multiple of the page size"},
	{0},
};

static void *best_fit_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	return fit_create(FIT_BEST, cfg, err, err_len);
}

const struct allocator_ops best_fit_ops = {
	.name = "best-fit",
	.description = "smallest block that fits, ties by address/lifo/fifo, coalescing",
	.params = best_fit_params,
	.create = best_fit_create,
	FIT_HEAP_CALLS,
};
