/* jemalloc.c - jemalloc from the Debian package, preloaded into the replay
 * process (Debian's libjemalloc cannot be dlopen'ed: its static TLS block is
 * too large), so it is the process's malloc from the first call. create()
 * refuses to run unless mallctl answers, so a jemalloc row is always jemalloc.
 * Footprint: stats.mapped, refreshed by writing `epoch`. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "process_malloc.h"

#define JEMALLOC_SONAME "libjemalloc.so.2"

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static mallctl_fn jemalloc_mallctl(void)
{
	return (mallctl_fn)process_symbol("mallctl");
}

static const char *jemalloc_preload(const struct allocator_config *cfg)
{
	(void)cfg;
	return process_library_path(JEMALLOC_SONAME, NULL, 0);
}

static int jemalloc_available(const struct allocator_config *cfg, char *why, size_t len)
{
	(void)cfg;
	return process_library_path(JEMALLOC_SONAME, why, len) ? 0 : -1;
}

static void *jemalloc_create(const struct allocator_config *cfg, char *err, size_t len)
{
	const char *version;
	size_t sz = sizeof version;
	mallctl_fn mallctl = jemalloc_mallctl();
	if (!mallctl || mallctl("version", &version, &sz, NULL, 0) != 0) {
		snprintf(err, len, "jemalloc is not this process's allocator "
			 "(mallctl not found): it must be preloaded");
		return NULL;
	}
	return process_create(cfg, err, len);
}

static void jemalloc_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	mallctl_fn mallctl = jemalloc_mallctl();
	uint64_t epoch = 1;
	size_t mapped = 0, sz = sizeof epoch;
	mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof mapped;
	mallctl("stats.mapped", &mapped, &sz, NULL, 0);
	out->current_bytes = mapped;
	out->peak_bytes = mapped;
}

static void jemalloc_version(void *self, char *buf, size_t len)
{
	(void)self;
	const char *version = "unknown";
	size_t sz = sizeof version;
	jemalloc_mallctl()("version", &version, &sz, NULL, 0);
	snprintf(buf, len, "jemalloc %s", version);
}

const struct allocator_ops jemalloc_ops = {
	.name = "jemalloc",
	.description = "jemalloc from the Debian package (preloaded)",
	.available = jemalloc_available,
	PROCESS_MALLOC_CALLS,
	.create = jemalloc_create,
	.heap_stats = jemalloc_heap_stats,
	.version = jemalloc_version,
	.preload = jemalloc_preload,
};
