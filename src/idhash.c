/* idhash.c - random seeds for the keyed map hash (idhash.h). */
#include "idhash.h"

#include <sys/random.h>
#include <time.h>

uint64_t idhash_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(uintptr_t)&ts;
}
