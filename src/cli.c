/* cli.c - option-value parsing and usage printing shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "trace.h"

int cli_parse_u64(const char *opt, const char *value, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	char *end;
	errno = 0;
	uintmax_t v = value[0] >= '0' && value[0] <= '9' ? strtoumax(value, &end, 10) : 0;
	if (value[0] < '0' || value[0] > '9' || errno || *end || v < min || v > max) {
		error_msg("invalid value '%s' for %s (a whole number from %" PRIu64
			  " to %" PRIu64 ")", value, opt, min, max);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

int cli_split_list(char *list, char **items, size_t *n, size_t max, const char *what)
{
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == max) {
			error_msg("more than %zu %s", max, what);
			return -1;
		}
		items[(*n)++] = tok;
	}
	return 0;
}

const char *cli_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

int cli_check_trace_name(const char *name)
{
	if (trace_name_valid(name))
		return 0;
	error_msg("invalid trace name '%s': use 1-%d characters of [A-Za-z0-9._-]", name,
		  TRACE_NAME_MAX - 1);
	return -1;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	/* A leading ':' (after a '+', which stops at the first operand) makes
	 * getopt quiet and tell a missing argument from an unknown option. */
	char quiet[64];
	size_t plus = shortopts[0] == '+';
	snprintf(quiet, sizeof quiet, "%.*s:%s", (int)plus, shortopts, shortopts + plus);
	opterr = 0;
	int c = getopt_long(argc, argv, quiet, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	/* A long option is named by its word (optopt holds its value then, or
	 * 0 when unknown); a short one by its letter, which may sit in a
	 * cluster such as -xn. */
	char shown[3] = {'-', (char)optopt, '\0'};
	const char *last = argv[optind - 1];
	const char *opt = !strncmp(last, "--", 2) || !optopt ? last : shown;
	if (c == ':')
		error_msg("%s: option '%s' needs a value", argv[0], opt);
	else
		error_msg("%s: unknown option '%s'", argv[0], opt);
	return '?';
}

/* Appends `arg` to buf at *used, single-quoted when the shell would
 * otherwise split or expand it (a ' inside becomes '\''). */
static void append_arg(char *buf, size_t cap, size_t *used, const char *arg)
{
	int plain = *arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_./:=,+@%-") == strlen(arg);
	const char *parts[3] = {plain ? "" : "'", arg, plain ? "" : "'"};
	for (int i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p && *used + 5 < cap; p++) {
			if (i == 1 && !plain && *p == '\'') {
				memcpy(buf + *used, "'\\''", 4);
				*used += 4;
			} else {
				buf[(*used)++] = *p;
			}
		}
	buf[*used] = '\0';
}

void cli_join_command(const char *first, char *const argv[], int argc, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	if (first)
		append_arg(buf, cap, &used, first);
	for (int i = 0; i < argc && argv[i]; i++) {
		if (used && used + 1 < cap)
			buf[used++] = ' ';
		append_arg(buf, cap, &used, argv[i]);
	}
}

void cli_usage(const char *usage, int to_stderr)
{
	fputs(usage, to_stderr ? stderr : stdout);
}

const char *cli_tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && *tmp ? tmp : "/tmp";
}

const char *cli_self_path(void)
{
	static char path[PATH_MAX];
	if (!path[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
		if (n <= 0)
			return "allocscope";
		path[n] = '\0';
	}
	return path;
}
