/* hang.c - hostile test plugin: never returns from the first call past
 * `after`, so only the per-run time limit stops it (row status timeout). */
#include "hostile.h"

static void *hang_alloc(struct hostile *h, size_t align, size_t size)
{
	while (hostile_now(h))
		__asm__ volatile("" ::: "memory"); /* an empty loop the compiler must keep */
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-hang", "loops forever after N calls (test plugin)", hang_alloc);
