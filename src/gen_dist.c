/* gen_dist.c - deterministic random numbers for the generator (gen_dist.h).
 *
 * Why no libm: exp() and log() are not correctly rounded, and glibc, musl and
 * other platforms differ in the last bit, which would change sizes and so
 * the events. Everything here is integer arithmetic (with gcc's unsigned
 * __int128 for products), whose results C fixes exactly:
 *   exponential: mean * -ln(U) = mean * (64 - log2(u)) * ln 2 for u = U * 2^64,
 *                log2 by the bit-by-bit squaring method (32 fraction bits);
 *   lognormal:   median * 2^(sigma * Z * log2 e), Z the Irwin-Hall sum of 12
 *                uniforms minus 6 (mean 0, variance 1, tails cut at +-6), and
 *                2^f from a table of 2^(2^-k) in Q2.62 (computed with bc).
 */
#include "gen_dist.h"

#include <stdlib.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

/* ---- PRNG: xoshiro256** (Blackman & Vigna), seeded by splitmix64 -------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t gen_rng_below(struct gen_rng *r, uint64_t n)
{
	u128 m = (u128)gen_rng_next(r) * n;
	if ((uint64_t)m < n) {
		uint64_t threshold = -n % n;
		while ((uint64_t)m < threshold)
			m = (u128)gen_rng_next(r) * n;
	}
	return (uint64_t)(m >> 64);
}

int gen_rng_chance(struct gen_rng *r, uint64_t p_q32)
{
	return (gen_rng_next(r) >> 32) < p_q32;
}

/* ---- fixed-point log2 and exp2 ------------------------------------------ */

uint64_t gen_fix_log2(uint64_t x)
{
	int lz = __builtin_clzll(x);
	uint64_t result = (uint64_t)(63 - lz) << 32;
	u128 m = (u128)(x << lz); /* mantissa in [1, 2) as Q1.63 */
	for (int bit = 31; bit >= 0; bit--) {
		m = (m * m) >> 63;
		if (m >> 64) {
			result |= (uint64_t)1 << bit;
			m >>= 1;
		}
	}
	return result;
}

/* 2^(2^-k) in Q2.62 for k = 1..32: round(2^(2^-k) * 2^62), from bc -l. */
static const uint64_t exp2_frac[32] = {
	6521908912666391106ull, 5484249825272419512ull, 5029079263719320435ull,
	4815862801830788490ull, 4712668792719003884ull, 4661903986662671290ull,
	4636727017470743990ull, 4624189567668517720ull, 4617933561212708776ull,
	4614808732577250068ull, 4613247111281068008ull, 4612466498810092975ull,
	4612076242109103707ull, 4611881126141011236ull, 4611783571252412754ull,
	4611734794581956353ull, 4611710406440186476ull, 4611698212417665819ull,
	4611692115418496524ull, 4611689066921934630ull, 4611687542674409371ull,
	4611686780550835664ull, 4611686399489096040ull, 4611686208958238036ull,
	4611686113692811986ull, 4611686066060099699ull, 4611686042243743740ull,
	4611686030335565807ull, 4611686024381476851ull, 4611686021404432377ull,
	4611686019915910140ull, 4611686019171649022ull,
};

uint64_t gen_fix_exp2(int64_t y, uint64_t mult)
{
	int64_t n = y >> 32; /* floor: gcc shifts signed values arithmetically */
	uint32_t f = (uint32_t)y;
	u128 r = (u128)1 << 62;
	for (int k = 0; k < 32; k++)
		if (f >> (31 - k) & 1)
			r = (r * exp2_frac[k]) >> 62;
	u128 v = r * mult; /* r < 2^63, so this fits */
	int64_t shift = 62 - n;
	if (shift <= 0) {
		if (shift <= -64)
			return v ? UINT64_MAX : 0;
		return v >> (64 + shift) ? UINT64_MAX : (uint64_t)(v << -shift);
	}
	if (shift >= 128)
		return 0;
	v >>= shift;
	return v >> 64 ? UINT64_MAX : (uint64_t)v;
}

/* ---- distributions -------------------------------------------------------- */

#define LN2_Q64 0xB17217F7D1CF79ABull  /* ln 2 * 2^64 */
#define LOG2E_Q62 0x5C551D94AE0BF85Eull /* log2 e * 2^62 */

/* -ln(U) in Q32.32 for U uniform in (0, 1]. */
static uint64_t neg_ln_uniform(struct gen_rng *r)
{
	uint64_t u = gen_rng_next(r) | 1;
	uint64_t neg_log2 = ((uint64_t)64 << 32) - gen_fix_log2(u);
	return (uint64_t)(((u128)neg_log2 * LN2_Q64) >> 64);
}

/* A standard normal deviate, Q32.32 (signed). */
static int64_t irwin_hall_z(struct gen_rng *r)
{
	int64_t s = 0;
	for (int i = 0; i < 12; i++)
		s += (int64_t)(gen_rng_next(r) >> 32);
	return s - 6 * (int64_t)GEN_Q32_ONE;
}

static uint64_t sample_lognormal(const struct gen_dist *d, struct gen_rng *r)
{
	s128 z = irwin_hall_z(r);
	s128 y = (z * (s128)d->sigma_q32) >> 32;      /* sigma * Z, Q32.32 */
	y = (y * (s128)LOG2E_Q62) >> 62;              /* in powers of two */
	if (y > (s128)INT64_MAX)
		return UINT64_MAX;
	if (y < -(s128)INT64_MAX)
		return 0;
	return gen_fix_exp2((int64_t)y, d->a);
}

static unsigned choice_index(const struct gen_dist *d, uint64_t k)
{
	unsigned lo = 0, hi = d->n - 1; /* first i with cum[i] > k */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (d->cum[mid] > k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint64_t sample_raw(struct gen_dist *d, struct gen_rng *r)
{
	switch (d->kind) {
	case GEN_FIXED:
		return d->a;
	case GEN_UNIFORM:
		return d->b - d->a == UINT64_MAX ? gen_rng_next(r)
						 : d->a + gen_rng_below(r, d->b - d->a + 1);
	case GEN_LOGNORMAL:
		return sample_lognormal(d, r);
	case GEN_EXPONENTIAL:
		return (uint64_t)(((u128)d->mean_q32 * neg_ln_uniform(r)) >> 64);
	case GEN_CHOICE:
		return d->values[choice_index(d, gen_rng_below(r, d->cum[d->n - 1]))];
	case GEN_CYCLE: {
		uint64_t v = d->values[d->next];
		d->next = (d->next + 1) % d->n;
		return v;
	}
	}
	return 0;
}

uint64_t gen_dist_sample(struct gen_dist *d, struct gen_rng *r)
{
	uint64_t v = sample_raw(d, r);
	return d->max && v > d->max ? d->max : v;
}

void gen_dist_free(struct gen_dist *d)
{
	free(d->values);
	free(d->cum);
	d->values = d->cum = NULL;
}
