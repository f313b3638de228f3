/* cmd_bench.c - `allocscope bench`: the default matrix, every strategy
 * available here against every trace in workloads/ (and workloads/captured/),
 * what `make bench` runs. */
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "matrix.h"
#include "registry.h"
#include "strategy.h"

static const char bench_usage[] =
	"usage: allocscope bench [run options]\n"
	"\n"
	"Runs every strategy available on this machine against every trace in\n"
	"workloads/*.yaml and workloads/captured/*.yaml, like 'allocscope run';\n"
	"-a and -w replace either list, and every other option of 'run' applies\n"
	"(see 'allocscope run --help').\n";

/* workloads/ next to the current directory, else next to the binary's
 * build directory (so bench works from anywhere in a checkout). */
static int find_workloads_dir(char *buf, size_t len)
{
	if (access("workloads", R_OK) == 0) {
		snprintf(buf, len, "workloads");
		return 0;
	}
	char self[4096];
	snprintf(self, sizeof self, "%s", cli_self_path());
	for (char *dir = dirname(self); strcmp(dir, "/") && strcmp(dir, "."); dir = dirname(dir)) {
		snprintf(buf, len, "%s/workloads", dir);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	return -1;
}

static void add_default_workloads(struct matrix_options *o, glob_t *g)
{
	char dir[4096], pattern[4200];
	if (find_workloads_dir(dir, sizeof dir))
		return;
	snprintf(pattern, sizeof pattern, "%s/*.yaml", dir);
	int flags = 0;
	if (glob(pattern, 0, NULL, g) == 0)
		flags = GLOB_APPEND;
	snprintf(pattern, sizeof pattern, "%s/captured/*.yaml", dir);
	glob(pattern, flags, NULL, g);
	for (size_t i = 0; i < g->gl_pathc && o->n_workloads < MATRIX_MAX_ITEMS; i++)
		o->workloads[o->n_workloads++] = g->gl_pathv[i];
}

static void add_default_strategies(struct matrix_options *o)
{
	for (size_t i = 0; i < allocator_registry_len; i++) {
		const struct allocator_ops *ops = allocator_registry[i];
		char why[256] = "";
		if (!strategy_named_available(ops->name, why, sizeof why)) {
			fprintf(stderr, "allocscope: note: '%s' is left out: %s\n", ops->name, why);
			continue;
		}
		o->strategies[o->n_strategies++] = (char *)ops->name;
	}
}

int cmd_bench(int argc, char **argv)
{
	struct matrix_options o;
	glob_t g = {0};
	matrix_options_init(&o);
	int rc = matrix_parse_args(&o, argc, argv, bench_usage);
	if (rc)
		return rc < 0 ? EXIT_BAD_INPUT : EXIT_OK;
	if (!o.n_strategies)
		add_default_strategies(&o);
	if (!o.n_workloads) {
		add_default_workloads(&o, &g);
		if (!o.n_workloads) {
			error_msg("no workloads found: run from the allocscope directory "
				  "(workloads/*.yaml) or give -w");
			return EXIT_BAD_INPUT;
		}
	}
	rc = matrix_run(&o);
	globfree(&g);
	return rc;
}
