/* results.h - a run's results directory (SPEC §7): a new
 * ROOT/YYYYMMDD-HHMMSS[-label] never reused, CSV tables rewritten whole
 * after every row, and ROOT/latest moved to it only once it is complete. */
#ifndef ALLOCSCOPE_RESULTS_H
#define ALLOCSCOPE_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define RESULTS_INCOMPLETE_MARK "INCOMPLETE"
#define RESULTS_STAMP_LEN 15 /* YYYYMMDD-HHMMSS, the start of every run's name */
/* A hidden file in each run's directory: its start, in ns since the epoch. */
#define RESULTS_STARTED_FILE ".started"

struct results_dir {
	char root[4096];
	char path[4096];   /* ROOT/YYYYMMDD-HHMMSS[-label][-N] */
	char name[256];    /* the last component */
	uint64_t started_ns; /* what RESULTS_STARTED_FILE says */
};

/* Creates the directory (and timeline/) with an INCOMPLETE marker and its
 * start time. */
int results_create(struct results_dir *rd, const char *root, const char *label,
		   struct diag *d);
/* Removes the marker and points ROOT/latest at the directory (atomically),
 * unless latest already names a run started later. */
int results_complete(struct results_dir *rd, struct diag *d);
/* Writes `why` into the marker: the directory stays, latest does not move.
 * Returns 0, or -1 with errno when the marker could not be written. */
int results_mark_interrupted(struct results_dir *rd, const char *why);
/* Removes the temporary files of writers killed mid-write (a replay process
 * the run killed while it wrote its timeline). Only once every replay
 * process has ended: then nothing can still own one. */
void results_remove_temps(struct results_dir *rd);

/* A CSV file kept whole: every added row rewrites it under a temporary name. */
struct csv_table {
	char path[4200];
	char *text;      /* header and rows */
	size_t len, cap;
};

int csv_table_init(struct csv_table *t, const struct results_dir *rd,
		   const char *file_name, const char *header, struct diag *d);
/* Appends one row (fields already joined by csv_append) and rewrites the
 * file under a temporary name, so a reader sees every earlier row. */
int csv_table_add(struct csv_table *t, const char *row, struct diag *d);
void csv_table_release(struct csv_table *t);

/* Appends `field` to buf (comma first unless buf is empty), quoted as RFC
 * 4180 says when it holds a comma, quote or newline. */
void csv_append(char *buf, size_t len, const char *field);

#endif
