/* main.c - allocscope's entry point: one table from subcommand names to
 * cmd_<name> functions, --help and --version. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "diag.h"
#include "signals.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* NULL: internal, not listed */
};

/* Sorted by name. To add a subcommand: write src/cmd_<name>.c exporting
 * cmd_<name>, declare it in cli.h, add a row here, document it in README. */
static const struct command commands[] = {
	{"__replay", cmd_replay, NULL},
	{"bench", cmd_bench, "run the default matrix: every available strategy x workloads/"},
	{"capture", cmd_capture, "record the allocations of an unmodified program"},
	{"check", cmd_check, "validate a strategy on a trace: alignment, overlap, payloads"},
	{"gen", cmd_gen, "expand a generate: spec into explicit events"},
	{"import", cmd_import, "convert malloclab, mtrace or android traces to YAML"},
	{"info", cmd_info, "show a trace's statistics"},
	{"list", cmd_list, "list strategies and whether each is available here"},
	{"run", cmd_run, "replay traces against strategies and write results"},
	{"selfbench", cmd_selfbench, "measure the harness itself: loop overhead, load rates"},
};

static void print_help(FILE *out)
{
	fputs("usage: allocscope [--version] [--help] COMMAND [ARGS]\n\n"
	      "Replays allocation traces against allocation strategies and writes\n"
	      "throughput, latency, cache and fragmentation results.\n\ncommands:\n",
	      out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].summary)
			fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'allocscope COMMAND --help' describes a command.\n", out);
}

/* Output that did not arrive (a full disk, a closed stdout) fails the
 * command, whatever it was, and is said once, here. */
static int output_checked(int rc)
{
	int err = fflush(stdout) ? errno : 0;
	if (!err && !ferror(stdout))
		return rc;
	error_msg("cannot write the output%s%s", err ? ": " : "", err ? strerror(err) : "");
	return rc == EXIT_OK ? EXIT_RUN_FAILED : rc;
}

static int run_command(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		print_version(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "allocscope: error: unknown command '%s'\n", argv[1]);
	print_help(stderr);
	return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
	/* Past a file-size limit (ulimit -f) a write then fails with EFBIG and
	 * is reported like any write error, rather than SIGXFSZ killing the
	 * harness mid-file or a replay child (its row blamed on the strategy).
	 * Children inherit it; capture gives its program the default back. */
	signal(SIGXFSZ, SIG_IGN);
	signals_guard();
	return output_checked(run_command(argc, argv));
}
