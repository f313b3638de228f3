/* allocator.h - the strategy interface: one ops table per allocation strategy.
 *
 * Every strategy (in-house policies, the production baselines, plugins) is a
 * `struct allocator_ops`. The harness creates one instance per replay process,
 * calls the allocation functions in trace order on one thread, asks for heap
 * statistics outside the timed region, and destroys it (or simply exits).
 *
 * Plugins: a shared object exporting
 *     const struct allocator_ops allocscope_strategy;
 *     const unsigned allocscope_abi = ALLOCATOR_ABI_VERSION;
 * is loaded by `plugin:PATH`. See README.md "Adding a strategy" and "Plugins".
 */
#ifndef ALLOCSCOPE_ALLOCATOR_H
#define ALLOCSCOPE_ALLOCATOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ALLOCATOR_ABI_VERSION 1u

/* Every strategy returns blocks aligned to at least this, and honours larger
 * power-of-two alignments through aligned_alloc. */
#define ALLOCATOR_MIN_ALIGN 16u

#define ALLOCATOR_MAX_PARAMS 8

/* One tunable of a strategy, with the value used when the command line does
 * not name it. `params` columns in the CSVs print every one of these. */
struct allocator_param {
	const char *key;
	const char *default_value;
	const char *help;
};

/* The resolved parameter values, in the order of ops->params: defaults,
 * overridden by `name:key=value` on the command line. Never NULL entries. */
struct allocator_config {
	const char *values[ALLOCATOR_MAX_PARAMS];
	/* The argument after `lib:` or `plugin:` (a path), else NULL. */
	const char *path;
};

/* Memory held from the OS: `current_bytes` now, `peak_bytes` its high-water
 * mark since create. For in-house strategies this is the extent of their
 * os_heap and is exact; for baselines it is what the allocator itself
 * reports (mallinfo2, jemalloc stats.mapped). */
struct allocator_heap_stats {
	uint64_t current_bytes;
	uint64_t peak_bytes;
};

struct allocator_ops {
	const char *name;        /* as typed on the command line */
	const char *description; /* one line, for `allocscope list` */
	const struct allocator_param *params; /* NULL-key terminated, or NULL */

	/* Optional. Returns 0 when the strategy can run on this machine, else -1
	 * with a short reason ("libmimalloc.so.2 not installed"). */
	int (*available)(const struct allocator_config *cfg, char *why, size_t why_len);

	/* Returns the instance, or NULL with a message in err (bad parameter
	 * value, no memory). The instance is passed to every call below. */
	void *(*create)(const struct allocator_config *cfg, char *err, size_t err_len);
	void (*destroy)(void *self);

	void *(*malloc)(void *self, size_t size);
	void (*free)(void *self, void *ptr);
	/* C semantics: realloc(NULL, n) allocates; on failure the old block is
	 * untouched and NULL is returned. */
	void *(*realloc)(void *self, void *ptr, size_t size);
	/* Zeroed memory; nmemb * size overflow returns NULL. */
	void *(*calloc)(void *self, size_t nmemb, size_t size);
	/* alignment is a power of two, at least 1. */
	void *(*aligned_alloc)(void *self, size_t alignment, size_t size);
	/* Bytes the caller may use at ptr (>= the size requested). */
	size_t (*usable_size)(void *self, void *ptr);

	void (*heap_stats)(void *self, struct allocator_heap_stats *out);

	/* Optional. Verifies the strategy's own invariants (free lists, headers,
	 * coalescing); returns 0, or -1 with a description in err. */
	int (*check)(void *self, char *err, size_t err_len);

	/* Optional; in-house strategies provide it. Lower and upper bound of
	 * the memory the instance hands out, so `allocscope check` can verify
	 * blocks lie inside the heap. A strategy that provides heap_range
	 * promises that heap_stats is exact and cheap (it is read after every
	 * event); for the others it is sampled (see README, "Fragmentation"). */
	void (*heap_range)(void *self, uintptr_t *lo, uintptr_t *hi);

	/* Optional; baselines provide it. The shared library that must be in
	 * the replay process from its start (the runner puts it in LD_PRELOAD),
	 * or NULL for the process's own malloc. */
	const char *(*preload)(const struct allocator_config *cfg);

	/* Optional. The allocator's identity and version ("jemalloc 5.3.0-0-g54eaed1"),
	 * recorded in meta.yaml. Called in the replay process after create. */
	void (*version)(void *self, char *buf, size_t len);
};

/* calloc for a strategy that keeps no record of which of its memory is still
 * zero: refuse an nmemb * size that overflows, allocate, then clear. */
static inline void *allocator_calloc_cleared(void *self, size_t nmemb, size_t size,
					     void *(*malloc_fn)(void *self, size_t size))
{
	size_t bytes;
	if (__builtin_mul_overflow(nmemb, size, &bytes))
		return NULL;
	void *p = malloc_fn(self, bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

#endif
