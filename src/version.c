/* version.c - versions of allocscope and of the libraries behind a result. */
#include "version.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <yaml.h>

#include "registry.h"
#include "runner.h"

#ifndef ALLOCSCOPE_VERSION
#define ALLOCSCOPE_VERSION "unknown"
#endif
#ifndef ALLOCSCOPE_COMMIT
#define ALLOCSCOPE_COMMIT "unknown"
#endif

const char *version_allocscope(void)
{
	return ALLOCSCOPE_VERSION " (commit " ALLOCSCOPE_COMMIT ")";
}

const char *version_compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

const char *version_libyaml(void)
{
	return yaml_get_version_string();
}

const char *version_glibc(void)
{
	return gnu_get_libc_version();
}

void version_jemalloc(char *buf, size_t len)
{
	char *args[] = {"--strategy", "jemalloc", "--identify", NULL};
	struct runner_result res;
#if defined(__SANITIZE_ADDRESS__)
	/* A preloaded allocator cannot share a process with ASan. */
	(void)args, (void)res;
	snprintf(buf, len, "not probed (sanitizer build)");
	return;
#endif
	const struct allocator_ops *jemalloc = allocator_find("jemalloc");
	const char *preload = jemalloc->preload(NULL);
	if (!preload || runner_replay(args, preload, 30, &res) != 0 ||
	    runner_get(&res, "version", buf, len) != 0)
		snprintf(buf, len, "not installed");
}

void print_version(FILE *out)
{
	char jemalloc[256];
	version_jemalloc(jemalloc, sizeof jemalloc);
	fprintf(out, "allocscope %s\nlibyaml %s\n%s\nglibc %s\n%s\n", version_allocscope(),
		version_libyaml(), jemalloc, version_glibc(), version_compiler());
}
