/* gen.c - the `generate:` form of a trace: parses the spec (a gen_node tree,
 * gen_yaml.c) and expands it, phase by phase, into a trace_builder. Random
 * numbers come from gen_dist.c, which uses no floating point, so a spec
 * gives the same events on every machine.
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
 *                             # allocation, or `forever` (the default)
 *         live: 5000          # OR a live-set target: live blocks (or
 *         live_bytes: 8000000 # bytes) ramp linearly from the phase's start
 *                             # to this target; each event allocates while
 *                             # below the ramp, else frees a random block
 *         calloc: 0.1         # share of allocations made by calloc
 *         aligned: 0.02       # or {p: 0.02, alignments: [64, 4096]}
 *                             # (default alignments: [64])
 *         realloc: 0.05       # share of events that realloc a live block,
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
 *
 * Determinism: xoshiro256** seeded by splitmix64; integers drawn with
 * Lemire's unbiased method; exponential and lognormal through integer
 * log2/exp2 (see gen_dist.c); ties and orders resolved by allocation order,
 * never by addresses or hash order.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include "gen_dist.h"
#include "gen_yaml.h"
#include "mem_avail.h"

#define GEN_MAX_CHOICES 65536

enum gen_order { ORDER_OLDEST, ORDER_NEWEST, ORDER_RANDOM };

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

/* ---- spec parsing ---------------------------------------------------------- */

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

static void spec_free(struct gen_spec *s)
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

/* ---- expansion -------------------------------------------------------------- */

/* A live or recycled block. Its index in `blocks` is the id given to the
 * builder (ids may be reused once freed). `gen` counts the lives of the
 * index, so that a pending free scheduled for an earlier life is ignored. */
struct gen_block {
	uint64_t size, seq;
	uint32_t live_pos;   /* index in `live` while live */
	uint32_t gen;
	uint16_t thread;
};

struct gen_due {
	uint64_t due;
	uint32_t idx, gen;
};

/* Invariants: live[0..n_live) are the live blocks, blocks[live[i]].live_pos
 * == i; free_idx holds the recycled indices; heap is a min-heap on `due`
 * whose entries may be stale (gen mismatch or not live). */
struct gen_state {
	const char *file;
	struct trace_builder *b;
	struct diag *d;
	const struct gen_node *where;
	struct gen_rng rng;
	unsigned threads;
	struct gen_block *blocks;
	uint32_t n_blocks, cap;
	uint32_t *live, n_live;
	uint32_t *free_idx, n_free;
	struct gen_due *heap;
	size_t n_heap, cap_heap;
	uint64_t live_bytes, step, seq;
	uint32_t newest, newest_gen;
	int have_newest;
};

static int st_add(struct gen_state *st, enum trace_op op, uint32_t idx, uint64_t size,
		  uint64_t extra)
{
	char err[256];
	if (trace_builder_add(st->b, op, idx, size, extra, st->blocks[idx].thread, err, sizeof err))
		return gen_node_error(st->where, st->file, st->d, "%s", err);
	return 0;
}

static int st_oom(struct gen_state *st)
{
	return gen_node_error(st->where, st->file, st->d, "out of memory");
}

static int block_new(struct gen_state *st, uint32_t *out)
{
	if (st->n_free) {
		*out = st->free_idx[--st->n_free];
		return 0;
	}
	if (st->n_blocks == st->cap) {
		uint32_t cap = st->cap ? st->cap * 2 : 1024;
		struct gen_block *b = realloc(st->blocks, cap * sizeof *b);
		if (b)
			st->blocks = b;
		uint32_t *l = realloc(st->live, cap * sizeof *l);
		if (l)
			st->live = l;
		uint32_t *f = realloc(st->free_idx, cap * sizeof *f);
		if (f)
			st->free_idx = f;
		if (!b || !l || !f)
			return st_oom(st);
		st->cap = cap;
	}
	st->blocks[st->n_blocks].gen = 0;
	*out = st->n_blocks++;
	return 0;
}

static int block_free(struct gen_state *st, uint32_t idx)
{
	struct gen_block *bl = &st->blocks[idx];
	if (st_add(st, TRACE_FREE, idx, 0, 0))
		return -1;
	uint32_t last = st->live[--st->n_live];
	st->live[bl->live_pos] = last;
	st->blocks[last].live_pos = bl->live_pos;
	st->live_bytes -= bl->size;
	bl->gen++;
	st->free_idx[st->n_free++] = idx;
	return 0;
}

static int heap_push(struct gen_state *st, uint64_t due, uint32_t idx)
{
	if (st->n_heap == st->cap_heap) {
		size_t cap = st->cap_heap ? st->cap_heap * 2 : 1024;
		struct gen_due *h = realloc(st->heap, cap * sizeof *h);
		if (!h)
			return st_oom(st);
		st->heap = h;
		st->cap_heap = cap;
	}
	size_t i = st->n_heap++;
	struct gen_due e = {due, idx, st->blocks[idx].gen};
	while (i && st->heap[(i - 1) / 2].due > due) {
		st->heap[i] = st->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	st->heap[i] = e;
	return 0;
}

static void heap_pop(struct gen_state *st)
{
	struct gen_due last = st->heap[--st->n_heap];
	size_t i = 0, n = st->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && st->heap[c + 1].due < st->heap[c].due)
			c++;
		if (st->heap[c].due >= last.due)
			break;
		st->heap[i] = st->heap[c];
		i = c;
	}
	if (n)
		st->heap[i] = last;
}

/* The next block whose free is due by now, skipping stale entries. */
static int heap_due(struct gen_state *st, uint32_t *idx)
{
	while (st->n_heap && st->heap[0].due <= st->step) {
		struct gen_due e = st->heap[0];
		heap_pop(st);
		if (st->blocks[e.idx].gen == e.gen) {
			*idx = e.idx;
			return 1;
		}
	}
	return 0;
}

static int gen_alloc(struct gen_state *st, struct gen_phase *ph)
{
	uint32_t idx = 0;
	uint64_t size = gen_dist_sample(&ph->sizes, &st->rng);
	uint64_t pick = gen_rng_next(&st->rng) >> 32;
	if (block_new(st, &idx))
		return -1;
	struct gen_block *bl = &st->blocks[idx];
	bl->size = size;
	bl->seq = st->seq++;
	bl->thread = (uint16_t)(st->threads > 1 ? gen_rng_below(&st->rng, st->threads) : 0);
	int rc;
	if (pick < ph->p_calloc) /* calloc(n, 16) when it divides, else calloc(n, 1) */
		rc = size && size % 16 == 0 ? st_add(st, TRACE_CALLOC, idx, 16, size / 16)
					    : st_add(st, TRACE_CALLOC, idx, 1, size);
	else if (pick < ph->p_calloc + ph->p_aligned)
		rc = st_add(st, TRACE_ALIGNED, idx, size,
			    ph->aligns[gen_rng_below(&st->rng, ph->n_aligns)]);
	else
		rc = st_add(st, TRACE_MALLOC, idx, size, 0);
	if (rc)
		return -1;
	bl->live_pos = st->n_live;
	st->live[st->n_live++] = idx;
	st->live_bytes += size;
	st->newest = idx;
	st->newest_gen = bl->gen;
	st->have_newest = 1;
	if (ph->has_lifetime)
		return heap_push(st, st->step + gen_dist_sample(&ph->lifetime, &st->rng), idx);
	return 0;
}

static int gen_realloc(struct gen_state *st, struct gen_phase *ph)
{
	uint32_t idx = st->newest;
	if (!ph->realloc_newest || !st->have_newest || st->blocks[idx].gen != st->newest_gen)
		idx = st->live[gen_rng_below(&st->rng, st->n_live)];
	struct gen_block *bl = &st->blocks[idx];
	uint64_t size = (uint64_t)(((unsigned __int128)bl->size * ph->growth_q32) >> 32);
	if (ph->realloc_max && size > ph->realloc_max)
		return block_free(st, idx);
	if (st_add(st, TRACE_REALLOC, idx, size, 0))
		return -1;
	st->live_bytes = st->live_bytes - bl->size + size;
	bl->size = size;
	return 0;
}

/* The live-set ramp's value after event i of n, from `from` to `to`. */
static uint64_t ramp_at(uint64_t from, uint64_t to, uint64_t i, uint64_t n)
{
	unsigned __int128 span = to > from ? to - from : from - to;
	uint64_t part = (uint64_t)(span * i / n);
	return to > from ? from + part : from - part;
}

static int gen_event(struct gen_state *st, struct gen_phase *ph, uint64_t i, uint64_t from)
{
	uint32_t idx;
	st->step++;
	if (ph->has_lifetime && heap_due(st, &idx))
		return block_free(st, idx);
	if (ph->p_realloc && st->n_live && gen_rng_chance(&st->rng, ph->p_realloc))
		return gen_realloc(st, ph);
	if (ph->live_mode && st->n_live) {
		uint64_t now = ph->live_is_bytes ? st->live_bytes : st->n_live;
		if (now >= ramp_at(from, ph->live_target, i + 1, ph->events))
			return block_free(st, st->live[gen_rng_below(&st->rng, st->n_live)]);
	}
	return gen_alloc(st, ph);
}

struct gen_pick {
	uint64_t seq;
	uint32_t idx;
};

static int pick_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct gen_pick *)a)->seq, y = ((const struct gen_pick *)b)->seq;
	return (x > y) - (x < y);
}

/* A free phase (and free_all): the matching live blocks, in order. */
static int gen_free_some(struct gen_state *st, uint64_t lo, uint64_t hi, uint64_t frac_q32,
			 enum gen_order order)
{
	struct gen_pick *p = malloc((st->n_live + 1) * sizeof *p);
	if (!p)
		return st_oom(st);
	size_t n = 0;
	for (uint32_t i = 0; i < st->n_live; i++) {
		const struct gen_block *bl = &st->blocks[st->live[i]];
		if (bl->size >= lo && bl->size <= hi)
			p[n++] = (struct gen_pick){bl->seq, st->live[i]};
	}
	qsort(p, n, sizeof *p, pick_cmp);
	for (size_t i = n; order == ORDER_RANDOM && i > 1; i--) {
		size_t j = gen_rng_below(&st->rng, i);
		struct gen_pick t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
	size_t take = (size_t)(((unsigned __int128)n * frac_q32) >> 32);
	int rc = 0;
	for (size_t i = 0; i < take && !rc; i++)
		rc = block_free(st, p[order == ORDER_NEWEST ? n - 1 - i : i].idx);
	free(p);
	return rc;
}

static int gen_phase_run(struct gen_state *st, struct gen_phase *ph)
{
	st->where = ph->node;
	if (ph->is_free)
		return gen_free_some(st, ph->size_min, ph->size_max, ph->fraction_q32, ph->order);
	uint64_t from = ph->live_is_bytes ? st->live_bytes : st->n_live;
	for (uint64_t i = 0; i < ph->events; i++)
		if (gen_event(st, ph, i, from))
			return -1;
	return ph->free_all ? gen_free_some(st, 0, UINT64_MAX, GEN_Q32_ONE, ORDER_OLDEST) : 0;
}

static int gen_expand(struct gen_spec *s, const char *file, struct trace_builder *b,
		      struct diag *d)
{
	struct gen_state st = {.file = file, .b = b, .d = d, .threads = s->threads};
	gen_rng_seed(&st.rng, s->seed);
	int rc = 0;
	for (uint64_t r = 0; r < s->repeat && !rc; r++)
		for (size_t i = 0; i < s->n_phases && !rc; i++)
			rc = gen_phase_run(&st, &s->phases[i]);
	free(st.blocks);
	free(st.live);
	free(st.free_idx);
	free(st.heap);
	return rc;
}

int gen_expand_yaml(yaml_parser_t *parser, const char *file, uint64_t max_events,
		    struct trace_builder *b, struct diag *d)
{
	struct gen_node root;
	struct gen_parse P = {file, d, max_events ? max_events : TRACE_DEFAULT_MAX_EVENTS};
	struct gen_spec spec;
	if (gen_node_read(parser, file, &root, d))
		return -1;
	int rc = parse_spec(&P, &root, &spec);
	if (!rc)
		rc = gen_expand(&spec, file, b, d);
	spec_free(&spec);
	gen_node_free(&root);
	return rc;
}
