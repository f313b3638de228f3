/* trace_cache.c - the binary trace cache and trace_load(): a parsed trace is
 * stored once under its YAML file's content hash, and later loads map the
 * stored event array instead of parsing again. The YAML parser is in
 * trace_load.c. */
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

static int cache_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

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
int trace_cache_store(const struct trace *t, const char *cache_file, uint64_t key,
		      struct diag *d)
{
	char tmp[4096 + 16];
	size_t head_len = 0;
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", cache_file) >= (int)sizeof tmp)
		return diag_set(d, cache_file, 0, 0, "cache path is too long");
	char *head = cache_head_build(t, key, &head_len);
	if (!head)
		return diag_set(d, cache_file, 0, 0, "out of memory");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(head);
		return diag_set(d, cache_file, 0, 0, "cannot create cache file: %s", strerror(errno));
	}
	int bad = fchmod(fd, 0644) || cache_write_all(fd, head, head_len) ||
		  cache_write_all(fd, t->events, t->n_events * sizeof *t->events);
	int err = errno;
	free(head);
	bad |= close(fd) != 0;
	if (!bad && rename(tmp, cache_file) == 0)
		return 0;
	err = bad ? err : errno;
	unlink(tmp);
	return diag_set(d, cache_file, 0, 0, "cannot write cache file: %s", strerror(err));
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

int trace_cache_map(const char *cache_file, uint64_t key, struct trace *t,
		    struct diag *d)
{
	int fd = open(cache_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : diag_set(d, cache_file, 0, 0, "cannot open cache file: %s",
						      strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(struct cache_header)) {
		close(fd);
		return 0;
	}
	size_t len = (size_t)st.st_size;
	char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return diag_set(d, cache_file, 0, 0, "cannot map cache file: %s", strerror(errno));
	if (!cache_valid(p, len, key)) {
		munmap(p, len);
		return 0;
	}
	if (cache_adopt(p, len, t)) {
		munmap(p, len);
		return diag_set(d, cache_file, 0, 0, "out of memory");
	}
	snprintf(t->cache_path, sizeof t->cache_path, "%s", cache_file);
	t->cache_key = key;
	return 1;
}

/* ---- where caches live -------------------------------------------------- */

/* mkdir -p with mode 0755; 0 when dir is a directory we can write. */
static int cache_dir_make(char *dir)
{
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		int bad = mkdir(dir, 0755) && errno != EEXIST;
		*s = '/';
		if (bad)
			return -1;
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
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

/* ---- trace_load --------------------------------------------------------- */

/* A trace file's bytes: mapped when it is a regular file, else read. */
struct cache_text {
	char *p;
	size_t len;
	int mapped;
};

/* Reads a stream (a pipe, a device) whole. One that never ends (/dev/zero)
 * stops when the next buffer would pass the memory available: -1 with
 * errno EFBIG. */
static int cache_text_read_fd(int fd, struct cache_text *txt)
{
	size_t cap = 1 << 16;
	txt->p = malloc(cap);
	txt->len = 0;
	for (;;) {
		if (!txt->p)
			return -1;
		ssize_t r = read(fd, txt->p + txt->len, cap - txt->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		txt->len += (size_t)r;
		if (txt->len == cap) {
			char err[160];
			if (mem_avail_check(2 * (uint64_t)cap, "the trace", err, sizeof err)) {
				errno = EFBIG;
				return -1;
			}
			char *p = realloc(txt->p, cap *= 2);
			if (!p)
				free(txt->p);
			txt->p = p;
		}
	}
}

static int cache_text_open(const char *path, struct cache_text *txt, struct diag *d)
{
	memset(txt, 0, sizeof *txt);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, path, 0, 0, "cannot open trace: %s", strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		txt->len = (size_t)st.st_size;
		txt->mapped = txt->len > 0;
		/* Not populated: the text is read once, front to back, and given
		 * back behind the reader (mem_avail_give_back), so a large trace's
		 * text never stands in memory whole. */
		txt->p = txt->mapped ? mmap(NULL, txt->len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
		if (txt->p == MAP_FAILED)
			rc = diag_set(d, path, 0, 0, "cannot map trace: %s", strerror(errno));
		else if (txt->mapped)
			madvise(txt->p, txt->len, MADV_SEQUENTIAL);
	} else if (cache_text_read_fd(fd, txt)) {
		rc = errno == EFBIG
			? diag_set(d, path, 0, 0, "not a regular file, and after %zu bytes its text "
				   "would not fit in the memory available", txt->len)
			: diag_set(d, path, 0, 0, "cannot read trace: %s", strerror(errno));
		free(txt->p);
	}
	close(fd);
	return rc;
}

static void cache_text_close(struct cache_text *txt)
{
	if (txt->mapped)
		munmap(txt->p, txt->len);
	else
		free(txt->p);
}

/* The content key: the file's bytes hashed with everything that changes
 * what they parse to. */
static uint64_t cache_key(const struct cache_text *txt)
{
	uint64_t seed = (uint64_t)TRACE_FORMAT_VERSION << 48 | (uint64_t)GEN_VERSION << 32 |
			CACHE_LAYOUT_VERSION;
	XXH3_state_t *st = XXH3_createState();
	if (!st) /* the same hash in one go, only without giving pages back */
		return XXH3_64bits_withSeed(txt->p, txt->len, seed);
	XXH3_64bits_reset_withSeed(st, seed);
	for (size_t off = 0; off < txt->len; off += CACHE_KEY_CHUNK) {
		size_t n = txt->len - off < CACHE_KEY_CHUNK ? txt->len - off : CACHE_KEY_CHUNK;
		XXH3_64bits_update(st, txt->p + off, n);
		mem_avail_give_back(txt->p + off, n);
	}
	uint64_t key = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return key;
}

/* Passes warnings on to the caller, counting them. */
struct cache_warn_relay {
	const struct trace_load_options *user;
	unsigned n;
};

static void cache_relay_warning(void *ctx, const struct diag *w)
{
	struct cache_warn_relay *r = ctx;
	r->n++;
	if (r->user->warn)
		r->user->warn(r->user->warn_ctx, w);
}

/* Parses, and caches a trace that drew no warnings. */
static int cache_parse_and_store(const char *path, const struct cache_text *txt,
				 const struct trace_load_options *opt, const char *cache_file,
				 uint64_t key, struct trace *t, struct diag *d)
{
	struct cache_warn_relay relay = { opt, 0 };
	struct trace_load_options relaying = *opt;
	relaying.warn = cache_relay_warning;
	relaying.warn_ctx = &relay;
	if (trace_parse_yaml(path, txt->p ? txt->p : "", txt->len, &relaying, t, d))
		return -1;
	if (cache_file && !relay.n && trace_cache_store(t, cache_file, key, NULL) == 0) {
		snprintf(t->cache_path, sizeof t->cache_path, "%s", cache_file);
		t->cache_key = key;
	}
	return 0;
}

int trace_load(const char *path, const struct trace_load_options *opt,
	       struct trace *t, struct diag *d)
{
	static const struct trace_load_options defaults;
	struct cache_text txt;
	char cache_file[sizeof t->cache_path];
	int have_cache = 0;
	uint64_t key = 0;
	if (!opt)
		opt = &defaults;
	uint64_t max_size = opt->max_size ? opt->max_size : TRACE_DEFAULT_MAX_SIZE;

	if (cache_text_open(path, &txt, d))
		return -1;
	if (!opt->no_cache) {
		key = cache_key(&txt);
		have_cache = trace_cache_path(opt, key, cache_file, sizeof cache_file) == 0;
	}
	if (have_cache && trace_cache_map(cache_file, key, t, NULL) == 1) {
		if (t->max_request <= max_size) {
			cache_text_close(&txt);
			return 0;
		}
		trace_free(t); /* the parser names the node that is too large */
	}
	int rc = cache_parse_and_store(path, &txt, opt, have_cache ? cache_file : NULL, key, t, d);
	cache_text_close(&txt);
	return rc;
}
