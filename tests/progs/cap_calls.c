/* cap_calls.c - calls every function the capture library intercepts, in an
 * order tests/e2e/test_capture.sh knows event by event, and sizes on both
 * sides of the raw format's one-word limit (2^17). Prints nothing. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

/* Volatile so that -O1 cannot fold the huge sizes into a known failure. */
static volatile size_t huge = SIZE_MAX / 2;

int main(void)
{
	void *a = malloc(24);
	void *b = calloc(10, 8);
	a = realloc(a, 48);
	void *c = reallocarray(NULL, 4, 8);
	c = reallocarray(c, 8, 8);
	void *d = NULL;
	if (posix_memalign(&d, 64, 100) != 0)
		return 1;
	void *e = aligned_alloc(128, 256);
	void *f = memalign(32, 40);
	void *g = valloc(10);
	void *h = pvalloc(10);
	free(b);
	void *z = malloc(0);
	if (realloc(z, 0) != NULL) /* glibc frees z */
		return 1;
	free(NULL);
	if (malloc(huge) || realloc(a, huge) || calloc(huge, 4)) /* fail: not recorded */
		return 1;
	free(a);
	free(c);
	free(d);
	free(e);
	free(f);
	free(g);
	free(h);
	void *big = malloc(131071);
	big = realloc(big, 131072);
	void *wide = calloc(3, 200000);
	if (!big || !wide)
		return 1;
	free(big);
	free(wide);
	return 0;
}
