/* strategy.c - from the text a user typed (`first-fit:order=lifo`) to an ops
 * table and a complete, validated parameter set. Plugins are dlopen'ed here. */
#include "strategy.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "runner.h"

#define PLUGIN_PREFIX "plugin:"
#define LIB_PREFIX "lib:"
#define PLUGIN_PROBE_TIMEOUT_S 30

static int plugin_file_available(const struct allocator_config *cfg, char *why, size_t len)
{
	if (access(cfg->path, R_OK) == 0)
		return 0;
	if (why)
		snprintf(why, len, "cannot read '%s'", cfg->path);
	return -1;
}

/* What the harness process knows of a plugin it has probed but not loaded. */
static const struct allocator_ops plugin_stand_in = {
	.name = "plugin",
	.description = "plugin:PATH - a shared object exporting the allocscope strategy interface",
	.available = plugin_file_available,
};

/* Copies `text` into the strategy's own storage; NULL when it is full. */
static char *store(struct strategy *s, size_t *used, const char *text, size_t len)
{
	if (*used + len + 1 > sizeof s->storage)
		return NULL;
	char *dst = s->storage + *used;
	memcpy(dst, text, len);
	dst[len] = '\0';
	*used += len + 1;
	return dst;
}

static int load_plugin(struct strategy *s, const char *path, struct diag *d)
{
	s->plugin_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!s->plugin_handle)
		return diag_set(d, NULL, 0, 0, "cannot load plugin '%s': %s", path, dlerror());
	const unsigned *abi = dlsym(s->plugin_handle, "allocscope_abi");
	s->ops = dlsym(s->plugin_handle, "allocscope_strategy");
	if (!s->ops)
		return diag_set(d, NULL, 0, 0,
				"plugin '%s' does not export 'allocscope_strategy'", path);
	if (!abi || *abi != ALLOCATOR_ABI_VERSION)
		return diag_set(d, NULL, 0, 0,
				"plugin '%s' was built for interface version %u, not %u "
				"(export 'const unsigned allocscope_abi')",
				path, abi ? *abi : 0, ALLOCATOR_ABI_VERSION);
	const struct allocator_ops *o = s->ops;
	if (!o->name || !o->create || !o->malloc || !o->free || !o->realloc ||
	    !o->calloc || !o->aligned_alloc || !o->usable_size || !o->heap_stats)
		return diag_set(d, NULL, 0, 0,
				"plugin '%s' leaves a required function of allocator_ops NULL", path);
	return 0;
}

static int param_index(const struct allocator_ops *ops, const char *key, size_t key_len)
{
	for (int i = 0; ops->params && ops->params[i].key; i++)
		if (strlen(ops->params[i].key) == key_len &&
		    !strncmp(ops->params[i].key, key, key_len))
			return i;
	return -1;
}

/* Applies `key=value:key=value` over the defaults and renders s->params.
 * text is NULL when the name had no colon; an empty item ("buddy:", a
 * trailing colon) is an error, as it would otherwise give the same
 * strategy a second row key. */
static int apply_params(struct strategy *s, const char *text, size_t *used, struct diag *d)
{
	const struct allocator_ops *ops = s->ops;
	int n = 0;
	for (; ops->params && ops->params[n].key; n++) {
		if (n == ALLOCATOR_MAX_PARAMS)
			return diag_set(d, NULL, 0, 0, "strategy '%s' has too many parameters",
					ops->name);
		s->cfg.values[n] = ops->params[n].default_value;
	}
	unsigned given = 0; /* bit i: parameter i was typed */
	while (text) {
		const char *end = strchr(text, ':');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		const char *eq = memchr(text, '=', len);
		if (!eq || eq == text)
			return diag_set(d, NULL, 0, 0, "'%.*s' in strategy '%s' is not key=value",
					(int)len, text, s->spec);
		int i = param_index(ops, text, (size_t)(eq - text));
		if (i < 0)
			return diag_set(d, NULL, 0, 0, "strategy '%s' has no parameter '%.*s'",
					ops->name, (int)(eq - text), text);
		if (given & (1u << i))
			return diag_set(d, NULL, 0, 0, "parameter '%.*s' is given twice in '%s'",
					(int)(eq - text), text, s->spec);
		given |= 1u << i;
		s->cfg.values[i] = store(s, used, eq + 1, len - (size_t)(eq - text) - 1);
		if (!s->cfg.values[i])
			return diag_set(d, NULL, 0, 0, "strategy '%s' is too long", s->spec);
		text = end ? end + 1 : NULL;
	}
	size_t off = 0;
	s->params[0] = '\0';
	for (int i = 0; i < n && off < sizeof s->params; i++)
		off += (size_t)snprintf(s->params + off, sizeof s->params - off, "%s%s=%s",
					i ? ":" : "", ops->params[i].key, s->cfg.values[i]);
	return 0;
}

/* Loads the plugin in a child and takes its complete parameter set from
 * there; every fault of the plugin is reported as bad input. */
static int probe_plugin(struct strategy *s, struct diag *d)
{
	char *args[] = {"--strategy", s->spec, "--probe", NULL};
	struct runner_result res;
	char params[sizeof s->params];
	if (runner_replay(args, NULL, PLUGIN_PROBE_TIMEOUT_S, &res))
		return diag_set(d, NULL, 0, 0, "cannot start a process to load '%s'", s->spec);
	if (strcmp(res.status, "ok"))
		return diag_set(d, NULL, 0, 0, "plugin '%s' cannot be used: %s", s->cfg.path,
				strncmp(res.status, "failed:", 7) ? res.status : res.status + 7);
	if (runner_get(&res, "params", params, sizeof params) == 0)
		memcpy(s->params, params, sizeof params);
	s->ops = &plugin_stand_in;
	return 0;
}

/* Stores the absolute form of the path typed after lib: or plugin: as
 * cfg.path. A path the user typed that is not there is bad input, not an
 * unavailable strategy; made absolute, a file in the current directory is
 * found by dlopen and LD_PRELOAD, which search the system's directories for
 * a bare name. */
static int library_path(struct strategy *s, size_t *used, const char *path, size_t len,
			const char *what, struct diag *d)
{
	char typed[4096], real[PATH_MAX];
	snprintf(typed, sizeof typed, "%.*s", (int)len, path);
	if (!realpath(typed, real))
		return diag_set(d, NULL, 0, 0, "cannot read %s '%s': %s", what, typed,
				strerror(errno));
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return diag_set(d, NULL, 0, 0, "%s '%s' is not a regular file", what, typed);
	s->cfg.path = store(s, used, real, strlen(real));
	if (!s->cfg.path)
		return diag_set(d, NULL, 0, 0, "strategy '%s' is too long", s->spec);
	return 0;
}

/* What the dynamic loader would refuse once the replay process started
 * (with its own, less readable words): LD_PRELOAD splits at spaces and
 * colons, and the file must be an ELF object. */
static int library_check_preloadable(const char *path, struct diag *d)
{
	if (strpbrk(path, " \t\n:"))
		return diag_set(d, NULL, 0, 0, "library '%s': LD_PRELOAD cannot take a path "
				"with a space or ':' in it", path);
	unsigned char magic[4] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(d, NULL, 0, 0, "cannot read library '%s': %s", path,
				strerror(errno));
	size_t got = fread(magic, 1, sizeof magic, f);
	fclose(f);
	if (got != sizeof magic || memcmp(magic, "\x7f" "ELF", 4))
		return diag_set(d, NULL, 0, 0, "library '%s' is not an ELF shared object", path);
	return 0;
}

static int resolve(const char *spec, struct strategy *s, int load_plugins, struct diag *d)
{
	memset(s, 0, sizeof *s);
	if (strlen(spec) >= sizeof s->spec)
		return diag_set(d, NULL, 0, 0, "strategy '%.40s...' is too long", spec);
	/* The spec is every row's key and a line of the summary and the plots. */
	for (const unsigned char *c = (const unsigned char *)spec; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return diag_set(d, NULL, 0, 0, "strategy '%.*s...' holds a control "
					"character (byte 0x%02x)", (int)((const char *)c - spec),
					spec, *c);
	strcpy(s->spec, spec);
	size_t used = 0;
	const char *rest;

	int is_plugin = !strncmp(spec, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX));
	int is_lib = !strncmp(spec, LIB_PREFIX, strlen(LIB_PREFIX));
	if (is_plugin || is_lib) {
		/* The path runs to the next ':' (paths containing ':' are not supported). */
		const char *path = spec + strlen(is_plugin ? PLUGIN_PREFIX : LIB_PREFIX);
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		if (!len)
			return diag_set(d, NULL, 0, 0, "strategy '%s' needs a path", spec);
		if (library_path(s, &used, path, len, is_plugin ? "plugin" : "library", d))
			return -1;
		rest = end ? end + 1 : NULL;
		s->is_plugin = is_plugin;
		if (is_plugin && !load_plugins)
			return probe_plugin(s, d);
		if (is_plugin) {
			if (load_plugin(s, s->cfg.path, d))
				return -1;
		} else {
			if (library_check_preloadable(s->cfg.path, d))
				return -1;
			s->ops = &lib_ops;
		}
	} else {
		const char *colon = strchr(spec, ':');
		size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)len, spec);
		s->ops = allocator_find(name);
		if (!s->ops)
			return diag_set(d, NULL, 0, 0,
					"unknown strategy '%s' (see 'allocscope list')", name);
		rest = colon ? colon + 1 : NULL;
	}
	return apply_params(s, rest, &used, d);
}

int strategy_resolve(const char *spec, struct strategy *s, struct diag *d)
{
	return resolve(spec, s, 0, d);
}

int strategy_load(const char *spec, struct strategy *s, struct diag *d)
{
	return resolve(spec, s, 1, d);
}

void strategy_release(struct strategy *s)
{
	if (s->plugin_handle)
		dlclose(s->plugin_handle);
	s->plugin_handle = NULL;
}

int strategy_try_create(const struct strategy *s, struct diag *d)
{
	if (s->ops->preload || s->is_plugin || strategy_available(s, NULL, 0) != 0)
		return 0;
	char err[512] = "";
	void *self = s->ops->create(&s->cfg, err, sizeof err);
	if (!self)
		return diag_set(d, NULL, 0, 0, "strategy '%s': %s", s->spec, err);
	if (s->ops->destroy)
		s->ops->destroy(self);
	return 0;
}

int strategy_available(const struct strategy *s, char *why, size_t len)
{
	if (s->ops->available)
		return s->ops->available(&s->cfg, why, len);
	return 0;
}

int strategy_named_available(const char *name, char *why, size_t len)
{
	struct strategy s;
	struct diag d;
	if (strategy_resolve(name, &s, &d)) {
		snprintf(why, len, "%s", d.message);
		return 0;
	}
	return strategy_available(&s, why, len) == 0;
}

