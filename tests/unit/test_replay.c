/* test_replay.c - the replay passes against a fake strategy whose every
 * placement is known: exact fragmentation figures (J&W measures, internal
 * fragmentation, --size-scale), and the validity checks catching overlap,
 * misalignment, unzeroed calloc memory and payloads lost by realloc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "block_set.h"
#include "replay.h"
#include "trace.h"

/* ---- a bump allocator with switchable faults ---------------------------- */

enum fault {
	FAULT_NONE, FAULT_OVERLAP, FAULT_MISALIGN, FAULT_NO_COPY, FAULT_DIRTY_CALLOC,
	FAULT_SHORT_COPY,  /* realloc copies all but the last byte */
	FAULT_SCRIBBLE,    /* the third malloc flips the first block's last byte */
};

/* Blocks are carved in 16-byte units from a static arena, never reused; the
 * heap is the carved extent rounded up to 4 KiB, or with held_heap the bytes
 * of the blocks not yet freed (a heap that shrinks). */
static struct {
	_Alignas(4096) char arena[1 << 20];
	size_t extent, held;
	enum fault fault;
	int held_heap;
	unsigned mallocs;
} bump;

static size_t round16(size_t n)
{
	return n ? (n + 15) / 16 * 16 : 16;
}

static void *bump_alloc(size_t size)
{
	unsigned nth = ++bump.mallocs;
	if (bump.fault == FAULT_OVERLAP && nth == 2)
		return bump.arena; /* the second block lands on the first */
	if (bump.fault == FAULT_SCRIBBLE && nth == 3)
		bump.arena[16 + ((size_t *)(void *)bump.arena)[0] - 1] ^= 0xff;
	char *p = bump.arena + bump.extent;
	((size_t *)(void *)p)[0] = size;
	bump.extent += 16 + round16(size);
	bump.held += 16 + round16(size);
	return p + 16 + (bump.fault == FAULT_MISALIGN ? 8 : 0);
}

static void *fake_create(const struct allocator_config *cfg, char *err, size_t len)
{
	(void)cfg, (void)err, (void)len;
	bump.extent = bump.held = 0;
	bump.mallocs = 0;
	return &bump;
}
static void fake_destroy(void *self) { (void)self; }
static void *fake_malloc(void *self, size_t size) { (void)self; return bump_alloc(size); }

static void fake_free(void *self, void *p)
{
	(void)self;
	if (p)
		bump.held -= 16 + round16(((size_t *)p)[-2]);
}

static size_t fake_usable(void *self, void *p)
{
	(void)self;
	return round16(((size_t *)p)[-2]);
}

static void *fake_calloc(void *self, size_t n, size_t size)
{
	char *p = fake_malloc(self, n * size);
	memset(p, bump.fault == FAULT_DIRTY_CALLOC ? 0xaa : 0, n * size);
	return p;
}

/* A request beyond half the arena fails, as C's realloc does: NULL, the old
 * block untouched. */
static void *fake_realloc(void *self, void *old, size_t size)
{
	if (size > sizeof bump.arena / 2)
		return NULL;
	char *p = fake_malloc(self, size);
	if (old && bump.fault != FAULT_NO_COPY) {
		size_t keep = ((size_t *)old)[-2];
		keep = keep < size ? keep : size;
		memcpy(p, old, bump.fault == FAULT_SHORT_COPY && keep ? keep - 1 : keep);
	}
	fake_free(self, old);
	return p;
}

static void *fake_aligned(void *self, size_t align, size_t size)
{
	(void)align;
	return fake_malloc(self, size);
}

static void fake_heap_stats(void *self, struct allocator_heap_stats *out)
{
	(void)self;
	out->current_bytes = out->peak_bytes =
		bump.held_heap ? bump.held : (bump.extent + 4095) / 4096 * 4096;
}

static void fake_heap_range(void *self, uintptr_t *lo, uintptr_t *hi)
{
	(void)self;
	*lo = (uintptr_t)bump.arena;
	*hi = (uintptr_t)bump.arena + sizeof bump.arena;
}

static const struct allocator_ops fake_ops = {
	.name = "fake", .description = "test bump allocator",
	.create = fake_create, .destroy = fake_destroy, .malloc = fake_malloc,
	.free = fake_free, .realloc = fake_realloc, .calloc = fake_calloc,
	.aligned_alloc = fake_aligned, .usable_size = fake_usable,
	.heap_stats = fake_heap_stats, .heap_range = fake_heap_range,
};

/* ---- helpers ------------------------------------------------------------ */

struct step { enum trace_op op; uint64_t id, size; };

static void build(struct trace *t, const struct step *steps, size_t n)
{
	struct trace_builder b;
	char err[256];
	trace_builder_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(trace_builder_add(&b, steps[i].op, steps[i].id, steps[i].size,
						   steps[i].op == TRACE_CALLOC ? 1 : 0, 0, err,
						   sizeof err), 0);
	trace_builder_finish(&b, t);
}

/* The last memory pass's timeline. */
static struct timeline_sample timeline[TIMELINE_MAX_SAMPLES];
static size_t n_timeline;

static int memory_pass(const struct trace *t, enum fault fault, uint64_t scale,
		       struct memory_result *m, char *why, size_t why_len)
{
	struct replay r;
	bump.fault = fault;
	void *self = fake_ops.create(NULL, NULL, 0);
	assert_int_equal(replay_init(&r, &fake_ops, self, t, TOUCH_PAGES, scale), 0);
	int rc = replay_memory(&r, m, timeline, &n_timeline, why, why_len);
	replay_release(&r);
	return rc;
}

/* The memory pass over steps[0..n) against the well-behaved fake; it must
 * succeed. (The timeline stays in `timeline` for the caller.) */
static struct memory_result memory_ok(const struct step *steps, size_t n, uint64_t scale)
{
	struct trace t;
	struct memory_result m;
	char why[256] = "";
	build(&t, steps, n);
	if (memory_pass(&t, FAULT_NONE, scale, &m, why, sizeof why))
		fail_msg("memory pass: %s", why);
	trace_free(&t);
	return m;
}

/* Worked by hand (each block is a 16-byte header plus its size rounded to 16;
 * heap = carved extent rounded up to 4096):
 *   m1 100   extent 128   heap 4096   live 100
 *   m2 5000  extent 5152  heap 8192   live 5100
 *   f1                                live 5000
 *   m3 24    extent 5200  heap 8192   live 5024
 *   r2 6000  extent 11216 heap 12288  live 6024  <- peak live and peak heap
 *   f3                                live 6000
 * At peak live the live blocks are 3 (24 of 32 usable) and 2 (6000 of 6000):
 * internal fragmentation 8 bytes. */
static const struct step worked[] = {
	{TRACE_MALLOC, 1, 100}, {TRACE_MALLOC, 2, 5000}, {TRACE_FREE, 1, 0},
	{TRACE_MALLOC, 3, 24}, {TRACE_REALLOC, 2, 6000}, {TRACE_FREE, 3, 0},
};

static void test_memory_pass_exact(void **state)
{
	(void)state;
	struct memory_result m = memory_ok(worked, 6, 1);
	assert_int_equal(m.peak_live_bytes, 6024);
	assert_int_equal(m.peak_heap_bytes, 12288);
	assert_int_equal(m.heap_at_peak_live_bytes, 12288);
	assert_int_equal(m.live_at_peak_heap_bytes, 6024);
	assert_int_equal(m.internal_frag_bytes, 8);
}

/* With --size-scale 2 every request doubles (200, 10000, 48, 12000): extent
 * 22320, heap 24576, reported /2 = 12288; live stays unscaled; slack 0. */
static void test_memory_pass_size_scale(void **state)
{
	(void)state;
	struct memory_result m = memory_ok(worked, 6, 2);
	assert_int_equal(m.peak_live_bytes, 6024);
	assert_int_equal(m.peak_heap_bytes, 12288);
	assert_int_equal(m.internal_frag_bytes, 0);
}

/* J&W's #2 and #3 where the peaks fall apart, on a heap that shrinks
 * (held_heap: the blocks not yet freed, 16 + the size rounded to 16 each):
 *   m1..m4 3000   heap 4 x 3024 = 12096 (peak heap), live 12000
 *   f1..f4        heap 0, live 0
 *   m5 12001      heap 12032, live 12001 (peak live)
 * so heap at peak live is 12032, not the 12096 peak, and live at peak heap
 * is 12000, not the 12001 peak. */
static void test_memory_pass_peaks_apart(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{TRACE_MALLOC, 1, 3000}, {TRACE_MALLOC, 2, 3000}, {TRACE_MALLOC, 3, 3000},
		{TRACE_MALLOC, 4, 3000}, {TRACE_FREE, 1, 0}, {TRACE_FREE, 2, 0},
		{TRACE_FREE, 3, 0}, {TRACE_FREE, 4, 0}, {TRACE_MALLOC, 5, 12001},
	};
	bump.held_heap = 1;
	struct memory_result m = memory_ok(steps, 9, 1);
	bump.held_heap = 0;
	assert_int_equal(m.peak_live_bytes, 12001);
	assert_int_equal(m.peak_heap_bytes, 12096);
	assert_int_equal(m.heap_at_peak_live_bytes, 12032);
	assert_int_equal(m.live_at_peak_heap_bytes, 12000);
}

/* Live at peak heap is the most live while the heap stands at its peak,
 * not the live bytes of the moment it got there (page-rounded bump heap):
 *   m1 6000  extent 6016  heap 8192   live 6000 (peak live)
 *   f1                    heap 8192   live 0
 *   m2 3000  extent 9040  heap 12288  live 3000 (peak heap reached)
 *   m3 100   extent 9168  heap 12288  live 3100 (still at the peak) */
static void test_memory_pass_live_at_peak_heap(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{TRACE_MALLOC, 1, 6000}, {TRACE_FREE, 1, 0}, {TRACE_MALLOC, 2, 3000},
		{TRACE_MALLOC, 3, 100},
	};
	struct memory_result m = memory_ok(steps, 4, 1);
	assert_int_equal(m.peak_live_bytes, 6000);
	assert_int_equal(m.heap_at_peak_live_bytes, 8192);
	assert_int_equal(m.peak_heap_bytes, 12288);
	assert_int_equal(m.live_at_peak_heap_bytes, 3100);
}

/* --size-scale 2 on malloc(4): an 8-byte request in a 16-byte block, slack
 * 8, reported /2 = 4; the heap (32 bytes carved: 4096) is 2048 in the
 * timeline too. */
static void test_memory_pass_size_scale_divides_everything(void **state)
{
	(void)state;
	static const struct step steps[] = {{TRACE_MALLOC, 1, 4}};
	struct memory_result m = memory_ok(steps, 1, 2);
	assert_int_equal(m.peak_live_bytes, 4);
	assert_int_equal(m.internal_frag_bytes, 4);
	assert_int_equal(m.peak_heap_bytes, 2048);
	assert_int_equal(n_timeline, 2);
	assert_int_equal(timeline[1].event, 1);
	assert_int_equal(timeline[1].live_bytes, 4);
	assert_int_equal(timeline[1].heap_bytes, 2048);
}

/* 1001 events sample every second one: the start, 500 samples, and the
 * last event, which is always kept. */
static void test_memory_pass_timeline_ends_at_the_last_event(void **state)
{
	(void)state;
	static struct step steps[1001];
	for (int i = 0; i < 1001; i++)
		steps[i] = (struct step){i % 2 ? TRACE_FREE : TRACE_MALLOC, 1, i % 2 ? 0 : 16};
	memory_ok(steps, 1001, 1);
	assert_int_equal(n_timeline, 502);
	assert_int_equal(timeline[0].event, 0);
	assert_int_equal(timeline[1].event, 2);
	assert_int_equal(timeline[501].event, 1001);
	assert_int_equal(timeline[501].live_bytes, 16);
}

/* A realloc that fails keeps its block, and the block's slack with it:
 *   m1 24       usable 32, slack 8     live 24
 *   r1 900000   fails (oom:1)          live 24
 *   m2 100      usable 112, slack 12   live 124  <- peak live, slack 8 + 12 */
static void test_memory_pass_failed_realloc(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{TRACE_MALLOC, 1, 24}, {TRACE_REALLOC, 1, 900000}, {TRACE_MALLOC, 2, 100},
	};
	struct memory_result m = memory_ok(steps, 3, 1);
	assert_int_equal(m.peak_live_bytes, 124);
	assert_int_equal(m.internal_frag_bytes, 20);
}

static void test_memory_pass_catches_overlap_and_misalignment(void **state)
{
	(void)state;
	struct trace t;
	struct memory_result m;
	char why[256] = "";
	build(&t, worked, 6);
	assert_int_equal(memory_pass(&t, FAULT_OVERLAP, 1, &m, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 2: "));
	assert_non_null(strstr(why, "overlaps a live block"));
	assert_int_equal(memory_pass(&t, FAULT_MISALIGN, 1, &m, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 1: "));
	assert_non_null(strstr(why, "misaligned"));
	trace_free(&t);
}

static int check_pass(const struct trace *t, enum fault fault, char *why, size_t len)
{
	struct replay r;
	bump.fault = fault;
	void *self = fake_ops.create(NULL, NULL, 0);
	assert_int_equal(replay_init(&r, &fake_ops, self, t, TOUCH_NONE, 1), 0);
	int rc = replay_check(&r, why, len);
	replay_release(&r);
	return rc;
}

static void test_check_pass(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{TRACE_MALLOC, 1, 40}, {TRACE_CALLOC, 2, 64}, {TRACE_REALLOC, 1, 80},
		{TRACE_FREE, 2, 0}, {TRACE_FREE, 1, 0},
	};
	struct trace t;
	char why[256] = "";
	build(&t, steps, 5);
	assert_int_equal(check_pass(&t, FAULT_NONE, why, sizeof why), 0);
	assert_int_equal(check_pass(&t, FAULT_DIRTY_CALLOC, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 2: slot 1: calloc memory not zeroed at byte 0"));
	assert_int_equal(check_pass(&t, FAULT_NO_COPY, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 3: slot 0: payload not preserved by realloc"));
	/* The whole kept payload is compared, to its last byte. */
	assert_int_equal(check_pass(&t, FAULT_SHORT_COPY, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 3: slot 0: payload not preserved by realloc at byte 39"));
	trace_free(&t);
}

/* A strategy that writes into a live block (the third malloc flips the
 * first block's last byte) is caught when the block is next used. */
static void test_check_pass_damage_while_live(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{TRACE_MALLOC, 1, 40}, {TRACE_MALLOC, 2, 16}, {TRACE_MALLOC, 3, 16},
		{TRACE_FREE, 3, 0}, {TRACE_FREE, 2, 0}, {TRACE_FREE, 1, 0},
	};
	struct trace t;
	char why[256] = "";
	build(&t, steps, 6);
	assert_int_equal(check_pass(&t, FAULT_NONE, why, sizeof why), 0);
	assert_int_equal(check_pass(&t, FAULT_SCRIBBLE, why, sizeof why), -1);
	assert_non_null(strstr(why, "event 6: slot 0: payload damaged while live at byte 39"));
	trace_free(&t);
}

static void test_block_set(void **state)
{
	(void)state;
	struct block_set s;
	uint32_t other = 99;
	assert_int_equal(block_set_init(&s, 4), 0);
	assert_int_equal(block_set_insert(&s, 0, 1000, 100, &other), 0);
	assert_int_equal(block_set_insert(&s, 1, 1100, 100, &other), 0); /* touching is fine */
	assert_int_equal(block_set_insert(&s, 2, 1150, 10, &other), -1);
	assert_int_equal(other, 1);
	assert_int_equal(block_set_insert(&s, 2, 990, 11, &other), -1);
	assert_int_equal(other, 0);
	assert_int_equal(block_set_insert(&s, 2, 990, 10, &other), 0);
	block_set_remove(&s, 1);
	assert_int_equal(block_set_insert(&s, 3, 1150, 0, &other), 0); /* size 0 counts as 1 */
	assert_int_equal(block_set_insert(&s, 1, 1150, 1, &other), -1);
	assert_int_equal(other, 3);
	block_set_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_pass_exact),
		cmocka_unit_test(test_memory_pass_size_scale),
		cmocka_unit_test(test_memory_pass_failed_realloc),
		cmocka_unit_test(test_memory_pass_peaks_apart),
		cmocka_unit_test(test_memory_pass_live_at_peak_heap),
		cmocka_unit_test(test_memory_pass_size_scale_divides_everything),
		cmocka_unit_test(test_memory_pass_timeline_ends_at_the_last_event),
		cmocka_unit_test(test_memory_pass_catches_overlap_and_misalignment),
		cmocka_unit_test(test_check_pass),
		cmocka_unit_test(test_check_pass_damage_while_live),
		cmocka_unit_test(test_block_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
