/* process_malloc.h - allocation calls shared by the baselines (system,
 * jemalloc, mimalloc, tcmalloc, lib:PATH): they all replay against the
 * process's own malloc, which LD_PRELOAD has made the allocator under test.
 * Each baseline differs only in how it is loaded and how it reports its
 * footprint. */
#ifndef ALLOCSCOPE_PROCESS_MALLOC_H
#define ALLOCSCOPE_PROCESS_MALLOC_H

#include "allocator.h"

void *process_create(const struct allocator_config *cfg, char *err, size_t err_len);
void process_destroy(void *self);
void *process_malloc(void *self, size_t size);
void process_free(void *self, void *ptr);
void *process_realloc(void *self, void *ptr, size_t size);
void *process_calloc(void *self, size_t nmemb, size_t size);
void *process_aligned_alloc(void *self, size_t alignment, size_t size);
size_t process_usable_size(void *self, void *ptr);

/* Looks a shared library up in the standard library directories, as the
 * dynamic loader would for LD_PRELOAD. Returns its path (a static buffer,
 * valid until the next call), or NULL with a reason in why (may be NULL). */
const char *process_library_path(const char *soname, char *why, size_t why_len);

/* Returns the address of `symbol` in the process (dlsym(RTLD_DEFAULT)). */
void *process_symbol(const char *symbol);

/* Designated initialiser body shared by the baselines' ops tables (each
 * sets .create itself). */
#define PROCESS_MALLOC_CALLS                          \
	.destroy = process_destroy,                   \
	.malloc = process_malloc,                     \
	.free = process_free,                         \
	.realloc = process_realloc,                   \
	.calloc = process_calloc,                     \
	.aligned_alloc = process_aligned_alloc,       \
	.usable_size = process_usable_size

#endif
