/* process_malloc.c - the baselines' allocation calls: straight to the
 * process's malloc family. Kept as thin as a call can be, so that replay
 * against `system` costs what a plain loop of the same calls costs. */
#include "process_malloc.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A non-NULL instance: baselines keep no state of their own. */
static char process_instance;

void *process_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	(void)cfg;
	(void)err;
	(void)err_len;
	return &process_instance;
}

void process_destroy(void *self)
{
	(void)self;
}

void *process_malloc(void *self, size_t size)
{
	(void)self;
	return malloc(size);
}

void process_free(void *self, void *ptr)
{
	(void)self;
	free(ptr);
}

void *process_realloc(void *self, void *ptr, size_t size)
{
	(void)self;
	return realloc(ptr, size);
}

void *process_calloc(void *self, size_t nmemb, size_t size)
{
	(void)self;
	return calloc(nmemb, size);
}

void *process_aligned_alloc(void *self, size_t alignment, size_t size)
{
	(void)self;
	void *p;
	if (alignment < sizeof(void *))
		alignment = sizeof(void *);
	return posix_memalign(&p, alignment, size) ? NULL : p;
}

size_t process_usable_size(void *self, void *ptr)
{
	(void)self;
	return malloc_usable_size(ptr);
}

const char *process_library_path(const char *soname, char *why, size_t why_len)
{
	static char path[512];
	static const char *const dirs[] = {
		"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
		"/usr/local/lib", "/usr/lib64", "/usr/lib", "/lib",
	};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i], soname);
		if (access(path, R_OK) == 0)
			return path;
	}
	if (why)
		snprintf(why, why_len, "%s not installed", soname);
	return NULL;
}

void *process_symbol(const char *symbol)
{
	return dlsym(RTLD_DEFAULT, symbol);
}
