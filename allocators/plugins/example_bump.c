/* example_bump.c - the smallest complete allocscope plugin: a bump allocator
 * that never reuses memory. A starting point for your own strategy, built by
 * `make` as build/plugins/example_bump.so and run with
 *     allocscope run -a plugin:build/plugins/example_bump.so -w TRACE
 *
 * Layout: every block is a 16-byte header (the requested size) followed by
 * the payload; blocks follow one another in the heap, each payload aligned
 * as asked. free() does nothing, so the heap only grows: its footprint is the
 * sum of everything ever allocated, which is what the fragmentation figures
 * will show. */
#include <stdio.h>
#include <string.h>

#include "allocator.h"
#include "os_heap.h"

#define HEADER 16u
_Static_assert(HEADER % ALLOCATOR_MIN_ALIGN == 0, "header keeps payloads aligned");

struct bump {
	struct os_heap heap;
	char *next;   /* first unused byte */
};

static const struct allocator_param bump_params[] = {
	{"step", "65536", "heap growth in bytes, a multiple of the page size"},
	{NULL, NULL, NULL},
};

static void *bump_create(const struct allocator_config *cfg, char *err, size_t len)
{
	size_t step;
	if (os_heap_parse_step(cfg->values[0], &step, err, len))
		return NULL;
	struct os_heap heap;
	if (os_heap_init(&heap, 0, step)) {
		snprintf(err, len, "cannot reserve address space");
		return NULL;
	}
	/* The instance lives at the start of its own heap. */
	struct bump *b = os_heap_grow(&heap, sizeof *b);
	if (!b) {
		os_heap_release(&heap);
		snprintf(err, len, "cannot grow the heap");
		return NULL;
	}
	b->heap = heap;
	b->next = (char *)b + sizeof *b;
	return b;
}

static void bump_destroy(void *self)
{
	struct bump *b = self;
	struct os_heap heap = b->heap;
	os_heap_release(&heap);
}

static void *bump_aligned_alloc(void *self, size_t alignment, size_t size)
{
	struct bump *b = self;
	if (alignment < ALLOCATOR_MIN_ALIGN)
		alignment = ALLOCATOR_MIN_ALIGN;
	uintptr_t payload = ((uintptr_t)b->next + HEADER + alignment - 1) & ~(uintptr_t)(alignment - 1);
	if (size > b->heap.reserved)
		return NULL;
	char *end = (char *)payload + size;
	if (end > os_heap_end(&b->heap) &&
	    !os_heap_grow(&b->heap, (size_t)(end - os_heap_end(&b->heap))))
		return NULL;
	((size_t *)payload)[-1] = size;
	b->next = end;
	return (void *)payload;
}

static void *bump_malloc(void *self, size_t size)
{
	return bump_aligned_alloc(self, ALLOCATOR_MIN_ALIGN, size);
}

static void bump_free(void *self, void *ptr)
{
	(void)self;
	(void)ptr;
}

static size_t bump_usable_size(void *self, void *ptr)
{
	(void)self;
	return ptr ? ((size_t *)ptr)[-1] : 0;
}

static void *bump_realloc(void *self, void *ptr, size_t size)
{
	void *fresh = bump_malloc(self, size);
	if (fresh && ptr) {
		size_t old = bump_usable_size(self, ptr);
		memcpy(fresh, ptr, old < size ? old : size);
	}
	return fresh;
}

static void *bump_calloc(void *self, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	/* Fresh heap memory reads as zero and is never reused. */
	return bump_malloc(self, nmemb * size);
}

static void bump_heap_stats(void *self, struct allocator_heap_stats *out)
{
	struct bump *b = self;
	out->current_bytes = b->heap.extent;
	out->peak_bytes = b->heap.extent;
}

static void bump_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	struct bump *b = self;
	*lo = (uintptr_t)b->heap.base;
	*hi = (uintptr_t)os_heap_end(&b->heap);
}

const unsigned allocscope_abi = ALLOCATOR_ABI_VERSION;

const struct allocator_ops allocscope_strategy = {
	.name = "example-bump",
	.description = "bump allocator: never reuses memory (example plugin)",
	.params = bump_params,
	.create = bump_create,
	.destroy = bump_destroy,
	.malloc = bump_malloc,
	.free = bump_free,
	.realloc = bump_realloc,
	.calloc = bump_calloc,
	.aligned_alloc = bump_aligned_alloc,
	.usable_size = bump_usable_size,
	.heap_stats = bump_heap_stats,
	.heap_range = bump_heap_range,
};
