/* registry.h - the strategies allocscope knows by name: one array. */
#ifndef ALLOCSCOPE_REGISTRY_H
#define ALLOCSCOPE_REGISTRY_H

#include <stddef.h>

#include "allocator.h"

/* The strategies named on their own. */
extern const struct allocator_ops *const allocator_registry[];
extern const size_t allocator_registry_len;

/* The strategy behind `lib:PATH`: it needs a path, so it has no name of
 * its own (strategy.c resolves the prefix). */
extern const struct allocator_ops lib_ops;

/* The strategy called `name` (without parameters), or NULL. */
const struct allocator_ops *allocator_find(const char *name);

#endif
