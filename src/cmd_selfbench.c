/* cmd_selfbench.c - `allocscope selfbench`: how much of what allocscope
 * reports is allocscope itself. The replay loop against a raw loop of the
 * same calls (alternating fresh processes, medians), and the trace load rates
 * from YAML and from the cache. Prints a table and writes it as CSV. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "diag.h"
#include "fileio.h"
#include "machine_noise.h"
#include "results.h"
#include "runner.h"
#include "sorted.h"
#include "strategy.h"
#include "timer_check.h"
#include "timer.h"
#include "trace.h"

static const char selfbench_usage[] =
	"usage: allocscope selfbench -w TRACE [-a STRATEGY] [-n REPS] [-o FILE.csv]\n"
	"                            [--touch MODE] [--latency-only]\n"
	"\n"
	"Measures the harness: the latency pass's timer (its cost, and a reference\n"
	"call timed and untimed, which shows whether subtracting the cost is right),\n"
	"the machine's own spread (fixed CPU- and memory-bound work between replays),\n"
	"the latency pass's mean against the untimed loop and a serialised one\n"
	"(for STRATEGY, default system),\n"
	"the replay loop against 'system' versus a raw C loop\n"
	"making the same calls with the same touching (REPS alternating pairs of\n"
	"fresh processes, default 7; ratio of the medians), and the rate of loading\n"
	"the trace from YAML and from its binary cache. Writes FILE.csv (default\n"
	"results/selfbench-YYYYMMDD-HHMMSS.csv). --latency-only takes the latency\n"
	"rows alone (what scripts/latency-subtraction.sh runs per strategy).\n";

struct selfbench_row {
	const char *metric;
	double value;
	const char *unit;
	char detail[256];
};

/* Best of several loads: the figure of the loader, not of the machine's
 * other tenants. Returns events per second, or a negative value on error. */
static double load_rate(const char *path, int no_cache, unsigned tries, uint64_t *events)
{
	double best = 0;
	for (unsigned i = 0; i < tries; i++) {
		struct trace_load_options lo = {.no_cache = no_cache};
		struct trace t = {0};
		struct diag d;
		double start = (1e-9 * (double)timer_clock_read());
		if (trace_load(path, &lo, &t, &d)) {
			diag_print(&d);
			return -1;
		}
		double rate = (double)t.n_events / ((1e-9 * (double)timer_clock_read()) - start);
		*events = t.n_events;
		trace_free(&t);
		if (rate > best)
			best = rate;
	}
	return best;
}

/* The yardstick for the loader: libyaml's event parser alone over the same
 * bytes, doing nothing with the events. Best of three; events per second
 * counted in trace events, so the two rates compare directly. */
static double libyaml_rate(const char *path, uint64_t trace_events)
{
	double best = 0;
	for (int i = 0; i < 3; i++) {
		FILE *f = fopen(path, "rb");
		if (!f)
			return -1;
		yaml_parser_t parser;
		yaml_event_t event;
		int done = 0, ok = 1;
		yaml_parser_initialize(&parser);
		yaml_parser_set_input_file(&parser, f);
		double start = (1e-9 * (double)timer_clock_read());
		while (!done && (ok = yaml_parser_parse(&parser, &event))) {
			done = event.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&event);
		}
		double rate = (double)trace_events / ((1e-9 * (double)timer_clock_read()) - start);
		yaml_parser_delete(&parser);
		fclose(f);
		if (!ok)
			return -1;
		if (rate > best)
			best = rate;
	}
	return best;
}

/* The strategy a replay runs, and the library it preloads (NULL: none). */
struct subject {
	const char *spec;
	const char *preload;
};

static const struct subject system_subject = {"system", NULL};

static int replay_run(const struct subject *who, const char *trace, const char *pass,
		      const char *touch, struct runner_result *res, uint64_t *events)
{
	char *args[] = {"--trace", (char *)trace, "--strategy", (char *)who->spec,
			"--pass", (char *)pass, "--touch", (char *)touch, NULL};
	if (runner_replay(args, who->preload, 600, res) || res->crashed ||
	    runner_get_u64(res, "events", events) || !*events) {
		error_msg("the %s replay of '%s' against %s failed: %s", pass, trace, who->spec,
			  res->status);
		return -1;
	}
	return 0;
}

static int replay_ns(const struct subject *who, const char *trace, const char *pass,
		     const char *touch, double *ns_per_event)
{
	struct runner_result res;
	uint64_t ns, events;
	if (replay_run(who, trace, pass, touch, &res, &events))
		return -1;
	if (runner_get_u64(&res, "ns", &ns)) {
		error_msg("the %s replay of '%s' reported no time", pass, trace);
		return -1;
	}
	*ns_per_event = (double)ns / (double)events;
	return 0;
}

/* The latency pass's mean over every call, whatever its kind: the
 * event-weighted mean of its `latency_OP count mean ...` lines. */
static int latency_mean_ns(const struct subject *who, const char *trace, const char *touch,
			   double *mean)
{
	struct runner_result res;
	uint64_t events, total = 0;
	double weighted = 0;
	if (replay_run(who, trace, "latency", touch, &res, &events))
		return -1;
	for (int op = 0; op < TRACE_OP_COUNT; op++) {
		char key[32], value[256];
		unsigned long long count;
		double op_mean;
		snprintf(key, sizeof key, "latency_%s", trace_op_name((enum trace_op)op));
		if (runner_get(&res, key, value, sizeof value))
			continue;
		if (sscanf(value, "%llu %lf", &count, &op_mean) != 2) {
			error_msg("the latency replay of '%s' reported '%s %s'", trace, key, value);
			return -1;
		}
		weighted += op_mean * (double)count;
		total += count;
	}
	if (!total) {
		error_msg("the latency replay of '%s' timed no call", trace);
		return -1;
	}
	*mean = weighted / (double)total;
	return 0;
}

/* Load rates are those of explicit events: a `generate:` spec is expanded
 * once into a temporary file, which the measurements then read. */
static int explicit_copy(const char *path, char *copy, size_t len)
{
	struct trace_load_options lo = {.no_cache = 1};
	struct trace t = {0};
	struct diag d;
	if (trace_load(path, &lo, &t, &d)) {
		diag_print(&d);
		return -1;
	}
	if (!t.n_events) {
		error_msg("'%s' has no events: nothing to time", path);
		trace_free(&t);
		return -1;
	}
	snprintf(copy, len, "%s/allocscope-selfbench-XXXXXX.yaml", cli_tmp_dir());
	int fd = mkstemps(copy, 5);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	int rc = f && trace_write_yaml(&t, f) == 0 && fflush(f) == 0 ? 0 : -1;
	int err = errno;
	if (f)
		fclose(f);
	trace_free(&t);
	if (rc) {
		error_msg("cannot write a temporary copy of '%s' as '%s': %s", path, copy,
			  strerror(err));
		unlink(copy);
	}
	return rc;
}

static int write_csv(const char *path, const struct selfbench_row *rows, size_t n)
{
	char tmp[4200];
	FILE *f = fileio_fopen_temp(path, tmp, sizeof tmp);
	if (!f)
		return -1;
	fputs("metric,value,unit,detail\n", f);
	for (size_t i = 0; i < n; i++) {
		/* The detail names the strategy, whose plugin path may hold a
		 * quote or a comma: csv_append quotes as RFC 4180 asks. */
		char row[1024] = "", value[32];
		snprintf(value, sizeof value, "%.4f", rows[i].value);
		csv_append(row, sizeof row, rows[i].metric);
		csv_append(row, sizeof row, value);
		csv_append(row, sizeof row, rows[i].unit);
		csv_append(row, sizeof row, rows[i].detail);
		fprintf(f, "%s\n", row);
	}
	return fileio_fcommit_temp(f, tmp, 1);
}

/* The timer as the latency pass sets it up, and the reference call at three
 * lengths: after subtraction, timed over untimed should be 1. */
static size_t timer_rows(struct selfbench_row *rows)
{
	static const unsigned steps[] = {8, 32, 128};
	struct timer t;
	size_t n = 0;
	timer_init(&t, 0);
	rows[n++] = (struct selfbench_row){"timer_cost_ns", t.cost_ns, "ns", ""};
	snprintf(rows[n - 1].detail, sizeof rows[0].detail,
		 "%s; mean of empty timings, subtracted from every latency sample",
		 timer_kind_name(t.kind));
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		struct timer_check c;
		timer_check(&t, steps[i], 20000, 9, &c);
		rows[n] = (struct selfbench_row){"", c.timed_ns / c.untimed_ns, "ratio", ""};
		snprintf(rows[n].detail, sizeof rows[0].detail,
			 "reference call of %u dependent multiplies: %.1f ns untimed, "
			 "%.1f ns timed minus cost; median of 9 rounds",
			 c.steps, c.untimed_ns, c.timed_ns);
		rows[n++].metric = i == 0 ? "timer_check_short_ratio"
				   : i == 1 ? "timer_check_medium_ratio" : "timer_check_long_ratio";
	}
	return n;
}

/* The machine's own spread over the replays' stretch: no repetition of a
 * replay can be steadier than the same fixed work timed between them. */
static size_t noise_rows(const struct machine_noise *m, struct selfbench_row *rows)
{
	rows[0] = (struct selfbench_row){"machine_compute_spread",
		m->compute_max_ms / m->compute_min_ms, "ratio", ""};
	snprintf(rows[0].detail, sizeof rows[0].detail,
		 "max/min of %u rounds of a multiply chain, one after each replay pair: "
		 "%.1f .. %.1f ms", m->rounds, m->compute_min_ms, m->compute_max_ms);
	rows[1] = (struct selfbench_row){"machine_memory_spread",
		m->memory_max_ms / m->memory_min_ms, "ratio", ""};
	snprintf(rows[1].detail, sizeof rows[0].detail,
		 "max/min of %u rounds of a 64 MiB pointer chase, one after each replay pair: "
		 "%.1f .. %.1f ms", m->rounds, m->memory_min_ms, m->memory_max_ms);
	return 2;
}

/* The latency pass's mean against the loops it can be compared with, all
 * with touch=none so that every loop makes the same calls and nothing else:
 * the untimed throughput loop, and the serialised loop, which waits for
 * each call with the timer's fences but reads no clock. The serialised
 * loop over the untimed one is what waiting for each call costs the calls
 * (their overlap in the CPU); the latency mean should come near the
 * serialised figure less the fences' own time (measured alone, in a loop of
 * nothing else): both then hold the calls as the fences leave them, and
 * differ only by the clock reads and their subtraction, so their ratio is 1
 * when the subtraction is right. (The serialised loop also keeps the loop's
 * own bookkeeping, which the timings leave out: the ratio sits a little
 * below 1 for the shortest calls.) */
static size_t latency_rows(const struct subject *who, const char *path, unsigned reps,
			   double *serialized, double *fences, double *latency,
			   struct selfbench_row *rows)
{
	double throughput[64];
	for (unsigned i = 0; i < reps; i++)
		if (replay_ns(who, path, "throughput", "none", &throughput[i]))
			return 0;
	double thr = sorted_median(throughput, reps), ser = sorted_median(serialized, reps);
	double fen = sorted_median(fences, reps), lat = sorted_median(latency, reps);
	size_t n = 0;
	rows[n++] = (struct selfbench_row){"latency_mean_ns", lat, "ns", ""};
	rows[n++] = (struct selfbench_row){"untimed_ns_per_event", thr, "ns", ""};
	rows[n++] = (struct selfbench_row){"serialized_ns_per_event", ser, "ns", ""};
	rows[n++] = (struct selfbench_row){"fences_alone_ns_per_event", fen, "ns", ""};
	for (size_t i = 0; i < n; i++)
		snprintf(rows[i].detail, sizeof rows[0].detail,
			 "against %s, touch=none, median of %u fresh processes", who->spec, reps);
	rows[n++] = (struct selfbench_row){"serialized_vs_untimed_ratio", ser / thr, "ratio",
		"what waiting for each call costs the calls"};
	rows[n++] = (struct selfbench_row){"latency_vs_untimed_ratio", lat / thr, "ratio",
		"latency mean over untimed ns/event"};
	rows[n++] = (struct selfbench_row){"latency_vs_serialized_ratio", lat / ser, "ratio",
		"latency mean over serialised ns/event"};
	/* With ten-odd events the fences can read longer than the calls. */
	if (ser > fen)
		rows[n++] = (struct selfbench_row){"latency_vs_serialized_calls_ratio",
			lat / (ser - fen), "ratio",
			"latency mean over the serialised loop less the fences alone: 1 when the "
			"timer's subtraction is right"};
	return n;
}

/* One round of the passes latency_rows sets against the untimed loop, each
 * in a fresh process. */
static int latency_round(const struct subject *who, const char *path, double *serialized,
			 double *fences, double *latency)
{
	return replay_ns(who, path, "serialized", "none", serialized) ||
	       replay_ns(who, path, "fences", "none", fences) ||
	       latency_mean_ns(who, path, "none", latency) ? -1 : 0;
}

/* The latency rows alone (--latency-only). */
static int latency_measure(const char *path, unsigned reps, const struct subject *who,
			   struct selfbench_row *rows, size_t *count)
{
	double serialized[64], fences[64], latency[64];
	for (unsigned i = 0; i < reps; i++)
		if (latency_round(who, path, &serialized[i], &fences[i], &latency[i]))
			return EXIT_RUN_FAILED;
	size_t n = latency_rows(who, path, reps, serialized, fences, latency, rows);
	if (!n)
		return EXIT_RUN_FAILED;
	*count = n;
	return 0;
}

/* Takes every figure on `path`, an explicit-events trace. */
static int selfbench_measure(const char *path, unsigned reps, const char *touch,
			     const struct subject *who, struct selfbench_row *rows, size_t *count)
{
	size_t n = timer_rows(rows);
	uint64_t events = 0;
	double yaml = load_rate(path, 1, 3, &events);
	double cached = yaml < 0 ? -1 : (load_rate(path, 0, 1, &events), load_rate(path, 0, 5, &events));
	if (yaml < 0 || cached < 0)
		return EXIT_BAD_INPUT;
	rows[n++] = (struct selfbench_row){"load_yaml_events_per_s", yaml, "events/s", ""};
	snprintf(rows[n - 1].detail, sizeof rows[0].detail, "best of 3, %llu events",
		 (unsigned long long)events);
	double bare = libyaml_rate(path, events);
	rows[n++] = (struct selfbench_row){"libyaml_alone_events_per_s", bare, "events/s",
		"best of 3, yaml_parser_parse loop only"};
	rows[n++] = (struct selfbench_row){"load_yaml_vs_libyaml_ratio", yaml / bare, "ratio",
		"loader rate over libyaml's own"};
	rows[n++] = (struct selfbench_row){"load_cache_events_per_s", cached, "events/s", ""};
	snprintf(rows[n - 1].detail, sizeof rows[0].detail,
		 "best of 5, includes reading and hashing the YAML file");

	double raw[64], harness[64], serialized[64], fences[64], latency[64];
	struct machine_noise noise;
	if (machine_noise_start(&noise)) {
		error_msg("cannot map the memory for the machine's noise probe");
		return EXIT_RUN_FAILED;
	}
	for (unsigned i = 0; i < reps; i++) {
		if (replay_ns(&system_subject, path, "raw", touch, &raw[i]) ||
		    replay_ns(&system_subject, path, "throughput", touch, &harness[i]) ||
		    latency_round(who, path, &serialized[i], &fences[i], &latency[i])) {
			machine_noise_stop(&noise);
			return EXIT_RUN_FAILED;
		}
		machine_noise_round(&noise);
	}
	machine_noise_stop(&noise);
	double raw_med = sorted_median(raw, reps), harness_med = sorted_median(harness, reps);
	rows[n++] = (struct selfbench_row){"raw_loop_ns_per_event", raw_med, "ns", ""};
	rows[n++] = (struct selfbench_row){"replay_system_ns_per_event", harness_med, "ns", ""};
	rows[n++] = (struct selfbench_row){"replay_overhead_ratio", harness_med / raw_med, "ratio", ""};
	for (size_t i = n - 3; i < n; i++)
		snprintf(rows[i].detail, sizeof rows[0].detail,
			 "median of %u alternating fresh processes, touch=%s", reps, touch);
	/* sorted_median() sorted the samples. */
	rows[n++] = (struct selfbench_row){"replay_system_spread",
		harness[reps - 1] / harness[0], "ratio", ""};
	snprintf(rows[n - 1].detail, sizeof rows[0].detail,
		 "max/min ns/event of the %u replays against system", reps);
	n += noise_rows(&noise, rows + n);
	n += latency_rows(who, path, reps, serialized, fences, latency, rows + n);

	*count = n;
	return 0;
}

int cmd_selfbench(int argc, char **argv)
{
	static const struct option options[] = {
		{"workload", required_argument, NULL, 'w'},
		{"reps", required_argument, NULL, 'n'},
		{"output", required_argument, NULL, 'o'},
		{"touch", required_argument, NULL, 't'},
		{"strategy", required_argument, NULL, 'a'},
		{"latency-only", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *trace = NULL, *out = NULL, *touch = "pages", *spec = "system";
	uint64_t reps = 7;
	char default_out[128];
	int c, latency_only = 0;
	while ((c = cli_getopt(argc, argv, "w:n:o:a:h", options)) != -1) {
		switch (c) {
		case 'w': trace = optarg; break;
		case 'a': spec = optarg; break;
		case 'o': out = optarg; break;
		case 't': touch = optarg; break;
		case 'L': latency_only = 1; break;
		case 'n':
			if (cli_parse_u64("-n", optarg, 1, 63, &reps))
				return EXIT_BAD_INPUT;
			break;
		case 'h':
			cli_usage(selfbench_usage, 0);
			return EXIT_OK;
		default:
			cli_usage(selfbench_usage, 1);
			return EXIT_BAD_INPUT;
		}
	}
	if (!trace || optind < argc) {
		cli_usage(selfbench_usage, 1);
		return EXIT_BAD_INPUT;
	}
	if (!out) {
		time_t now = time(NULL);
		strftime(default_out, sizeof default_out, "results/selfbench-%Y%m%d-%H%M%S.csv",
			 localtime(&now));
		out = default_out;
		mkdir("results", 0755); /* as run makes its root; an error shows below */
	}
	/* Found now, not after minutes of measuring. */
	if (fileio_check_target(out)) {
		error_msg("cannot write '%s': %s", out, strerror(errno));
		return EXIT_BAD_INPUT;
	}

	static struct strategy strategy;
	struct diag d;
	char why[256];
	if (strategy_resolve(spec, &strategy, &d)) {
		diag_print(&d);
		return EXIT_BAD_INPUT;
	}
	if (strategy_available(&strategy, why, sizeof why)) {
		error_msg("strategy '%s' cannot run here: %s", spec, why);
		return EXIT_BAD_INPUT;
	}
	struct subject who = {spec, strategy.ops->preload ? strategy.ops->preload(&strategy.cfg)
							  : NULL};

	struct selfbench_row rows[28];
	size_t n = 0;
	char copy[4200];
	if (explicit_copy(trace, copy, sizeof copy))
		return EXIT_BAD_INPUT;
	int rc = latency_only ? latency_measure(copy, (unsigned)reps, &who, rows, &n)
			      : selfbench_measure(copy, (unsigned)reps, touch, &who, rows, &n);
	unlink(copy);
	if (rc)
		return rc;

	printf("allocscope selfbench on %s (latency rows: %s)\n", trace, spec);
	for (size_t i = 0; i < n; i++)
		printf("  %-34s %14.3f %-9s %s\n", rows[i].metric, rows[i].value, rows[i].unit,
		       rows[i].detail);
	if (write_csv(out, rows, n)) {
		error_msg("cannot write '%s': %s", out, strerror(errno));
		return EXIT_RUN_FAILED;
	}
	printf("written: %s\n", out);
	return EXIT_OK;
}
