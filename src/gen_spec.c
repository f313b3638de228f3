/* gen_spec.c - the `generate:` form of a trace, read: turns the spec (a
 * gen_node tree, gen_yaml.c) into a checked gen_spec that gen.c expands.
 *
 * Vocabulary (every key is checked; unknown keys and bad values are errors
 * at the node's line and column):
 *
 *   generate:
 *     seed: 42                # PRNG seed (default 0)
 *     threads: 4              # allocations spread uniformly over t0..t3
 *                             # (a block is freed/realloc'ed by its thread)
 *     repeat: 10              # run the phase list this many times (default 1)
 *     phases:                 # in order; state (live blocks) carries over
 *       - events: 200000      # an events phase: exactly this many events
 *         sizes: DIST         # request sizes in bytes (required)
 *         lifetime: DIST      # each block is freed DIST events after its
 *                             # allocation (in this phase or a later one;
 *                             # one due block per event), or `forever`
 *                             # (the default)
 *         live: 5000          # OR a live-set target: live blocks (or
 *         live_bytes: 8000000 # bytes) ramp linearly from the phase's start
 *                             # to this target; each event allocates while
 *                             # below the ramp, else frees a random block
 *         calloc: 0.1         # share of allocations made by calloc
 *         aligned: 0.02       # or {p: 0.02, alignments: [64, 4096]}
 *                             # (default alignments: [64])
 *         realloc: 0.05       # share of all events that realloc a live
 *                             # block (drawn before a due free),
 *                             # or {p: 0.3, growth: 2, max: 1048576,
 *                             # pick: random|newest}: new size = size *
 *                             # growth (default 2); a block that would pass
 *                             # `max` is freed instead (a vector let go)
 *         free_all: true      # after the phase, free every live block
 *       - free: all           # a free phase: frees live blocks at once;
 *       - free: {size_min: 0, size_max: 64, fraction: 1, order: oldest}
 *                             # those with size in [size_min, size_max],
 *                             # the first `fraction` of them in `order`
 *                             # (oldest, newest or random)
 *
 *   DIST (sizes and lifetimes):
 *     64                                   fixed
 *     {fixed: 64}
 *     {uniform: [16, 4096]}                integers, both ends included
 *     {lognormal: {median: 64, sigma: 1.2, max: 65536}}
 *     {exponential: {mean: 500, max: 100000}}
 *     {choice: [[16, 5], [64, 3], [4096, 1]]}    [value, weight] pairs
 *     {cycle: [64, 448]}                   the values in turn
 *   Probabilities and other fractions are decimals (0.05), read exactly
 *   into fixed point.
 *
 * Limits: a spec expands to at most 10^9 events (TRACE_DEFAULT_MAX_EVENTS,
 * lowered by trace_load_options.max_events), counting `events` times
 * `repeat`; one whose events would not fit in the memory available
 * (mem_avail.h) is refused too, before anything is generated.
 */
#include "gen_spec.h"

#include <stdlib.h>
#include <string.h>

#include "mem_avail.h"
#include "trace.h"

#define GEN_MAX_CHOICES 65536

struct gen_parse {
	const char *file;
	struct diag *d;
	uint64_t max_events;
};

static int parse_pairs_dist(struct gen_parse *P, const struct gen_node *v,
			    struct gen_dist *dist, int choice)
{
	if (v->type != GEN_NODE_SEQ || !v->n_kids || v->n_kids > GEN_MAX_CHOICES)
		return gen_node_error(v, P->file, P->d, "expected a list of 1 to %d %s",
				      GEN_MAX_CHOICES, choice ? "[value, weight] pairs" : "values");
	dist->n = (unsigned)v->n_kids;
	dist->values = calloc(dist->n, sizeof *dist->values);
	dist->cum = choice ? calloc(dist->n, sizeof *dist->cum) : NULL;
	if (!dist->values || (choice && !dist->cum))
		return gen_node_error(v, P->file, P->d, "out of memory");
	uint64_t total = 0, w;
	for (unsigned i = 0; i < dist->n; i++) {
		const struct gen_node *it = &v->kids[i];
		if (!choice) {
			if (gen_node_u64(it, P->file, 0, UINT64_MAX, &dist->values[i], P->d))
				return -1;
			continue;
		}
		if (it->type != GEN_NODE_SEQ || it->n_kids != 2)
			return gen_node_error(it, P->file, P->d, "expected [value, weight]");
		if (gen_node_u64(&it->kids[0], P->file, 0, UINT64_MAX, &dist->values[i], P->d) ||
		    gen_node_u64(&it->kids[1], P->file, 0, UINT32_MAX, &w, P->d))
			return -1;
		dist->cum[i] = total += w;
	}
	if (choice && !total)
		return gen_node_error(v, P->file, P->d, "the weights add up to 0");
	return 0;
}

static int parse_tail_dist(struct gen_parse *P, const struct gen_node *v,
			   struct gen_dist *dist, int lognormal)
{
	static const char *const ln_keys[] = {"median", "sigma", "max", NULL};
	static const char *const ex_keys[] = {"mean", "max", NULL};
	if (v->type != GEN_NODE_MAP)
		return gen_node_error(v, P->file, P->d, lognormal
				      ? "expected {median: N, sigma: S}" : "expected {mean: M}");
	if (gen_node_check_keys(v, lognormal ? ln_keys : ex_keys,
				lognormal ? "a lognormal" : "an exponential", P->file, P->d))
		return -1;
	const struct gen_node *a = gen_node_get(v, lognormal ? "median" : "mean");
	const struct gen_node *s = gen_node_get(v, "sigma"), *m = gen_node_get(v, "max");
	if (!a || (lognormal && !s))
		return gen_node_error(v, P->file, P->d, "missing '%s'",
				      !a ? (lognormal ? "median" : "mean") : "sigma");
	if (lognormal ? gen_node_u64(a, P->file, 1, UINT32_MAX, &dist->a, P->d) ||
			gen_node_q32(s, P->file, (uint64_t)16 << 32, &dist->sigma_q32, P->d)
		      : gen_node_q32(a, P->file, UINT64_MAX, &dist->mean_q32, P->d))
		return -1;
	return m ? gen_node_u64(m, P->file, 0, UINT64_MAX, &dist->max, P->d) : 0;
}

static int parse_dist(struct gen_parse *P, const struct gen_node *v, struct gen_dist *dist)
{
	memset(dist, 0, sizeof *dist);
	if (v->type == GEN_NODE_SCALAR)
		return gen_node_u64(v, P->file, 0, UINT64_MAX, &dist->a, P->d);
	if (v->type != GEN_NODE_MAP || v->n_kids != 2)
		return gen_node_error(v, P->file, P->d, "expected a distribution: N, {fixed: N}, "
				      "{uniform: [LO, HI]}, {lognormal: ...}, {exponential: ...}, "
				      "{choice: [[N, W], ...]} or {cycle: [N, ...]}");
	const char *kind = v->kids[0].value;
	const struct gen_node *arg = &v->kids[1];
	if (!strcmp(kind, "fixed"))
		return gen_node_u64(arg, P->file, 0, UINT64_MAX, &dist->a, P->d);
	if (!strcmp(kind, "uniform")) {
		dist->kind = GEN_UNIFORM;
		if (arg->type != GEN_NODE_SEQ || arg->n_kids != 2)
			return gen_node_error(arg, P->file, P->d, "expected [LO, HI]");
		if (gen_node_u64(&arg->kids[0], P->file, 0, UINT64_MAX, &dist->a, P->d) ||
		    gen_node_u64(&arg->kids[1], P->file, dist->a, UINT64_MAX, &dist->b, P->d))
			return -1;
		return 0;
	}
	if (!strcmp(kind, "lognormal") || !strcmp(kind, "exponential")) {
		dist->kind = kind[0] == 'l' ? GEN_LOGNORMAL : GEN_EXPONENTIAL;
		return parse_tail_dist(P, arg, dist, kind[0] == 'l');
	}
	if (!strcmp(kind, "choice") || !strcmp(kind, "cycle")) {
		dist->kind = kind[1] == 'h' ? GEN_CHOICE : GEN_CYCLE;
		return parse_pairs_dist(P, arg, dist, kind[1] == 'h');
	}
	return gen_node_error(&v->kids[0], P->file, P->d, "unknown distribution '%s' (expected "
			      "fixed, uniform, lognormal, exponential, choice or cycle)", kind);
}

/* `key: P` or `key: {p: P, ...}`: returns the node holding P. */
static const struct gen_node *mix_p_node(const struct gen_node *v)
{
	return v->type == GEN_NODE_MAP ? gen_node_get(v, "p") : v;
}

static int parse_aligned(struct gen_parse *P, const struct gen_node *v, struct gen_phase *ph)
{
	static const char *const keys[] = {"p", "alignments", NULL};
	static uint64_t default_align = 64;
	const struct gen_node *p = mix_p_node(v), *al = gen_node_get(v, "alignments");
	if (v->type == GEN_NODE_MAP && gen_node_check_keys(v, keys, "'aligned'", P->file, P->d))
		return -1;
	if (!p)
		return gen_node_error(v, P->file, P->d, "missing 'p'");
	if (gen_node_q32(p, P->file, GEN_Q32_ONE, &ph->p_aligned, P->d))
		return -1;
	if (!al) {
		ph->aligns = malloc(sizeof *ph->aligns);
		if (!ph->aligns)
			return gen_node_error(v, P->file, P->d, "out of memory");
		ph->aligns[0] = default_align;
		ph->n_aligns = 1;
		return 0;
	}
	if (al->type != GEN_NODE_SEQ || !al->n_kids || al->n_kids > 64)
		return gen_node_error(al, P->file, P->d, "expected a list of 1 to 64 alignments");
	ph->aligns = calloc(al->n_kids, sizeof *ph->aligns);
	if (!ph->aligns)
		return gen_node_error(al, P->file, P->d, "out of memory");
	ph->n_aligns = (unsigned)al->n_kids;
	for (size_t i = 0; i < al->n_kids; i++) {
		uint64_t a;
		if (gen_node_u64(&al->kids[i], P->file, 1, (uint64_t)1 << 30, &a, P->d))
			return -1;
		if (a & (a - 1))
			return gen_node_error(&al->kids[i], P->file, P->d,
					      "alignment %llu is not a power of two",
					      (unsigned long long)a);
		ph->aligns[i] = a;
	}
	return 0;
}

static int parse_realloc(struct gen_parse *P, const struct gen_node *v, struct gen_phase *ph)
{
	static const char *const keys[] = {"p", "growth", "max", "pick", NULL};
	const struct gen_node *p = mix_p_node(v);
	ph->growth_q32 = 2 * GEN_Q32_ONE;
	if (v->type == GEN_NODE_MAP && gen_node_check_keys(v, keys, "'realloc'", P->file, P->d))
		return -1;
	if (!p)
		return gen_node_error(v, P->file, P->d, "missing 'p'");
	if (gen_node_q32(p, P->file, GEN_Q32_ONE, &ph->p_realloc, P->d))
		return -1;
	if (v->type != GEN_NODE_MAP)
		return 0;
	const struct gen_node *g = gen_node_get(v, "growth"), *m = gen_node_get(v, "max");
	const struct gen_node *pick = gen_node_get(v, "pick");
	if (g && gen_node_q32(g, P->file, (uint64_t)1024 << 32, &ph->growth_q32, P->d))
		return -1;
	if (m && gen_node_u64(m, P->file, 0, UINT64_MAX, &ph->realloc_max, P->d))
		return -1;
	if (pick) {
		int newest = pick->type == GEN_NODE_SCALAR && !strcmp(pick->value, "newest");
		if (!newest && (pick->type != GEN_NODE_SCALAR || strcmp(pick->value, "random")))
			return gen_node_error(pick, P->file, P->d, "expected random or newest");
		ph->realloc_newest = newest;
	}
	return 0;
}

static int parse_lifetime(struct gen_parse *P, const struct gen_node *v, struct gen_phase *ph)
{
	if (v->type == GEN_NODE_SCALAR && !strcmp(v->value, "forever"))
		return 0;
	ph->has_lifetime = 1;
	return parse_dist(P, v, &ph->lifetime);
}

static int parse_events_phase(struct gen_parse *P, const struct gen_node *v,
			      struct gen_phase *ph)
{
	static const char *const keys[] = {"events", "sizes", "lifetime", "live", "live_bytes",
					   "calloc", "aligned", "realloc", "free_all", NULL};
	if (gen_node_check_keys(v, keys, "a phase", P->file, P->d))
		return -1;
	const struct gen_node *n;
	if (gen_node_u64(gen_node_get(v, "events"), P->file, 0, P->max_events, &ph->events, P->d))
		return -1;
	if (!(n = gen_node_get(v, "sizes")))
		return gen_node_error(v, P->file, P->d, "missing 'sizes' in a phase");
	if (parse_dist(P, n, &ph->sizes))
		return -1;
	const struct gen_node *life = gen_node_get(v, "lifetime");
	const struct gen_node *live = gen_node_get(v, "live"), *lb = gen_node_get(v, "live_bytes");
	if ((life != NULL) + (live != NULL) + (lb != NULL) > 1)
		return gen_node_error(v, P->file, P->d, "'lifetime', 'live' and 'live_bytes' "
				      "exclude each other");
	if (life && parse_lifetime(P, life, ph))
		return -1;
	if (live || lb) {
		ph->live_mode = 1;
		ph->live_is_bytes = lb != NULL;
		if (gen_node_u64(live ? live : lb, P->file, 0, UINT64_MAX, &ph->live_target, P->d))
			return -1;
	}
	if ((n = gen_node_get(v, "calloc")) &&
	    gen_node_q32(n, P->file, GEN_Q32_ONE, &ph->p_calloc, P->d))
		return -1;
	if ((n = gen_node_get(v, "aligned")) && parse_aligned(P, n, ph))
		return -1;
	if (ph->p_calloc + ph->p_aligned > GEN_Q32_ONE)
		return gen_node_error(v, P->file, P->d, "'calloc' and 'aligned' add up to more than 1");
	if ((n = gen_node_get(v, "realloc")) && parse_realloc(P, n, ph))
		return -1;
	return (n = gen_node_get(v, "free_all")) ? gen_node_bool(n, P->file, &ph->free_all, P->d)
						  : 0;
}

static int parse_free_phase(struct gen_parse *P, const struct gen_node *v, struct gen_phase *ph)
{
	static const char *const keys[] = {"size_min", "size_max", "fraction", "order", NULL};
	static const char *const orders[] = {"oldest", "newest", "random"};
	ph->is_free = 1;
	ph->size_max = UINT64_MAX;
	ph->fraction_q32 = GEN_Q32_ONE;
	if (v->type == GEN_NODE_SCALAR && !strcmp(v->value, "all"))
		return 0;
	if (v->type != GEN_NODE_MAP)
		return gen_node_error(v, P->file, P->d, "expected 'all' or {size_min: N, "
				      "size_max: N, fraction: F, order: oldest|newest|random}");
	if (gen_node_check_keys(v, keys, "'free'", P->file, P->d))
		return -1;
	const struct gen_node *n;
	if ((n = gen_node_get(v, "size_min")) &&
	    gen_node_u64(n, P->file, 0, UINT64_MAX, &ph->size_min, P->d))
		return -1;
	if ((n = gen_node_get(v, "size_max")) &&
	    gen_node_u64(n, P->file, ph->size_min, UINT64_MAX, &ph->size_max, P->d))
		return -1;
	if ((n = gen_node_get(v, "fraction")) &&
	    gen_node_q32(n, P->file, GEN_Q32_ONE, &ph->fraction_q32, P->d))
		return -1;
	if ((n = gen_node_get(v, "order"))) {
		unsigned i = 0;
		while (i < 3 && (n->type != GEN_NODE_SCALAR || strcmp(n->value, orders[i])))
			i++;
		if (i == 3)
			return gen_node_error(n, P->file, P->d, "expected oldest, newest or random");
		ph->order = (enum gen_order)i;
	}
	return 0;
}

static int parse_phase(struct gen_parse *P, const struct gen_node *v, struct gen_phase *ph)
{
	ph->node = v;
	if (v->type != GEN_NODE_MAP)
		return gen_node_error(v, P->file, P->d, "a phase must be a mapping");
	const struct gen_node *f = gen_node_get(v, "free");
	if (!f && !gen_node_get(v, "events"))
		return gen_node_error(v, P->file, P->d, "a phase needs 'events' (or is a 'free' phase)");
	if (f && v->n_kids != 2)
		return gen_node_error(v, P->file, P->d, "a 'free' phase takes no other keys");
	return f ? parse_free_phase(P, f, ph) : parse_events_phase(P, v, ph);
}

void gen_spec_free(struct gen_spec *s)
{
	for (size_t i = 0; i < s->n_phases; i++) {
		gen_dist_free(&s->phases[i].sizes);
		gen_dist_free(&s->phases[i].lifetime);
		free(s->phases[i].aligns);
	}
	free(s->phases);
}

static int parse_spec(struct gen_parse *P, const struct gen_node *v, struct gen_spec *s)
{
	static const char *const keys[] = {"seed", "threads", "repeat", "phases", NULL};
	memset(s, 0, sizeof *s);
	s->repeat = 1;
	s->threads = 1;
	if (v->type != GEN_NODE_MAP)
		return gen_node_error(v, P->file, P->d, "'generate' must be a mapping "
				      "(seed, threads, repeat, phases)");
	if (gen_node_check_keys(v, keys, "'generate'", P->file, P->d))
		return -1;
	const struct gen_node *n, *ph = gen_node_get(v, "phases");
	uint64_t threads;
	if ((n = gen_node_get(v, "seed")) && gen_node_u64(n, P->file, 0, UINT64_MAX, &s->seed, P->d))
		return -1;
	if ((n = gen_node_get(v, "threads"))) {
		if (gen_node_u64(n, P->file, 1, (uint64_t)UINT16_MAX + 1, &threads, P->d))
			return -1;
		s->threads = (unsigned)threads;
	}
	if ((n = gen_node_get(v, "repeat")) &&
	    gen_node_u64(n, P->file, 1, P->max_events, &s->repeat, P->d))
		return -1;
	if (!ph || ph->type != GEN_NODE_SEQ || !ph->n_kids)
		return gen_node_error(ph ? ph : v, P->file, P->d, "'phases' must be a non-empty list");
	s->phases = calloc(ph->n_kids, sizeof *s->phases);
	if (!s->phases)
		return gen_node_error(v, P->file, P->d, "out of memory");
	/* The limit bounds the work too: a phase that makes no events (a free
	 * phase, `events: 0`) still costs a pass, so it counts as one. */
	uint64_t total = 0, work = 0;
	for (size_t i = 0; i < ph->n_kids; i++) {
		s->n_phases++;
		if (parse_phase(P, &ph->kids[i], &s->phases[i]))
			return -1;
		total += s->phases[i].events;
		work += s->phases[i].events ? s->phases[i].events : 1;
	}
	if (work > P->max_events || s->repeat > P->max_events / work)
		return gen_node_error(v, P->file, P->d, "the spec expands to more than %llu events "
				      "(each phase counting at least 1, times 'repeat')",
				      (unsigned long long)P->max_events);
	/* Free phases add events too; those of the events phases are a lower
	 * bound of what the builder will hold. */
	char err[256];
	if (mem_avail_check(total * s->repeat * sizeof(struct trace_event), "the spec's trace",
			    err, sizeof err))
		return gen_node_error(v, P->file, P->d, "%s", err);
	return 0;
}

int gen_spec_parse(const struct gen_node *root, const char *file, uint64_t max_events,
		   struct gen_spec *s, struct diag *d)
{
	struct gen_parse P = {file, d, max_events};
	return parse_spec(&P, root, s);
}
