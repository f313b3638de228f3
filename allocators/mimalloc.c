/* mimalloc.c - Microsoft's mimalloc from the Debian package, preloaded into
 * the replay process (its override makes it the process's malloc).
 * Footprint: committed bytes from mi_process_info. */
#include <stdio.h>

#include "process_malloc.h"

#define MIMALLOC_SONAME "libmimalloc.so.2"

typedef void (*mi_process_info_fn)(size_t *, size_t *, size_t *, size_t *,
				   size_t *, size_t *, size_t *, size_t *);

static const char *mimalloc_preload(const struct allocator_config *cfg)
{
	(void)cfg;
	return process_library_path(MIMALLOC_SONAME, NULL, 0);
}

static int mimalloc_available(const struct allocator_config *cfg, char *why, size_t len)
{
	(void)cfg;
	return process_library_path(MIMALLOC_SONAME, why, len) ? 0 : -1;
}

static void *mimalloc_create(const struct allocator_config *cfg, char *err, size_t len)
{
	if (!process_symbol("mi_process_info")) {
		snprintf(err, len, "mimalloc is not this process's allocator: it must be preloaded");
		return NULL;
	}
	return process_create(cfg, err, len);
}

static void mimalloc_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit = 0, faults;
	mi_process_info_fn info = (mi_process_info_fn)process_symbol("mi_process_info");
	info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
	out->current_bytes = commit;
	out->peak_bytes = peak_commit;
}

static void mimalloc_version(void *self, char *buf, size_t len)
{
	(void)self;
	int (*mi_version)(void) = (int (*)(void))process_symbol("mi_version");
	int v = mi_version ? mi_version() : 0;
	snprintf(buf, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
}

const struct allocator_ops mimalloc_ops = {
	.name = "mimalloc",
	.description = "mimalloc from the Debian package (preloaded)",
	.available = mimalloc_available,
	.create = mimalloc_create,
	PROCESS_MALLOC_CALLS,
	.heap_stats = mimalloc_heap_stats,
	.version = mimalloc_version,
	.preload = mimalloc_preload,
};
