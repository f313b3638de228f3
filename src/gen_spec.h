/* gen_spec.h - a `generate:` spec as read and checked by gen_spec.c, ready
 * for gen.c to expand. Probabilities and fractions are Q32.32 fixed point. */
#ifndef ALLOCSCOPE_GEN_SPEC_H
#define ALLOCSCOPE_GEN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "gen_dist.h"
#include "gen_yaml.h"

enum gen_order { GEN_ORDER_OLDEST, GEN_ORDER_NEWEST, GEN_ORDER_RANDOM };

struct gen_phase {
	const struct gen_node *node;  /* for errors met while expanding */
	int is_free;                  /* a free phase */
	/* events phase */
	uint64_t events;
	struct gen_dist sizes, lifetime;
	int has_lifetime;             /* else forever */
	int live_mode, live_is_bytes;
	uint64_t live_target;
	uint64_t p_calloc, p_aligned, p_realloc; /* Q32.32 */
	uint64_t *aligns;
	unsigned n_aligns;
	uint64_t growth_q32, realloc_max;
	int realloc_newest;
	int free_all;
	/* free phase */
	uint64_t size_min, size_max, fraction_q32;
	enum gen_order order;
};

struct gen_spec {
	uint64_t seed, repeat;
	unsigned threads;
	struct gen_phase *phases;
	size_t n_phases;
};

/* Reads the spec whose root is the value of the `generate` key into s,
 * checking every key and value. A spec that would expand to more than
 * max_events events, or whose events would not fit in the memory available,
 * is refused. Errors name `file` and the node's line and column. Returns 0
 * or -1; either way gen_spec_free(s) releases what s holds. */
int gen_spec_parse(const struct gen_node *root, const char *file, uint64_t max_events,
		   struct gen_spec *s, struct diag *d);
void gen_spec_free(struct gen_spec *s);

#endif
