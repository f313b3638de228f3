/* cli.c - option-value parsing and usage printing shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"

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

void cli_usage(const char *usage, int to_stderr)
{
	fputs(usage, to_stderr ? stderr : stdout);
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
