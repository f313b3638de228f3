/* machine_noise.c - the two probes behind machine_noise.h. */
#include "machine_noise.h"

#include <stdint.h>
#include <sys/mman.h>

#include "timer.h"

#define COMPUTE_STEPS 20000000u
#define CHASE_ENTRIES (16u << 20)  /* 4-byte indices: 64 MiB, far past any cache */
#define CHASE_LOADS 500000u

static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005u + 1442695040888963407u;
	return *state >> 33;
}

static double compute_round(uint64_t *x)
{
	uint64_t start = timer_clock_read();
	for (unsigned i = 0; i < COMPUTE_STEPS; i++) {
		*x = *x * 6364136223846793005u + 1;
		__asm__ volatile("" : "+r"(*x));
	}
	return (double)(timer_clock_read() - start) / 1e6;
}

/* Each load's address is the previous load's value, so the loads cannot
 * overlap: the round's time is the memory latency times CHASE_LOADS. */
static double memory_round(const uint32_t *next, uint32_t *at)
{
	uint32_t p = *at;
	uint64_t start = timer_clock_read();
	for (unsigned i = 0; i < CHASE_LOADS; i++)
		p = next[p];
	double ms = (double)(timer_clock_read() - start) / 1e6;
	*at = p;
	return ms;
}

/* One cycle through every entry in random order (Sattolo's shuffle), so the
 * chase never falls into a short loop that would stay in the cache. */
static void build_cycle(uint32_t *next, uint64_t *seed)
{
	for (uint32_t i = 0; i < CHASE_ENTRIES; i++)
		next[i] = i;
	for (uint32_t i = CHASE_ENTRIES - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(next_random(seed) % i);
		uint32_t t = next[i];
		next[i] = next[j];
		next[j] = t;
	}
}

static size_t chase_bytes(void)
{
	return (size_t)CHASE_ENTRIES * sizeof(uint32_t);
}

int machine_noise_start(struct machine_noise *m)
{
	*m = (struct machine_noise){.chain = 1};
	m->chase = mmap(NULL, chase_bytes(), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->chase == MAP_FAILED) {
		m->chase = NULL;
		return -1;
	}
	uint64_t seed = 1;
	build_cycle(m->chase, &seed);
	return 0;
}

void machine_noise_round(struct machine_noise *m)
{
	double c = compute_round(&m->chain), ms = memory_round(m->chase, &m->at);
	if (m->rounds == 0 || c < m->compute_min_ms)
		m->compute_min_ms = c;
	if (m->rounds == 0 || c > m->compute_max_ms)
		m->compute_max_ms = c;
	if (m->rounds == 0 || ms < m->memory_min_ms)
		m->memory_min_ms = ms;
	if (m->rounds == 0 || ms > m->memory_max_ms)
		m->memory_max_ms = ms;
	m->rounds++;
}

void machine_noise_stop(struct machine_noise *m)
{
	if (m->chase)
		munmap(m->chase, chase_bytes());
	m->chase = NULL;
}
