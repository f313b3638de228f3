/* cmd_replay.c - `allocscope __replay`, the child side of every run: a fresh
 * process (started by runner.c, with the strategy's library preloaded where it
 * needs one) that maps the cached trace, creates one strategy instance, runs
 * one pass, and reports `key value` lines on the result descriptor. Exit
 * status 0 with `status ok`, 3 when the strategy could not be set up. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cache_sim.h"
#include "cli.h"
#include "counters.h"
#include "latency.h"
#include "replay.h"
#include "runner.h"
#include "strategy.h"
#include "timeline.h"
#include "timer.h"

static const char replay_usage[] =
	"usage: allocscope __replay --trace FILE --strategy SPEC --pass PASS\n"
	"           [--touch MODE] [--size-scale K] [--max-size N] [--timeline FILE]\n"
	"           [--max-events N] [--cache FILE --cache-key HEX] [--result-fd FD]\n"
	"       allocscope __replay --strategy SPEC --identify [--result-fd FD]\n"
	"       allocscope __replay --strategy SPEC --probe [--result-fd FD]\n"
	"internal: one replay in this process; runs are started by 'run' and 'bench'\n";

/* What this process measures (--pass). The throughput loops: the harness's
 * own, a raw C loop of the same calls, each call fenced as the latency pass
 * times it, and the fences alone (for selfbench). */
enum replay_pass {
	PASS_NONE, PASS_THROUGHPUT, PASS_RAW, PASS_SERIALIZED, PASS_FENCES,
	PASS_MEMORY, PASS_CHECK, PASS_LATENCY, PASS_CACHE,
};
static const char *const pass_names[] = {
	[PASS_THROUGHPUT] = "throughput", [PASS_RAW] = "raw", [PASS_SERIALIZED] = "serialized",
	[PASS_FENCES] = "fences", [PASS_MEMORY] = "memory", [PASS_CHECK] = "check",
	[PASS_LATENCY] = "latency", [PASS_CACHE] = "cache",
};

struct replay_args {
	const char *trace_path, *strategy, *timeline_path;
	enum replay_pass pass;
	enum touch_mode touch;
	uint64_t size_scale, max_size;
	uint64_t max_events;      /* replay only the first N events; 0: all */
	const char *cache_file;   /* the trace's binary cache, mapped directly */
	uint64_t cache_key;
	int result_fd, identify, probe;
};

static int result_fd = 1;

/* One `key value` line to the parent; dprintf, because stdio would malloc
 * from the allocator under test. */
static void report(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	for (char *c = value; *c; c++)
		if (*c == '\n')
			*c = ' ';
	dprintf(result_fd, "%s %s\n", key, value);
}

static int setup_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int setup_failed(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	report("error", "%s", msg);
	return RUNNER_EXIT_SETUP_FAILED;
}

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	static const struct option options[] = {
		{"trace", required_argument, NULL, 'w'},
		{"strategy", required_argument, NULL, 'a'},
		{"pass", required_argument, NULL, 'p'},
		{"touch", required_argument, NULL, 't'},
		{"size-scale", required_argument, NULL, 'k'},
		{"max-size", required_argument, NULL, 'm'},
		{"timeline", required_argument, NULL, 'l'},
		{"result-fd", required_argument, NULL, 'f'},
		{"max-events", required_argument, NULL, 'e'},
		{"cache", required_argument, NULL, 'c'},
		{"cache-key", required_argument, NULL, 'K'},
		{"identify", no_argument, NULL, 'i'},
		{"probe", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t v;
	int c;
	*a = (struct replay_args){.touch = TOUCH_PAGES, .size_scale = 1, .result_fd = 1};
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'w': a->trace_path = optarg; break;
		case 'a': a->strategy = optarg; break;
		case 'p':
			for (size_t i = PASS_THROUGHPUT; i < sizeof pass_names / sizeof *pass_names; i++)
				if (!strcmp(optarg, pass_names[i]))
					a->pass = (enum replay_pass)i;
			if (a->pass == PASS_NONE) {
				error_msg("unknown pass '%s'", optarg);
				return -1;
			}
			break;
		case 'l': a->timeline_path = optarg; break;
		case 'i': a->identify = 1; break;
		case 'c': a->cache_file = optarg; break;
		case 'K': a->cache_key = strtoull(optarg, NULL, 16); break;
		case 'P': a->probe = a->identify = 1; break;
		case 't':
			if (replay_parse_touch(optarg, &a->touch)) {
				error_msg("invalid value '%s' for --touch (none, first, pages, all)",
					  optarg);
				return -1;
			}
			break;
		case 'k':
			if (cli_parse_u64("--size-scale", optarg, 1, 1u << 20, &a->size_scale))
				return -1;
			break;
		case 'm':
			if (cli_parse_u64("--max-size", optarg, 1, UINT64_MAX, &a->max_size))
				return -1;
			break;
		case 'f':
			if (cli_parse_u64("--result-fd", optarg, 0, 1024, &v))
				return -1;
			a->result_fd = (int)v;
			break;
		case 'e':
			if (cli_parse_u64("--max-events", optarg, 1, UINT64_MAX, &a->max_events))
				return -1;
			break;
		case 'h':
			cli_usage(replay_usage, 0);
			return 1;
		default:
			cli_usage(replay_usage, 1);
			return -1;
		}
	}
	if (!a->strategy || (!a->identify && (!a->trace_path || a->pass == PASS_NONE))) {
		cli_usage(replay_usage, 1);
		return -1;
	}
	return 0;
}

/* Faults the mapped events in, so no page fault of the trace's own lands in
 * a timed loop. */
static void trace_prefault(const struct trace *t)
{
	volatile uint64_t sink = 0;
	const char *p = (const char *)t->events;
	uint64_t bytes = t->n_events * sizeof *t->events;
	for (uint64_t off = 0; off < bytes; off += 4096)
		sink += (unsigned char)p[off];
	(void)sink;
}

static void report_max_rss(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	report("max_rss_bytes", "%llu", (unsigned long long)ru.ru_maxrss * 1024ull);
}

/* One of the throughput loops, timed whole. */
static void pass_throughput(struct replay *r, void (*loop)(struct replay *))
{
	uint64_t start = timer_clock_read();
	loop(r);
	uint64_t end = timer_clock_read();
	report("ns", "%llu", (unsigned long long)(end - start));
	report("oom", "%llu", (unsigned long long)r->oom);
}

static void pass_memory(struct replay *r, const char *timeline_path)
{
	static struct timeline_sample timeline[TIMELINE_MAX_SAMPLES];
	struct memory_result m;
	size_t n_timeline = 0;
	char why[512];
	if (replay_memory(r, &m, timeline, &n_timeline, why, sizeof why)) {
		report("invalid", "%s", why);
		return;
	}
	report("oom", "%llu", (unsigned long long)r->oom);
	report("peak_live_bytes", "%llu", (unsigned long long)m.peak_live_bytes);
	report("peak_heap_bytes", "%llu", (unsigned long long)m.peak_heap_bytes);
	report("heap_at_peak_live_bytes", "%llu", (unsigned long long)m.heap_at_peak_live_bytes);
	report("live_at_peak_heap_bytes", "%llu", (unsigned long long)m.live_at_peak_heap_bytes);
	report("internal_frag_bytes", "%llu", (unsigned long long)m.internal_frag_bytes);
	report_max_rss();
	if (timeline_path && timeline_write(timeline_path, timeline, n_timeline))
		report("warning", "cannot write timeline '%s': %s", timeline_path, strerror(errno));
}

/* Each call timed alone with tm into set; one `latency_OP count mean p50
 * p90 p99 p99.9 p99.99 max` line (ns) per call kind the trace has, and the
 * timer used. */
static void pass_latency(struct replay *r, const struct timer *tm, struct latency_set *set)
{
	replay_latency(r, tm, set);
	report("timer_kind", "%s", timer_kind_name(tm->kind));
	report("timer_ticks_per_ns", "%.6f", tm->ticks_per_ns);
	report("timer_cost_ns", "%.3f", tm->cost_ns);
	report("timer_cost_median_ns", "%.3f", (double)tm->cost_median_ticks / tm->ticks_per_ns);
	for (int op = 0; op < TRACE_OP_COUNT; op++) {
		struct latency_summary ls;
		char key[32];
		if (!set->op[op].count)
			continue;
		latency_summarize(&set->op[op], 1.0 / tm->ticks_per_ns, &ls);
		snprintf(key, sizeof key, "latency_%s", trace_op_name((enum trace_op)op));
		report(key, "%llu %.3f %.3f %.3f %.3f %.3f %.3f %.3f", (unsigned long long)ls.count,
		       ls.mean, ls.p50, ls.p90, ls.p99, ls.p999, ls.p9999, ls.max);
	}
	report("latency_off_cpu_calls", "%llu", (unsigned long long)set->off_cpu_calls);
	report("latency_off_cpu_ns", "%.0f", (double)set->off_cpu_ticks / tm->ticks_per_ns);
	report("oom", "%llu", (unsigned long long)r->oom);
	latency_set_unmap(set);
}

/* The throughput loop with the hardware counters around it. Without
 * counters it still runs the loop, reporting `cache_source none`: that is
 * how the parent runs it under callgrind, which collects the loop itself
 * (instrumented only between cache_sim_start and cache_sim_stop). */
static void pass_cache(struct replay *r)
{
	struct counters c;
	struct counter_values v;
	char why[256];
	if (counters_open(&c, why, sizeof why)) {
		cache_sim_start();
		replay_throughput(r);
		cache_sim_stop();
		report("cache_source", "none");
		report("cache_why", "%s", why);
		report("oom", "%llu", (unsigned long long)r->oom);
		return;
	}
	counters_start(&c);
	replay_throughput(r);
	counters_stop(&c);
	int rc = counters_read(&c, &v);
	counters_close(&c);
	if (rc) {
		report("cache_source", "none");
		report("cache_why", "the counters did not run (perf_event_open group never scheduled)");
	} else {
		report("cache_source", "hw");
		for (int i = 0; i < COUNTER_COUNT; i++)
			if (v.have & (1u << i))
				report(counter_name((enum counter_id)i), "%llu",
				       (unsigned long long)v.value[i]);
	}
	report("oom", "%llu", (unsigned long long)r->oom);
}

static void pass_check(struct replay *r)
{
	char why[512];
	if (replay_check(r, why, sizeof why))
		report("invalid", "%s", why);
	report("oom", "%llu", (unsigned long long)r->oom);
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a;
	struct strategy s;
	struct trace t = {0};
	struct diag d;
	char err[512] = "";

#if defined(__SANITIZE_ADDRESS__)
	/* This process ends without freeing on purpose: the blocks the trace
	 * leaves live are the trace's, and the loaded trace lives to the end.
	 * The loader's own leaks are the unit tests' business. */
	__lsan_disable();
#endif
	int parsed = parse_args(argc, argv, &a);
	if (parsed)
		return parsed < 0 ? EXIT_BAD_INPUT : EXIT_OK;
	result_fd = a.result_fd;
	if (strategy_load(a.strategy, &s, &d))
		return setup_failed("%s", d.message);
	/* The latency pass's timer and histograms are set up before anything
	 * else: the timer's calibration and costing sweep the caches, and the
	 * first calls of the trace should meet them as in every other pass,
	 * warmed by the trace's prefault and the strategy's create. (Set up
	 * just before the loop, they made the ten cold calls of `tiny` time
	 * 1.5-3.5x the same calls in the serialised loop.) */
	struct timer timer;
	struct latency_set *latency_set = NULL;
	if (a.pass == PASS_LATENCY) {
		latency_set = latency_set_map();
		if (!latency_set)
			return setup_failed("cannot map the latency histograms: %s", strerror(errno));
		timer_init(&timer, 0);
	}
	if (a.probe) {
		/* Loads and parameters only: a create() that crashes is the
		 * strategy's row to report, not a reason to refuse it. */
		report("params", "%s", s.params);
		report("status", "ok");
		return EXIT_OK;
	}
	if (!a.identify) {
		struct trace_load_options lo = {.max_size = a.max_size};
		/* The cache the parent named, else the trace file (which finds or
		 * makes its cache by hashing the file). */
		if ((!a.cache_file || trace_cache_map(a.cache_file, a.cache_key, &t) != 1) &&
		    trace_load(a.trace_path, &lo, &t, &d)) {
			char msg[1200];
			diag_format(&d, msg, sizeof msg);
			return setup_failed("%s", msg);
		}
		trace_prefault(&t);
	}
	void *self = s.ops->create(&s.cfg, err, sizeof err);
	if (!self)
		return setup_failed("cannot create '%s': %s", s.spec, err[0] ? err : "no reason given");
	if (s.ops->version) {
		char version[256] = "";
		s.ops->version(self, version, sizeof version);
		report("version", "%s", version);
	}
	if (a.identify) {
		report("params", "%s", s.params);
		report("status", "ok");
		return EXIT_OK;
	}

	if (a.max_events && a.max_events < t.n_events)
		t.n_events = a.max_events;
	struct replay r;
	if (replay_init(&r, s.ops, self, &t, a.touch, a.size_scale))
		return setup_failed("cannot set up the replay: %s", strerror(errno));
	report("events", "%llu", (unsigned long long)t.n_events);
	switch (a.pass) {
	case PASS_NONE: break; /* --identify and --probe returned above */
	case PASS_THROUGHPUT: pass_throughput(&r, replay_throughput); break;
	case PASS_RAW: pass_throughput(&r, replay_throughput_raw); break;
	case PASS_SERIALIZED: pass_throughput(&r, replay_serialized); break;
	case PASS_FENCES: pass_throughput(&r, replay_fences_alone); break;
	case PASS_MEMORY: pass_memory(&r, a.timeline_path); break;
	case PASS_CHECK: pass_check(&r); break;
	case PASS_LATENCY: pass_latency(&r, &timer, latency_set); break;
	case PASS_CACHE: pass_cache(&r); break;
	}
	report("status", "ok");
	/* No destroy and no free of the live blocks: the process ends here, and
	 * a strategy's teardown is not part of any figure. */
	return EXIT_OK;
}
