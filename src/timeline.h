/* timeline.h - the heap-over-time samples of a memory pass, written as
 * timeline/WORKLOAD__STRATEGY.csv (`event,live_bytes,heap_bytes`). */
#ifndef ALLOCSCOPE_TIMELINE_H
#define ALLOCSCOPE_TIMELINE_H

#include <stddef.h>

#include "replay.h"

/* Writes the CSV through a temporary file and a rename. 0, or -1 (errno). */
int timeline_write(const char *path, const struct timeline_sample *s, size_t n);

/* The file name for a (workload, strategy) pair: characters other than
 * [A-Za-z0-9._=-] in the strategy become '_'. */
void timeline_file_name(char *buf, size_t len, const char *workload, const char *strategy);

#endif
