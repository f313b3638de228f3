/* cmd_list.c - `allocscope list`: the strategies, their parameters, and
 * whether each can run on this machine. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "registry.h"
#include "strategy.h"

static const char list_usage[] =
	"usage: allocscope list\n"
	"\n"
	"Lists the strategies with a one-line description, their parameters with\n"
	"defaults, and whether each is available on this machine. Name parameters\n"
	"after a colon: first-fit:order=lifo, buddy:min=32:step=65536.\n"
	"Also: lib:PATH (a library exporting malloc/free/realloc/calloc) and\n"
	"plugin:PATH (a shared object exporting the allocscope strategy interface).\n";

int cmd_list(int argc, char **argv)
{
	if (argc > 1) {
		int help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		if (!help)
			error_msg("list: unexpected argument '%s'", argv[1]);
		cli_usage(list_usage, !help);
		return help ? EXIT_OK : EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < allocator_registry_len; i++) {
		const struct allocator_ops *ops = allocator_registry[i];
		char why[256] = "";
		int ok = strategy_named_available(ops->name, why, sizeof why);
		printf("%-12s %-11s %s\n", ops->name, ok ? "available" : "unavailable",
		       ops->description);
		if (!ok)
			printf("%-12s %-11s (%s)\n", "", "", why);
		for (const struct allocator_param *p = ops->params; p && p->key; p++)
			printf("%-12s %-11s   %s=%s  %s\n", "", "", p->key, p->default_value, p->help);
	}
	printf("%-12s %-11s %s\n", "lib:PATH", "-", "any shared library exporting malloc/free/realloc/calloc");
	printf("%-12s %-11s %s\n", "plugin:PATH", "-", "a shared object exporting the allocscope strategy interface");
	return EXIT_OK;
}
