/* trace_load.c - trace_load(): a trace file's bytes, then the cache stored
 * for their content hash (trace_cache.c) or, failing that, the YAML parser
 * (trace_parse.c), whose result is cached for the next load. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem_avail.h"

/* A trace file's bytes: mapped when it is a regular file, else read. */
struct trace_text {
	char *p;
	size_t len;
	int mapped;
};

/* Reads a stream (a pipe, a device) whole. One that never ends (/dev/zero)
 * stops when the next buffer would pass the memory available: -1 with
 * errno EFBIG. */
static int text_read_fd(int fd, struct trace_text *txt)
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

static int text_open(const char *path, struct trace_text *txt, struct diag *d)
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
	} else if (text_read_fd(fd, txt)) {
		rc = errno == EFBIG
			? diag_set(d, path, 0, 0, "not a regular file, and after %zu bytes its text "
				   "would not fit in the memory available", txt->len)
			: diag_set(d, path, 0, 0, "cannot read trace: %s", strerror(errno));
		free(txt->p);
	}
	close(fd);
	return rc;
}

static void text_close(struct trace_text *txt)
{
	if (txt->mapped)
		munmap(txt->p, txt->len);
	else
		free(txt->p);
}

/* Passes warnings on to the caller, counting them. */
struct warn_relay {
	const struct trace_load_options *user;
	unsigned n;
};

static void relay_warning(void *ctx, const struct diag *w)
{
	struct warn_relay *r = ctx;
	r->n++;
	if (r->user->warn)
		r->user->warn(r->user->warn_ctx, w);
}

/* Parses, and caches a trace that drew no warnings. */
static int parse_and_store(const char *path, const struct trace_text *txt,
				 const struct trace_load_options *opt, const char *cache_file,
				 uint64_t key, struct trace *t, struct diag *d)
{
	struct warn_relay relay = { opt, 0 };
	struct trace_load_options relaying = *opt;
	relaying.warn = relay_warning;
	relaying.warn_ctx = &relay;
	if (trace_parse_yaml(path, txt->p ? txt->p : "", txt->len, &relaying, t, d))
		return -1;
	if (cache_file && !relay.n && trace_cache_store(t, cache_file, key) == 0) {
		snprintf(t->cache_path, sizeof t->cache_path, "%s", cache_file);
		t->cache_key = key;
	}
	return 0;
}

int trace_load(const char *path, const struct trace_load_options *opt,
	       struct trace *t, struct diag *d)
{
	static const struct trace_load_options defaults;
	struct trace_text txt;
	char cache_file[sizeof t->cache_path];
	int have_cache = 0;
	uint64_t key = 0;
	if (!opt)
		opt = &defaults;
	uint64_t max_size = opt->max_size ? opt->max_size : TRACE_DEFAULT_MAX_SIZE;

	if (text_open(path, &txt, d))
		return -1;
	if (!opt->no_cache) {
		key = trace_cache_key(txt.p, txt.len);
		have_cache = trace_cache_path(opt, key, cache_file, sizeof cache_file) == 0;
	}
	if (have_cache && trace_cache_map(cache_file, key, t) == 1) {
		if (t->max_request <= max_size) {
			text_close(&txt);
			return 0;
		}
		trace_free(t); /* the parser names the node that is too large */
	}
	int rc = parse_and_store(path, &txt, opt, have_cache ? cache_file : NULL, key, t, d);
	text_close(&txt);
	return rc;
}
