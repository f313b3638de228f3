/* misaligned.c - hostile test plugin: past `after` calls, returns blocks 8
 * bytes off the 16-byte alignment every strategy owes (invalid:...). */
#include "hostile.h"

static void *misaligned_alloc(struct hostile *h, size_t align, size_t size)
{
	char *p = hostile_bump(h, align, size + 8);
	if (!p || !hostile_now(h))
		return p;
	((uint64_t *)p)[0] = size; /* the header of the shifted block */
	return p + 8;
}

HOSTILE_PLUGIN("hostile-misaligned", "returns misaligned pointers after N calls (test plugin)",
	       misaligned_alloc);
