/* csv_rows.c - the CSV headers and rows of SPEC §7 (csv_rows.h). */
#include "csv_rows.h"

#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "latency.h"
#include "meta.h"
#include "results.h"
#include "runner.h"
#include "sorted.h"
#include "strategy.h"
#include "summary.h"

const char csv_throughput_header[] =
	"workload,strategy,params,reps,events,ns_per_op_median,ns_per_op_min,"
	"ns_per_op_max,mops_per_sec,status";
const char csv_fragmentation_header[] =
	"workload,strategy,peak_live_bytes,peak_heap_bytes,heap_at_peak_live_bytes,"
	"live_at_peak_heap_bytes,frag_peaks,internal_frag_bytes,utilization,"
	"max_rss_bytes,status";
const char csv_latency_header[] =
	"workload,strategy,op,count,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns";
const char csv_cache_header[] =
	"workload,strategy,source,events,instructions,cycles,l1d_misses,llc_misses,dtlb_misses";

static void fmt_u64(char *buf, size_t len, const struct runner_result *res, const char *key)
{
	uint64_t v;
	if (runner_get_u64(res, key, &v) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		buf[0] = '\0';
}

int csv_row_fragmentation(struct csv_table *csv, const struct meta_workload *w,
			  const struct strategy *s, const struct runner_result *res,
			  struct summary_cell *cell, struct diag *d)
{
	char row[2048] = "", f[6][32], frag[32] = "", util[32] = "";
	static const char *const keys[] = {"peak_live_bytes", "peak_heap_bytes",
		"heap_at_peak_live_bytes", "live_at_peak_heap_bytes", "internal_frag_bytes",
		"max_rss_bytes"};
	for (int i = 0; i < 6; i++)
		fmt_u64(f[i], sizeof f[i], res, keys[i]);
	uint64_t live = 0, heap = 0;
	if (!res->crashed && !runner_get_u64(res, "peak_live_bytes", &live) &&
	    !runner_get_u64(res, "peak_heap_bytes", &heap) && live && heap) {
		cell->frag_peaks = (double)heap / (double)live - 1.0;
		cell->has_frag = 1;
		snprintf(frag, sizeof frag, "%.6f", cell->frag_peaks);
		snprintf(util, sizeof util, "%.6f", (double)live / (double)heap);
	}
	csv_append(row, sizeof row, w->name);
	csv_append(row, sizeof row, s->spec);
	for (int i = 0; i < 4; i++)
		csv_append(row, sizeof row, f[i]);
	csv_append(row, sizeof row, frag);
	csv_append(row, sizeof row, f[4]);
	csv_append(row, sizeof row, util);
	csv_append(row, sizeof row, f[5]);
	csv_append(row, sizeof row, res->status);
	return csv_table_add(csv, row, d);
}

int csv_row_throughput(struct csv_table *csv, const struct meta_workload *w,
		       const struct strategy *s, double *ns_per_op, unsigned ok_reps,
		       const char *status, struct summary_cell *cell, struct diag *d)
{
	char row[2048] = "", reps[16], events[32], med[32] = "", lo[32] = "", hi[32] = "",
	     mops[32] = "";
	snprintf(reps, sizeof reps, "%u", ok_reps);
	snprintf(events, sizeof events, "%llu", (unsigned long long)w->events);
	if (ok_reps) {
		double median = sorted_median(ns_per_op, ok_reps);
		cell->ns_median = median;
		cell->ns_min = ns_per_op[0];
		cell->ns_max = ns_per_op[ok_reps - 1];
		cell->has_ns = 1;
		snprintf(med, sizeof med, "%.3f", median);
		snprintf(lo, sizeof lo, "%.3f", ns_per_op[0]);
		snprintf(hi, sizeof hi, "%.3f", ns_per_op[ok_reps - 1]);
		snprintf(mops, sizeof mops, "%.3f", median > 0 ? 1000.0 / median : 0.0);
	}
	csv_append(row, sizeof row, w->name);
	csv_append(row, sizeof row, s->spec);
	csv_append(row, sizeof row, s->params);
	csv_append(row, sizeof row, reps);
	csv_append(row, sizeof row, events);
	csv_append(row, sizeof row, med);
	csv_append(row, sizeof row, lo);
	csv_append(row, sizeof row, hi);
	csv_append(row, sizeof row, mops);
	csv_append(row, sizeof row, status);
	return csv_table_add(csv, row, d);
}

/* The child's `latency_OP count mean p50 p90 p99 p99.9 p99.99 max` lines,
 * one row per call kind the trace has, the numbers copied as reported. */
int csv_rows_latency(struct csv_table *csv, const struct meta_workload *w,
		     const struct strategy *s, const struct runner_result *res, struct diag *d)
{
	for (int op = 0; op < TRACE_OP_COUNT; op++) {
		char key[32], value[512], row[2048] = "";
		snprintf(key, sizeof key, "latency_%s", trace_op_name((enum trace_op)op));
		if (runner_get(res, key, value, sizeof value))
			continue;
		csv_append(row, sizeof row, w->name);
		csv_append(row, sizeof row, s->spec);
		csv_append(row, sizeof row, trace_op_name((enum trace_op)op));
		int fields = 0;
		for (char *tok = strtok(value, " "); tok; tok = strtok(NULL, " "), fields++)
			csv_append(row, sizeof row, tok);
		if (fields != 8)
			return diag_set(d, NULL, 0, 0, "malformed '%s' line from the replay of '%s'",
					key, s->spec);
		if (csv_table_add(csv, row, d))
			return -1;
	}
	return 0;
}

/* Figures absent from `v` stay empty fields: never a silent zero. */
int csv_row_cache(struct csv_table *csv, const struct meta_workload *w,
		  const struct strategy *s, const char *source, uint64_t events,
		  const struct counter_values *v, struct diag *d)
{
	char row[2048] = "", num[32];
	csv_append(row, sizeof row, w->name);
	csv_append(row, sizeof row, s->spec);
	csv_append(row, sizeof row, source);
	snprintf(num, sizeof num, "%llu", (unsigned long long)events);
	csv_append(row, sizeof row, num);
	for (int i = 0; i < COUNTER_COUNT; i++) {
		num[0] = '\0';
		if (v->have & (1u << i))
			snprintf(num, sizeof num, "%llu", (unsigned long long)v->value[i]);
		csv_append(row, sizeof row, num);
	}
	return csv_table_add(csv, row, d);
}
