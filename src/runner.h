/* runner.h - one replay in a fresh child process: fork, exec
 * `allocscope __replay ...` with the strategy's library preloaded, read its
 * `key value` report, enforce the time limit, and turn how it ended into a
 * status (`ok`, `crashed:SIGSEGV`, `timeout`, `failed:REASON`). */
#ifndef ALLOCSCOPE_RUNNER_H
#define ALLOCSCOPE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#define RUNNER_REPORT_MAX 8192

/* The replay child's side of the protocol: it writes its report to this
 * descriptor, and exits with RUNNER_EXIT_SETUP_FAILED (after an `error`
 * line) when it could not get as far as replaying. */
#define RUNNER_RESULT_FD 3
#define RUNNER_EXIT_SETUP_FAILED 3

struct runner_result {
	char status[512];                /* as the CSVs print it */
	char report[RUNNER_REPORT_MAX];  /* the child's `key value` lines */
	int crashed;                     /* not ok: no figures to trust */
};

/* Runs `allocscope __replay ARGS...` (argv NULL-terminated, without the
 * program and subcommand) with `preload` (may be NULL) in LD_PRELOAD, killed
 * after timeout_s seconds (0: no limit). Returns 0 when the child could be
 * started (its fate is in res->status), -1 otherwise. */
int runner_replay(char *const args[], const char *preload, unsigned timeout_s,
		  struct runner_result *res);

/* The same in two halves, so that untimed replays (the simulated cache pass)
 * can run side by side: at most RUNNER_MAX_CHILDREN started and not yet
 * waited for. runner_start returns 0 or -1 (nothing started); every started
 * child must be given to runner_wait, which fills res as runner_replay does.
 * A `wrapper` (NULL-terminated, looked up on PATH; may be NULL) starts the
 * child under another program, such as valgrind and its options;
 * LD_PRELOAD is set for the wrapper, which passes it on. */
#define RUNNER_MAX_CHILDREN 4
struct runner_child {
	int pid, fd;
	int64_t deadline;  /* ms on CLOCK_MONOTONIC, 0: none */
};
int runner_start(char *const wrapper[], char *const args[], const char *preload,
		 unsigned timeout_s, struct runner_child *c);
void runner_wait(struct runner_child *c, struct runner_result *res);

/* A value from the child's report: 0 and the value, or -1 when absent. */
int runner_get(const struct runner_result *res, const char *key, char *buf, size_t len);
int runner_get_u64(const struct runner_result *res, const char *key, uint64_t *out);

/* Kills the running children (if any): for SIGINT/SIGTERM handlers (a child
 * leads its own process group, so a terminal's Ctrl-C reaches only this
 * process; see signals.c). Async-signal-safe. */
void runner_kill_current(void);

#endif
