/* leak.c - hostile test plugin: the bare hostile.h base, which never frees
 * or reuses anything. Not an error: the row is ok, with a heap that only
 * grows (fragmentation figures show the leak). */
#include "hostile.h"

static void *leak_alloc(struct hostile *h, size_t align, size_t size)
{
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-leak", "never frees anything (test plugin)", leak_alloc);
