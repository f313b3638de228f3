/* slow.c - test plugin: every allocation past `after` does a nanosecond of
 * CPU work per KiB asked for (32 MiB: 33 us; 16 GiB: 17 ms), and each one
 * reuses the arena's start, so a trace that frees every block before the
 * next allocation can repeat large blocks without growing (one live block at
 * a time; more would overlap). The work is counted in the thread's CPU time,
 * so a call the scheduler interrupts takes longer in wall time but not in
 * work: what the latency pass's correction for preempted calls is tested
 * with (tests/e2e/test_measure.sh). */
#include <time.h>

#include "hostile.h"

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *slow_alloc(struct hostile *h, size_t align, size_t size)
{
	if (hostile_now(h)) {
		uint64_t until = cpu_ns() + size / 1024;
		while (cpu_ns() < until)
			;
	}
	h->next = h->base + sizeof *h;
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-slow", "1 ns of CPU work per KiB asked, one block at a time (test plugin)",
	       slow_alloc);
