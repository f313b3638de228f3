/* next_fit.c - next fit (Knuth's roving pointer): first fit whose search
 * starts where the last one ended and wraps around once; orders address
 * (default), lifo and fifo as in first fit; splitting and immediate
 * coalescing in the boundary-tag heap of fit_heap.c.
 *
 * The rover is a pointer into the free list: after an allocation it stands
 * on the first free block after the block used (its remainder when split),
 * also when the search failed and the heap grew; a block freed behind it is
 * found only after the wrap-around; when the block it stands on is taken by
 * an in-place realloc it moves on to that block's successor.
 *
 * Mechanism: in address order the rover is the address of its free block
 * and the search is the first-fit B+tree descent restricted to blocks at or
 * above it (then below it): the placement of a walk along an address-ordered
 * list, at O(log n) for malloc and free. lifo/fifo keep a doubly linked
 * list, walked from the rover by definition: malloc O(n), free O(1). When
 * merging swallows the block the rover stands on, the address-order rover
 * moves to the merged block (the same place in address order); a list rover
 * moves on to that block's successor in the list, as a pointer into a list
 * does when its node is unlinked (the merged block goes to the head or tail
 * by order).
 * Overhead: 8 bytes of header per allocated block, sizes rounded to 16
 * (minimum 32); address order adds about 25 bytes of b-tree per free block,
 * in a node pool counted in the footprint. */
#include "fit_heap.h"

static const struct allocator_param next_fit_params[] = {
	[FIT_PARAM_ORDER] = {"order", "address",
			     "search order: address, lifo (most recently freed first) or fifo"},
	[FIT_PARAM_STEP] = {"step", "4096", "heap growth in bytes, a multiple of the page size"},
	{0},
};

static void *next_fit_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	return fit_create(FIT_NEXT, cfg, err, err_len);
}

const struct allocator_ops next_fit_ops = {
	.name = "next-fit",
	.description = "roving-pointer first fit, address/lifo/fifo order, coalescing",
	.params = next_fit_params,
	.create = next_fit_create,
	FIT_HEAP_CALLS,
};
