/* capture_raw.h - the raw capture file: what liballocscope_capture.so writes
 * inside a traced process and `allocscope capture` converts to trace YAML.
 * Shared by both sides; plain C, no harness headers.
 *
 * Layout: one header page (struct capture_raw_header, zero-padded to
 * CAPTURE_RAW_DATA_OFFSET), then n_words 64-bit words of records in the
 * order the calls happened. Records carry raw addresses: turning them into
 * dense block ids is left to the converter, to keep the traced process fast.
 * The header is rewritten after each flush of records, so a process that
 * dies leaves a valid prefix.
 *
 * Most records are one word (capture_put says when): writing the records
 * is most of what tracing costs a program, and a call's record in 8 bytes
 * instead of 16 cut that cost by about a third.
 */
#ifndef ALLOCSCOPE_CAPTURE_RAW_H
#define ALLOCSCOPE_CAPTURE_RAW_H

#include <stdint.h>

#define CAPTURE_RAW_MAGIC "ASCRAW4"
#define CAPTURE_RAW_DATA_OFFSET 4096u
#define CAPTURE_DIR_ENV "ALLOCSCOPE_CAPTURE_DIR"
#define CAPTURE_CMDLINE_MAX 2048u
#define CAPTURE_EXE_MAX 1024u

/* Record kinds: the trace format's op letters, so a raw file reads in a
 * hex dump. A realloc is two records: REALLOC_BEGIN before the real call
 * (the old address stops being the block's: another thread may be handed it
 * before the call returns) and REALLOC after it. Per thread they nest like
 * brackets (a signal handler's realloc may sit inside), so the converter
 * pairs them with a stack. */
enum capture_op {
	CAPTURE_MALLOC = 'm',        /* ptr, size */
	CAPTURE_CALLOC = 'c',        /* ptr, size = element size; then AUX: nmemb */
	CAPTURE_ALIGNED = 'a',       /* ptr, size; then AUX: the alignment */
	CAPTURE_REALLOC_BEGIN = 'R', /* ptr = the old address */
	CAPTURE_REALLOC = 'r',       /* ptr = the result (0: failed, or freed when
					size is 0), size = new size */
	CAPTURE_FREE = 'f',          /* ptr */
	CAPTURE_AUX = 'x',           /* ptr holds the previous record's extra value */
};

/* A record in full: the address, and size | thread | op packed in one word.
 * Sizes saturate at CAPTURE_SIZE_MAX (16 TiB: no allocation succeeds above
 * it), thread numbers at CAPTURE_THREAD_MAX. */
struct capture_rec {
	uint64_t ptr;
	uint64_t meta;
};

#define CAPTURE_SIZE_BITS 44
#define CAPTURE_SIZE_MAX ((UINT64_C(1) << CAPTURE_SIZE_BITS) - 1)
#define CAPTURE_THREAD_MAX 4095u

static inline uint64_t capture_meta(unsigned op, unsigned thread, uint64_t size)
{
	return (uint64_t)op << 56 | (uint64_t)thread << CAPTURE_SIZE_BITS |
	       (size < CAPTURE_SIZE_MAX ? size : CAPTURE_SIZE_MAX);
}

static inline unsigned capture_rec_op(const struct capture_rec *r)
{
	return (unsigned)(r->meta >> 56);
}

static inline unsigned capture_rec_thread(const struct capture_rec *r)
{
	return (unsigned)(r->meta >> CAPTURE_SIZE_BITS) & CAPTURE_THREAD_MAX;
}

static inline uint64_t capture_rec_size(const struct capture_rec *r)
{
	return r->meta & CAPTURE_SIZE_MAX;
}

/* ---- the words in the file -----------------------------------------------
 * A short record is one word: bits 0-2 a code (below), bits 3-19 the size,
 * bits 20-63 the address shifted right by 3. It fits when the address is
 * 8-aligned and below 2^47 (every x86-64 user address unless a program asks
 * for 57-bit ones) and the size is below 2^17; an AUX word holds a value
 * below 2^61 in bits 3-63. A short record belongs to the thread of the
 * latest long record before it (thread 0 at the start of the file).
 * A long record is three words: CAPTURE_CODE_LONG, then a struct
 * capture_rec. The writer uses one for anything that does not fit and for
 * the first record of a thread other than the previous record's. */
enum capture_code {
	CAPTURE_CODE_LONG,
	CAPTURE_CODE_MALLOC,
	CAPTURE_CODE_CALLOC,
	CAPTURE_CODE_ALIGNED,
	CAPTURE_CODE_REALLOC_BEGIN,
	CAPTURE_CODE_REALLOC,
	CAPTURE_CODE_FREE,
	CAPTURE_CODE_AUX,
};

#define CAPTURE_SHORT_SIZE_LIMIT (UINT64_C(1) << 17)
#define CAPTURE_SHORT_AUX_LIMIT (UINT64_C(1) << 61)
#define CAPTURE_MAX_WORDS 6 /* the most one call writes: two long records */

/* With a constant op (as at every call site) this folds to a constant. */
static inline unsigned capture_code_of(unsigned op)
{
	switch (op) {
	case CAPTURE_MALLOC: return CAPTURE_CODE_MALLOC;
	case CAPTURE_CALLOC: return CAPTURE_CODE_CALLOC;
	case CAPTURE_ALIGNED: return CAPTURE_CODE_ALIGNED;
	case CAPTURE_REALLOC_BEGIN: return CAPTURE_CODE_REALLOC_BEGIN;
	case CAPTURE_REALLOC: return CAPTURE_CODE_REALLOC;
	case CAPTURE_FREE: return CAPTURE_CODE_FREE;
	case CAPTURE_AUX: return CAPTURE_CODE_AUX;
	}
	return CAPTURE_CODE_LONG;
}

static inline int capture_short_fits(unsigned op, uint64_t ptr, uint64_t size)
{
	if (op == CAPTURE_AUX)
		return ptr < CAPTURE_SHORT_AUX_LIMIT;
	return (ptr & 7) == 0 && ptr >> 47 == 0 && size < CAPTURE_SHORT_SIZE_LIMIT;
}

/* The one-word form of a record that fits (and of an AUX value in ptr). */
static inline uint64_t capture_short(unsigned op, uint64_t ptr, uint64_t size)
{
	if (op == CAPTURE_AUX)
		return ptr << 3 | CAPTURE_CODE_AUX;
	return ptr << 17 | size << 3 | capture_code_of(op);
}

/* Writes one record at w, short when it fits and its thread is *last_thread,
 * else long (and *last_thread becomes its thread). Returns the words
 * written: 1 or 3. */
static inline unsigned capture_put(uint64_t *w, unsigned *last_thread, unsigned op,
				   unsigned thread, uint64_t ptr, uint64_t size)
{
	if (thread == *last_thread && capture_short_fits(op, ptr, size)) {
		w[0] = capture_short(op, ptr, size);
		return 1;
	}
	w[0] = CAPTURE_CODE_LONG;
	w[1] = ptr;
	w[2] = capture_meta(op, thread, size);
	*last_thread = thread;
	return 3;
}

/* Reads the record at w (left words remain) into out, in full; *thread is the
 * current thread, updated by a long record. Returns the words read, 0 when
 * the record is cut off or its code is unknown. */
static inline unsigned capture_get(const uint64_t *w, uint64_t left, unsigned *thread,
				   struct capture_rec *out)
{
	static const unsigned char op_of[] = {
		[CAPTURE_CODE_MALLOC] = CAPTURE_MALLOC,
		[CAPTURE_CODE_CALLOC] = CAPTURE_CALLOC,
		[CAPTURE_CODE_ALIGNED] = CAPTURE_ALIGNED,
		[CAPTURE_CODE_REALLOC_BEGIN] = CAPTURE_REALLOC_BEGIN,
		[CAPTURE_CODE_REALLOC] = CAPTURE_REALLOC,
		[CAPTURE_CODE_FREE] = CAPTURE_FREE,
		[CAPTURE_CODE_AUX] = CAPTURE_AUX,
	};
	if (left == 0)
		return 0;
	unsigned code = (unsigned)(w[0] & 7);
	if (code == CAPTURE_CODE_AUX) {
		out->ptr = w[0] >> 3;
		out->meta = capture_meta(CAPTURE_AUX, *thread, 0);
		return 1;
	}
	if (code != CAPTURE_CODE_LONG) {
		out->ptr = w[0] >> 20 << 3;
		out->meta = capture_meta(op_of[code], *thread, w[0] >> 3 & (CAPTURE_SHORT_SIZE_LIMIT - 1));
		return 1;
	}
	if (left < 3 || w[0] != CAPTURE_CODE_LONG)
		return 0;
	out->ptr = w[1];
	out->meta = w[2];
	*thread = capture_rec_thread(out);
	return 3;
}

struct capture_raw_header {
	char magic[8];
	uint32_t word_size;         /* 8: the records are 64-bit words */
	int32_t pid, ppid;
	uint32_t n_threads;
	uint64_t start_realtime_ns; /* when recording started (CLOCK_REALTIME) */
	uint64_t start_boot_ns;     /* the same on CLOCK_MONOTONIC: orders files */
	uint64_t n_words;           /* words of records in the file */
	uint64_t nested_calls;      /* calls made while the thread was inside the
				       recorder (a signal handler): not recorded */
	uint32_t truncated;         /* 1: recording stopped early (write error) */
	uint32_t pad;
	char exe[CAPTURE_EXE_MAX];  /* /proc/self/exe at start */
	char cmdline[CAPTURE_CMDLINE_MAX]; /* /proc/self/cmdline, NULs become spaces */
};
_Static_assert(sizeof(struct capture_raw_header) <= CAPTURE_RAW_DATA_OFFSET,
	       "the header fits in its page");

#endif
