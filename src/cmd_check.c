/* cmd_check.c - `allocscope check`: the malloc-lab validity checks for a
 * strategy on a trace, in a child process so that a crash is a verdict too. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "matrix.h"
#include "runner.h"
#include "strategy.h"
#include "trace.h"

static const char check_usage[] =
	"usage: allocscope check -a STRAT[,STRAT..] -w TRACE[,TRACE..] [--timeout S]\n"
	"\n"
	"Replays each trace against each strategy and verifies every block: aligned\n"
	"to 16 bytes or the requested alignment (production allocators: the C rule,\n"
	"which lets a block under 16 bytes have less), inside the strategy's heap, not\n"
	"overlapping a live block, calloc memory zeroed, a payload pattern preserved\n"
	"across realloc and intact at free, and the strategy's own invariants. The\n"
	"first violation is reported with the event's index.\n"
	"Exit status: 0 all valid, 1 a violation or crash, 2 bad usage or input.\n";

/* A trace as the replay child is to find it: through the binary cache the
 * parent's load left, where there is one (a trace read from a pipe cannot
 * be read a second time), else by its path. */
struct check_trace {
	const char *path;
	char cache_path[4096];
	char cache_key[20];
};

static int check_one(const struct strategy *s, const struct check_trace *w, unsigned timeout_s)
{
	const char *trace_path = w->path;
	char *args[] = {"--trace", (char *)trace_path, "--strategy", (char *)s->spec,
			"--pass", "check", NULL, NULL, NULL, NULL, NULL};
	if (w->cache_path[0]) {
		args[6] = "--cache";
		args[7] = (char *)w->cache_path;
		args[8] = "--cache-key";
		args[9] = (char *)w->cache_key;
	}
	struct runner_result res;
	const char *preload = s->ops->preload ? s->ops->preload(&s->cfg) : NULL;
	if (runner_replay(args, preload, timeout_s, &res)) {
		error_msg("cannot start a replay process");
		return EXIT_RUN_FAILED;
	}
	uint64_t events = 0;
	runner_get_u64(&res, "events", &events);
	/* NULL for a request is C's answer, not a violation: the row says so. */
	int oom = !strncmp(res.status, "oom:", 4);
	if (oom || !strcmp(res.status, "ok")) {
		printf("ok       %s on %s: %llu events, every block valid%s%s\n", s->spec,
		       trace_path, (unsigned long long)events, oom ? ", " : "", oom ? res.status : "");
		return EXIT_OK;
	}
	printf("%-8s %s on %s: %s\n", strncmp(res.status, "invalid:", 8) ? "failed" : "invalid",
	       s->spec, trace_path, res.status);
	return EXIT_RUN_FAILED;
}

int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {
		{"strategies", required_argument, NULL, 'a'},
		{"workloads", required_argument, NULL, 'w'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	char *strategies[MATRIX_MAX_ITEMS], *workloads[MATRIX_MAX_ITEMS];
	size_t ns = 0, nw = 0;
	uint64_t timeout_s = CLI_DEFAULT_TIMEOUT_S;
	int c;
	while ((c = cli_getopt(argc, argv, "a:w:h", options)) != -1) {
		switch (c) {
		case 'a':
			if (cli_split_list(optarg, strategies, &ns, MATRIX_MAX_ITEMS, "strategies"))
				return EXIT_BAD_INPUT;
			break;
		case 'w':
			if (cli_split_list(optarg, workloads, &nw, MATRIX_MAX_ITEMS, "workloads"))
				return EXIT_BAD_INPUT;
			break;
		case 'T':
			if (cli_parse_u64("--timeout", optarg, 0, 86400, &timeout_s))
				return EXIT_BAD_INPUT;
			break;
		case 'h':
			cli_usage(check_usage, 0);
			return EXIT_OK;
		default:
			cli_usage(check_usage, 1);
			return EXIT_BAD_INPUT;
		}
	}
	if (!ns || !nw || optind < argc) {
		if (optind < argc)
			error_msg("check: unexpected argument '%s'", argv[optind]);
		else
			error_msg("check: needs %s", !ns ? "-a STRATEGY" : "-w TRACE");
		cli_usage(check_usage, 1);
		return EXIT_BAD_INPUT;
	}
	/* Bad input stops everything before the first replay. */
	struct trace_load_options lo = {.warn = diag_print_warning};
	static struct check_trace traces[MATRIX_MAX_ITEMS];
	for (size_t i = 0; i < nw; i++) {
		struct trace t = {0};
		struct diag d;
		if (trace_load(workloads[i], &lo, &t, &d)) {
			diag_print(&d);
			return EXIT_BAD_INPUT;
		}
		traces[i].path = workloads[i];
		snprintf(traces[i].cache_path, sizeof traces[i].cache_path, "%s", t.cache_path);
		snprintf(traces[i].cache_key, sizeof traces[i].cache_key, "%016llx",
			 (unsigned long long)t.cache_key);
		trace_free(&t);
	}
	struct strategy *s = calloc(ns, sizeof *s);
	if (!s) {
		error_msg("out of memory");
		return EXIT_RUN_FAILED;
	}
	int rc = EXIT_OK;
	for (size_t i = 0; i < ns && rc != EXIT_BAD_INPUT; i++) {
		struct diag d;
		if (strategy_resolve(strategies[i], &s[i], &d) || strategy_try_create(&s[i], &d)) {
			diag_print(&d);
			rc = EXIT_BAD_INPUT;
		}
	}
	for (size_t i = 0; i < ns && rc != EXIT_BAD_INPUT; i++) {
		char why[256];
		if (strategy_available(&s[i], why, sizeof why)) {
			printf("skipped  %s: %s\n", s[i].spec, why);
			continue;
		}
		for (size_t j = 0; j < nw; j++)
			if (check_one(&s[i], &traces[j], (unsigned)timeout_s) != EXIT_OK)
				rc = EXIT_RUN_FAILED;
	}
	for (size_t i = 0; i < ns; i++)
		strategy_release(&s[i]);
	free(s);
	return rc;
}
