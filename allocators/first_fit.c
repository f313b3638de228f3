/* first_fit.c - first fit: the first free block that fits, in the order
 * `order=address` (lowest address; default), `lifo` (most recently freed
 * first) or `fifo` (least recently freed first); splitting (a remainder is
 * kept only when it is at least the 32-byte minimum block) and immediate
 * coalescing with both neighbours, in the boundary-tag heap of fit_heap.c.
 *
 * Mechanism: address order searches a B+tree keyed by address whose entries
 * carry the largest free size below them (fit_btree.c), descending to the
 * leftmost block that fits: malloc and free are O(log n) in the number of
 * free blocks. lifo/fifo are a doubly linked list walked from its head, by
 * definition: malloc O(n) (the walk), free O(1).
 * Overhead: 8 bytes of header per allocated block, sizes rounded to 16
 * (minimum 32); address order adds about 25 bytes of b-tree per free block,
 * in a node pool counted in the footprint. */
#include "fit_heap.h"

static const struct allocator_param first_fit_params[] = {
	[FIT_PARAM_ORDER] = {"order", "address",
			     "search order: address, lifo (most recently freed first) or fifo"},
	[FIT_PARAM_STEP] = {"step", "4096", "heap growth in bytes, a multiple of the page size"},
	{0},
};

static void *first_fit_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	return fit_create(FIT_FIRST, cfg, err, err_len);
}

const struct allocator_ops first_fit_ops = {
	.name = "first-fit",
	.description = "first fit, address/lifo/fifo order, splitting and immediate coalescing",
	.params = first_fit_params,
	.create = first_fit_create,
	FIT_HEAP_CALLS,
};
