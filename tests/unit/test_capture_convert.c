/* test_capture_convert.c - turning a raw capture file into a trace: a good
 * file gives its events with dense ids, and a file with a malformed record
 * is an error that leaves the output as it was (no partial trace, no
 * temporary file). The raw files are written here with capture_put. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "capture_convert.h"
#include "files.h"

static char dir[] = "/tmp/allocscope-test-convert.XXXXXX";
static char raw_path[sizeof dir + 16], out_path[sizeof dir + 16];

/* A raw file holding malloc(24) at 0x1000, malloc(40) at 0x2000 and
 * free(0x1000), then `extra` words as given. */
static void write_raw(const uint64_t *extra, unsigned n_extra)
{
	uint64_t words[16];
	unsigned n = 0, thread = 0;
	n += capture_put(words + n, &thread, CAPTURE_MALLOC, 0, 0x1000, 24);
	n += capture_put(words + n, &thread, CAPTURE_MALLOC, 0, 0x2000, 40);
	n += capture_put(words + n, &thread, CAPTURE_FREE, 0, 0x1000, 0);
	for (unsigned i = 0; i < n_extra; i++)
		words[n++] = extra[i];

	static char page[CAPTURE_RAW_DATA_OFFSET];
	struct capture_raw_header h = {.word_size = 8, .n_threads = 1, .n_words = n};
	memcpy(h.magic, CAPTURE_RAW_MAGIC, sizeof h.magic);
	memset(page, 0, sizeof page);
	memcpy(page, &h, sizeof h);
	FILE *f = fopen(raw_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(page, 1, sizeof page, f), sizeof page);
	assert_int_equal(fwrite(words, sizeof words[0], n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(raw_path, sizeof raw_path, "%s/in.raw", dir);
	snprintf(out_path, sizeof out_path, "%s/out.yaml", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(raw_path);
	unlink(out_path);
	return rmdir(dir);
}

static void test_good_file(void **state)
{
	(void)state;
	write_raw(NULL, 0);
	struct capture_meta meta = {.name = "conv"};
	struct capture_stats st;
	struct diag d = {0};
	assert_int_equal(capture_convert(raw_path, out_path, &meta, &st, &d), 0);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.peak_live_bytes, 64);
	const char *text = file_text(out_path);
	assert_non_null(strstr(text, "\nname: \"conv\"\n"));
	assert_non_null(strstr(text, "  - [m, 1, 24]\n  - [m, 2, 40]\n  - [f, 1]\n"));
	assert_int_equal(dir_entries(dir), 2); /* in.raw and out.yaml */
}

static void test_malformed_record_leaves_output_untouched(void **state)
{
	(void)state;
	FILE *f = fopen(out_path, "w");
	assert_non_null(f);
	fputs("an earlier trace\n", f);
	fclose(f);
	const uint64_t bad = 8; /* record code 0 with stray bits */
	write_raw(&bad, 1);
	struct capture_meta meta = {.name = "conv"};
	struct capture_stats st;
	struct diag d = {0};
	assert_int_equal(capture_convert(raw_path, out_path, &meta, &st, &d), -1);
	assert_non_null(strstr(d.message, "the record at word 3 is malformed"));
	assert_string_equal(file_text(out_path), "an earlier trace\n");
	assert_int_equal(dir_entries(dir), 2); /* in.raw and out.yaml */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_malformed_record_leaves_output_untouched),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
