/* cmd_gen.c - `allocscope gen`: expands a trace's `generate:` spec (gen.c,
 * through the loader) and writes the same trace with explicit events. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "import.h"
#include "trace.h"

static const char gen_usage[] =
	"usage: allocscope gen SPEC.yaml -o TRACE.yaml [--max-size BYTES]\n"
	"\n"
	"Expands a trace whose events are given by a 'generate:' spec into the\n"
	"same trace with explicit events (name, description and source kept).\n"
	"\n"
	"  -o, --output FILE   the YAML trace to write (replaced only when whole)\n"
	"      --max-size N    reject requests above N bytes (default 1 TiB)\n"
	"  -h, --help          show this help\n";

int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"max-size", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct trace_load_options lo = {.no_cache = 1, .warn = diag_print_warning};
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'M':
			if (cli_parse_u64("--max-size", optarg, 1, UINT64_MAX, &lo.max_size))
				return EXIT_BAD_INPUT;
			break;
		case 'h': cli_usage(gen_usage, 0); return EXIT_OK;
		default: cli_usage(gen_usage, 1); return EXIT_BAD_INPUT;
		}
	}
	if (!out || optind != argc - 1) {
		error_msg("%s", !out ? "missing -o TRACE.yaml" : "expected exactly one SPEC.yaml");
		cli_usage(gen_usage, 1);
		return EXIT_BAD_INPUT;
	}
	if (fileio_check_target(out)) {
		error_msg("cannot write '%s': %s", out, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (fileio_same_file(argv[optind], out)) {
		error_msg("'%s' is the spec itself: the trace would replace it", out);
		return EXIT_BAD_INPUT;
	}
	struct trace t = {0};
	struct diag d = {0};
	if (trace_load(argv[optind], &lo, &t, &d)) {
		diag_print(&d);
		return EXIT_BAD_INPUT;
	}
	int rc = EXIT_OK;
	if (trace_write_file(&t, out, &d)) {
		diag_print(&d);
		rc = EXIT_RUN_FAILED;
	} else {
		fprintf(stderr, "allocscope: %s: %llu events, peak live %llu bytes -> %s\n",
			argv[optind], (unsigned long long)t.n_events,
			(unsigned long long)t.peak_live_bytes, out);
	}
	trace_free(&t);
	return rc;
}
