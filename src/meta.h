/* meta.h - meta.yaml: the record of the machine, versions and settings behind
 * every figure of a results directory. */
#ifndef ALLOCSCOPE_META_H
#define ALLOCSCOPE_META_H

#include <stdint.h>

#include "matrix.h"
#include "results.h"

struct meta_workload {
	const char *path;
	char name[128];
	uint64_t events, peak_live_bytes;
	char cache_path[4096];  /* the binary cache replay processes map, or "" */
	char cache_key[20];     /* its key in hex */
};

struct meta_strategy {
	const char *spec, *params;
	char version[256];   /* as the replay process reported it, or "" */
};

/* How the latency and cache figures were taken. The timer fields stay
 * empty (timer_passes 0) until a latency pass has reported. */
struct meta_measure {
	char timer_kind[16];        /* "tsc" or "clock" */
	double ticks_per_ns;
	double cost_ns_min, cost_ns_max;  /* subtracted from every sample, per pass */
	double cost_median_ns;      /* the first pass's median empty timing */
	unsigned timer_passes;
	uint64_t off_cpu_calls;     /* recorded less their time off the CPU, all passes */
	uint64_t off_cpu_ns;        /* that time, all passes */
	const char *cache_source;   /* "hw", "sim", "none" or "off" */
	char cache_note[512];       /* which figures are absent, and why */
	char cache_failed[2048];    /* "workload x strategy: status; ..." */
};

/* Writes RESULTS/meta.yaml (whole file, temporary name then rename). */
int meta_write(const struct results_dir *rd, const struct matrix_options *o,
	       const struct meta_workload *wl, const struct meta_strategy *ms,
	       const struct meta_measure *mm, int complete);

#endif
