/* machine_noise.h - how steady is this machine? The same fixed work, one
 * part bound by the CPU and one by memory latency, timed in rounds spread
 * over a stretch of time. A throughput figure's spread over repetitions
 * cannot be smaller than the machine's own; selfbench reports both, the
 * rounds taken between its replays (machine_noise.c). */
#ifndef ALLOCSCOPE_MACHINE_NOISE_H
#define ALLOCSCOPE_MACHINE_NOISE_H

#include <stdint.h>

struct machine_noise {
	unsigned rounds;
	double compute_min_ms, compute_max_ms; /* a chain of dependent multiplies */
	double memory_min_ms, memory_max_ms;   /* a random pointer chase over 64 MiB */
	uint32_t *chase;                       /* private to machine_noise.c */
	uint64_t chain;
	uint32_t at;
};

/* Maps and shuffles the chase's 64 MiB. Returns 0, or -1 if it cannot be
 * mapped. */
int machine_noise_start(struct machine_noise *m);

/* Times one round of each probe (about 0.1 s together on the machine this
 * was written on). Spread the rounds over the stretch whose noise they are
 * to show: slow spells on a shared host last seconds. */
void machine_noise_round(struct machine_noise *m);

void machine_noise_stop(struct machine_noise *m);

#endif
