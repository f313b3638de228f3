/* block_set.h - the live blocks of a replay ordered by address, to catch a
 * strategy handing out memory that overlaps a live block. A treap over arrays
 * indexed by slot: the process's malloc is the allocator under test for the
 * baselines, so the checker must not use it (tsearch would). */
#ifndef ALLOCSCOPE_BLOCK_SET_H
#define ALLOCSCOPE_BLOCK_SET_H

#include <stdint.h>

struct block_set {
	uintptr_t *start, *end;   /* [start, end) of each slot's block */
	uint32_t *left, *right;   /* children, BLOCK_NONE when absent */
	uint32_t *priority;
	uint32_t root;
	uint32_t n_slots;
	void *map;
	uint64_t map_len;
};

#define BLOCK_NONE UINT32_MAX

int block_set_init(struct block_set *s, uint32_t n_slots);
void block_set_release(struct block_set *s);

/* Adds slot's block [start, start + len) (len 0 counts as 1). Returns 0, or
 * -1 when it overlaps a live block, whose slot is stored in *other. */
int block_set_insert(struct block_set *s, uint32_t slot, uintptr_t start,
		     uint64_t len, uint32_t *other);
void block_set_remove(struct block_set *s, uint32_t slot);

#endif
