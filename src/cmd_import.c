/* cmd_import.c - `allocscope import`: converts a foreign trace (src/import_*.c)
 * into format v1 YAML, written whole or not at all, with a one-line summary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "import.h"
#include "yaml_quote.h"

static const char import_usage[] =
	"usage: allocscope import --from FORMAT IN -o OUT.yaml [--name NAME]\n"
	"                         [--max-size BYTES]\n"
	"\n"
	"Converts a foreign allocation trace into an allocscope YAML trace.\n"
	"\n"
	"  -f, --from FORMAT   malloclab, mtrace or android (see below)\n"
	"  -o, --output FILE   the YAML trace to write (replaced only when whole)\n"
	"  -n, --name NAME     the trace's name ([A-Za-z0-9._-]+; default: IN's\n"
	"                      basename without its extension)\n"
	"      --max-size N    reject requests above N bytes (default 1 TiB)\n"
	"  -h, --help          show this help\n"
	"\n"
	"formats:\n"
	"  malloclab  CS:APP malloc lab .rep (original and Autolab header layouts)\n"
	"  mtrace     glibc MALLOC_TRACE output (mtrace(3))\n"
	"  android    bionic malloc_debug record_allocs dump (with or without\n"
	"             timestamps)\n";

struct import_args {
	const struct import_format *fmt;
	const char *in, *out, *name;
	uint64_t max_size;
};

/* Returns -1 to go on, else the exit code. */
static int import_parse_args(int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"max-size", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *from = NULL;
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "f:o:n:h", opts)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'o': a->out = optarg; break;
		case 'n': a->name = optarg; break;
		case 'M':
			if (cli_parse_u64("--max-size", optarg, 1, UINT64_MAX, &a->max_size))
				return EXIT_BAD_INPUT;
			break;
		case 'h': cli_usage(import_usage, 0); return EXIT_OK;
		default: cli_usage(import_usage, 1); return EXIT_BAD_INPUT;
		}
	}
	if (!from || !a->out || optind != argc - 1) {
		error_msg("%s", !from ? "missing --from FORMAT" : !a->out ? "missing -o OUT.yaml"
				: "expected exactly one input file");
		cli_usage(import_usage, 1);
		return EXIT_BAD_INPUT;
	}
	a->in = argv[optind];
	if (!(a->fmt = import_format_find(from))) {
		error_msg("unknown format '%s' (expected malloclab, mtrace or android)", from);
		return EXIT_BAD_INPUT;
	}
	if (a->name && cli_check_trace_name(a->name))
		return EXIT_BAD_INPUT;
	if (fileio_check_target(a->out)) {
		error_msg("cannot write '%s': %s", a->out, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (fileio_same_file(a->in, a->out)) {
		error_msg("'%s' is the input itself: the trace would replace it", a->out);
		return EXIT_BAD_INPUT;
	}
	return -1;
}

/* Name, description and source: where the events came from. */
static int import_label(struct trace *t, const struct import_args *a,
			const struct import_report *r)
{
	if (a->name)
		snprintf(t->name, sizeof t->name, "%s", a->name);
	else
		import_name_from_path(a->in, t->name, sizeof t->name);
	const char *base = strrchr(a->in, '/');
	base = base ? base + 1 : a->in;
	char desc[1024], src[1024] = "";
	snprintf(desc, sizeof desc, "imported from the %s trace %s (%s)", a->fmt->name,
		 base, r->layout);
	snprintf(src, sizeof src, "{kind: imported, format: %s, layout: %s, file: ",
		 a->fmt->name, r->layout);
	yaml_quote_append(base, src, sizeof src - 1);
	strcat(src, "}");
	t->description = strdup(desc);
	t->source = strdup(src);
	return t->description && t->source ? 0 : -1;
}

static void import_print_report(const struct import_report *r, const struct trace *t,
				const struct import_args *a)
{
	for (unsigned i = 0; i < r->n_warnings; i++)
		diag_warn(r->warnings[i].file, r->warnings[i].line, 0, "%s",
			  r->warnings[i].message);
	if (r->n_dropped_warnings)
		warn_msg("%u more warnings not shown", r->n_dropped_warnings);
	fprintf(stderr, "allocscope: imported %s: %llu event%s (", a->in,
		(unsigned long long)t->n_events, cli_plural(t->n_events));
	for (int op = 0; op < TRACE_OP_COUNT; op++)
		fprintf(stderr, "%s%llu %s", op ? ", " : "", (unsigned long long)t->count[op],
			trace_op_name((enum trace_op)op));
	fprintf(stderr, "), %u thread%s, peak live %llu bytes; %llu free%s skipped, "
		"%llu failed call%s -> %s\n", t->n_threads, cli_plural(t->n_threads),
		(unsigned long long)t->peak_live_bytes, (unsigned long long)r->skipped_frees,
		cli_plural(r->skipped_frees), (unsigned long long)r->failed_calls,
		cli_plural(r->failed_calls), a->out);
}

int cmd_import(int argc, char **argv)
{
	struct import_args a = {.max_size = TRACE_DEFAULT_MAX_SIZE};
	int rc = import_parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	FILE *in = strcmp(a.in, "-") ? fopen(a.in, "r") : stdin;
	if (!in) {
		struct diag open_err;
		diag_set(&open_err, a.in, 0, 0, "cannot open: %s", strerror(errno));
		diag_print(&open_err);
		return EXIT_BAD_INPUT;
	}
	struct trace_builder b;
	struct import_report r = {0};
	struct diag d = {0};
	struct trace t = {0};
	trace_builder_init(&b, a.max_size);
	rc = a.fmt->fn(in, a.in, &b, &r, &d);
	if (in != stdin)
		fclose(in);
	if (rc) {
		trace_builder_discard(&b);
		diag_print(&d);
		return EXIT_BAD_INPUT;
	}
	trace_builder_finish(&b, &t);
	rc = EXIT_OK;
	if (import_label(&t, &a, &r)) {
		error_msg("out of memory");
		rc = EXIT_RUN_FAILED;
	} else if (trace_write_file(&t, a.out, &d)) {
		diag_print(&d);
		rc = EXIT_RUN_FAILED;
	} else {
		import_print_report(&r, &t, &a);
	}
	trace_free(&t);
	return rc;
}
