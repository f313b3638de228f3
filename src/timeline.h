/* timeline.h - the heap-over-time samples of a memory pass, written as
 * timeline/WORKLOAD__STRATEGY.csv (`event,live_bytes,heap_bytes`). */
#ifndef ALLOCSCOPE_TIMELINE_H
#define ALLOCSCOPE_TIMELINE_H

#include <limits.h>
#include <stddef.h>

#include "fileio.h"
#include "replay.h"

/* Writes the CSV through a temporary file and a rename. 0, or -1 (errno). */
int timeline_write(const char *path, const struct timeline_sample *s, size_t n);

/* The file name for a (workload, strategy) pair, at most NAME_MAX bytes:
 * WORKLOAD__STRATEGY.csv with the strategy's bytes outside
 * [A-Za-z0-9._=:,+-] written as %XX (so `first-fit:order=lifo` stays as
 * typed and a plugin path's '/' becomes %2F). Distinct strategies get
 * distinct names; one whose name would pass TIMELINE_NAME_MAX is cut and
 * ends in '~' and 16 hex digits of its hash. The limit leaves room for the
 * temporary name the file is first written under (name + FILEIO_TEMP_SUFFIX
 * must fit NAME_MAX). A workload name is at most TRACE_NAME_MAX - 1 bytes,
 * which leaves room. */
#define TIMELINE_NAME_MAX (NAME_MAX - (sizeof FILEIO_TEMP_SUFFIX - 1))
#define TIMELINE_NAME_SIZE (TIMELINE_NAME_MAX + 1)
void timeline_file_name(char name[TIMELINE_NAME_SIZE], const char *workload, const char *strategy);

#endif
