/* overlap.c - hostile test plugin: past `after` calls, hands out the
 * previous block again, overlapping it while it is still live (the memory
 * pass and `check` report invalid:... with the event's index). Every block
 * is page-aligned, so a repeated block still meets any alignment asked
 * for and the fault found is the overlap. */
#include "hostile.h"

#define OVERLAP_ALIGN 4096u

static void *overlap_alloc(struct hostile *h, size_t align, size_t size)
{
	void *last = h->last;
	void *p = hostile_bump(h, align > OVERLAP_ALIGN ? align : OVERLAP_ALIGN, size);
	return hostile_now(h) && last ? last : p;
}

HOSTILE_PLUGIN("hostile-overlap", "hands out overlapping blocks after N calls (test plugin)",
	       overlap_alloc);
