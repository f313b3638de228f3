/* segv.c - hostile test plugin: dereferences NULL on the first call past
 * `after`, so the replay dies of SIGSEGV (row status crashed:SIGSEGV). */
#include "hostile.h"

static void *segv_alloc(struct hostile *h, size_t align, size_t size)
{
	if (hostile_now(h))
		*(volatile char *)(uintptr_t)h->calls = 1; /* an address below 4 KiB */
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-segv", "segfaults after N calls (test plugin)", segv_alloc);
