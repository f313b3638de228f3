/* short_usable.c - hostile test plugin: past `after` calls, usable_size
 * reports half of what was asked for (the block itself is whole), a promise
 * a caller writing up to usable_size would break (invalid:...). */
#include "hostile.h"

static void *short_usable_alloc(struct hostile *h, size_t align, size_t size)
{
	char *p = hostile_bump(h, align, size);
	if (p && hostile_now(h))
		((uint64_t *)p)[-1] = size / 2; /* the header usable_size reads */
	return p;
}

HOSTILE_PLUGIN("hostile-short-usable", "under-reports usable_size after N calls (test plugin)",
	       short_usable_alloc);
