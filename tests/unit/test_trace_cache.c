/* test_trace_cache.c - trace_load with its binary cache (hit, changed file,
 * corrupt cache, --max-size on a cached trace, cache directory choice) and
 * the YAML writer's round trip. Caches go to a mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "trace.h"

static char dir[64], cache_dir[80], yaml_path[80];

static const char trace_yaml[] =
	"allocscope: 1\n"
	"name: cached\n"
	"description: \"two\\nlines, \\\"quotes\\\" and a tab\\t\"\n"
	"source: {kind: captured, argv: [a, 'b c']}\n"
	"events:\n"
	"  - [m, 10, 24]\n"
	"  - [c, 20, 10, 8]\n"
	"  - [a, 30, 4096, 100]\n"
	"  - [r, 10, 48, t3]\n"
	"  - [f, 20]\n"
	"  - [m, 40, 0]\n"
	"  - [r, 40, 0]\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/allocscope-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cache_dir, sizeof cache_dir, "%s/cache/sub", dir); /* created on demand */
	snprintf(yaml_path, sizeof yaml_path, "%s/t.yaml", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return dir_remove(dir);
}

static void load_ok(struct trace *t, const struct trace_load_options *opt)
{
	struct diag d = { 0 };
	if (trace_load(yaml_path, opt, t, &d))
		fail_msg("%s:%lu:%lu: %s", d.file, d.line, d.column, d.message);
}

static void assert_same_trace(const struct trace *a, const struct trace *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->description, b->description);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->n_events, b->n_events);
	assert_int_equal(a->n_slots, b->n_slots);
	assert_int_equal(a->n_threads, b->n_threads);
	assert_memory_equal(a->count, b->count, sizeof a->count);
	assert_int_equal(a->peak_live_bytes, b->peak_live_bytes);
	assert_int_equal(a->max_request, b->max_request);
	assert_memory_equal(a->events, b->events, a->n_events * sizeof *a->events);
}

static void test_second_load_maps(void **state)
{
	(void)state;
	struct trace_load_options opt = { .cache_dir = cache_dir };
	struct trace first, second;
	write_file(yaml_path, trace_yaml);
	load_ok(&first, &opt);
	assert_null(first.map);
	assert_true(strncmp(first.cache_path, cache_dir, strlen(cache_dir)) == 0);
	load_ok(&second, &opt);
	assert_non_null(second.map);
	assert_string_equal(second.cache_path, first.cache_path);
	assert_int_equal((uintptr_t)second.events % 4096, 0);
	/* 24, +80, +100, -24+48 = 228 at the peak */
	assert_int_equal(second.peak_live_bytes, 228);
	assert_int_equal(second.n_threads, 4);
	assert_same_trace(&first, &second);
	trace_free(&first);
	trace_free(&second);

	/* no_cache parses and leaves no cache path */
	opt.no_cache = 1;
	load_ok(&first, &opt);
	assert_null(first.map);
	assert_string_equal(first.cache_path, "");
	trace_free(&first);
}

static void test_changed_file_reparsed(void **state)
{
	(void)state;
	struct trace_load_options opt = { .cache_dir = cache_dir };
	struct trace a, b;
	write_file(yaml_path, trace_yaml);
	load_ok(&a, &opt);
	char changed[sizeof trace_yaml + 32];
	snprintf(changed, sizeof changed, "%s  - [f, 30]\n", trace_yaml);
	write_file(yaml_path, changed);
	load_ok(&b, &opt);
	assert_null(b.map);
	assert_string_not_equal(a.cache_path, b.cache_path);
	assert_int_equal(b.n_events, a.n_events + 1);
	trace_free(&a);
	trace_free(&b);
}

/* Damages the cache file of the current yaml_path, then checks that the next
 * load re-parses (no mapping) and repairs the cache (the one after maps). */
static void check_damage_detected(void (*damage)(const char *cache_file))
{
	struct trace_load_options opt = { .cache_dir = cache_dir };
	struct trace_load_options parse_only = { .no_cache = 1 };
	struct trace t, good;
	write_file(yaml_path, trace_yaml);
	load_ok(&good, &parse_only); /* a mapping would see the damage too */
	load_ok(&t, &opt);
	trace_free(&t);
	load_ok(&t, &opt);
	assert_non_null(t.map);
	damage(t.cache_path);
	trace_free(&t);
	load_ok(&t, &opt);
	assert_null(t.map);
	assert_same_trace(&good, &t);
	trace_free(&t);
	load_ok(&t, &opt);
	assert_non_null(t.map);
	trace_free(&t);
	trace_free(&good);
}

static void truncate_by_one(const char *cache_file)
{
	struct stat st;
	assert_int_equal(stat(cache_file, &st), 0);
	assert_int_equal(truncate(cache_file, st.st_size - 1), 0);
}

static void flip_byte_at(const char *cache_file, off_t offset)
{
	int fd = open(cache_file, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, offset), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, offset), 1);
	close(fd);
}

static void flip_event_byte(const char *cache_file)
{
	struct stat st;
	assert_int_equal(stat(cache_file, &st), 0);
	flip_byte_at(cache_file, st.st_size - 20); /* inside the last event */
}

static void flip_header_byte(const char *cache_file)
{
	flip_byte_at(cache_file, 32); /* n_slots */
}

static void test_truncated_cache(void **state) { (void)state; check_damage_detected(truncate_by_one); }
static void test_flipped_event(void **state) { (void)state; check_damage_detected(flip_event_byte); }
static void test_flipped_header(void **state) { (void)state; check_damage_detected(flip_header_byte); }

/* A cached trace still obeys --max-size, and the error still names the node. */
static void test_max_size_on_cached(void **state)
{
	(void)state;
	struct trace_load_options opt = { .cache_dir = cache_dir };
	struct trace t;
	struct diag d = { 0 };
	write_file(yaml_path, trace_yaml);
	load_ok(&t, &opt);
	trace_free(&t);
	opt.max_size = 99;
	assert_int_equal(trace_load(yaml_path, &opt, &t, &d), -1);
	assert_int_equal(d.line, 8); /* [a, 30, 4096, 100] */
	assert_int_equal(d.column, 19);
	assert_string_equal(d.message, "size 100 is above the maximum 99 (--max-size)");
	opt.max_size = 100;
	load_ok(&t, &opt);
	assert_non_null(t.map);
	trace_free(&t);
}

static void count_warning(void *ctx, const struct diag *w)
{
	(void)w;
	++*(int *)ctx;
}

/* A trace with warnings is not cached, so each load repeats them. */
static void test_warnings_not_cached(void **state)
{
	(void)state;
	int n = 0;
	struct trace_load_options opt = { .cache_dir = cache_dir, .warn = count_warning, .warn_ctx = &n };
	struct trace t;
	write_file(yaml_path, "allocscope: 1\nname: w\nodd: 1\nevents: [[m, 1, 2]]\n");
	for (int i = 1; i <= 2; i++) {
		load_ok(&t, &opt);
		assert_int_equal(n, i);
		assert_null(t.map);
		assert_string_equal(t.cache_path, "");
		trace_free(&t);
	}
}

static void test_cache_dir_choice(void **state)
{
	(void)state;
	char buf[4096], want[256];
	unsetenv("ALLOCSCOPE_CACHE");
	setenv("XDG_CACHE_HOME", dir, 1);
	assert_int_equal(trace_cache_path(NULL, 0xabc, buf, sizeof buf), 0);
	snprintf(want, sizeof want, "%s/allocscope/0000000000000abc.trace", dir);
	assert_string_equal(buf, want);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", dir, 1);
	assert_int_equal(trace_cache_path(NULL, 1, buf, sizeof buf), 0);
	snprintf(want, sizeof want, "%s/.cache/allocscope/0000000000000001.trace", dir);
	assert_string_equal(buf, want);
	setenv("ALLOCSCOPE_CACHE", cache_dir, 1);
	assert_int_equal(trace_cache_path(NULL, 2, buf, sizeof buf), 0);
	snprintf(want, sizeof want, "%s/0000000000000002.trace", cache_dir);
	assert_string_equal(buf, want);
	/* a directory that cannot be made: no cache, and loading still works */
	struct trace_load_options opt = { .cache_dir = "/proc/allocscope-no" };
	assert_int_equal(trace_cache_path(&opt, 3, buf, sizeof buf), -1);
	struct trace t;
	write_file(yaml_path, trace_yaml);
	load_ok(&t, &opt);
	assert_string_equal(t.cache_path, "");
	trace_free(&t);
	unsetenv("ALLOCSCOPE_CACHE");
}

/* write -> load gives the same events (slots come back as written), and
 * the same name, description (escapes included) and source. */
static void test_writer_round_trip(void **state)
{
	(void)state;
	struct trace_load_options opt = { .no_cache = 1 };
	struct trace a, b;
	write_file(yaml_path, trace_yaml);
	load_ok(&a, &opt);
	FILE *f = fopen(yaml_path, "w");
	assert_non_null(f);
	assert_int_equal(trace_write_yaml(&a, f), 0);
	assert_int_equal(fclose(f), 0);
	load_ok(&b, &opt);
	assert_same_trace(&a, &b);
	assert_string_equal(b.description, "two\nlines, \"quotes\" and a tab\t");
	trace_free(&b);

	/* the exact text of the events: calloc as [c, slot, 1, total] */
	f = fopen(yaml_path, "r");
	char text[1024];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "name: \"cached\"\n"));
	assert_non_null(strstr(text, "source: {kind: captured, argv: [a, 'b c']}\n"));
	assert_non_null(strstr(text, "events:\n- [m, 0, 24]\n- [c, 1, 1, 80]\n- [a, 2, 4096, 100]\n"
				     "- [r, 0, 48, t3]\n- [f, 1]\n- [m, 1, 0]\n- [r, 1, 0]\n"));

	/* a write error is reported */
	f = fopen("/dev/full", "w");
	if (f) {
		assert_int_equal(trace_write_yaml(&a, f), -1);
		fclose(f);
	}
	trace_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_load_maps),
		cmocka_unit_test(test_changed_file_reparsed),
		cmocka_unit_test(test_truncated_cache),
		cmocka_unit_test(test_flipped_event),
		cmocka_unit_test(test_flipped_header),
		cmocka_unit_test(test_max_size_on_cached),
		cmocka_unit_test(test_warnings_not_cached),
		cmocka_unit_test(test_cache_dir_choice),
		cmocka_unit_test(test_writer_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
