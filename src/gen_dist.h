/* gen_dist.h - the generator's random numbers: a seeded xoshiro256** PRNG,
 * integer-only fixed-point log2/exp2, and the size and lifetime
 * distributions sampled from them. No floating point anywhere, so that one
 * seed gives the same numbers on every machine and compiler. */
#ifndef ALLOCSCOPE_GEN_DIST_H
#define ALLOCSCOPE_GEN_DIST_H

#include <stdint.h>

/* Fixed-point reals are Q32.32: value * 2^32 in a 64-bit integer. */
#define GEN_Q32_ONE ((uint64_t)1 << 32)

struct gen_rng {
	uint64_t s[4];
};

/* Seeds the state from one number through splitmix64 (never all-zero). */
void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [0, n), n >= 1, without modulo bias (Lemire's method). */
uint64_t gen_rng_below(struct gen_rng *r, uint64_t n);
/* 1 with probability p / 2^32 (p <= 2^32). */
int gen_rng_chance(struct gen_rng *r, uint64_t p_q32);

/* log2(x) for x >= 1, Q32.32, exact to the last bit of the squaring method. */
uint64_t gen_fix_log2(uint64_t x);
/* mult * 2^y for a Q32.32 exponent y, rounded down, saturating at UINT64_MAX. */
uint64_t gen_fix_exp2(int64_t y, uint64_t mult);

enum gen_dist_kind {
	GEN_FIXED,       /* a */
	GEN_UNIFORM,     /* integers in [a, b] */
	GEN_LOGNORMAL,   /* median a, sigma (Q32.32) of the underlying normal */
	GEN_EXPONENTIAL, /* mean (Q32.32) */
	GEN_CHOICE,      /* values[i] with probability weights[i] / total */
	GEN_CYCLE,       /* values[0], values[1], ... in turn, then again */
};

/* One distribution over unsigned integers (bytes or events). `max`, when
 * nonzero, clamps every sample (lognormal and exponential have long tails). */
struct gen_dist {
	enum gen_dist_kind kind;
	uint64_t a, b;
	uint64_t sigma_q32, mean_q32;
	uint64_t max;
	uint64_t *values;   /* choice, cycle: owned */
	uint64_t *cum;      /* choice: running sums of the weights; owned */
	unsigned n;
	unsigned next;      /* cycle: the next index */
};

uint64_t gen_dist_sample(struct gen_dist *d, struct gen_rng *r);
void gen_dist_free(struct gen_dist *d);

#endif
