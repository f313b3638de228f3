/* tlsf.c - `tlsf`: two-level segregated fit (Masmano et al., ECRTS 2004).
 * Policy: good fit — the request is rounded up to the next second-level list
 * boundary, and the head of the first non-empty list at or above it is
 * taken, so the first block found always fits; the block is split and the
 * tail freed; free blocks coalesce immediately with both neighbours.
 * Mechanism (allocators/bt_heap.c): first level = floor(log2(size)), second
 * level = `sl=` equal subdivisions of that power of two (exact 16-byte
 * classes below 16 * sl); one bitmap of non-empty rows and one per row, so
 * the search is two find-first-set operations; boundary tags with a
 * previous-free bit. Per-block overhead: 8 bytes (size word; the previous
 * block's address lives in the free predecessor's last word); blocks are
 * 32..n bytes in steps of 16. Cost: malloc and free O(1). */
#include <stdio.h>

#include "bt_heap.h"
#include "param.h"

static const struct allocator_param tlsf_params[] = {
	{"step", "4096", "heap growth step in bytes (a multiple of the page size)"},
	{"sl", "32", "second-level subdivisions per power of two: 1, 2, 4, 8, 16 or 32"},
	{NULL, NULL, NULL},
};

static void *tlsf_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	size_t step;
	if (os_heap_parse_step(cfg->values[0], &step, err, err_len) != 0)
		return NULL;
	unsigned sl_log2;
	if (param_parse_pow2("sl", cfg->values[1], 1, 32, &sl_log2, err, err_len))
		return NULL;
	struct bt_shape shape = {
		/* Exact 16-byte classes exactly where the subdivisions of a power
		 * of two would be finer than 16 bytes. */
		.small_log2 = sl_log2 + 4 < 5 ? 5 : sl_log2 + 4,
		.sl_log2 = sl_log2,
		.fit = BT_FIT_GOOD,
	};
	return bt_heap_create(step, &shape, err, err_len);
}

const struct allocator_ops tlsf_ops = {
	.name = "tlsf",
	.description = "two-level segregated fit: O(1) good fit, bitmaps, boundary tags",
	.params = tlsf_params,
	.create = tlsf_create,
	BT_HEAP_CALLS,
};
