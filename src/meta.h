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
};

struct meta_strategy {
	const char *spec, *params;
	char version[256];   /* as the replay process reported it, or "" */
};

/* Writes RESULTS/meta.yaml (whole file, temporary name then rename). */
int meta_write(const struct results_dir *rd, const struct matrix_options *o,
	       const struct meta_workload *wl, const struct meta_strategy *ms, int complete);

#endif
