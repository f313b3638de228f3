/* fit_btree.c - the address index of first fit and next fit: a B+tree keyed
 * by block address whose internal entries carry the largest free size below
 * them, so "the lowest-addressed free block of at least n bytes" is one
 * descent. Nodes are 256 bytes in the pool of fit_heap.meta; with 4 to 14
 * entries a node (about 10 in practice), a million free blocks are 6
 * levels, the top ones cached. O(log n) per insert, remove or search. */
#include <stdio.h>

#include "fit_heap.h"

#define BT_MAX 14              /* entries a node holds between operations */
#define BT_MIN 4               /* below this a node merges with a sibling */
#define BT_SLOTS (BT_MAX + 1)  /* one more while it overflows, before a split */
#define BT_DEPTH 24            /* deeper than any tree of 2^32 entries */

/* A node. Leaves: key[i] is a free block's address, val[i] its units (size
 * / 16), ascending by key. Internal: val[i] is a child's node index, key[i]
 * the smallest address below that child and max[i] the largest units below
 * it. Every node but the root holds at least one entry, and a node under
 * BT_MIN has no sibling it could merge with; leaves are all at the same
 * depth (fit_heap.height levels; 0 for an empty tree). */
struct bt_node {
	uint32_t count, leaf;
	uint64_t key[BT_SLOTS];
	uint32_t val[BT_SLOTS];
	uint32_t max[BT_SLOTS];
	uint64_t pad;
};

_Static_assert(sizeof(struct bt_node) == 256, "a node is four cache lines");

/* A position on the way down: a node and the entry taken in it. */
struct bt_step {
	uint32_t node;
	uint32_t slot;
};

static struct bt_node *bt_node(const struct fit_heap *h, uint32_t i)
{
	return (struct bt_node *)h->meta.base + i;
}

int fit_btree_reserve(struct fit_heap *h, uint32_t inserts)
{
	size_t spare = (size_t)inserts * (h->height + 2);
	if (h->meta.extent / sizeof(struct bt_node) - h->node_used >= spare)
		return 0;
	return os_heap_grow(&h->meta, spare * sizeof(struct bt_node)) ? 0 : -1;
}

static uint32_t bt_take(struct fit_heap *h, int leaf)
{
	uint32_t i = h->node_free;
	if (i)
		h->node_free = bt_node(h, i)->val[0];
	else
		i = h->node_used++;
	*bt_node(h, i) = (struct bt_node){.leaf = (uint32_t)leaf};
	return i;
}

static void bt_give(struct fit_heap *h, uint32_t i)
{
	bt_node(h, i)->val[0] = h->node_free;
	h->node_free = i;
}

static uint32_t bt_node_max(const struct bt_node *n)
{
	const uint32_t *v = n->leaf ? n->val : n->max;
	uint32_t m = 0;
	for (uint32_t i = 0; i < n->count; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* The entry of internal node n whose subtree holds key: the last one whose
 * smallest key is <= key (the first one when key is below them all). */
static uint32_t bt_route(const struct bt_node *n, uint64_t key)
{
	uint32_t i = 0;
	while (i + 1 < n->count && n->key[i + 1] <= key)
		i++;
	return i;
}

/* Walks from the root to the leaf that holds (or would hold) key. */
static void bt_descend(const struct fit_heap *h, uint64_t key, struct bt_step *path)
{
	uint32_t t = h->root;
	for (uint32_t d = 0; d + 1 < h->height; d++) {
		path[d].node = t;
		path[d].slot = bt_route(bt_node(h, t), key);
		t = bt_node(h, t)->val[path[d].slot];
	}
	path[h->height - 1].node = t;
}

static void bt_insert_at(struct bt_node *n, uint32_t pos, uint64_t key, uint32_t val, uint32_t max)
{
	for (uint32_t i = n->count; i > pos; i--) {
		n->key[i] = n->key[i - 1];
		n->val[i] = n->val[i - 1];
		n->max[i] = n->max[i - 1];
	}
	n->key[pos] = key;
	n->val[pos] = val;
	n->max[pos] = max;
	n->count++;
}

static void bt_remove_at(struct bt_node *n, uint32_t pos)
{
	n->count--;
	for (uint32_t i = pos; i < n->count; i++) {
		n->key[i] = n->key[i + 1];
		n->val[i] = n->val[i + 1];
		n->max[i] = n->max[i + 1];
	}
}

/* Moves the upper half of an overflowing node into a new right sibling. */
static uint32_t bt_split(struct fit_heap *h, uint32_t i)
{
	struct bt_node *n = bt_node(h, i);
	uint32_t r = bt_take(h, (int)n->leaf);
	struct bt_node *rn = bt_node(h, r);
	uint32_t keep = n->count / 2;
	for (uint32_t k = keep; k < n->count; k++)
		bt_insert_at(rn, rn->count, n->key[k], n->val[k], n->max[k]);
	n->count = keep;
	return r;
}

/* After the node at path[d] changed: refreshes the entries above it,
 * splitting nodes that overflow (a root split adds a level). */
static void bt_fix_up(struct fit_heap *h, struct bt_step *path, uint32_t d)
{
	uint32_t child = path[d].node, split = 0;
	if (bt_node(h, child)->count > BT_MAX)
		split = bt_split(h, child);
	while (d-- > 0) {
		struct bt_node *p = bt_node(h, path[d].node), *c = bt_node(h, child);
		uint32_t s = path[d].slot;
		p->key[s] = c->key[0];
		p->max[s] = bt_node_max(c);
		if (split) {
			struct bt_node *sn = bt_node(h, split);
			bt_insert_at(p, s + 1, sn->key[0], split, bt_node_max(sn));
			split = p->count > BT_MAX ? bt_split(h, path[d].node) : 0;
		}
		child = path[d].node;
	}
	if (split) {
		uint32_t root = bt_take(h, 0);
		struct bt_node *rn = bt_node(h, root), *a = bt_node(h, child), *b = bt_node(h, split);
		bt_insert_at(rn, 0, a->key[0], child, bt_node_max(a));
		bt_insert_at(rn, 1, b->key[0], split, bt_node_max(b));
		h->root = root;
		h->height++;
	}
}

void fit_btree_insert(struct fit_heap *h, uint64_t addr, uint32_t units)
{
	struct bt_step path[BT_DEPTH];
	if (!h->root) {
		h->root = bt_take(h, 1);
		h->height = 1;
	}
	bt_descend(h, addr, path);
	struct bt_node *leaf = bt_node(h, path[h->height - 1].node);
	uint32_t pos = 0;
	while (pos < leaf->count && leaf->key[pos] < addr)
		pos++;
	bt_insert_at(leaf, pos, addr, units, 0);
	bt_fix_up(h, path, h->height - 1);
}

static uint32_t bt_leaf_slot(const struct bt_node *leaf, uint64_t addr)
{
	uint32_t pos = 0;
	while (pos < leaf->count && leaf->key[pos] != addr)
		pos++;
	return pos;
}

/* Merges the children at slots s and s + 1 of p when they fit in one node;
 * returns 0 when merged. */
static int bt_merge(struct fit_heap *h, struct bt_node *p, uint32_t s)
{
	struct bt_node *l = bt_node(h, p->val[s]), *r = bt_node(h, p->val[s + 1]);
	if (l->count + r->count > BT_MAX)
		return -1;
	for (uint32_t k = 0; k < r->count; k++)
		bt_insert_at(l, l->count, r->key[k], r->val[k], r->max[k]);
	bt_give(h, p->val[s + 1]);
	bt_remove_at(p, s + 1);
	p->key[s] = l->key[0];
	p->max[s] = bt_node_max(l);
	return 0;
}

/* After an entry left the node at path[d]: merges underfull nodes into a
 * sibling bottom-up (so nodes stay at least BT_MIN full, or their pair
 * would not fit in one), refreshes the entries above, and drops levels the
 * root no longer needs. */
static void bt_shrink(struct fit_heap *h, struct bt_step *path, uint32_t d)
{
	for (; d > 0 && bt_node(h, path[d].node)->count < BT_MIN; d--) {
		struct bt_node *p = bt_node(h, path[d - 1].node);
		uint32_t s = path[d - 1].slot;
		if (p->count == 1) {
			if (bt_node(h, path[d].node)->count)
				break;
			bt_give(h, path[d].node);
			bt_remove_at(p, 0);
			continue;
		}
		if (s + 1 == p->count)
			s--;
		if (bt_merge(h, p, s))
			break;
		path[d - 1].slot = s;
	}
	if (bt_node(h, path[d].node)->count) {
		bt_fix_up(h, path, d);
	} else if (d == 0) {
		bt_give(h, h->root);
		h->root = 0;
		h->height = 0;
	}
	while (h->height > 1 && bt_node(h, h->root)->count == 1) {
		uint32_t old = h->root;
		h->root = bt_node(h, old)->val[0];
		bt_give(h, old);
		h->height--;
	}
}

void fit_btree_remove(struct fit_heap *h, uint64_t addr)
{
	struct bt_step path[BT_DEPTH];
	if (!h->root)
		return;
	bt_descend(h, addr, path);
	uint32_t d = h->height - 1;
	struct bt_node *leaf = bt_node(h, path[d].node);
	uint32_t pos = bt_leaf_slot(leaf, addr);
	if (pos == leaf->count)
		return; /* not there: check() reports the count mismatch */
	bt_remove_at(leaf, pos);
	bt_shrink(h, path, d);
}

void fit_btree_set(struct fit_heap *h, uint64_t key_addr, uint64_t addr, uint32_t units)
{
	struct bt_step path[BT_DEPTH];
	bt_descend(h, key_addr, path);
	uint32_t d = h->height - 1;
	struct bt_node *leaf = bt_node(h, path[d].node);
	uint32_t pos = bt_leaf_slot(leaf, key_addr);
	if (pos == leaf->count)
		return;
	leaf->key[pos] = addr;
	leaf->val[pos] = units;
	bt_fix_up(h, path, d);
}

static uint64_t bt_first(const struct fit_heap *h, uint32_t t, uint32_t need, uint64_t from)
{
	const struct bt_node *n = bt_node(h, t);
	if (n->leaf) {
		for (uint32_t i = 0; i < n->count; i++)
			if (n->key[i] >= from && n->val[i] >= need)
				return n->key[i];
		return 0;
	}
	for (uint32_t i = bt_route(n, from); i < n->count; i++)
		if (n->max[i] >= need) {
			uint64_t r = bt_first(h, n->val[i], need, from);
			if (r)
				return r;
		}
	return 0;
}

uint64_t fit_btree_first(const struct fit_heap *h, uint32_t need, uint64_t from)
{
	return h->root ? bt_first(h, h->root, need, from) : 0;
}

/* Checks the subtree at t (depth d) holds keys in [lo, hi) in order, that
 * its leaves are free blocks of their sizes, and counts them into *count. */
static int bt_check_node(const struct fit_heap *h, uint32_t t, uint32_t d, uint64_t lo,
			 uint64_t hi, size_t *count, char *err, size_t err_len)
{
	const struct bt_node *n = bt_node(h, t);
	if (t == 0 || t >= h->node_used || n->count == 0 || n->count > BT_MAX ||
	    !n->leaf != (d + 1 < h->height)) {
		snprintf(err, err_len, "b-tree node %u is malformed", t);
		return -1;
	}
	for (uint32_t i = 0; i < n->count; i++) {
		uint64_t next = i + 1 < n->count ? n->key[i + 1] : hi;
		if (n->key[i] < lo || n->key[i] >= next) {
			snprintf(err, err_len, "b-tree node %u out of order", t);
			return -1;
		}
		if (n->leaf) {
			struct fit_block *b = (struct fit_block *)(uintptr_t)n->key[i];
			if (!(b->head & FIT_FREE) || fit_block_size(b) != (size_t)n->val[i] * 16) {
				snprintf(err, err_len, "index entry %p (%u units) is not a free block of that size",
					 (void *)b, n->val[i]);
				return -1;
			}
			if (++*count > h->free_blocks) {
				snprintf(err, err_len, "index holds more entries than free blocks");
				return -1;
			}
			continue;
		}
		const struct bt_node *c = bt_node(h, n->val[i]);
		if (bt_check_node(h, n->val[i], d + 1, n->key[i], next, count, err, err_len))
			return -1;
		if (c->key[0] != n->key[i] || bt_node_max(c) != n->max[i]) {
			snprintf(err, err_len, "b-tree node %u: entry %u disagrees with its child", t, i);
			return -1;
		}
	}
	return 0;
}

int fit_btree_check(const struct fit_heap *h, size_t *count, char *err, size_t err_len)
{
	if (!h->root)
		return h->height ? (snprintf(err, err_len, "empty b-tree has height"), -1) : 0;
	return bt_check_node(h, h->root, 0, 0, UINT64_MAX, count, err, err_len);
}
