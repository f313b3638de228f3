/* registry.c - every built-in strategy, in the order `list` shows them.
 * To add one: write allocators/<name>.c exporting one `const struct
 * allocator_ops <name>_ops`, declare it below, add it to the array, and
 * describe it in README.md ("Adding a strategy"). */
#include <string.h>

#include "registry.h"

extern const struct allocator_ops first_fit_ops, next_fit_ops, best_fit_ops,
	segregated_ops, simple_seg_ops, buddy_ops, tlsf_ops,
	system_ops, jemalloc_ops, mimalloc_ops, tcmalloc_ops;

const struct allocator_ops *const allocator_registry[] = {
	&first_fit_ops, &next_fit_ops, &best_fit_ops, &segregated_ops,
	&simple_seg_ops, &buddy_ops, &tlsf_ops,
	&system_ops, &jemalloc_ops, &mimalloc_ops, &tcmalloc_ops,
};
const size_t allocator_registry_len =
	sizeof allocator_registry / sizeof allocator_registry[0];

const struct allocator_ops *allocator_find(const char *name)
{
	for (size_t i = 0; i < allocator_registry_len; i++)
		if (!strcmp(allocator_registry[i]->name, name))
			return allocator_registry[i];
	return NULL;
}
