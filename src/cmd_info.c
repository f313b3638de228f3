/* cmd_info.c - `allocscope info TRACE`: loads a trace and prints its
 * statistics (src/trace_stats.c computes them; this file only formats). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "trace.h"
#include "trace_stats.h"

#define INFO_BAR_WIDTH 40

/* Formats a byte count with a binary unit: exact for powers of two
 * ("4 KiB"), else one decimal ("12.3 MiB"); below 1 KiB in bytes. */
static const char *bytes_human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned u = 0;
	double x = (double)v;
	while (x >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		x /= 1024.0;
		u++;
	}
	if (u == 0 || (v & (v - 1)) == 0)
		snprintf(buf, len, "%.0f %s", x, units[u]);
	else
		snprintf(buf, len, "%.1f %s", x, units[u]);
	return buf;
}

/* "400 bytes", or "1.8 MiB (1920000 bytes)" from 1 KiB on. */
static const char *bytes_both(uint64_t v, char *buf, size_t len)
{
	char h[32];
	if (v < 1024)
		snprintf(buf, len, "%" PRIu64 " bytes", v);
	else
		snprintf(buf, len, "%s (%" PRIu64 " bytes)", bytes_human(v, h, sizeof h), v);
	return buf;
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void info_print_events(const struct trace_stats *s)
{
	printf("events       %" PRIu64 "\n", s->n_events);
	for (int op = 0; op < TRACE_OP_COUNT; op++)
		printf("  %-13s %10" PRIu64 "  %5.1f%%\n", trace_op_name(op),
		       s->count[op], percent(s->count[op], s->n_events));
}

/* The bucket's range as "[lo, hi)" in binary units; bucket 0 is "0". */
static void bucket_label(unsigned k, char *buf, size_t len)
{
	char lo[32], hi[32];
	if (k == 0) {
		snprintf(buf, len, "0");
		return;
	}
	bytes_human((uint64_t)1 << (k - 1), lo, sizeof lo);
	if (k == 64)
		snprintf(buf, len, "[%s, 16 EiB)", lo);
	else
		snprintf(buf, len, "[%s, %s)", lo, bytes_human((uint64_t)1 << k, hi, sizeof hi));
}

/* One row per bucket from the first non-empty to the last, so that gaps
 * inside the range show as empty rows. */
static void info_print_histogram(const struct trace_stats *s)
{
	unsigned first = TRACE_STATS_BUCKETS, last = 0;
	uint64_t most = 0, total = 0;
	for (unsigned k = 0; k < TRACE_STATS_BUCKETS; k++) {
		if (!s->size_hist[k])
			continue;
		first = k < first ? k : first;
		last = k;
		most = s->size_hist[k] > most ? s->size_hist[k] : most;
		total += s->size_hist[k];
	}
	if (!total)
		return;
	puts("sizes        requested sizes in power-of-two buckets");
	for (unsigned k = first; k <= last; k++) {
		char label[64], bar[INFO_BAR_WIDTH + 1];
		uint64_t c = s->size_hist[k];
		size_t w = (size_t)((c * INFO_BAR_WIDTH + most - 1) / most);
		memset(bar, '#', w);
		bar[w] = '\0';
		bucket_label(k, label, sizeof label);
		printf("  %-22s %12" PRIu64 "  %5.1f%%%s%s\n", label, c,
		       percent(c, total), w ? "  " : "", bar);
	}
}

static void info_print(const struct trace *t, const struct trace_stats *s)
{
	char a[64];
	uint64_t requests = s->n_events - s->count[TRACE_FREE];
	printf("name         %s\n", t->name);
	if (t->description)
		printf("description  %s\n", t->description);
	info_print_events(s);
	printf("threads      %" PRIu32, s->n_threads);
	if (s->thread_ids > s->n_threads)
		printf(" (ids t0 to t%" PRIu32 ")", s->thread_ids - 1);
	putchar('\n');
	printf("peak live    %s in %" PRIu64 " block%s\n", bytes_both(s->peak_live_bytes, a, sizeof a),
	       s->blocks_at_peak_live, cli_plural(s->blocks_at_peak_live));
	printf("most blocks  %" PRIu64 " live at once\n", s->peak_live_blocks);
	printf("requested    %s in %" PRIu64 " request%s\n", bytes_both(s->total_requested, a, sizeof a),
	       requests, cli_plural(requests));
	info_print_histogram(s);
	printf("lifetime     in events from allocation to free, over %" PRIu64 " freed block%s\n",
	       s->life.n_freed, cli_plural(s->life.n_freed));
	if (s->life.n_freed)
		printf("             median %" PRIu64 "  p90 %" PRIu64 "  p99 %" PRIu64
		       "  max %" PRIu64 "\n",
		       s->life.median, s->life.p90, s->life.p99, s->life.max);
	printf("             still live at the end: %" PRIu64 " block%s\n", s->life.still_live,
	       cli_plural(s->life.still_live));
	printf("realloc      %" PRIu64 " grew, %" PRIu64 " shrank, %" PRIu64 " kept their size\n",
	       s->realloc_grow, s->realloc_shrink, s->realloc_same);
}

static const char info_usage[] =
	"usage: allocscope info [--max-size BYTES] [--no-cache] TRACE\n"
	"\n"
	"Prints a trace's statistics: events by kind, threads, peak live bytes and\n"
	"blocks, bytes requested, a histogram of request sizes, block lifetimes (in\n"
	"events from allocation to free) and how reallocs changed sizes.\n"
	"\n"
	"  --max-size BYTES  reject requests above BYTES (default 1 TiB)\n"
	"  --no-cache        parse the YAML; neither read nor write the trace cache\n"
	"  -h, --help        show this help\n";

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"max-size", required_argument, NULL, 'M'},
		{"no-cache", no_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	struct trace_load_options opt = {.warn = diag_print_warning};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(info_usage, 0);
			return EXIT_OK;
		case 'M':
			if (cli_parse_u64("--max-size", optarg, 1, UINT64_MAX, &opt.max_size))
				return EXIT_BAD_INPUT;
			break;
		case 'C':
			opt.no_cache = 1;
			break;
		default:
			cli_usage(info_usage, 1);
			return EXIT_BAD_INPUT;
		}
	}
	if (argc - optind != 1) {
		error_msg(argc == optind ? "no trace given" : "more than one trace given");
		cli_usage(info_usage, 1);
		return EXIT_BAD_INPUT;
	}
	const char *path = argv[optind];
	struct trace t;
	struct trace_stats s;
	struct diag d = {0};
	if (trace_load(path, &opt, &t, &d)) {
		diag_print(&d);
		return EXIT_BAD_INPUT;
	}
	int rc = trace_stats_compute(&t, &s, &d);
	if (rc) {
		snprintf(d.file, sizeof d.file, "%s", path);
		diag_print(&d);
	} else {
		info_print(&t, &s);
	}
	trace_free(&t);
	return rc ? EXIT_BAD_INPUT : EXIT_OK;
}
