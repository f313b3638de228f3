/* csv_rows.h - the four CSV files of SPEC §7: their headers, which are the
 * contract (add columns at the end, never rename), and how one row of each
 * is made from what a replay process reported. matrix.c decides when a row
 * is written; this file decides what it says. */
#ifndef ALLOCSCOPE_CSV_ROWS_H
#define ALLOCSCOPE_CSV_ROWS_H

#include <stdint.h>

struct counter_values;
struct csv_table;
struct diag;
struct meta_workload;
struct runner_result;
struct strategy;
struct summary_cell;

extern const char csv_throughput_header[];
extern const char csv_fragmentation_header[];
extern const char csv_latency_header[];
extern const char csv_cache_header[];

/* Each adds its row(s) to csv and returns 0, or -1 with d set. */

/* From the memory pass's report; fills cell's frag_peaks when it has one. */
int csv_row_fragmentation(struct csv_table *csv, const struct meta_workload *w,
			  const struct strategy *s, const struct runner_result *res,
			  struct summary_cell *cell, struct diag *d);

/* From the ok_reps ns/event figures of the throughput passes, which it
 * sorts; fills cell's median and spread. */
int csv_row_throughput(struct csv_table *csv, const struct meta_workload *w,
		       const struct strategy *s, double *ns_per_op, unsigned ok_reps,
		       const char *status, struct summary_cell *cell, struct diag *d);

/* One row per call kind the latency pass reported. */
int csv_rows_latency(struct csv_table *csv, const struct meta_workload *w,
		     const struct strategy *s, const struct runner_result *res, struct diag *d);

/* The figures v has; the others stay empty fields, never a silent zero. */
int csv_row_cache(struct csv_table *csv, const struct meta_workload *w,
		  const struct strategy *s, const char *source, uint64_t events,
		  const struct counter_values *v, struct diag *d);

#endif
