/* block_set.c - an address-ordered treap of live blocks; expected O(log n)
 * per insert and remove. */
#include "block_set.h"

#include <stddef.h>
#include <sys/mman.h>

static uint32_t slot_priority(uint32_t slot)
{
	uint32_t x = slot * 2654435761u + 0x9e3779b9u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	return x ^ (x >> 13);
}

int block_set_init(struct block_set *s, uint32_t n_slots)
{
	uint64_t n = n_slots ? n_slots : 1;
	s->map_len = n * (2 * sizeof(uintptr_t) + 3 * sizeof(uint32_t));
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->map == MAP_FAILED)
		return -1;
	s->start = s->map;
	s->end = s->start + n;
	s->left = (uint32_t *)(s->end + n);
	s->right = s->left + n;
	s->priority = s->right + n;
	s->root = BLOCK_NONE;
	s->n_slots = n_slots;
	return 0;
}

void block_set_release(struct block_set *s)
{
	if (s->map && s->map != MAP_FAILED)
		munmap(s->map, s->map_len);
	s->map = NULL;
}

/* The classic treap operations, by rotation: one descent per insert or
 * remove. (Split/merge made three descents and dominated the memory pass.) */
static uint32_t rotate_right(struct block_set *s, uint32_t t)
{
	uint32_t l = s->left[t];
	s->left[t] = s->right[l];
	s->right[l] = t;
	return l;
}

static uint32_t rotate_left(struct block_set *s, uint32_t t)
{
	uint32_t r = s->right[t];
	s->right[t] = s->left[r];
	s->left[r] = t;
	return r;
}

/* Inserts slot under t; returns the new subtree root. */
static uint32_t insert_at(struct block_set *s, uint32_t t, uint32_t slot)
{
	if (t == BLOCK_NONE)
		return slot;
	if (s->start[slot] < s->start[t]) {
		s->left[t] = insert_at(s, s->left[t], slot);
		if (s->priority[s->left[t]] > s->priority[t])
			t = rotate_right(s, t);
	} else {
		s->right[t] = insert_at(s, s->right[t], slot);
		if (s->priority[s->right[t]] > s->priority[t])
			t = rotate_left(s, t);
	}
	return t;
}

/* Removes slot (known to be present) from under t; returns the new root. */
static uint32_t remove_at(struct block_set *s, uint32_t t, uint32_t slot)
{
	if (t != slot) {
		if (s->start[slot] < s->start[t])
			s->left[t] = remove_at(s, s->left[t], slot);
		else
			s->right[t] = remove_at(s, s->right[t], slot);
		return t;
	}
	if (s->left[t] == BLOCK_NONE)
		return s->right[t];
	if (s->right[t] == BLOCK_NONE)
		return s->left[t];
	if (s->priority[s->left[t]] > s->priority[s->right[t]]) {
		t = rotate_right(s, t);
		s->right[t] = remove_at(s, s->right[t], slot);
	} else {
		t = rotate_left(s, t);
		s->left[t] = remove_at(s, s->left[t], slot);
	}
	return t;
}

int block_set_insert(struct block_set *s, uint32_t slot, uintptr_t start,
		     uint64_t len, uint32_t *other)
{
	uintptr_t end = start + (len ? len : 1);
	/* The descent to the insertion point passes the block's neighbours in
	 * address order: the last node it went right of and the last it went
	 * left of. */
	uint32_t below = BLOCK_NONE, above = BLOCK_NONE;
	for (uint32_t t = s->root; t != BLOCK_NONE;) {
		if (start < s->start[t]) {
			above = t;
			t = s->left[t];
		} else {
			below = t;
			t = s->right[t];
		}
	}
	if (below != BLOCK_NONE && s->end[below] > start) {
		*other = below;
		return -1;
	}
	if (above != BLOCK_NONE && s->start[above] < end) {
		*other = above;
		return -1;
	}
	s->start[slot] = start;
	s->end[slot] = end;
	s->left[slot] = s->right[slot] = BLOCK_NONE;
	s->priority[slot] = slot_priority(slot);
	s->root = insert_at(s, s->root, slot);
	return 0;
}

void block_set_remove(struct block_set *s, uint32_t slot)
{
	s->root = remove_at(s, s->root, slot);
}
