/* matrix.h - a run: every workload against every strategy, each replay in
 * its own process, results into a new results directory. What `run` and
 * `bench` share. */
#ifndef ALLOCSCOPE_MATRIX_H
#define ALLOCSCOPE_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "replay.h"

#define MATRIX_MAX_ITEMS 256
#define MATRIX_MAX_REPS 1000   /* -n: every repetition's figure is kept */
#define MATRIX_MAX_LABEL 64    /* --label: the directory name keeps room for its -N */

struct matrix_options {
	char *strategies[MATRIX_MAX_ITEMS];
	size_t n_strategies;
	char *workloads[MATRIX_MAX_ITEMS];
	size_t n_workloads;
	unsigned reps;            /* throughput repetitions, each a fresh process;
				     at most MATRIX_MAX_REPS */
	enum touch_mode touch;
	uint64_t size_scale;
	uint64_t max_size;
	unsigned timeout_s;       /* per replay process; 0: none */
	int no_latency;           /* skip the latency pass */
	int no_cache;             /* skip the cache pass */
	uint64_t cache_events;    /* events replayed by a simulated cache pass */
	const char *root;         /* results root */
	const char *label;        /* appended to the directory name, or NULL */
	char command[8192];       /* the command line as typed, for meta.yaml */
};

/* Sets the defaults of SPEC §6 (5 reps, touch=pages, scale 1, ...). */
void matrix_options_init(struct matrix_options *o);

/* Parses the options `run` and `bench` share (-a -w -n -o --touch
 * --size-scale --max-size --timeout --label --no-latency --no-cache
 * --cache-events); returns 0, -1 after printing the error, or 1 after
 * printing `usage` for --help (the command then succeeds). */
int matrix_parse_args(struct matrix_options *o, int argc, char **argv, const char *usage);

/* Runs the matrix. Returns 0 when every row is ok, 1 when some replay failed
 * (crash, timeout, invalid, oom), 2 when the input was bad (a trace or a
 * strategy that cannot be loaded: nothing is run). */
int matrix_run(const struct matrix_options *o);

#endif
