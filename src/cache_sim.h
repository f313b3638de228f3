/* cache_sim.h - the cache pass where the machine has no hardware counters:
 * the replay child run under callgrind's cache simulator, collecting only the
 * replay loop function, and its output file read back into the figures of
 * cache.csv. The child replays at most a bounded number of events (its
 * --max-events), since simulation costs about 50x native. */
#ifndef ALLOCSCOPE_CACHE_SIM_H
#define ALLOCSCOPE_CACHE_SIM_H

#include <stddef.h>

#include "counters.h"

/* The replay process switches callgrind's instrumentation and collection on
 * around the loop alone (the wrapper starts both off), so that loading a
 * large trace and creating the strategy run at plain valgrind speed: 5 s
 * less per pass on an 80 MB trace. Collection is toggled by client request
 * rather than --toggle-collect=FUNCTION, which never fires when the
 * instrumentation was switched on after start (measured: all costs 0). The
 * header comes with valgrind; without it there is no simulated pass. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define CACHE_SIM_CLIENT_REQUESTS 1
#endif
#endif

/* No-ops outside valgrind: a handful of instructions. */
static inline void cache_sim_start(void)
{
#ifdef CACHE_SIM_CLIENT_REQUESTS
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_TOGGLE_COLLECT;
#endif
}

static inline void cache_sim_stop(void)
{
#ifdef CACHE_SIM_CLIENT_REQUESTS
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_STOP_INSTRUMENTATION;
#endif
}

/* The default bound on the events replayed under the simulator: the first
 * this many of each trace (`run --cache-events N` changes it). Callgrind
 * costs ~0.3-0.7 s to start plus ~15 us per event; with two simulations side
 * by side, 20000 keeps a whole `make bench` (13 workloads x 11 strategies,
 * 5 reps) within about 3 minutes on this 2-core machine (README has the
 * figure). */
#define CACHE_SIM_DEFAULT_EVENTS 20000u

/* The function whose cost is collected (with what it calls): the throughput
 * loop, so the simulated pass makes the throughput pass's calls. The
 * simulated caches start cold at the loop, since nothing before it was
 * instrumented. */
#define CACHE_SIM_FUNCTION "replay_throughput"

/* What cache_sim_parse fills, and what it leaves absent: cycles and dTLB
 * misses have no simulated figure. llc_misses is DLmr + DLmw (last-level
 * data read and write misses); l1d_misses is D1mr (L1 data read misses). */
#define CACHE_SIM_FIGURES \
	((1u << COUNTER_INSTRUCTIONS) | (1u << COUNTER_L1D_MISSES) | (1u << COUNTER_LLC_MISSES))

/* 0 when valgrind is on PATH, else -1 with the reason. */
int cache_sim_available(char *why, size_t why_len);

/* The wrapper command that runs a child under callgrind: argv is
 * NULL-terminated and points into the option strings. Callgrind writes its
 * profile to out_file and its own messages to log_file. */
struct cache_sim_command {
	char *argv[10];
	char out_option[4200], log_option[4200];
};
void cache_sim_command(struct cache_sim_command *c, const char *out_file, const char *log_file);

/* Reads a callgrind profile: the `events:` header line names the columns of
 * the `totals:` line (`summary:` when there is none; missing trailing
 * columns are 0, as the format says). Totals first: with --instr-atstart=no
 * callgrind 3.19 writes `summary: 0` in the header and the real sum at the
 * end. Returns 0 with out filled (have =
 * CACHE_SIM_FIGURES), or -1 with the reason in err. */
int cache_sim_parse(const char *path, struct counter_values *out, char *err, size_t err_len);

#endif
