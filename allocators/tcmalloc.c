/* tcmalloc.c - gperftools' tcmalloc (the minimal build, no profiler) from the
 * Debian package, preloaded into the replay process. Footprint: the page
 * heap's size less what it has returned to the OS. */
#include <stdio.h>

#include "process_malloc.h"

#define TCMALLOC_SONAME "libtcmalloc_minimal.so.4"

typedef int (*numeric_property_fn)(const char *, size_t *);

static const char *tcmalloc_preload(const struct allocator_config *cfg)
{
	(void)cfg;
	return process_library_path(TCMALLOC_SONAME, NULL, 0);
}

static int tcmalloc_available(const struct allocator_config *cfg, char *why, size_t len)
{
	(void)cfg;
	return process_library_path(TCMALLOC_SONAME, why, len) ? 0 : -1;
}

static void *tcmalloc_create(const struct allocator_config *cfg, char *err, size_t len)
{
	if (!process_symbol("MallocExtension_GetNumericProperty")) {
		snprintf(err, len, "tcmalloc is not this process's allocator: it must be preloaded");
		return NULL;
	}
	return process_create(cfg, err, len);
}

static void tcmalloc_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	numeric_property_fn get = (numeric_property_fn)
		process_symbol("MallocExtension_GetNumericProperty");
	size_t heap = 0, unmapped = 0;
	get("generic.heap_size", &heap);
	get("tcmalloc.pageheap_unmapped_bytes", &unmapped);
	out->current_bytes = heap - unmapped;
	out->peak_bytes = out->current_bytes;
}

static void tcmalloc_version(void *self, char *buf, size_t len)
{
	(void)self;
	const char *(*tc_version)(int *, int *, const char **) =
		(const char *(*)(int *, int *, const char **))process_symbol("tc_version");
	snprintf(buf, len, "%s", tc_version ? tc_version(NULL, NULL, NULL) : "tcmalloc");
}

const struct allocator_ops tcmalloc_ops = {
	.name = "tcmalloc",
	.description = "gperftools tcmalloc (minimal) from the Debian package (preloaded)",
	.available = tcmalloc_available,
	.create = tcmalloc_create,
	PROCESS_MALLOC_CALLS,
	.heap_stats = tcmalloc_heap_stats,
	.version = tcmalloc_version,
	.preload = tcmalloc_preload,
};
