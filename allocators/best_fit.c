/* best_fit.c - placeholder until the strategy lands (issue 3). */
#include <stdio.h>

#include "allocator.h"

static void *stub_create(const struct allocator_config *cfg, char *err, size_t err_len)
{
	(void)cfg;
	snprintf(err, err_len, "strategy 'best-fit' is not implemented yet");
	return NULL;
}

const struct allocator_ops best_fit_ops = {
	.name = "best-fit",
	.description = "(not implemented yet)",
	.create = stub_create,
};
