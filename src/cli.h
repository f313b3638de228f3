/* cli.h - the subcommands (one file each, src/cmd_<name>.c) and the helpers
 * they share for parsing option values. Only the CLI prints errors. */
#ifndef ALLOCSCOPE_CLI_H
#define ALLOCSCOPE_CLI_H

#include <stdint.h>

enum {
	EXIT_OK = 0,
	EXIT_RUN_FAILED = 1, /* the work ran and something in it failed */
	EXIT_BAD_INPUT = 2,  /* bad usage or bad input */
};

int cmd_run(int argc, char **argv);
int cmd_selfbench(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_replay(int argc, char **argv); /* internal: the child side of a run */

/* Parses an unsigned decimal option value within [min, max]; on failure
 * prints `allocscope: error: invalid value 'V' for OPT ...` and returns -1. */
int cli_parse_u64(const char *opt, const char *value, uint64_t min, uint64_t max,
		  uint64_t *out);

/* getopt_long for a subcommand (argv[0] is its name), whose complaints
 * about an unknown option or a missing value are printed the harness's way
 * (`allocscope: error: run: unknown option '--bogus'`); both return '?'. */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Prints usage to stdout (for --help, exit 0) or stderr (bad usage). */
void cli_usage(const char *usage, int to_stderr);

/* The path of the running allocscope binary (for re-exec of children). */
const char *cli_self_path(void);

#endif
