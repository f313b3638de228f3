/* fit_index.c - the free index of the fit strategies: which structure holds
 * the free blocks for a (policy, order), and the search each policy makes in
 * it. Treaps are in fit_tree.c; the lifo/fifo list is here: those orders
 * (and next fit over them) are list walks by definition. */
#include <stdio.h>

#include "fit_heap.h"

static struct fit_link *index_link(struct fit_block *b)
{
	return fit_block_payload(b);
}

static struct fit_block *link_block(struct fit_link *l)
{
	return fit_payload_block(l);
}

/* Where the size treap's tie key of a lifo/fifo block is kept. */
static uint64_t *index_tie_slot(struct fit_block *b)
{
	return fit_block_payload(b);
}

static uint64_t index_tie(const struct fit_heap *h, struct fit_block *b)
{
	return h->order == FIT_ORDER_ADDRESS ? (uintptr_t)b : *index_tie_slot(b);
}

/* The size treap's tie key for a block freed now: lowest address first,
 * or the most (lifo) or least (fifo) recently freed first. */
static uint64_t index_fresh_tie(struct fit_heap *h, const struct fit_block *b)
{
	switch (h->order) {
	case FIT_ORDER_LIFO:
		return UINT64_MAX - ++h->seq;
	case FIT_ORDER_FIFO:
		return ++h->seq;
	default:
		return (uintptr_t)b;
	}
}

static uint32_t index_units(size_t size)
{
	return (uint32_t)(size / 16);
}

static void list_unlink(struct fit_heap *h, struct fit_link *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		h->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		h->tail = n->prev;
	if (h->rover == n)
		h->rover = n->next;
}

/* lifo pushes at the head, fifo at the tail; the head is searched first. */
static void list_push(struct fit_heap *h, struct fit_link *n)
{
	if (h->order == FIT_ORDER_LIFO) {
		n->prev = NULL;
		n->next = h->head;
		if (h->head)
			h->head->prev = n;
		else
			h->tail = n;
		h->head = n;
	} else {
		n->next = NULL;
		n->prev = h->tail;
		if (h->tail)
			h->tail->next = n;
		else
			h->head = n;
		h->tail = n;
	}
}

static void size_tree_insert(struct fit_heap *h, struct fit_block *b, uint64_t tie)
{
	if (h->order != FIT_ORDER_ADDRESS)
		*index_tie_slot(b) = tie;
	struct fit_node key = {.units = index_units(fit_block_size(b)), .addr = (uintptr_t)b,
			       .tie = tie};
	h->root = fit_tree_insert(h, h->root, &key);
}

static void size_tree_remove(struct fit_heap *h, struct fit_block *b)
{
	struct fit_node key = {.units = index_units(fit_block_size(b)), .tie = index_tie(h, b)};
	h->root = fit_tree_remove(h, h->root, &key);
}

int fit_index_reserve(struct fit_heap *h)
{
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		return fit_btree_reserve(h, 3);
	case FIT_INDEX_SIZE_TREE:
		return fit_tree_reserve(h, 3);
	default:
		return 0;
	}
}

void fit_index_insert(struct fit_heap *h, struct fit_block *b)
{
	h->free_blocks++;
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		fit_btree_insert(h, (uintptr_t)b, index_units(fit_block_size(b)));
		break;
	case FIT_INDEX_SIZE_TREE:
		size_tree_insert(h, b, index_fresh_tie(h, b));
		break;
	case FIT_INDEX_LIST:
		list_push(h, index_link(b));
		break;
	}
}

void fit_index_remove(struct fit_heap *h, struct fit_block *b)
{
	h->free_blocks--;
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		fit_btree_remove(h, (uintptr_t)b);
		break;
	case FIT_INDEX_SIZE_TREE:
		size_tree_remove(h, b);
		break;
	case FIT_INDEX_LIST:
		list_unlink(h, index_link(b));
		break;
	}
}

void fit_index_replace(struct fit_heap *h, struct fit_block *old, struct fit_block *repl)
{
	struct fit_link *o = index_link(old), *r = index_link(repl);
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		/* No free block lies between old and repl: the key order holds. */
		fit_btree_set(h, (uintptr_t)old, (uintptr_t)repl, index_units(fit_block_size(repl)));
		break;
	case FIT_INDEX_SIZE_TREE: {
		uint64_t tie = h->order == FIT_ORDER_ADDRESS ? (uintptr_t)repl : *index_tie_slot(old);
		size_tree_remove(h, old);
		size_tree_insert(h, repl, tie);
		break;
	}
	case FIT_INDEX_LIST:
		*r = *o;
		if (r->prev)
			r->prev->next = r;
		else
			h->head = r;
		if (r->next)
			r->next->prev = r;
		else
			h->tail = r;
		if (h->rover == o)
			h->rover = r;
		break;
	}
}

void fit_index_resize(struct fit_heap *h, struct fit_block *b, size_t size, int fresh)
{
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		b->head = size | (b->head & FIT_FLAGS);
		fit_btree_set(h, (uintptr_t)b, (uintptr_t)b, index_units(size));
		break;
	case FIT_INDEX_SIZE_TREE: {
		uint64_t tie = index_tie(h, b);
		size_tree_remove(h, b);
		b->head = size | (b->head & FIT_FLAGS);
		size_tree_insert(h, b, fresh ? index_fresh_tie(h, b) : tie);
		break;
	}
	case FIT_INDEX_LIST:
		b->head = size | (b->head & FIT_FLAGS);
		if (fresh) {
			list_unlink(h, index_link(b));
			list_push(h, index_link(b));
		}
		break;
	}
}

static int index_fits(struct fit_block *b, size_t need, size_t align)
{
	if (align <= ALLOCATOR_MIN_ALIGN)
		return fit_block_size(b) >= need;
	return fit_block_offset(b, need, align) >= 0;
}

static struct fit_block *node_block(const struct fit_heap *h, uint32_t i)
{
	return (struct fit_block *)(uintptr_t)fit_node_at(h, i)->addr;
}

/* First fit over the address b-tree, among blocks in [from, to). Candidates
 * big enough but too small for an alignment gap are skipped one by one. */
static struct fit_block *addr_first_fit(struct fit_heap *h, size_t need, size_t align,
					uintptr_t from, uintptr_t to)
{
	uint32_t units = index_units(need);
	uint64_t a = fit_btree_first(h, units, from);
	while (a && a < to && !index_fits((struct fit_block *)(uintptr_t)a, need, align))
		a = fit_btree_first(h, units, a + 1);
	return a && a < to ? (struct fit_block *)(uintptr_t)a : NULL;
}

static struct fit_block *size_best_fit(struct fit_heap *h, size_t need, size_t align)
{
	uint32_t n = fit_tree_lower_bound(h, h->root, index_units(need), 0);
	while (n && !index_fits(node_block(h, n), need, align)) {
		const struct fit_node *c = fit_node_at(h, n);
		n = fit_tree_lower_bound(h, h->root, c->units, c->tie + 1);
	}
	return n ? node_block(h, n) : NULL;
}

/* Walks the list from `from` up to (not including) `to`. */
static struct fit_link *list_fit(size_t need, size_t align, struct fit_link *from,
				 const struct fit_link *to)
{
	for (struct fit_link *n = from; n != to; n = n->next)
		if (index_fits(link_block(n), need, align))
			return n;
	return NULL;
}

static struct fit_block *list_find(struct fit_heap *h, size_t need, size_t align)
{
	struct fit_link *n;
	if (h->policy == FIT_NEXT && h->rover) {
		n = list_fit(need, align, h->rover, NULL);
		if (!n)
			n = list_fit(need, align, h->head, h->rover);
	} else {
		n = list_fit(need, align, h->head, NULL);
	}
	return n ? link_block(n) : NULL;
}

void fit_index_rover_at(struct fit_heap *h, struct fit_block *b)
{
	if (h->kind == FIT_INDEX_LIST)
		h->rover = index_link(b);
}

struct fit_block *fit_index_find(struct fit_heap *h, size_t need, size_t align)
{
	switch (h->kind) {
	case FIT_INDEX_ADDR_TREE:
		if (h->policy == FIT_NEXT) {
			struct fit_block *b = addr_first_fit(h, need, align, h->rover_addr, UINTPTR_MAX);
			return b ? b : addr_first_fit(h, need, align, 0, h->rover_addr);
		}
		return addr_first_fit(h, need, align, 0, UINTPTR_MAX);
	case FIT_INDEX_SIZE_TREE:
		return size_best_fit(h, need, align);
	case FIT_INDEX_LIST:
		return list_find(h, need, align);
	}
	return NULL;
}

static int list_check(struct fit_heap *h, size_t *count, char *err, size_t err_len)
{
	const struct fit_link *prev = NULL;
	int rover_seen = !h->rover;
	for (struct fit_link *n = h->head; n; prev = n, n = n->next) {
		if (++*count > h->free_blocks) {
			snprintf(err, err_len, "free list longer than the free blocks");
			return -1;
		}
		if (!(link_block(n)->head & FIT_FREE)) {
			snprintf(err, err_len, "free list holds allocated block at %p",
				 (void *)link_block(n));
			return -1;
		}
		if (n->prev != prev) {
			snprintf(err, err_len, "free list back link broken at block %p",
				 (void *)link_block(n));
			return -1;
		}
		rover_seen |= n == h->rover;
	}
	if (h->tail != prev) {
		snprintf(err, err_len, "free list tail is not its last block");
		return -1;
	}
	if (!rover_seen) {
		snprintf(err, err_len, "next-fit rover is not on the free list");
		return -1;
	}
	return 0;
}

int fit_index_check(struct fit_heap *h, size_t free_blocks, char *err, size_t err_len)
{
	size_t count = 0;
	int rc = h->kind == FIT_INDEX_LIST	 ? list_check(h, &count, err, err_len)
		 : h->kind == FIT_INDEX_ADDR_TREE ? fit_btree_check(h, &count, err, err_len)
						  : fit_tree_check(h, h->root, &count, err, err_len);
	if (rc)
		return rc;
	if (count != free_blocks || h->free_blocks != free_blocks) {
		snprintf(err, err_len, "index holds %zu blocks (counted %zu), heap has %zu free",
			 count, h->free_blocks, free_blocks);
		return -1;
	}
	return 0;
}
