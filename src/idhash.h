/* idhash.h - the hash of the id and pointer map (u64map.c): a strong 64-bit mixer keyed with a random seed drawn for
 * each table, so that no choice of ids or pointer values in a trace can pile
 * them into one probe run and make a load quadratic. Table order never shows
 * in any result, so the seed costs no determinism. */
#ifndef ALLOCSCOPE_IDHASH_H
#define ALLOCSCOPE_IDHASH_H

#include <stdint.h>

/* A fresh random seed (getrandom; the clock and an address if that fails). */
uint64_t idhash_seed(void);

/* murmur3's fmix64 finalizer over key ^ seed: every input bit reaches every
 * output bit, so the top bits (Fibonacci-style tables) and the low bits
 * (masked tables) are both well spread. */
static inline uint64_t idhash(uint64_t key, uint64_t seed)
{
	uint64_t h = key ^ seed;
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

#endif
