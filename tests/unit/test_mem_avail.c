/* test_mem_avail.c - the memory budget (mem_avail.c): the message of a
 * refusal, and RLIMIT_AS taken into account (in a child process that lowers
 * its own limit); and the trace builder refusing to grow past that budget
 * with a message instead of failing in malloc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem_avail.h"
#include "trace.h"

#define MIB ((uint64_t)1 << 20)

/* ASan's shadow memory needs far more address space than any limit. */
#ifdef __SANITIZE_ADDRESS__
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

static void refusal_names_both_sizes(void **state)
{
	(void)state;
	char err[256] = "";
	assert_int_equal(mem_avail_check(0, "nothing", err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(mem_avail_check(UINT64_MAX / 2, "the moon", err, sizeof err), -1);
	assert_non_null(strstr(err, "the moon needs 8796093022208.0 MiB of memory, only "));
	assert_non_null(strstr(err, " MiB are available"));
}

/* Mapped bytes now, from /proc/self/statm. */
static uint64_t mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long pages = 0;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &pages), 1);
	fclose(f);
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Runs fn in a child under RLIMIT_AS = mapped + headroom; the child's exit
 * status is fn's result. */
static int in_limited_child(int (*fn)(void), uint64_t headroom)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {mapped_bytes() + headroom, RLIM_INFINITY};
		_exit(setrlimit(RLIMIT_AS, &rl) ? 100 : fn());
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* 0 when what RLIMIT_AS leaves (64 MiB of headroom, less what the child
 * mapped since) is what mem_avail reports. */
static int child_sees_limit(void)
{
	uint64_t avail = mem_avail_bytes();
	return avail <= 64 * MIB && avail >= 56 * MIB ? 0 : 1;
}

static void address_space_limit_counts(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip();
	assert_int_equal(in_limited_child(child_sees_limit, 64 * MIB), 0);
}

/* 0 when the builder refuses to grow, with the memory message, before
 * 16 million events (256 MiB) under a 32 MiB headroom. */
static int child_builder_refuses(void)
{
	struct trace_builder b;
	char err[256] = "";
	trace_builder_init(&b, 0);
	/* malloc and free one block over and over: only the events grow */
	for (uint64_t i = 0; i < (8u << 20); i++)
		if (trace_builder_add(&b, TRACE_MALLOC, 1, 8, 0, 0, err, sizeof err) ||
		    trace_builder_add(&b, TRACE_FREE, 1, 0, 0, 0, err, sizeof err))
			break;
	int refused = strstr(err, "growing the trace past ") && strstr(err, " MiB are available");
	trace_builder_discard(&b);
	return refused ? 0 : 1;
}

static void builder_refuses_past_budget(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip();
	assert_int_equal(in_limited_child(child_builder_refuses, 32 * MIB), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusal_names_both_sizes),
		cmocka_unit_test(address_space_limit_counts),
		cmocka_unit_test(builder_refuses_past_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
