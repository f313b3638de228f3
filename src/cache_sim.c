/* cache_sim.c - running a replay under callgrind's cache simulator and
 * reading its profile back (cache_sim.h). Runs in the parent, never in a
 * replay process. */
#include "cache_sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EVENT_TYPES 32

int cache_sim_available(char *why, size_t why_len)
{
#if defined(__SANITIZE_ADDRESS__)
	snprintf(why, why_len, "valgrind cannot run an AddressSanitizer build");
	return -1;
#endif
#ifndef CACHE_SIM_CLIENT_REQUESTS
	snprintf(why, why_len, "built without <valgrind/callgrind.h>");
	return -1;
#endif
	const char *path = getenv("PATH");
	char dir[4096], exe[4200];
	while (path && *path) {
		size_t len = strcspn(path, ":");
		snprintf(dir, sizeof dir, "%.*s", (int)len, path);
		snprintf(exe, sizeof exe, "%s/valgrind", len ? dir : ".");
		if (access(exe, X_OK) == 0)
			return 0;
		path += len + (path[len] == ':');
	}
	snprintf(why, why_len, "valgrind is not installed (apt-get install valgrind)");
	return -1;
}

void cache_sim_command(struct cache_sim_command *c, const char *out_file, const char *log_file)
{
	snprintf(c->out_option, sizeof c->out_option, "--callgrind-out-file=%s", out_file);
	snprintf(c->log_option, sizeof c->log_option, "--log-file=%s", log_file);
	c->argv[0] = "valgrind";
	c->argv[1] = "-q";
	c->argv[2] = "--tool=callgrind";
	c->argv[3] = "--cache-sim=yes";
	c->argv[4] = "--instr-atstart=no";
	c->argv[5] = "--collect-atstart=no";
	c->argv[6] = c->out_option;
	c->argv[7] = c->log_option;
	c->argv[8] = NULL;
}

/* The names after "events:", split in place. Returns their number. */
static int split_names(char *list, char *name[MAX_EVENT_TYPES])
{
	int n = 0;
	for (char *tok = strtok(list, " \t\r\n"); tok && n < MAX_EVENT_TYPES;
	     tok = strtok(NULL, " \t\r\n"))
		name[n++] = tok;
	return n;
}

/* The numbers after "summary:"; -1 at anything that is not one. */
static int split_costs(const char *list, uint64_t cost[MAX_EVENT_TYPES])
{
	int n = 0;
	for (const char *p = list;; n++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n' || *p == '\r')
			return n;
		char *end;
		errno = 0;
		if (n == MAX_EVENT_TYPES || *p < '0' || *p > '9')
			return -1;
		cost[n] = strtoull(p, &end, 10);
		if (errno)
			return -1;
		p = end;
	}
}

static int name_index(char *const name[], int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name[i], want))
			return i;
	return -1;
}

/* Maps the named columns onto the cache.csv figures. */
static int fill_figures(char *const name[], int n_names, const uint64_t cost[],
			struct counter_values *out, const char *path, char *err, size_t err_len)
{
	static const char *const need[] = {"Ir", "D1mr", "DLmr", "DLmw"};
	int at[4];
	for (int i = 0; i < 4; i++) {
		at[i] = name_index(name, n_names, need[i]);
		if (at[i] < 0) {
			snprintf(err, err_len, "'%s' has no '%s' figure (was --cache-sim=yes given?)",
				 path, need[i]);
			return -1;
		}
	}
	memset(out, 0, sizeof *out);
	out->value[COUNTER_INSTRUCTIONS] = cost[at[0]];
	out->value[COUNTER_L1D_MISSES] = cost[at[1]];
	out->value[COUNTER_LLC_MISSES] = cost[at[2]] + cost[at[3]];
	out->have = CACHE_SIM_FIGURES;
	return 0;
}

int cache_sim_parse(const char *path, struct counter_values *out, char *err, size_t err_len)
{
	char *line = NULL, *events = NULL, *summary = NULL, *totals = NULL;
	size_t cap = 0;
	int rc = -1;
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, err_len, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char **slot = !strncmp(line, "events:", 7) ? &events
			: !strncmp(line, "summary:", 8) ? &summary
			: !strncmp(line, "totals:", 7) ? &totals : NULL;
		if (slot && !*slot && !(*slot = strdup(strchr(line, ':') + 1))) {
			snprintf(err, err_len, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, err_len, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	const char *costs = totals ? totals : summary;
	if (!events || !costs) {
		snprintf(err, err_len, "'%s' is not a callgrind profile (no '%s' line)", path,
			 events ? "totals:" : "events:");
		goto out;
	}
	char *name[MAX_EVENT_TYPES];
	uint64_t cost[MAX_EVENT_TYPES] = {0};
	int n_names = split_names(events, name), n_costs = split_costs(costs, cost);
	if (n_costs < 0 || n_costs > n_names) {
		snprintf(err, err_len, "'%s': malformed '%s' line", path,
			 totals ? "totals:" : "summary:");
		goto out;
	}
	rc = fill_figures(name, n_names, cost, out, path, err, err_len);
out:
	free(line);
	free(events);
	free(summary);
	free(totals);
	fclose(f);
	return rc;
}
