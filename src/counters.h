/* counters.h - the cache pass's hardware figures: one perf_event_open group
 * (instructions, cycles, L1d read misses, LLC misses, dTLB misses) for this
 * process, user space only, enabled around the replay loop alone. Members the
 * machine cannot count are left out and said so; a machine with none (most
 * VMs) gets the callgrind fallback (cache_sim.h). */
#ifndef ALLOCSCOPE_COUNTERS_H
#define ALLOCSCOPE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* The figures of cache.csv, in its column order. */
enum counter_id {
	COUNTER_INSTRUCTIONS,
	COUNTER_CYCLES,
	COUNTER_L1D_MISSES,
	COUNTER_LLC_MISSES,
	COUNTER_DTLB_MISSES,
	COUNTER_COUNT
};

/* value[i] is meaningful only when bit i of `have` is set: a figure that was
 * not measured is absent, never 0. */
struct counter_values {
	uint64_t value[COUNTER_COUNT];
	unsigned have;
};

/* The cache.csv column name: instructions, cycles, l1d_misses, ... */
const char *counter_name(enum counter_id id);

/* fd[i] is -1 for a member that could not be opened; leader is the first
 * member that could (the group is enabled and read through it). */
struct counters {
	int fd[COUNTER_COUNT];
	int leader;
	uint64_t id[COUNTER_COUNT];  /* the kernel's ids, to match the group read */
};

/* Opens the group, disabled. Returns 0 when at least one member counts, else
 * -1 with the reason in why. ALLOCSCOPE_NO_HW_COUNTERS=1 in the environment
 * makes it fail (to exercise the fallback on a machine that has counters). */
int counters_open(struct counters *c, char *why, size_t why_len);
void counters_start(struct counters *c);
void counters_stop(struct counters *c);
/* Reads the group (scaled if the kernel multiplexed it); 0 or -1. */
int counters_read(struct counters *c, struct counter_values *out);
void counters_close(struct counters *c);

/* Lists the members missing from an open group ("dtlb_misses,cycles") into
 * buf; "" when all are there. */
void counters_missing(const struct counters *c, char *buf, size_t len);

#endif
