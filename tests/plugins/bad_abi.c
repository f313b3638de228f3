/* bad_abi.c - a broken plugin: a complete ops table, but built for another
 * interface version, which the loader must refuse (exit 2). */
#include "hostile.h"

static void *bad_abi_alloc(struct hostile *h, size_t align, size_t size)
{
	return hostile_bump(h, align, size);
}

#undef ALLOCATOR_ABI_VERSION
#define ALLOCATOR_ABI_VERSION 99u
HOSTILE_PLUGIN("bad-abi", "claims interface version 99 (test plugin)", bad_abi_alloc);
