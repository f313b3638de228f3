/* matrix.c - the run loop: load and validate everything first (bad input
 * stops the run before anything is written), then per workload one memory
 * pass per strategy, REPS throughput passes taken round-robin across the
 * strategies (so slow drift of a shared machine spreads over all of them),
 * then one latency pass and one cache pass per strategy (hardware counters,
 * or callgrind on the first --cache-events events), each in a fresh process,
 * rows (csv_rows.c) written as soon as they are known. */
#include "matrix.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cache_sim.h"
#include "cli.h"
#include "counters.h"
#include "csv_rows.h"
#include "meta.h"
#include "results.h"
#include "runner.h"
#include "strategy.h"
#include "summary.h"
#include "timeline.h"
#include "trace.h"

/* Copies into a char array, cutting what does not fit. */
#define COPY_STATUS(dst, src) snprintf((dst), sizeof(dst), "%.*s", (int)sizeof(dst) - 1, (src))

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
	runner_kill_current();
}

/* ---- validating the input before anything runs ------------------------- */

static int load_workloads(const struct matrix_options *o, struct meta_workload *wl)
{
	struct trace_load_options lo = {.max_size = o->max_size, .warn = diag_print_warning};
	for (size_t i = 0; i < o->n_workloads; i++) {
		struct trace t = {0};
		struct diag d;
		if (trace_load(o->workloads[i], &lo, &t, &d)) {
			diag_print(&d);
			return -1;
		}
		if (!replay_scale_fits(&t, o->size_scale)) {
			error_msg("%s: its largest request, %llu bytes, times --size-scale %llu "
				  "passes 2^62 bytes", o->workloads[i],
				  (unsigned long long)t.max_request, (unsigned long long)o->size_scale);
			trace_free(&t);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(wl[j].name, t.name)) {
				error_msg("workloads '%s' and '%s' are both named '%s'",
					  wl[j].path, o->workloads[i], t.name);
				trace_free(&t);
				return -1;
			}
		wl[i].path = o->workloads[i];
		snprintf(wl[i].name, sizeof wl[i].name, "%s", t.name);
		wl[i].events = t.n_events;
		wl[i].peak_live_bytes = t.peak_live_bytes;
		snprintf(wl[i].cache_path, sizeof wl[i].cache_path, "%s", t.cache_path);
		snprintf(wl[i].cache_key, sizeof wl[i].cache_key, "%016llx",
			 (unsigned long long)t.cache_key);
		trace_free(&t);
	}
	return 0;
}

static int resolve_strategies(const struct matrix_options *o, struct strategy *s)
{
	for (size_t i = 0; i < o->n_strategies; i++) {
		struct diag d;
		if (strategy_resolve(o->strategies[i], &s[i], &d) ||
		    strategy_try_create(&s[i], &d)) {
			diag_print(&d);
			return -1;
		}
	}
	return 0;
}

/* ---- one replay process -------------------------------------------------- */

struct job {
	const struct matrix_options *o;
	const struct strategy *s;
	const struct meta_workload *w;
	const char *pass;
	const char *timeline_path;
	char *const *wrapper;   /* run the child under this command, or NULL */
	uint64_t max_events;    /* 0: every event */
};

/* Starts the replay process of j (the arguments are the child's own once it
 * is forked). Returns 0, or -1 when no process could be started. */
static int job_start(const struct job *j, struct runner_child *c)
{
	char scale[32], max_size[32], max_events[32];
	snprintf(scale, sizeof scale, "%llu", (unsigned long long)j->o->size_scale);
	snprintf(max_size, sizeof max_size, "%llu", (unsigned long long)j->o->max_size);
	char *args[24] = {
		"--trace", (char *)j->w->path, "--strategy", (char *)j->s->spec,
		"--pass", (char *)j->pass, "--touch", (char *)replay_touch_name(j->o->touch),
		"--size-scale", scale, "--max-size", max_size,
	};
	size_t n = 12;
	if (j->timeline_path) {
		args[n++] = "--timeline";
		args[n++] = (char *)j->timeline_path;
	}
	if (j->max_events) {
		snprintf(max_events, sizeof max_events, "%llu", (unsigned long long)j->max_events);
		args[n++] = "--max-events";
		args[n++] = max_events;
	}
	if (j->w->cache_path[0]) {
		/* Spares every replay process reading and hashing the YAML file. */
		args[n++] = "--cache";
		args[n++] = (char *)j->w->cache_path;
		args[n++] = "--cache-key";
		args[n++] = (char *)j->w->cache_key;
	}
	args[n] = NULL;
	const char *preload = j->s->ops->preload ? j->s->ops->preload(&j->s->cfg) : NULL;
	return runner_start(j->wrapper, args, preload, j->o->timeout_s, c);
}

/* Waits for a job_start'ed process; started 0 means it never was. */
static void job_finish(int started, struct runner_child *c, struct runner_result *res)
{
	if (started) {
		runner_wait(c, res);
	} else {
		memset(res, 0, sizeof *res);
		res->crashed = 1;
		COPY_STATUS(res->status, "failed:cannot start a replay process");
	}
	if (interrupted)
		COPY_STATUS(res->status, "interrupted");
}

static void run_job(const struct job *j, struct runner_result *res)
{
	struct runner_child c;
	job_finish(job_start(j, &c) == 0, &c, res);
}

/* ---- progress on a terminal ---------------------------------------------- */

struct progress {
	int on;
	unsigned done, total;
	time_t start;
	unsigned shown;  /* the number of the pass last shown */
};

/* The bytes of s that fill at most `cols` columns (one per UTF-8
 * character), or all of it when cols is 0. */
static int progress_fit(const char *s, unsigned cols)
{
	unsigned used = 0;
	int i = 0;
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && cols && used++ == cols)
			break;
	return i;
}

static void progress_show(struct progress *p, const char *strategy, const char *workload,
			  const char *what)
{
	if (!p->on)
		return;
	long elapsed = (long)(time(NULL) - p->start);
	long eta = p->done ? elapsed * (long)(p->total - p->done) / (long)p->done : 0;
	/* Passes running side by side are numbered apart, not both done + 1. */
	p->shown = (p->done > p->shown ? p->done : p->shown) + 1;
	char line[1024];
	snprintf(line, sizeof line, "[%u/%u] %s \xc3\x97 %s  %s  ETA %ld:%02ld", p->shown,
		 p->total, strategy, workload, what, eta / 60, eta % 60);
	/* A line wider than the terminal wraps, and \033[K then clears only its
	 * last row: the next line would pile up under the old one. */
	struct winsize ws;
	unsigned cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 0;
	fprintf(stderr, "\r\033[K%.*s", progress_fit(line, cols), line);
	fflush(stderr);
}

/* ---- the loop ------------------------------------------------------------ */

/* Where cache.csv's figures come from, chosen once per run. */
enum cache_mode { CACHE_OFF, CACHE_NONE, CACHE_HW, CACHE_SIM };

struct run_state {
	const struct matrix_options *o;
	struct strategy *s;
	struct meta_workload *wl;
	struct meta_strategy *ms;
	struct meta_measure mm;
	enum cache_mode cache_mode;
	unsigned cache_failures, sim_seq;
	struct results_dir rd;
	struct csv_table throughput, fragmentation, latency, cache;
	struct summary summary;
	struct progress progress;
	int failed;
	unsigned files_lost;  /* timeline files a replay could not write */
};

/* Processes per (workload, strategy): memory, REPS throughput, latency, cache. */
static unsigned passes_per_cell(const struct run_state *st)
{
	return 1 + st->o->reps + !st->o->no_latency +
	       (st->cache_mode == CACHE_HW || st->cache_mode == CACHE_SIM);
}

static void note_status(struct run_state *st, size_t si, const char *status,
			const struct runner_result *res)
{
	char version[256];
	if (res && !st->ms[si].version[0] && runner_get(res, "version", version, sizeof version) == 0)
		COPY_STATUS(st->ms[si].version, version);
	if (strcmp(status, "ok") && strncmp(status, "skipped:", 8))
		st->failed = 1;
}

/* What one strategy's replays on the current workload have given so far. */
struct strategy_work {
	char skip[300];      /* "skipped:REASON" when unavailable */
	char status[512];    /* first status other than ok, else "ok" */
	double ns_per_op[MATRIX_MAX_REPS];
	unsigned ok_reps;
	unsigned reps_done;  /* throughput passes run to the end, or settled */
};

/* A pass that crashed, timed out or found an invalid block decides the
 * strategy's row on this workload: more passes would only repeat it. */
static int status_is_final(const char *status)
{
	return strcmp(status, "ok") && strncmp(status, "oom:", 4);
}

/* Unavailable, or already crashed, timed out or invalid on this workload:
 * no further pass of the strategy would add a figure. */
static int work_settled(const struct strategy_work *sw)
{
	return sw->skip[0] || status_is_final(sw->status);
}

/* A pass not run because the strategy is settled still counts as done on
 * the progress line (an unavailable one had all its passes counted). */
static void pass_settled(struct run_state *st, const struct strategy_work *sw)
{
	if (!sw->skip[0])
		st->progress.done++;
}

/* Memory passes are untimed and their figures do not depend on the load, so
 * they run two at a time; rows are still written in strategy order. */
#define MEMORY_JOBS 2
_Static_assert(MEMORY_JOBS <= RUNNER_MAX_CHILDREN, "the runner tracks the children");

struct memory_job {
	size_t si;
	int started;
	struct runner_child child;
	struct runner_result res;
	char timeline[4800];
};

static void memory_job_start(struct run_state *st, size_t wi, size_t si,
			     struct strategy_work *sw, struct memory_job *mj)
{
	const struct meta_workload *w = &st->wl[wi];
	char why[256] = "";
	mj->si = si;
	mj->started = -1;
	COPY_STATUS(sw->status, "ok");
	if (strategy_available(&st->s[si], why, sizeof why)) {
		snprintf(sw->skip, sizeof sw->skip, "skipped:%.*s", 250, why);
		memset(&mj->res, 0, sizeof mj->res);
		COPY_STATUS(mj->res.status, sw->skip);
		mj->res.crashed = 1;
		st->progress.done += passes_per_cell(st);
		return;
	}
	char name[TIMELINE_NAME_SIZE];
	timeline_file_name(name, w->name, st->s[si].spec);
	snprintf(mj->timeline, sizeof mj->timeline, "%s/timeline/%s", st->rd.path, name);
	progress_show(&st->progress, st->s[si].spec, w->name, "memory");
	struct job j = {st->o, &st->s[si], w, "memory", mj->timeline, NULL, 0};
	mj->started = job_start(&j, &mj->child) == 0;
}

static int memory_job_finish(struct run_state *st, size_t wi, struct strategy_work *work,
			     struct memory_job *mj, struct diag *d)
{
	struct strategy_work *sw = &work[mj->si];
	struct summary_cell *cell = summary_cell(&st->summary, wi, mj->si);
	if (mj->started >= 0) {
		job_finish(mj->started, &mj->child, &mj->res);
		st->progress.done++;
		if (interrupted)
			return 0; /* a pass cut short is no row */
		if (status_is_final(mj->res.status))
			COPY_STATUS(sw->status, mj->res.status);
	}
	/* The replay could not write its timeline: the row stands, but the run
	 * is missing a file it promises, so it says so, ends in failure and is
	 * not called complete (latest stays where it was). */
	char warning[512];
	if (runner_get(&mj->res, "warning", warning, sizeof warning) == 0) {
		warn_msg("%s on %s: %s", st->s[mj->si].spec, st->wl[wi].name, warning);
		st->failed = 1;
		st->files_lost++;
	}
	COPY_STATUS(cell->status, mj->res.status);
	note_status(st, mj->si, mj->res.status, &mj->res);
	return csv_row_fragmentation(&st->fragmentation, &st->wl[wi], &st->s[mj->si],
				     &mj->res, cell, d);
}

static void memory_passes(struct run_state *st, size_t wi, struct strategy_work *work,
			  struct diag *d, int *err)
{
	static struct memory_job jobs[MEMORY_JOBS];
	size_t si = 0;
	while (si < st->o->n_strategies && !interrupted && !*err) {
		size_t n = 0;
		for (; si < st->o->n_strategies && n < MEMORY_JOBS; si++)
			memory_job_start(st, wi, si, &work[si], &jobs[n++]);
		for (size_t k = 0; k < n; k++)
			if (memory_job_finish(st, wi, work, &jobs[k], d))
				*err = 1;
	}
}

static void throughput_passes(struct run_state *st, size_t wi, struct strategy_work *work)
{
	const struct meta_workload *w = &st->wl[wi];
	const unsigned reps = st->o->reps;
	for (unsigned rep = 0; rep < reps && !interrupted; rep++) {
		for (size_t si = 0; si < st->o->n_strategies && !interrupted; si++) {
			struct strategy_work *sw = &work[si];
			if (sw->skip[0])
				continue;
			if (status_is_final(sw->status)) {
				st->progress.done++;
				sw->reps_done++;
				continue;
			}
			char what[64];
			snprintf(what, sizeof what, "rep %u/%u", rep + 1, reps);
			progress_show(&st->progress, st->s[si].spec, w->name, what);
			struct runner_result res;
			struct job j = {st->o, &st->s[si], w, "throughput", NULL, NULL, 0};
			run_job(&j, &res);
			st->progress.done++;
			if (interrupted)
				break; /* a pass cut short is no repetition */
			sw->reps_done++;
			uint64_t total_ns;
			if (!res.crashed && !runner_get_u64(&res, "ns", &total_ns) &&
			    sw->ok_reps < MATRIX_MAX_REPS)
				sw->ns_per_op[sw->ok_reps++] =
					w->events ? (double)total_ns / (double)w->events : 0;
			if (strcmp(res.status, "ok") && !strcmp(sw->status, "ok"))
				COPY_STATUS(sw->status, res.status);
			note_status(st, si, res.status, &res);
		}
	}
}

/* Keeps the timer figures of meta.yaml: the first pass's, and the range of
 * the cost every pass measured for itself. */
static void note_timer(struct meta_measure *mm, const struct runner_result *res)
{
	char kind[16], buf[64];
	double tpn, cost, median;
	if (runner_get(res, "timer_kind", kind, sizeof kind) ||
	    runner_get(res, "timer_ticks_per_ns", buf, sizeof buf) || sscanf(buf, "%lf", &tpn) != 1 ||
	    runner_get(res, "timer_cost_ns", buf, sizeof buf) || sscanf(buf, "%lf", &cost) != 1 ||
	    runner_get(res, "timer_cost_median_ns", buf, sizeof buf) ||
	    sscanf(buf, "%lf", &median) != 1)
		return;
	if (!mm->timer_passes++) {
		COPY_STATUS(mm->timer_kind, kind);
		mm->ticks_per_ns = tpn;
		mm->cost_median_ns = median;
		mm->cost_ns_min = mm->cost_ns_max = cost;
	}
	if (cost < mm->cost_ns_min)
		mm->cost_ns_min = cost;
	if (cost > mm->cost_ns_max)
		mm->cost_ns_max = cost;
	uint64_t off_calls, off_ns;
	if (runner_get_u64(res, "latency_off_cpu_calls", &off_calls) == 0)
		mm->off_cpu_calls += off_calls;
	if (runner_get_u64(res, "latency_off_cpu_ns", &off_ns) == 0)
		mm->off_cpu_ns += off_ns;
}

static int latency_pass(struct run_state *st, size_t wi, size_t si, struct strategy_work *sw,
			struct diag *d)
{
	const struct meta_workload *w = &st->wl[wi];
	struct runner_result res;
	struct job j = {st->o, &st->s[si], w, "latency", NULL, NULL, 0};
	progress_show(&st->progress, st->s[si].spec, w->name, "latency");
	run_job(&j, &res);
	st->progress.done++;
	if (interrupted)
		return 0; /* killed by the interruption: no status, no row */
	note_status(st, si, res.status, &res);
	if (strcmp(res.status, "ok") && !strcmp(sw->status, "ok"))
		COPY_STATUS(sw->status, res.status);
	if (res.crashed)
		return 0;
	note_timer(&st->mm, &res);
	return csv_rows_latency(&st->latency, w, &st->s[si], &res, d);
}

/* A cache pass that fails leaves no row (cache.csv has no status column):
 * it is listed in meta.yaml and counted in a note at the end of the run. */
static void cache_failed(struct run_state *st, const struct meta_workload *w,
			 const struct strategy *s, const char *why)
{
	size_t used = strlen(st->mm.cache_failed);
	snprintf(st->mm.cache_failed + used, sizeof st->mm.cache_failed - used, "%s%s x %s: %s",
		 used ? "; " : "", w->name, s->spec, why);
	st->cache_failures++;
}

/* The figures of a hardware pass, from the child's report. */
static int cache_hw_figures(const struct runner_result *res, struct counter_values *v,
			    char *why, size_t len)
{
	char source[16] = "";
	memset(v, 0, sizeof *v);
	runner_get(res, "cache_source", source, sizeof source);
	if (strcmp(source, "hw")) {
		if (runner_get(res, "cache_why", why, len))
			snprintf(why, len, "the replay process had no counters");
		return -1;
	}
	for (int i = 0; i < COUNTER_COUNT; i++)
		if (!runner_get_u64(res, counter_name((enum counter_id)i), &v->value[i]))
			v->have |= 1u << i;
	return 0;
}

/* One cache pass in flight: its process and, when simulated, its files. */
struct cache_job {
	size_t si;
	int started;
	struct job j;
	struct runner_child child;
	struct cache_sim_command cmd;
	char out[4096], log[4100];
};

static void cache_start(struct run_state *st, size_t wi, size_t si, struct cache_job *cj)
{
	const struct strategy *s = &st->s[si];
	cj->si = si;
	cj->j = (struct job){st->o, s, &st->wl[wi], "cache", NULL, NULL, 0};
	cj->out[0] = cj->log[0] = '\0';
	if (st->cache_mode == CACHE_SIM) {
		char base[4000];
		snprintf(base, sizeof base, "%.3900s/allocscope-callgrind-%ld-%u",
			 cli_tmp_dir(), (long)getpid(), ++st->sim_seq);
		snprintf(cj->out, sizeof cj->out, "%s.out", base);
		snprintf(cj->log, sizeof cj->log, "%s.log", base);
		cache_sim_command(&cj->cmd, cj->out, cj->log);
		cj->j.wrapper = cj->cmd.argv;
		cj->j.max_events = st->o->cache_events;
	}
	progress_show(&st->progress, s->spec, st->wl[wi].name, "cache");
	cj->started = job_start(&cj->j, &cj->child) == 0;
}

/* Waits for the pass and writes its row, or notes its failure. */
static int cache_finish(struct run_state *st, struct cache_job *cj, struct diag *d)
{
	const struct meta_workload *w = cj->j.w;
	const struct strategy *s = cj->j.s;
	struct runner_result res;
	struct counter_values v;
	char why[600];
	uint64_t events = 0;
	int rc = -1;
	job_finish(cj->started, &cj->child, &res);
	st->progress.done++;
	if (interrupted)
		snprintf(why, sizeof why, "interrupted");
	else if (res.crashed)
		snprintf(why, sizeof why, "%s", res.status);
	else if (runner_get_u64(&res, "events", &events))
		snprintf(why, sizeof why, "the replay process did not say how many events it ran");
	else if (st->cache_mode == CACHE_SIM)
		rc = cache_sim_parse(cj->out, &v, why, sizeof why);
	else
		rc = cache_hw_figures(&res, &v, why, sizeof why);
	if (cj->out[0]) {
		unlink(cj->out);
		unlink(cj->log);
	}
	if (interrupted)
		return 0; /* killed by the interruption: neither a row nor a failure */
	if (rc) {
		cache_failed(st, w, s, why);
		return 0;
	}
	return csv_row_cache(&st->cache, w, s, st->cache_mode == CACHE_SIM ? "sim" : "hw",
			     events, &v, d);
}

/* Simulated passes are not timed and callgrind's figures do not depend on
 * the machine's load, so they run CACHE_SIM_JOBS side by side (the slowest
 * part of a bench, halved on two cores); hardware passes run alone. Rows
 * keep the strategies' order. */
#define CACHE_SIM_JOBS 2
_Static_assert(CACHE_SIM_JOBS <= RUNNER_MAX_CHILDREN, "the runner tracks the children");

static void cache_passes(struct run_state *st, size_t wi, const struct strategy_work *work,
			 struct diag *d, int *err)
{
	struct cache_job jobs[CACHE_SIM_JOBS];
	const size_t width = st->cache_mode == CACHE_SIM ? CACHE_SIM_JOBS : 1;
	size_t si = 0;
	while (si < st->o->n_strategies && !interrupted && !*err) {
		size_t n = 0;
		for (; si < st->o->n_strategies && n < width; si++)
			if (!work_settled(&work[si]))
				cache_start(st, wi, si, &jobs[n++]);
			else
				pass_settled(st, &work[si]);
		for (size_t k = 0; k < n; k++)
			if (cache_finish(st, &jobs[k], d))
				*err = 1;
	}
}

/* The passes that run once per strategy after the timed ones: latency, then
 * cache (the slow one, last, so that it never sits between timed passes). */
static void measure_passes(struct run_state *st, size_t wi, struct strategy_work *work,
			   struct diag *d, int *err)
{
	for (size_t si = 0; si < st->o->n_strategies && !interrupted && !*err && !st->o->no_latency;
	     si++)
		if (work_settled(&work[si]))
			pass_settled(st, &work[si]);
		else if (latency_pass(st, wi, si, &work[si], d))
			*err = 1;
	if (st->cache_mode == CACHE_HW || st->cache_mode == CACHE_SIM)
		cache_passes(st, wi, work, d, err);
}

static int run_workload(struct run_state *st, size_t wi, struct diag *d)
{
	size_t ns = st->o->n_strategies;
	int err = 0;
	struct strategy_work *work = calloc(ns, sizeof *work);
	if (!work)
		return diag_set(d, NULL, 0, 0, "out of memory");
	memory_passes(st, wi, work, d, &err);
	if (!err)
		throughput_passes(st, wi, work);
	if (!err)
		measure_passes(st, wi, work, d, &err);
	/* A row is written once its repetitions are all in, even when an
	 * interruption came later, in the latency or cache passes. */
	for (size_t si = 0; si < ns && !err; si++) {
		if (interrupted && !work[si].skip[0] && work[si].reps_done < st->o->reps)
			continue;
		struct summary_cell *cell = summary_cell(&st->summary, wi, si);
		const char *row_status = work[si].skip[0] ? work[si].skip : work[si].status;
		/* The summary shows the worse of the memory pass's status and
		 * the timed passes': a crash over an oom count. */
		if (!strcmp(cell->status, "ok") ||
		    (status_is_final(row_status) && !status_is_final(cell->status)))
			COPY_STATUS(cell->status, row_status);
		if (csv_row_throughput(&st->throughput, &st->wl[wi], &st->s[si],
				       work[si].ns_per_op, work[si].ok_reps, row_status, cell, d))
			err = 1;
	}
	free(work);
	return err ? -1 : 0;
}

static int run_all(struct run_state *st, struct diag *d)
{
	if (csv_table_init(&st->throughput, &st->rd, "throughput.csv", csv_throughput_header, d) ||
	    csv_table_init(&st->fragmentation, &st->rd, "fragmentation.csv",
			   csv_fragmentation_header, d) ||
	    (!st->o->no_latency &&
	     csv_table_init(&st->latency, &st->rd, "latency.csv", csv_latency_header, d)) ||
	    (st->cache_mode != CACHE_OFF &&
	     csv_table_init(&st->cache, &st->rd, "cache.csv", csv_cache_header, d)))
		return -1;
	for (size_t wi = 0; wi < st->o->n_workloads && !interrupted; wi++)
		if (run_workload(st, wi, d))
			return -1;
	return 0;
}

/* callgrind writes its figures into the temporary directory: one it cannot
 * write to would fail every cache pass with nothing but valgrind's own log
 * to say why. */
static int tmp_dir_unwritable(char *why, size_t len)
{
	if (access(cli_tmp_dir(), W_OK | X_OK) == 0)
		return 0;
	snprintf(why, len, "the temporary directory '%s' is not writable (TMPDIR): %s",
		 cli_tmp_dir(), strerror(errno));
	return 1;
}

/* Hardware counters where this process can open them (a child can then
 * too), else callgrind, else nothing; the note says what cache.csv holds. */
static void cache_mode_choose(struct run_state *st)
{
	struct meta_measure *mm = &st->mm;
	struct counters c;
	char why[200], why_sim[200], missing[128];
	if (st->o->no_cache) {
		st->cache_mode = CACHE_OFF;
		mm->cache_source = "off";
		snprintf(mm->cache_note, sizeof mm->cache_note, "--no-cache: no cache pass");
	} else if (counters_open(&c, why, sizeof why) == 0) {
		counters_missing(&c, missing, sizeof missing);
		counters_close(&c);
		st->cache_mode = CACHE_HW;
		mm->cache_source = "hw";
		snprintf(mm->cache_note, sizeof mm->cache_note,
			 "perf_event_open around replay_throughput, user space, every event; %s%s",
			 missing[0] ? "not countable here (empty fields): " : "every counter counted",
			 missing);
	} else if (cache_sim_available(why_sim, sizeof why_sim) == 0 &&
		   !tmp_dir_unwritable(why_sim, sizeof why_sim)) {
		st->cache_mode = CACHE_SIM;
		mm->cache_source = "sim";
		snprintf(mm->cache_note, sizeof mm->cache_note,
			 "no hardware counters (%s): callgrind --cache-sim=yes collecting only "
			 "%s, on the first %llu events of each trace; instructions = Ir, "
			 "l1d_misses = D1mr, llc_misses = DLmr + DLmw; cycles and dtlb_misses "
			 "have no simulated figure and are left empty", why, CACHE_SIM_FUNCTION,
			 (unsigned long long)st->o->cache_events);
	} else {
		st->cache_mode = CACHE_NONE;
		mm->cache_source = "none";
		snprintf(mm->cache_note, sizeof mm->cache_note,
			 "no hardware counters (%s) and no simulator (%s): cache.csv has no rows",
			 why, why_sim);
		/* Said now, not only in meta.yaml: the user can still install
		 * valgrind and run again before waiting out a whole matrix. */
		warn_msg("no cache figures: %s", mm->cache_note);
	}
}

/* Says in the run's INCOMPLETE marker why it stopped, or warns that the
 * marker (which still says "running") could not be written. */
static void mark_incomplete(struct results_dir *rd, const char *why)
{
	if (results_mark_interrupted(rd, why))
		warn_msg("cannot record in %s/%s why the run stopped: %s", rd->path,
			 RESULTS_INCOMPLETE_MARK, strerror(errno));
}

int matrix_run(const struct matrix_options *o)
{
	struct run_state st = {.o = o};
	struct diag d;
	int rc = EXIT_BAD_INPUT;

	if (!o->n_strategies || !o->n_workloads) {
		error_msg("nothing to run: give at least one strategy (-a) and one workload (-w)");
		return EXIT_BAD_INPUT;
	}
	st.s = calloc(o->n_strategies, sizeof *st.s);
	st.ms = calloc(o->n_strategies, sizeof *st.ms);
	st.wl = calloc(o->n_workloads, sizeof *st.wl);
	if (!st.s || !st.ms || !st.wl || summary_init(&st.summary, o->n_workloads, o->n_strategies)) {
		error_msg("out of memory");
		goto out;
	}
	if (resolve_strategies(o, st.s) || load_workloads(o, st.wl))
		goto out;
	for (size_t i = 0; i < o->n_strategies; i++) {
		st.ms[i].spec = st.s[i].spec;
		st.ms[i].params = st.s[i].params;
	}

	/* The results root is the user's -o: a place that cannot hold a run
	 * (a file, a read-only tree) is bad usage, found before any replay. */
	if (results_create(&st.rd, o->root, o->label, &d)) {
		diag_print(&d);
		goto out;
	}
	rc = EXIT_RUN_FAILED;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal too, unless nohup asked for it to be ignored. */
	struct sigaction hup;
	if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	cache_mode_choose(&st);
	st.progress = (struct progress){isatty(2), 0,
		(unsigned)(o->n_workloads * o->n_strategies * passes_per_cell(&st)), time(NULL), 0};
	meta_write(&st.rd, o, st.wl, st.ms, &st.mm, 0);

	int run_rc = run_all(&st, &d);
	results_remove_temps(&st.rd);
	if (st.progress.on)
		fputs("\r\033[K", stderr);
	if (run_rc) {
		diag_print(&d);
		mark_incomplete(&st.rd, d.message);
		goto out;
	}
	if (interrupted) {
		char why[64];
		snprintf(why, sizeof why, "interrupted by SIG%s", sigabbrev_np(interrupted));
		mark_incomplete(&st.rd, why);
		error_msg("%s: the finished rows are in %s (marked incomplete)", why, st.rd.path);
		goto out;
	}
	if (st.files_lost) {
		char why[128];
		snprintf(why, sizeof why, "%u timeline file%s could not be written", st.files_lost,
			 st.files_lost == 1 ? "" : "s");
		if (meta_write(&st.rd, o, st.wl, st.ms, &st.mm, 1))
			error_msg("cannot write %s/meta.yaml: %s", st.rd.path, strerror(errno));
		mark_incomplete(&st.rd, why);
		error_msg("%s: the rows are in %s (marked incomplete)", why, st.rd.path);
		goto out;
	}
	if (meta_write(&st.rd, o, st.wl, st.ms, &st.mm, 1)) {
		int err = errno;
		char why[128];
		snprintf(why, sizeof why, "cannot write meta.yaml: %s", strerror(err));
		error_msg("cannot write %s/meta.yaml: %s", st.rd.path, strerror(err));
		mark_incomplete(&st.rd, why);
		goto out;
	}
	if (results_complete(&st.rd, &d)) {
		diag_print(&d);
		goto out;
	}
	summary_print(&st.summary, stdout, st.wl, st.s);
	if (st.cache_failures)
		fprintf(stderr, "allocscope: note: %u cache passes failed and have no row in "
			"cache.csv (meta.yaml lists them)\n", st.cache_failures);
	printf("results: %s\n", st.rd.path);
	rc = st.failed ? EXIT_RUN_FAILED : EXIT_OK;
out:
	csv_table_release(&st.throughput);
	csv_table_release(&st.fragmentation);
	csv_table_release(&st.latency);
	csv_table_release(&st.cache);
	summary_release(&st.summary);
	if (st.s)
		for (size_t i = 0; i < o->n_strategies; i++)
			strategy_release(&st.s[i]);
	free(st.s);
	free(st.ms);
	free(st.wl);
	return rc;
}
