/* strategy.h - a strategy as named on the command line: `name[:key=value]..`,
 * `lib:PATH` or `plugin:PATH[:key=value]..`, resolved to its ops table and
 * its complete parameter set (defaults included). */
#ifndef ALLOCSCOPE_STRATEGY_H
#define ALLOCSCOPE_STRATEGY_H

#include "allocator.h"
#include "diag.h"

struct strategy {
	char spec[512];      /* exactly as typed: the row key in every CSV */
	char params[512];    /* the complete set in force: "order=address:step=4096" */
	const struct allocator_ops *ops;
	struct allocator_config cfg;
	char storage[1024];  /* the strings cfg points into */
	void *plugin_handle; /* dlopen handle for plugin:PATH (strategy_load) */
	int is_plugin;
};

/* Parses `spec`, finds the strategy and checks every key against its
 * parameter list. A plugin is not loaded into this process: it is probed in
 * a replay process (`__replay --probe`), so that one that crashes or hangs
 * while loading or in create() costs an error message, not the harness; its
 * ops here stand in for it (availability only). Returns 0, or -1 with a
 * message. */
int strategy_resolve(const char *spec, struct strategy *s, struct diag *d);

/* The same in the replay process, where a plugin is dlopen'ed for real. */
int strategy_load(const char *spec, struct strategy *s, struct diag *d);
void strategy_release(struct strategy *s);

/* Parameter values are checked by create(): makes and destroys one
 * instance here, where a bad value can still stop everything before the
 * first replay (-1 with d set). Skipped for strategies that need a preload
 * and for plugins, whose create() may crash or hang, which must cost a row
 * in the replay process, not the harness. */
int strategy_try_create(const struct strategy *s, struct diag *d);

/* 0 when the strategy can run here, else -1 with a reason. */
int strategy_available(const struct strategy *s, char *why, size_t len);
/* Whether a built-in strategy, with its default parameters, can run here
 * (1), else 0 with a reason: for `list` and bench's default matrix. */
int strategy_named_available(const char *name, char *why, size_t len);

#endif
