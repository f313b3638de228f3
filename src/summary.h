/* summary.h - the table printed after a run: per workload, each strategy's
 * median ns/event with its spread, its frag_peaks, and its speed relative to
 * `system`. */
#ifndef ALLOCSCOPE_SUMMARY_H
#define ALLOCSCOPE_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

struct meta_workload;
struct strategy;

struct summary_cell {
	double ns_median, ns_min, ns_max, frag_peaks;
	int has_ns, has_frag;
	char status[128];
};

struct summary {
	struct summary_cell *cells; /* n_workloads x n_strategies */
	size_t n_workloads, n_strategies;
};

int summary_init(struct summary *s, size_t n_workloads, size_t n_strategies);
struct summary_cell *summary_cell(struct summary *s, size_t workload, size_t strategy);
void summary_print(const struct summary *s, FILE *out, const struct meta_workload *wl,
		   const struct strategy *st);
void summary_release(struct summary *s);

#endif
