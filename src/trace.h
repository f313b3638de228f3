/* trace.h - a loaded allocation trace, how it is built, loaded, cached and written.
 *
 * Data flows one way: trace file -> (trace_load: YAML parse or cache map)
 * -> struct trace -> replay in a child process. Every producer of traces
 * (YAML loader, generator, importers) feeds a trace_builder, which checks
 * block liveness and renames the trace's ids to dense slots, so that replay
 * indexes a table of at most "peak live blocks" entries. Capture is the
 * exception: it streams events straight to YAML (capture_convert.c), since a
 * program's trace can be larger than memory, and the loader's builder
 * checks it when it is read.
 */
#ifndef ALLOCSCOPE_TRACE_H
#define ALLOCSCOPE_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "diag.h"
#include "u64map.h"

#define TRACE_FORMAT_VERSION 1
#define TRACE_DEFAULT_MAX_SIZE ((uint64_t)1 << 40) /* 1 TiB */
#define TRACE_NAME_MAX 128
/* The most events a `generate:` spec may expand to (16 GB of events): a spec
 * asking for more is refused before anything is generated. */
#define TRACE_DEFAULT_MAX_EVENTS 1000000000ull

enum trace_op {
	TRACE_MALLOC,
	TRACE_CALLOC,
	TRACE_ALIGNED,
	TRACE_REALLOC,
	TRACE_FREE,
	TRACE_OP_COUNT
};

/* One call. 16 bytes, so that a 100-million-event trace stays in memory. */
struct trace_event {
	uint64_t size;      /* bytes requested; calloc: nmemb * size */
	uint32_t slot;      /* dense block number, index into the replay table */
	uint8_t op;         /* enum trace_op */
	uint8_t align_log2; /* TRACE_ALIGNED: log2 of the alignment, else 0 */
	uint16_t thread;    /* the tN that made the call */
};
_Static_assert(sizeof(struct trace_event) == 16, "trace_event must stay 16 bytes");

struct trace {
	char name[TRACE_NAME_MAX];
	char *description;        /* NULL when absent; owned */
	char *source;             /* a YAML flow mapping for `source:`, or NULL; owned */
	uint64_t n_events;
	uint32_t n_slots;         /* replay table entries needed */
	uint32_t n_threads;       /* highest tN + 1 */
	uint64_t count[TRACE_OP_COUNT];
	uint64_t peak_live_bytes; /* max over time of the sum of live requested sizes */
	uint64_t max_request;     /* largest single size requested */
	struct trace_event *events;

	/* Storage: either `events` was malloc'ed (capacity `cap`), or it points
	 * into a read-only mapping of the cache file. */
	size_t cap;
	void *map;
	size_t map_len;
	char cache_path[4096];    /* the cache file backing this trace, or "" */
	uint64_t cache_key;       /* its content key, when cache_path is set */
};

/* An op's name in CSVs and messages ("malloc", "calloc", "aligned",
 * "realloc", "free") and its letter in trace files ('m', 'c', ...). */
const char *trace_op_name(enum trace_op op);
char trace_op_letter(enum trace_op op);

/* The characters of a trace name (SPEC §4), [A-Za-z0-9._-], which also name
 * results directories' labels: safe in file names and CSVs unquoted. */
int trace_name_char(char c);
/* Whether s is 1 to TRACE_NAME_MAX - 1 such characters. */
int trace_name_valid(const char *s);
/* A name made of s[0..n) (a file name, a program's name): characters a
 * name may not hold become '_', and it is cut to fit out and
 * TRACE_NAME_MAX. Returns its length, 0 for an empty s. */
size_t trace_name_make(const char *s, size_t n, char *out, size_t len);
void trace_free(struct trace *t);

/* ---- building (trace_builder.c) ---------------------------------------- */

/* The argument a failed trace_builder_add blamed, so that a loader can point
 * at the offending node. */
enum trace_arg {
	TRACE_ARG_ID,
	TRACE_ARG_SIZE,           /* the size (calloc: the element size) */
	TRACE_ARG_NMEMB_OR_ALIGN,
	TRACE_ARG_THREAD,
};

struct trace_builder {
	struct trace trace;       /* being filled */
	struct u64map ids;        /* live block id -> its slot */
	uint64_t *slot_size;      /* requested size of each live slot */
	uint32_t *free_slots;     /* stack of slots free for reuse */
	uint32_t n_free_slots, slot_cap;
	uint64_t live_bytes;
	uint64_t max_size;        /* requests above this are rejected */
	enum trace_arg err_arg;   /* after a failed add: the argument at fault */
};

/* max_size 0 means TRACE_DEFAULT_MAX_SIZE. Freed slots are reused LIFO (the
 * most recently freed first), so n_slots is the peak number of live blocks. */
void trace_builder_init(struct trace_builder *b, uint64_t max_size);
/* Appends one event. `id` is the trace's own block id; `size` is the request
 * (for calloc pass nmemb and size separately: it checks the product);
 * `align` is used by TRACE_ALIGNED only. Returns 0, or -1 with a message
 * (no place: the caller knows where it is) in err. */
int trace_builder_add(struct trace_builder *b, enum trace_op op, uint64_t id,
		      uint64_t size, uint64_t nmemb_or_align, unsigned thread,
		      char *err, size_t err_len);
/* Hands the finished trace over (events shrunk to fit) and resets b. */
void trace_builder_finish(struct trace_builder *b, struct trace *out);
void trace_builder_discard(struct trace_builder *b);

/* ---- loading (trace_load.c, trace_parse.c, trace_cache.c) --------------- */

struct trace_load_options {
	uint64_t max_size;      /* 0: TRACE_DEFAULT_MAX_SIZE */
	int no_cache;           /* parse the YAML and neither read nor write a cache */
	const char *cache_dir;  /* NULL: $ALLOCSCOPE_CACHE, $XDG_CACHE_HOME/allocscope, ~/.cache/allocscope */
	/* Called once per warning (an unknown top-level key), with its place in
	 * w; NULL drops warnings. The loader never prints. A trace that drew
	 * warnings is not cached, so that every load repeats them. */
	void (*warn)(void *ctx, const struct diag *w);
	void *warn_ctx;
	uint64_t max_events;    /* a generate: spec's limit; 0: TRACE_DEFAULT_MAX_EVENTS */
};

/* Loads a trace file: maps its cache when one exists for the file's content
 * hash, else parses the YAML and writes the cache (a cache that cannot be
 * written is not an error: t->cache_path stays empty). Errors carry the
 * file, line and column of the offending node. */
int trace_load(const char *path, const struct trace_load_options *opt,
	       struct trace *t, struct diag *d);

/* Parses YAML text (the file's bytes) without touching any cache. */
int trace_parse_yaml(const char *path, const char *text, size_t len,
		     const struct trace_load_options *opt, struct trace *t,
		     struct diag *d);

/* The cache: a header and the event array, named by the content hash. A
 * cache is only ever a shortcut, so its failures are not reported: the
 * caller parses instead. trace_cache_store returns 0 or -1. */
int trace_cache_store(const struct trace *t, const char *cache_file, uint64_t key);
/* Maps a cache file; returns 1 when it was valid and mapped, 0 when absent
 * or stale (wrong key, version or size: the caller re-parses), -1 on error. */
int trace_cache_map(const char *cache_file, uint64_t key, struct trace *t);
/* The content key of a trace file's bytes, hashed with everything that
 * changes what they parse to (format, generator and cache versions). The
 * text's pages are given back to the kernel as they are hashed. */
uint64_t trace_cache_key(const char *text, size_t len);
/* The cache file for a content key, in the configured cache directory.
 * Returns -1 when no cache directory can be used. */
int trace_cache_path(const struct trace_load_options *opt, uint64_t key,
		     char *buf, size_t len);

/* ---- writing (trace_write.c) -------------------------------------------- */

/* Writes format v1 YAML with explicit events (slots become ids). Returns 0,
 * or -1 on a write error (errno set). */
int trace_write_yaml(const struct trace *t, FILE *out);
/* The same into the file `path` (fileio.h: written under a temporary name
 * and renamed over it once whole, so `path` is either complete or left as
 * it was). Returns 0, or -1 with a diag naming the file and the errno. */
int trace_write_file(const struct trace *t, const char *path, struct diag *d);

#endif
