/* system.c - glibc malloc as the process has it: the reference every other
 * strategy is compared with. Footprint: mallinfo2() arena + hblkhd, i.e. the
 * sbrk'ed arena bytes plus the mmapped chunks. */
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>

#include "process_malloc.h"

static void system_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	struct mallinfo2 mi = mallinfo2();
	out->current_bytes = mi.arena + mi.hblkhd;
	out->peak_bytes = out->current_bytes; /* glibc keeps no high-water mark */
}

static void system_version(void *self, char *buf, size_t len)
{
	(void)self;
	snprintf(buf, len, "glibc %s", gnu_get_libc_version());
}

const struct allocator_ops system_ops = {
	.name = "system",
	.description = "glibc malloc, as the process has it",
	.create = process_create,
	PROCESS_MALLOC_CALLS,
	.heap_stats = system_heap_stats,
	.version = system_version,
};
