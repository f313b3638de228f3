/* capture_raw.h - the raw capture file: what liballocscope_capture.so writes
 * inside a traced process and `allocscope capture` converts to trace YAML.
 * Shared by both sides; plain C, no harness headers.
 *
 * Layout: one header page (struct capture_raw_header, zero-padded to
 * CAPTURE_RAW_DATA_OFFSET), then n_records packed struct capture_rec in the
 * order the calls happened. Records carry raw addresses: turning them into
 * dense block ids is left to the converter, to keep the traced process fast.
 * The header is rewritten after each flush of records, so a process that
 * dies leaves a valid prefix.
 */
#ifndef ALLOCSCOPE_CAPTURE_RAW_H
#define ALLOCSCOPE_CAPTURE_RAW_H

#include <stdint.h>

#define CAPTURE_RAW_MAGIC "ASCRAW3"
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

/* 16 bytes: the address, and size | thread | op packed in one word. Sizes
 * saturate at CAPTURE_SIZE_MAX (16 TiB: no allocation succeeds above it),
 * thread numbers at CAPTURE_THREAD_MAX. */
struct capture_rec {
	uint64_t ptr;
	uint64_t meta;
};
_Static_assert(sizeof(struct capture_rec) == 16, "raw records are 16 bytes");

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

struct capture_raw_header {
	char magic[8];
	uint32_t rec_size;          /* sizeof(struct capture_rec) */
	int32_t pid, ppid;
	uint32_t n_threads;
	uint64_t start_realtime_ns; /* when recording started (CLOCK_REALTIME) */
	uint64_t start_boot_ns;     /* the same on CLOCK_MONOTONIC: orders files */
	uint64_t n_records;         /* records in the file */
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
