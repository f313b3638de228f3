/* trace_cache.c - the binary trace cache: a parsed trace is stored once
 * under its YAML file's content hash, and later loads (trace_load.c) map
 * the stored event array instead of parsing again. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fileio.h"
#include "gen.h"
#include "mem_avail.h"

#define CACHE_LAYOUT_VERSION 1u
#define CACHE_ALIGN 4096u /* the event array starts on a page boundary */
#define CACHE_NO_STRING UINT64_MAX
#define CACHE_KEY_CHUNK ((size_t)16 << 20) /* text hashed, then given back */
static const char cache_magic[8] = "ALSCTRC";

/* A cache file, native-endian (a cache never leaves its machine):
 *   [0, sizeof header)           struct cache_header
 *   then description_len bytes, then source_len bytes (no terminators)
 *   zero padding up to events_offset, a multiple of CACHE_ALIGN
 *   [events_offset, file end)    n_events struct trace_event
 * Invariants checked before anything is trusted: file size = events_offset +
 * 16 * n_events; header_hash = XXH3 of the header (header_hash zeroed) and
 * the strings; events_hash = XXH3 of the event array; key = the YAML file's
 * content key (trace_load's cache_key). */
struct cache_header {
	char magic[8];
	uint32_t layout_version;
	uint32_t format_version;
	uint64_t key;
	uint64_t n_events;
	uint32_t n_slots, n_threads;
	uint64_t count[TRACE_OP_COUNT];
	uint64_t peak_live_bytes, max_request;
	uint64_t description_len; /* CACHE_NO_STRING: NULL */
	uint64_t source_len;      /* CACHE_NO_STRING: NULL */
	uint64_t events_offset;
	uint64_t events_hash;
	uint64_t header_hash;
	char name[TRACE_NAME_MAX];
};
_Static_assert(sizeof(struct cache_header) == 264, "cache header has no padding");
_Static_assert(sizeof(struct cache_header) < CACHE_ALIGN, "header fits before the events");

static uint64_t cache_string_len(const char *s)
{
	return s ? strlen(s) : CACHE_NO_STRING;
}

static uint64_t cache_string_size(uint64_t len)
{
	return len == CACHE_NO_STRING ? 0 : len;
}

static uint64_t cache_header_hash(const struct cache_header *h, const char *strings)
{
	struct cache_header copy = *h;
	copy.header_hash = 0;
	/* chained: the header's hash seeds the strings' hash */
	return XXH3_64bits_withSeed(strings, cache_string_size(h->description_len) +
						     cache_string_size(h->source_len),
				    XXH3_64bits(&copy, sizeof copy));
}

/* ---- store -------------------------------------------------------------- */

/* The header and strings in one buffer of events_offset bytes (padding
 * zeroed), with both hashes filled in. */
static char *cache_head_build(const struct trace *t, uint64_t key, size_t *len)
{
	struct cache_header h = {
		.layout_version = CACHE_LAYOUT_VERSION,
		.format_version = TRACE_FORMAT_VERSION,
		.key = key,
		.n_events = t->n_events,
		.n_slots = t->n_slots,
		.n_threads = t->n_threads,
		.peak_live_bytes = t->peak_live_bytes,
		.max_request = t->max_request,
		.description_len = cache_string_len(t->description),
		.source_len = cache_string_len(t->source),
	};
	memcpy(h.magic, cache_magic, sizeof h.magic);
	memcpy(h.count, t->count, sizeof h.count);
	snprintf(h.name, sizeof h.name, "%s", t->name);
	size_t dlen = cache_string_size(h.description_len), slen = cache_string_size(h.source_len);
	size_t used = sizeof h + dlen + slen;
	h.events_offset = (used + CACHE_ALIGN - 1) / CACHE_ALIGN * CACHE_ALIGN;
	h.events_hash = XXH3_64bits(t->events, t->n_events * sizeof *t->events);

	char *head = calloc(1, h.events_offset);
	if (!head)
		return NULL;
	memcpy(head + sizeof h, t->description ? t->description : "", dlen);
	memcpy(head + sizeof h + dlen, t->source ? t->source : "", slen);
	h.header_hash = cache_header_hash(&h, head + sizeof h);
	memcpy(head, &h, sizeof h);
	*len = h.events_offset;
	return head;
}

/* Writes to a temporary file beside cache_file and renames it into place,
 * so that a concurrent reader sees the old file, no file, or the whole
 * new one. */
int trace_cache_store(const struct trace *t, const char *cache_file, uint64_t key)
{
	char tmp[4096 + 16];
	size_t head_len = 0;
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", cache_file) >= (int)sizeof tmp)
		return -1;
	char *head = cache_head_build(t, key, &head_len);
	if (!head)
		return -1;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(head);
		return -1;
	}
	fileio_pending_add(tmp);
	int bad = fchmod(fd, 0644) || fileio_write_all(fd, head, head_len) ||
		  fileio_write_all(fd, t->events, t->n_events * sizeof *t->events);
	free(head);
	bad |= close(fd) != 0;
	bad = bad || rename(tmp, cache_file) != 0;
	if (bad)
		unlink(tmp);
	fileio_pending_drop(tmp);
	return bad ? -1 : 0;
}

/* ---- map ---------------------------------------------------------------- */

/* Whether the mapped file is a whole, current cache for key. */
static int cache_valid(const char *p, size_t len, uint64_t key)
{
	struct cache_header h;
	if (len < sizeof h)
		return 0;
	memcpy(&h, p, sizeof h);
	if (memcmp(h.magic, cache_magic, sizeof h.magic) ||
	    h.layout_version != CACHE_LAYOUT_VERSION ||
	    h.format_version != TRACE_FORMAT_VERSION || h.key != key)
		return 0;
	uint64_t dlen = cache_string_size(h.description_len);
	uint64_t slen = cache_string_size(h.source_len);
	uint64_t events_len;
	if (dlen > len || slen > len || sizeof h + dlen + slen > h.events_offset ||
	    h.events_offset > len || h.events_offset % CACHE_ALIGN ||
	    __builtin_mul_overflow(h.n_events, sizeof(struct trace_event), &events_len) ||
	    len - h.events_offset != events_len)
		return 0;
	if (memchr(h.name, '\0', sizeof h.name) == NULL || h.n_threads > UINT16_MAX + 1u)
		return 0;
	return cache_header_hash(&h, p + sizeof h) == h.header_hash &&
	       XXH3_64bits(p + h.events_offset, events_len) == h.events_hash;
}

static char *cache_string(const char *p, uint64_t len)
{
	return len == CACHE_NO_STRING ? NULL : strndup(p, len);
}

/* Fills t from a validated mapping; the strings are copied, the events are
 * used in place. */
static int cache_adopt(char *p, size_t len, struct trace *t)
{
	struct cache_header h;
	memcpy(&h, p, sizeof h);
	memset(t, 0, sizeof *t);
	memcpy(t->name, h.name, sizeof t->name);
	const char *strings = p + sizeof h;
	t->description = cache_string(strings, h.description_len);
	t->source = cache_string(strings + cache_string_size(h.description_len), h.source_len);
	if ((h.description_len != CACHE_NO_STRING && !t->description) ||
	    (h.source_len != CACHE_NO_STRING && !t->source)) {
		free(t->description);
		free(t->source);
		return -1;
	}
	t->n_events = h.n_events;
	t->n_slots = h.n_slots;
	t->n_threads = h.n_threads;
	memcpy(t->count, h.count, sizeof t->count);
	t->peak_live_bytes = h.peak_live_bytes;
	t->max_request = h.max_request;
	t->events = (struct trace_event *)(p + h.events_offset);
	t->map = p;
	t->map_len = len;
	return 0;
}

int trace_cache_map(const char *cache_file, uint64_t key, struct trace *t)
{
	int fd = open(cache_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(struct cache_header)) {
		close(fd);
		return 0;
	}
	size_t len = (size_t)st.st_size;
	char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	if (!cache_valid(p, len, key)) {
		munmap(p, len);
		return 0;
	}
	if (cache_adopt(p, len, t)) {
		munmap(p, len);
		return -1;
	}
	snprintf(t->cache_path, sizeof t->cache_path, "%s", cache_file);
	t->cache_key = key;
	return 1;
}

/* ---- where caches live -------------------------------------------------- */

/* 0 when dir is, or now is, a directory we can write. */
static int cache_dir_make(const char *dir)
{
	if (fileio_make_dirs(dir))
		return -1;
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0 ? 0 : -1;
}

/* The first configured directory decides: a cache directory the user named
 * but that cannot be used means no cache, not some other directory. */
static int cache_dir_name(const struct trace_load_options *opt, char *buf, size_t len)
{
	const char *env;
	int n;
	if (opt && opt->cache_dir && *opt->cache_dir)
		n = snprintf(buf, len, "%s", opt->cache_dir);
	else if ((env = getenv("ALLOCSCOPE_CACHE")) && *env)
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_CACHE_HOME")) && *env)
		n = snprintf(buf, len, "%s/allocscope", env);
	else if ((env = getenv("HOME")) && *env)
		n = snprintf(buf, len, "%s/.cache/allocscope", env);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int trace_cache_path(const struct trace_load_options *opt, uint64_t key,
		     char *buf, size_t len)
{
	char dir[4096];
	if (cache_dir_name(opt, dir, sizeof dir) || cache_dir_make(dir))
		return -1;
	int n = snprintf(buf, len, "%s/%016" PRIx64 ".trace", dir, key);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- the content key ---------------------------------------------------- */

uint64_t trace_cache_key(const char *text, size_t len)
{
	uint64_t seed = (uint64_t)TRACE_FORMAT_VERSION << 48 | (uint64_t)GEN_VERSION << 32 |
			CACHE_LAYOUT_VERSION;
	XXH3_state_t *st = XXH3_createState();
	if (!st) /* the same hash in one go, only without giving pages back */
		return XXH3_64bits_withSeed(text, len, seed);
	XXH3_64bits_reset_withSeed(st, seed);
	for (size_t off = 0; off < len; off += CACHE_KEY_CHUNK) {
		size_t n = len - off < CACHE_KEY_CHUNK ? len - off : CACHE_KEY_CHUNK;
		XXH3_64bits_update(st, text + off, n);
		mem_avail_give_back(text + off, n);
	}
	uint64_t key = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return key;
}
