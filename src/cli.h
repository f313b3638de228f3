/* cli.h - the subcommands (one file each, src/cmd_<name>.c) and the helpers
 * they share for parsing option values. Only the CLI prints errors. */
#ifndef ALLOCSCOPE_CLI_H
#define ALLOCSCOPE_CLI_H

#include <stddef.h>
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

/* Splits the comma-separated list of an option (-a, -w) in place,
 * appending its items to items[*n..max); when they do not all fit, prints
 * `more than MAX WHAT` and returns -1. */
int cli_split_list(char *list, char **items, size_t *n, size_t max, const char *what);

/* The per-replay time limit of run, bench and check (--timeout). */
#define CLI_DEFAULT_TIMEOUT_S 600

/* A trace name given on the command line (--name): 0 when it is one the
 * loader will read back, else prints why and returns -1. */
int cli_check_trace_name(const char *name);

/* "s" unless n is 1, for counts in messages ("1 thread", "2 threads"). */
const char *cli_plural(uint64_t n);

/* getopt_long for a subcommand (argv[0] is its name), whose complaints
 * about an unknown option or a missing value are printed the harness's way
 * (`allocscope: error: run: unknown option '--bogus'`); both return '?'. */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* A command line as one string a shell would split back into the same
 * words: `first` (may be NULL), then argv[0..argc) (stopping early at a NULL),
 * each quoted only where needed. Cut short when buf is full. */
void cli_join_command(const char *first, char *const argv[], int argc, char *buf, size_t cap);

/* Prints usage to stdout (for --help, exit 0) or stderr (bad usage). */
void cli_usage(const char *usage, int to_stderr);

/* The path of the running allocscope binary (for re-exec of children). */
const char *cli_self_path(void);

/* Where temporary files go: $TMPDIR when set and not empty, else /tmp. */
const char *cli_tmp_dir(void);

#endif
