/* linger.c - hostile test plugin: the first call past `after` forks a
 * process that sleeps for a minute holding every descriptor the replay
 * process has, the report pipe included, and then behaves. The replay is
 * done when its process exits, whatever it left behind (runner.c). */
#include <unistd.h>

#include "hostile.h"

static void *linger_alloc(struct hostile *h, size_t align, size_t size)
{
	if (h->calls == h->after && fork() == 0) {
		sleep(60);
		_exit(0);
	}
	hostile_now(h);
	return hostile_bump(h, align, size);
}

HOSTILE_PLUGIN("hostile-linger", "leaves a process behind holding the report pipe (test plugin)",
	       linger_alloc);
