/* fit_tree.c - the size index of best fit: a treap ordered by (block size,
 * tie key), so the smallest block that fits, ties broken by the order, is
 * one O(log n) expected descent. Nodes sit in a dense pool of their own
 * (fit_heap.meta), with random priorities. */
#include <stdio.h>

#include "fit_heap.h"

#define NODE_BYTES sizeof(struct fit_node)

static struct fit_node *node(const struct fit_heap *h, uint32_t i)
{
	return fit_node_at(h, i);
}

int fit_tree_reserve(struct fit_heap *h, uint32_t spare)
{
	size_t capacity = h->meta.extent / NODE_BYTES;
	if (capacity - h->node_used >= spare)
		return 0;
	return os_heap_grow(&h->meta, spare * NODE_BYTES) ? 0 : -1;
}

static uint32_t pool_take(struct fit_heap *h)
{
	uint32_t i = h->node_free;
	if (i)
		h->node_free = node(h, i)->left;
	else
		i = h->node_used++;
	return i;
}

static void pool_give(struct fit_heap *h, uint32_t i)
{
	node(h, i)->left = h->node_free;
	h->node_free = i;
}

/* splitmix64: priorities need only be independent of the keys. */
static uint32_t tree_random(struct fit_heap *h)
{
	uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static int key_less(const struct fit_node *a, const struct fit_node *b)
{
	return a->units < b->units || (a->units == b->units && a->tie < b->tie);
}

/* Joins two treaps whose keys are all ordered a < b. */
static uint32_t tree_merge(struct fit_heap *h, uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a ? a : b;
	if (node(h, a)->prio > node(h, b)->prio) {
		node(h, a)->right = tree_merge(h, node(h, a)->right, b);
		return a;
	}
	node(h, b)->left = tree_merge(h, a, node(h, b)->left);
	return b;
}

/* Splits t into the keys below key (*lo) and the others (*hi). */
static void tree_split(struct fit_heap *h, uint32_t t, const struct fit_node *key,
		       uint32_t *lo, uint32_t *hi)
{
	if (!t) {
		*lo = *hi = 0;
		return;
	}
	struct fit_node *n = node(h, t);
	if (key_less(n, key)) {
		tree_split(h, n->right, key, &n->right, hi);
		*lo = t;
	} else {
		tree_split(h, n->left, key, lo, &n->left);
		*hi = t;
	}
}

static uint32_t tree_insert_node(struct fit_heap *h, uint32_t t, uint32_t i)
{
	struct fit_node *n = node(h, i);
	if (!t || n->prio > node(h, t)->prio) {
		tree_split(h, t, n, &n->left, &n->right);
		return i;
	}
	struct fit_node *tn = node(h, t);
	if (key_less(n, tn))
		tn->left = tree_insert_node(h, tn->left, i);
	else
		tn->right = tree_insert_node(h, tn->right, i);
	return t;
}

uint32_t fit_tree_insert(struct fit_heap *h, uint32_t t, const struct fit_node *key)
{
	uint32_t i = pool_take(h);
	*node(h, i) = (struct fit_node){
		.prio = tree_random(h),
		.units = key->units,
		.addr = key->addr,
		.tie = key->tie,
	};
	return tree_insert_node(h, t, i);
}

uint32_t fit_tree_remove(struct fit_heap *h, uint32_t t, const struct fit_node *key)
{
	struct fit_node *n = node(h, t);
	if (!t)
		return 0; /* not there: check() reports the count mismatch */
	if (n->units == key->units && n->tie == key->tie) {
		uint32_t r = tree_merge(h, n->left, n->right);
		pool_give(h, t);
		return r;
	}
	if (key_less(key, n))
		n->left = fit_tree_remove(h, n->left, key);
	else
		n->right = fit_tree_remove(h, n->right, key);
	return t;
}

uint32_t fit_tree_lower_bound(const struct fit_heap *h, uint32_t t, uint32_t units, uint64_t tie)
{
	uint32_t best = 0;
	while (t) {
		const struct fit_node *n = node(h, t);
		if (n->units > units || (n->units == units && n->tie >= tie)) {
			best = t;
			t = n->left;
		} else {
			t = n->right;
		}
	}
	return best;
}

/* A node must describe a free block of its size, and its tie key be the
 * block's address or the key stored in its payload. */
static int tree_check_block(const struct fit_heap *h, const struct fit_node *n,
			    char *err, size_t err_len)
{
	struct fit_block *b = (struct fit_block *)(uintptr_t)n->addr;
	uintptr_t lo = (uintptr_t)h->first, hi = (uintptr_t)os_heap_end(&h->os);
	if (n->addr < lo || n->addr >= hi || !(b->head & FIT_FREE) ||
	    fit_block_size(b) != (size_t)n->units * 16) {
		snprintf(err, err_len, "index node for %p (%u units) is not a free block of that size",
			 (void *)b, n->units);
		return -1;
	}
	uint64_t tie = h->order == FIT_ORDER_ADDRESS ? n->addr
						     : *(uint64_t *)fit_block_payload(b);
	if (n->tie != tie) {
		snprintf(err, err_len, "tie key of block %p is %llu, not %llu", (void *)b,
			 (unsigned long long)n->tie, (unsigned long long)tie);
		return -1;
	}
	return 0;
}

/* Checks t's subtree lies strictly between lo and hi (NULL: unbounded). */
static int tree_check_node(const struct fit_heap *h, uint32_t t, const struct fit_node *lo,
			   const struct fit_node *hi, size_t *count, char *err, size_t err_len)
{
	if (!t)
		return 0;
	const struct fit_node *n = node(h, t);
	if (t >= h->node_used || ++*count > h->free_blocks) {
		snprintf(err, err_len, "index holds a stray node or more nodes than free blocks");
		return -1;
	}
	if (tree_check_block(h, n, err, err_len))
		return -1;
	if ((lo && !key_less(lo, n)) || (hi && !key_less(n, hi))) {
		snprintf(err, err_len, "index out of order at block %#llx",
			 (unsigned long long)n->addr);
		return -1;
	}
	if (node(h, n->left)->prio > n->prio || node(h, n->right)->prio > n->prio) {
		snprintf(err, err_len, "treap priority violated below block %#llx",
			 (unsigned long long)n->addr);
		return -1;
	}
	return tree_check_node(h, n->left, lo, n, count, err, err_len) ||
	       tree_check_node(h, n->right, n, hi, count, err, err_len) ? -1 : 0;
}

int fit_tree_check(const struct fit_heap *h, uint32_t t, size_t *count, char *err, size_t err_len)
{
	const struct fit_node *nil = node(h, 0);
	if (nil->units || nil->tie || nil->prio || nil->left || nil->right) {
		snprintf(err, err_len, "node pool's empty node was written");
		return -1;
	}
	return tree_check_node(h, t, NULL, NULL, count, err, err_len);
}
