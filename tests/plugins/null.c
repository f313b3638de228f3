/* null.c - hostile test plugin: returns NULL from every call past `after`
 * (the default 0: always), as an allocator out of memory does (oom:N). */
#include "hostile.h"

static void *null_alloc(struct hostile *h, size_t align, size_t size)
{
	return hostile_now(h) ? NULL : hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-null", "returns NULL after N calls (test plugin)", null_alloc);
