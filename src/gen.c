/* gen.c - expands a `generate:` spec (read and checked by gen_spec.c, whose
 * header comment gives the vocabulary) phase by phase into a trace_builder.
 * Random numbers come from gen_dist.c, which uses no floating point, so a
 * spec gives the same events on every machine.
 *
 * Determinism: xoshiro256** seeded by splitmix64; integers drawn with
 * Lemire's unbiased method; exponential and lognormal through integer
 * log2/exp2 (see gen_dist.c); ties and orders resolved by allocation order,
 * never by addresses or hash order.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include "gen_spec.h"

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
	uint64_t max_events;  /* the limit gen_spec_parse checked the events phases against */
};

static int st_add(struct gen_state *st, enum trace_op op, uint32_t idx, uint64_t size,
		  uint64_t extra)
{
	char err[256];
	/* Free phases and free_all add events the spec's count could not know
	 * (one per live block): the limit is held here, event by event. */
	if (st->b->trace.n_events >= st->max_events)
		return gen_node_error(st->where, st->file, st->d, "the spec expands to more than "
				      "%llu events (with the frees of its free phases)",
				      (unsigned long long)st->max_events);
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
	if (!ph->has_lifetime)
		return 0;
	/* A lifetime past the end of time is forever, not a wrap to the past. */
	uint64_t due;
	if (__builtin_add_overflow(st->step, gen_dist_sample(&ph->lifetime, &st->rng), &due))
		due = UINT64_MAX;
	return heap_push(st, due, idx);
}

static int gen_realloc(struct gen_state *st, struct gen_phase *ph)
{
	uint32_t idx = st->newest;
	if (!ph->realloc_newest || !st->have_newest || st->blocks[idx].gen != st->newest_gen)
		idx = st->live[gen_rng_below(&st->rng, st->n_live)];
	struct gen_block *bl = &st->blocks[idx];
	/* Saturated, not wrapped: growth past 2^64 is the largest size, which
	 * `max` lets go and --max-size refuses, never a block shrunk to 0. */
	unsigned __int128 grown = ((unsigned __int128)bl->size * ph->growth_q32) >> 32;
	uint64_t size = grown > UINT64_MAX ? UINT64_MAX : (uint64_t)grown;
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
	/* The realloc share is of all events, so it is drawn first; a block
	 * due now is then freed at the next event that is not a realloc. */
	if (ph->p_realloc && st->n_live && gen_rng_chance(&st->rng, ph->p_realloc))
		return gen_realloc(st, ph);
	/* Any phase frees a block whose lifetime is up, whichever phase gave
	 * it that lifetime. */
	if (heap_due(st, &idx))
		return block_free(st, idx);
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
	if (!st->n_live)
		return 0; /* cheap, for a `repeat` of phases that free an empty heap */
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
	for (size_t i = n; order == GEN_ORDER_RANDOM && i > 1; i--) {
		size_t j = gen_rng_below(&st->rng, i);
		struct gen_pick t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
	size_t take = (size_t)(((unsigned __int128)n * frac_q32) >> 32);
	int rc = 0;
	for (size_t i = 0; i < take && !rc; i++)
		rc = block_free(st, p[order == GEN_ORDER_NEWEST ? n - 1 - i : i].idx);
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
	return ph->free_all ? gen_free_some(st, 0, UINT64_MAX, GEN_Q32_ONE, GEN_ORDER_OLDEST) : 0;
}

static int gen_expand(struct gen_spec *s, const char *file, uint64_t max_events,
		      struct trace_builder *b, struct diag *d)
{
	struct gen_state st = {.file = file, .b = b, .d = d, .threads = s->threads,
			       .max_events = max_events};
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
	struct gen_spec spec;
	if (gen_node_read(parser, file, &root, d))
		return -1;
	if (!max_events)
		max_events = TRACE_DEFAULT_MAX_EVENTS;
	int rc = gen_spec_parse(&root, file, max_events, &spec, d);
	if (!rc)
		rc = gen_expand(&spec, file, max_events, b, d);
	gen_spec_free(&spec);
	gen_node_free(&root);
	return rc;
}
