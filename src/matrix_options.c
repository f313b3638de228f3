/* matrix_options.c - the options `run` and `bench` share: their defaults
 * (SPEC §6) and their parsing, with every bad value refused before a run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_sim.h"
#include "cli.h"
#include "diag.h"
#include "matrix.h"
#include "strategy.h"
#include "trace.h"

#define DEFAULT_REPS 5

void matrix_options_init(struct matrix_options *o)
{
	memset(o, 0, sizeof *o);
	o->reps = DEFAULT_REPS;
	o->touch = TOUCH_PAGES;
	o->size_scale = 1;
	o->max_size = TRACE_DEFAULT_MAX_SIZE;
	o->timeout_s = CLI_DEFAULT_TIMEOUT_S;
	o->cache_events = CACHE_SIM_DEFAULT_EVENTS;
	o->root = "results";
}

int matrix_parse_args(struct matrix_options *o, int argc, char **argv, const char *usage)
{
	static const struct option options[] = {
		{"strategies", required_argument, NULL, 'a'},
		{"workloads", required_argument, NULL, 'w'},
		{"reps", required_argument, NULL, 'n'},
		{"output", required_argument, NULL, 'o'},
		{"touch", required_argument, NULL, 't'},
		{"size-scale", required_argument, NULL, 'k'},
		{"max-size", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 'T'},
		{"label", required_argument, NULL, 'L'},
		{"no-latency", no_argument, NULL, 'Y'},
		{"no-cache", no_argument, NULL, 'C'},
		{"cache-events", required_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t v;
	int c;
	cli_join_command("allocscope", argv, argc, o->command, sizeof o->command);
	while ((c = cli_getopt(argc, argv, "a:w:n:o:h", options)) != -1) {
		switch (c) {
		case 'a':
			if (cli_split_list(optarg, o->strategies, &o->n_strategies, MATRIX_MAX_ITEMS,
					   "strategies"))
				return -1;
			break;
		case 'w':
			if (cli_split_list(optarg, o->workloads, &o->n_workloads, MATRIX_MAX_ITEMS,
					   "workloads"))
				return -1;
			break;
		case 'n':
			if (cli_parse_u64("-n", optarg, 1, MATRIX_MAX_REPS, &v))
				return -1;
			o->reps = (unsigned)v;
			break;
		case 'o':
			o->root = optarg;
			break;
		case 't':
			if (replay_parse_touch(optarg, &o->touch)) {
				error_msg("invalid value '%s' for --touch (none, first, pages, all)",
					  optarg);
				return -1;
			}
			break;
		case 'k':
			if (cli_parse_u64("--size-scale", optarg, 1, 1u << 20, &o->size_scale))
				return -1;
			break;
		case 'm':
			if (cli_parse_u64("--max-size", optarg, 1, UINT64_MAX, &o->max_size))
				return -1;
			break;
		case 'T':
			if (cli_parse_u64("--timeout", optarg, 0, 86400, &v))
				return -1;
			o->timeout_s = (unsigned)v;
			break;
		case 'L':
			o->label = optarg;
			if (!*optarg || strlen(optarg) > MATRIX_MAX_LABEL) {
				error_msg("invalid --label '%s' (1 to %d characters)", optarg,
					  MATRIX_MAX_LABEL);
				return -1;
			}
			if (!trace_name_valid(optarg)) {
				error_msg("invalid --label '%s' (use [A-Za-z0-9._-])", optarg);
				return -1;
			}
			break;
		case 'Y':
			o->no_latency = 1;
			break;
		case 'C':
			o->no_cache = 1;
			break;
		case 'E':
			if (cli_parse_u64("--cache-events", optarg, 1, UINT64_MAX, &o->cache_events))
				return -1;
			break;
		case 'h':
			cli_usage(usage, 0);
			return 1;
		default:
			cli_usage(usage, 1);
			return -1;
		}
	}
	if (optind < argc) {
		error_msg("unexpected argument '%s'", argv[optind]);
		cli_usage(usage, 1);
		return -1;
	}
	/* A strategy as typed is the row key of every CSV (SPEC §7): named
	 * twice, two rows would share it. */
	for (size_t i = 0; i < o->n_strategies; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->strategies[i], o->strategies[j])) {
				error_msg("strategy '%s' is named twice", o->strategies[i]);
				return -1;
			}
	return 0;
}
