/* create_segv.c - hostile test plugin: create() itself dereferences NULL,
 * so the crash comes before any replay, wherever the harness calls it. */
#include "hostile.h"

/* NULL, read through a volatile so the compiler cannot see it coming. */
static char *volatile create_segv_nowhere;

static void *create_segv_create(const struct allocator_config *cfg, char *err, size_t len)
{
	(void)cfg;
	(void)err;
	(void)len;
	return (void *)(uintptr_t)*(volatile char *)create_segv_nowhere;
}

static void *create_segv_alloc(struct hostile *h, size_t align, size_t size)
{
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN_CREATE("hostile-create-segv", "segfaults in create (test plugin)",
		      create_segv_alloc, create_segv_create);
