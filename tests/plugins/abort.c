/* abort.c - hostile test plugin: calls abort() on the first call past
 * `after` (row status crashed:SIGABRT). */
#include "hostile.h"

static void *abort_alloc(struct hostile *h, size_t align, size_t size)
{
	if (hostile_now(h))
		abort();
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-abort", "aborts after N calls (test plugin)", abort_alloc);
