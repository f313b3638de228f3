/* block_set.c - an address-ordered treap of live blocks (split/merge form);
 * expected O(log n) per insert and remove. */
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

/* Splits t into blocks starting below key (*lo) and at or above it (*hi). */
static void split(struct block_set *s, uint32_t t, uintptr_t key, uint32_t *lo, uint32_t *hi)
{
	if (t == BLOCK_NONE) {
		*lo = *hi = BLOCK_NONE;
	} else if (s->start[t] < key) {
		split(s, s->right[t], key, &s->right[t], hi);
		*lo = t;
	} else {
		split(s, s->left[t], key, lo, &s->left[t]);
		*hi = t;
	}
}

/* Joins two treaps where every start in a is below every start in b. */
static uint32_t merge(struct block_set *s, uint32_t a, uint32_t b)
{
	if (a == BLOCK_NONE)
		return b;
	if (b == BLOCK_NONE)
		return a;
	if (s->priority[a] > s->priority[b]) {
		s->right[a] = merge(s, s->right[a], b);
		return a;
	}
	s->left[b] = merge(s, a, s->left[b]);
	return b;
}

static uint32_t extreme(uint32_t t, const uint32_t *child)
{
	if (t == BLOCK_NONE)
		return t;
	while (child[t] != BLOCK_NONE)
		t = child[t];
	return t;
}

int block_set_insert(struct block_set *s, uint32_t slot, uintptr_t start,
		     uint64_t len, uint32_t *other)
{
	uint32_t lo, hi;
	uintptr_t end = start + (len ? len : 1);
	split(s, s->root, start, &lo, &hi);
	uint32_t below = extreme(lo, s->right), above = extreme(hi, s->left);
	uint32_t clash = BLOCK_NONE;
	if (below != BLOCK_NONE && s->end[below] > start)
		clash = below;
	else if (above != BLOCK_NONE && s->start[above] < end)
		clash = above;
	if (clash != BLOCK_NONE) {
		s->root = merge(s, lo, hi);
		*other = clash;
		return -1;
	}
	s->start[slot] = start;
	s->end[slot] = end;
	s->left[slot] = s->right[slot] = BLOCK_NONE;
	s->priority[slot] = slot_priority(slot);
	s->root = merge(s, merge(s, lo, slot), hi);
	return 0;
}

void block_set_remove(struct block_set *s, uint32_t slot)
{
	uint32_t lo, mid, hi;
	split(s, s->root, s->start[slot], &lo, &mid);
	split(s, mid, s->start[slot] + 1, &mid, &hi);
	s->root = merge(s, lo, hi);
}
