/* lib.c - `lib:PATH`: any shared library exporting malloc/free/realloc/calloc,
 * preloaded into the replay process. create() confirms that the process's
 * malloc really resolves into PATH. Its footprint is unknown to us, so heap
 * bytes are the process's resident memory (/proc/self/statm), which includes
 * the harness's own few pages; README says so. */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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

/* 1 when fn, as this process resolves it, lies in the file `want` (a
 * resolved path). */
static int comes_from(void *fn, const char *want)
{
	Dl_info info;
	char got[PATH_MAX];
	return dladdr(fn, &info) && info.dli_fname && realpath(info.dli_fname, got) &&
	       !strcmp(want, got);
}

/* All four must be the library's: one it lacks would be glibc's, given the
 * library's blocks (free) or measuring a mixture of two allocators. */
static void *lib_create(const struct allocator_config *cfg, char *err, size_t len)
{
	static const struct {
		const char *name;
		void *fn;
	} calls[] = {
		{"malloc", (void *)malloc}, {"free", (void *)free},
		{"realloc", (void *)realloc}, {"calloc", (void *)calloc},
	};
	char want[PATH_MAX];
	if (!realpath(cfg->path, want)) {
		snprintf(err, len, "cannot resolve '%s': %s", cfg->path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (!comes_from(calls[i].fn, want)) {
			snprintf(err, len, "%s in the replay process does not come from '%s' "
				 "(does it export %s?)", calls[i].name, cfg->path, calls[i].name);
			return NULL;
		}
	return process_create(cfg, err, len);
}

/* Resident memory, from /proc/self/statm ("size resident ..." in pages),
 * read without stdio: a FILE and its buffer would come from the allocator
 * under test, at every sample of the memory pass. */
static void lib_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	unsigned long size = 0, resident = 0;
	char buf[128];
	ssize_t n = -1;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
		resident = 0;
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
