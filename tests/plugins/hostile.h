/* hostile.h - the common base of the hostile test plugins in tests/plugins/:
 * a bump allocator in one private mapping that never reuses memory, whose
 * every allocation goes through the plugin's own hook first. A plugin writes
 * the hook (crash, hang, misplace, refuse...) and names it in HOSTILE_PLUGIN,
 * which defines the exported ops table; the `after` parameter is how many
 * calls behave before the hook turns hostile.
 *
 * Layout: each payload is preceded by an 8-byte header holding its size and
 * is aligned as asked (at least ALLOCATOR_MIN_ALIGN); free() does nothing, so
 * every plugin also leaks everything (tests/plugins/leak.c is just this). */
#ifndef ALLOCSCOPE_TESTS_HOSTILE_H
#define ALLOCSCOPE_TESTS_HOSTILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator.h"

#define HOSTILE_ARENA ((size_t)1 << 36) /* address space only: MAP_NORESERVE */

struct hostile {
	char *base, *next;  /* the arena and its first unused byte */
	uint64_t calls;     /* allocation calls so far */
	uint64_t after;     /* the hook turns hostile past this many calls */
	void *last;         /* the previous block handed out */
};

static const struct allocator_param hostile_params[] = {
	{"after", "0", "calls that behave before the plugin turns hostile"},
	{NULL, NULL, NULL},
};

static inline void *hostile_create(const struct allocator_config *cfg, char *err, size_t len)
{
	char *end;
	unsigned long long after = strtoull(cfg->values[0], &end, 10);
	if (*end || end == cfg->values[0]) {
		snprintf(err, len, "after=%s is not a number", cfg->values[0]);
		return NULL;
	}
	char *base = mmap(NULL, HOSTILE_ARENA, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		snprintf(err, len, "cannot map the arena");
		return NULL;
	}
	struct hostile *h = (struct hostile *)base;
	h->base = base;
	h->next = base + sizeof *h;
	h->after = after;
	return h;
}

static void hostile_destroy(void *self)
{
	munmap(self, HOSTILE_ARENA);
}

/* The well-behaved allocation every hook falls back on. */
static void *hostile_bump(struct hostile *h, size_t align, size_t size)
{
	if (align < ALLOCATOR_MIN_ALIGN)
		align = ALLOCATOR_MIN_ALIGN;
	uintptr_t p = ((uintptr_t)h->next + sizeof(uint64_t) + align - 1) & ~(uintptr_t)(align - 1);
	if (size > HOSTILE_ARENA || p + size > (uintptr_t)h->base + HOSTILE_ARENA)
		return NULL;
	((uint64_t *)p)[-1] = size;
	h->next = (char *)p + size;
	return h->last = (void *)p;
}

/* Whether this call is past the well-behaved ones. */
static inline int hostile_now(struct hostile *h)
{
	return ++h->calls > h->after;
}

static void hostile_free(void *self, void *ptr)
{
	(void)self;
	(void)ptr;
}

static size_t hostile_usable_size(void *self, void *ptr)
{
	(void)self;
	return ptr ? (size_t)((uint64_t *)ptr)[-1] : 0;
}

static void hostile_heap_stats(void *self, struct allocator_heap_stats *out)
{
	struct hostile *h = self;
	out->current_bytes = out->peak_bytes = (uint64_t)(h->next - h->base);
}

/* Defines the plugin's exports around HOOK(struct hostile *, align, size),
 * which every malloc, calloc, realloc and aligned_alloc calls. */
#define HOSTILE_PLUGIN(NAME, DESCRIPTION, HOOK)                                     \
	HOSTILE_PLUGIN_CREATE(NAME, DESCRIPTION, HOOK, hostile_create)

/* The same with the plugin's own create(). */
#define HOSTILE_PLUGIN_CREATE(NAME, DESCRIPTION, HOOK, CREATE)                      \
	static void *hostile_malloc(void *self, size_t size)                        \
	{                                                                           \
		return HOOK(self, ALLOCATOR_MIN_ALIGN, size);                       \
	}                                                                           \
	static void *hostile_aligned(void *self, size_t align, size_t size)         \
	{                                                                           \
		return HOOK(self, align, size);                                     \
	}                                                                           \
	static void *hostile_calloc(void *self, size_t nmemb, size_t size)          \
	{                                                                           \
		if (size && nmemb > SIZE_MAX / size)                                \
			return NULL;                                                \
		void *p = HOOK(self, ALLOCATOR_MIN_ALIGN, nmemb * size);            \
		if (p)                                                              \
			memset(p, 0, nmemb * size);                                 \
		return p;                                                           \
	}                                                                           \
	static void *hostile_realloc(void *self, void *ptr, size_t size)            \
	{                                                                           \
		void *fresh = HOOK(self, ALLOCATOR_MIN_ALIGN, size);                \
		size_t old = hostile_usable_size(self, ptr);                        \
		if (fresh && ptr)                                                   \
			memmove(fresh, ptr, old < size ? old : size);               \
		return fresh;                                                       \
	}                                                                           \
	const unsigned allocscope_abi = ALLOCATOR_ABI_VERSION;                      \
	const struct allocator_ops allocscope_strategy = {                          \
		.name = NAME,                                                       \
		.description = DESCRIPTION,                                         \
		.params = hostile_params,                                           \
		.create = CREATE,                                                   \
		.destroy = hostile_destroy,                                         \
		.malloc = hostile_malloc,                                           \
		.free = hostile_free,                                               \
		.realloc = hostile_realloc,                                         \
		.calloc = hostile_calloc,                                           \
		.aligned_alloc = hostile_aligned,                                   \
		.usable_size = hostile_usable_size,                                 \
		.heap_stats = hostile_heap_stats,                                   \
	}

#endif
