/* lib.c - `lib:PATH`: any shared library exporting malloc/free/realloc/calloc,
 * preloaded into the replay process. create() confirms that the process's
 * malloc really resolves into PATH. Its footprint is unknown to us, so heap
 * bytes are the process's resident memory (/proc/self/statm), which includes
 * the harness's own few pages; README says so. */

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process_malloc.h"

static const char *lib_preload(const struct allocator_config *cfg)
{
	return cfg->path;
}

static int lib_available(const struct allocator_config *cfg, char *why, size_t len)
{
	if (!cfg->path || !*cfg->path) {
		snprintf(why, len, "lib: needs a path (lib:PATH)");
		return -1;
	}
	if (access(cfg->path, R_OK) != 0) {
		snprintf(why, len, "cannot read '%s'", cfg->path);
		return -1;
	}
	return 0;
}

static void *lib_create(const struct allocator_config *cfg, char *err, size_t len)
{
	Dl_info info;
	char want[PATH_MAX], got[PATH_MAX];
	if (!realpath(cfg->path, want) || !dladdr((void *)malloc, &info) ||
	    !info.dli_fname || !realpath(info.dli_fname, got) || strcmp(want, got)) {
		snprintf(err, len, "malloc in the replay process does not come from '%s' "
			 "(does it export malloc?)", cfg->path);
		return NULL;
	}
	return process_create(cfg, err, len);
}

static void lib_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	out->current_bytes = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
	out->peak_bytes = out->current_bytes;
}

static void lib_version(void *self, char *buf, size_t len)
{
	(void)self;
	Dl_info info;
	snprintf(buf, len, "%s", dladdr((void *)malloc, &info) && info.dli_fname
		 ? info.dli_fname : "unknown library");
}

const struct allocator_ops lib_ops = {
	.name = "lib",
	.description = "lib:PATH - any shared library exporting malloc/free/realloc/calloc (preloaded)",
	.available = lib_available,
	.create = lib_create,
	PROCESS_MALLOC_CALLS,
	.heap_stats = lib_heap_stats,
	.version = lib_version,
	.preload = lib_preload,
};
