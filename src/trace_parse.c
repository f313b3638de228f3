/* trace_parse.c - format v1 YAML traces (SPEC §4) into a struct trace, with
 * libyaml's streaming event parser: each event goes straight into a
 * trace_builder, so no tree or intermediate list is ever built. Reading the
 * file and its cache is trace_load() (trace_load.c). */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <yaml.h>

#include "gen.h"
#include "mem_avail.h"

/* Top-level keys the loader knows; each may appear once. */
enum load_key {
	KEY_ALLOCSCOPE = 1u << 0,
	KEY_NAME = 1u << 1,
	KEY_DESCRIPTION = 1u << 2,
	KEY_SOURCE = 1u << 3,
	KEY_EVENTS = 1u << 4,
	KEY_GENERATE = 1u << 5,
};

/* Unknown keys are remembered (by name, truncated) only to reject duplicates. */
#define LOAD_UNKNOWN_MAX 32
#define LOAD_SHOWN_MAX 64 /* longest scalar quoted in a message */
/* Deepest nesting kept or skipped in `source` and unknown keys. libyaml's
 * scanner slows down quadratically with open flow levels, so a hostile file
 * would otherwise take minutes to be refused. */
#define LOAD_MAX_DEPTH 64

struct loader {
	yaml_parser_t parser;
	yaml_event_t ev;  /* the current event; yaml_event_delete'd by load_next */
	const char *path;
	const char *text;
	size_t len;
	size_t read, given_back; /* text handed to libyaml; of it, given back */
	const struct trace_load_options *opt;
	struct trace_builder b;
	struct diag *d;
	unsigned seen;    /* enum load_key bits */
	unsigned n_unknown;
	char unknown[LOAD_UNKNOWN_MAX][LOAD_SHOWN_MAX];
};

/* One form per op: the number of numeric arguments (id included) and where
 * the size and the nmemb/alignment argument sit among them. */
struct op_form {
	uint8_t n_args;
	int8_t size_at, extra_at;
	const char *usage;
};

static const struct op_form op_forms[TRACE_OP_COUNT] = {
	[TRACE_MALLOC] = { 2, 1, -1, "[m, id, size]" },
	[TRACE_CALLOC] = { 3, 2, 1, "[c, id, nmemb, size]" },
	[TRACE_ALIGNED] = { 3, 2, 1, "[a, id, alignment, size]" },
	[TRACE_REALLOC] = { 2, 1, -1, "[r, id, size]" },
	[TRACE_FREE] = { 1, -1, -1, "[f, id]" },
};
#define OP_ARGS_MAX 3

/* ---- messages ----------------------------------------------------------- */

static int load_error(struct loader *L, yaml_mark_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int load_error(struct loader *L, yaml_mark_t at, const char *fmt, ...)
{
	char msg[sizeof L->d->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return diag_set(L->d, L->path, at.line + 1, at.column + 1, "%s", msg);
}

static void load_warn(struct loader *L, yaml_mark_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void load_warn(struct loader *L, yaml_mark_t at, const char *fmt, ...)
{
	if (!L->opt->warn)
		return;
	char msg[sizeof L->d->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct diag w;
	diag_set(&w, L->path, at.line + 1, at.column + 1, "%s", msg);
	L->opt->warn(L->opt->warn_ctx, &w);
}

/* The current scalar, cut to fit a message. */
static const char *load_shown(const struct loader *L, char buf[LOAD_SHOWN_MAX])
{
	snprintf(buf, LOAD_SHOWN_MAX, "%.*s", (int)L->ev.data.scalar.length,
		 (const char *)L->ev.data.scalar.value);
	return buf;
}

/* Reader errors carry a byte offset instead of a mark. */
static yaml_mark_t load_mark_at_offset(const struct loader *L, size_t offset)
{
	yaml_mark_t m = { .index = offset };
	for (size_t i = 0; i < offset && i < L->len; i++) {
		if (L->text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int load_syntax_error(struct loader *L)
{
	const yaml_parser_t *p = &L->parser;
	if (p->error == YAML_MEMORY_ERROR)
		return diag_set(L->d, L->path, 0, 0, "out of memory");
	if (p->error == YAML_READER_ERROR)
		return load_error(L, load_mark_at_offset(L, p->problem_offset), "%s",
				  p->problem);
	if (p->context)
		return load_error(L, p->problem_mark, "%s (%s at line %zu, column %zu)",
				  p->problem, p->context, p->context_mark.line + 1,
				  p->context_mark.column + 1);
	return load_error(L, p->problem_mark, "%s", p->problem ? p->problem : "syntax error");
}

/* ---- scalars ------------------------------------------------------------ */

/* The next event. An alias is refused wherever it stands: it would otherwise
 * meet a check for what it stands for ("must be a number") and be called
 * something it is not. */
static int load_next(struct loader *L)
{
	yaml_event_delete(&L->ev);
	if (!yaml_parser_parse(&L->parser, &L->ev))
		return load_syntax_error(L);
	if (L->ev.type == YAML_ALIAS_EVENT)
		return load_error(L, L->ev.start_mark, "aliases (*%.40s) are not supported: "
				  "write the value out", (const char *)L->ev.data.alias.anchor);
	return 0;
}

static int load_is_scalar(const struct loader *L, const char *s)
{
	size_t n = strlen(s);
	return L->ev.type == YAML_SCALAR_EVENT && L->ev.data.scalar.length == n &&
	       memcmp(L->ev.data.scalar.value, s, n) == 0;
}

/* The current event as a plain decimal integer (digits only, no sign, no
 * underscores; leading zeros mean decimal). Quoted scalars are strings. */
static int load_u64(struct loader *L, const char *what, uint64_t *out)
{
	const yaml_event_t *e = &L->ev;
	char shown[LOAD_SHOWN_MAX];
	if (e->type != YAML_SCALAR_EVENT)
		return load_error(L, e->start_mark, "%s must be a number", what);
	const unsigned char *s = e->data.scalar.value;
	size_t n = e->data.scalar.length;
	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return load_error(L, e->start_mark, "%s '%s' is quoted: write a plain number",
				  what, load_shown(L, shown));
	if (e->data.scalar.tag)
		return load_error(L, e->start_mark, "%s '%s' has a tag (%.40s): write a plain number",
				  what, load_shown(L, shown), (const char *)e->data.scalar.tag);
	if (n > 1 && s[0] == '-' && s[1] - (unsigned)'0' < 10u)
		return load_error(L, e->start_mark, "%s '%s' is negative", what,
				  load_shown(L, shown));
	uint64_t v = 0;
	int overflow = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned digit = s[i] - (unsigned)'0';
		if (digit > 9)
			return load_error(L, e->start_mark, "%s '%s' is not a decimal integer",
					  what, load_shown(L, shown));
		/* 19 digits always fit: check the slow way only past them */
		if (i < 19)
			v = v * 10 + digit;
		else
			overflow |= __builtin_mul_overflow(v, 10, &v) |
				    __builtin_add_overflow(v, digit, &v);
	}
	if (n == 0)
		return load_error(L, e->start_mark, "%s is empty", what);
	if (overflow)
		return load_error(L, e->start_mark, "%s '%s' does not fit in 64 bits", what,
				  load_shown(L, shown));
	*out = v;
	return 0;
}

/* `tN`, N a decimal thread number up to 65535. */
static int load_thread(struct loader *L, unsigned *thread)
{
	const unsigned char *s = L->ev.data.scalar.value;
	size_t n = L->ev.data.scalar.length;
	unsigned v = 0;
	int ok = n >= 2 && n <= 6 && L->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	for (size_t i = 1; ok && i < n; i++) {
		ok = s[i] - (unsigned)'0' < 10u;
		v = v * 10 + (s[i] - '0');
	}
	if (!ok || v > UINT16_MAX) {
		char shown[LOAD_SHOWN_MAX];
		return load_error(L, L->ev.start_mark,
				  "malformed thread element '%s': expected t0 to t65535",
				  load_shown(L, shown));
	}
	*thread = v;
	return 0;
}

/* ---- events ------------------------------------------------------------- */

static int load_op(struct loader *L, enum trace_op *op)
{
	char shown[LOAD_SHOWN_MAX];
	if (L->ev.type != YAML_SCALAR_EVENT)
		return load_error(L, L->ev.start_mark, "an event's op must be a scalar");
	if (L->ev.data.scalar.length == 1) {
		for (int i = 0; i < TRACE_OP_COUNT; i++) {
			if (trace_op_letter((enum trace_op)i) == L->ev.data.scalar.value[0]) {
				*op = (enum trace_op)i;
				return 0;
			}
		}
	}
	return load_error(L, L->ev.start_mark, "unknown op '%s': expected m, c, a, r or f",
			  load_shown(L, shown));
}

/* Reads one event, the current event being its SEQUENCE-START, up to and
 * including its SEQUENCE-END, and hands it to the builder. */
static int load_event(struct loader *L)
{
	yaml_mark_t at = L->ev.start_mark;
	uint64_t arg[OP_ARGS_MAX];
	yaml_mark_t arg_mark[OP_ARGS_MAX];
	yaml_mark_t thread_mark = at;
	unsigned n = 0, thread = 0;
	int have_thread = 0;
	enum trace_op op = TRACE_MALLOC;

	if (load_next(L))
		return -1;
	if (L->ev.type == YAML_SEQUENCE_END_EVENT)
		return load_error(L, at, "empty event: expected [op, id, ...]");
	if (load_op(L, &op))
		return -1;
	const struct op_form *form = &op_forms[op];
	for (;;) {
		if (load_next(L))
			return -1;
		if (L->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		int is_thread = L->ev.type == YAML_SCALAR_EVENT && L->ev.data.scalar.length &&
				L->ev.data.scalar.value[0] == 't';
		if (have_thread || (!is_thread && n == form->n_args))
			return load_error(L, L->ev.start_mark,
					  "too many elements: expected %s and an optional tN",
					  form->usage);
		if (is_thread) {
			thread_mark = L->ev.start_mark;
			if (load_thread(L, &thread))
				return -1;
			have_thread = 1;
			continue;
		}
		arg_mark[n] = L->ev.start_mark;
		if (load_u64(L, n == 0 ? "block id" : "argument", &arg[n]))
			return -1;
		n++;
	}
	if (n < form->n_args)
		return load_error(L, at, "too few arguments: expected %s", form->usage);

	char err[sizeof L->d->message];
	uint64_t size = form->size_at >= 0 ? arg[form->size_at] : 0;
	uint64_t extra = form->extra_at >= 0 ? arg[form->extra_at] : 0;
	if (!trace_builder_add(&L->b, op, arg[0], size, extra, thread, err, sizeof err))
		return 0;
	switch (L->b.err_arg) {
	case TRACE_ARG_SIZE:
		return load_error(L, arg_mark[form->size_at], "%s", err);
	case TRACE_ARG_NMEMB_OR_ALIGN:
		return load_error(L, arg_mark[form->extra_at], "%s", err);
	case TRACE_ARG_THREAD:
		return load_error(L, thread_mark, "%s", err);
	case TRACE_ARG_ID:
		break;
	}
	return load_error(L, arg_mark[0], "%s", err);
}

static int load_events(struct loader *L)
{
	if (load_next(L))
		return -1;
	if (L->ev.type != YAML_SEQUENCE_START_EVENT)
		return load_error(L, L->ev.start_mark, "'events' must be a sequence");
	for (;;) {
		if (load_next(L))
			return -1;
		switch (L->ev.type) {
		case YAML_SEQUENCE_END_EVENT:
			return 0;
		case YAML_SEQUENCE_START_EVENT:
			if (load_event(L))
				return -1;
			break;
		default:
			return load_error(L, L->ev.start_mark,
					  "an event must be a sequence like [m, 1, 24]");
		}
	}
}

/* ---- the other top-level values ---------------------------------------- */

/* Skips the value node that follows (a scalar, an alias or a collection). */
static int load_skip_value(struct loader *L)
{
	int depth = 0;
	do {
		if (load_next(L))
			return -1;
		if (L->ev.type == YAML_SEQUENCE_START_EVENT || L->ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > LOAD_MAX_DEPTH)
				return load_error(L, L->ev.start_mark, "nesting deeper than %d levels",
						  LOAD_MAX_DEPTH);
		} else if (L->ev.type == YAML_SEQUENCE_END_EVENT || L->ev.type == YAML_MAPPING_END_EVENT)
			depth--;
	} while (depth > 0);
	return 0;
}

static int load_version(struct loader *L)
{
	uint64_t v;
	char shown[LOAD_SHOWN_MAX];
	if (load_next(L))
		return -1;
	if (L->ev.type != YAML_SCALAR_EVENT)
		return load_error(L, L->ev.start_mark, "'allocscope' must be the format version, %d",
				  TRACE_FORMAT_VERSION);
	load_shown(L, shown);
	if (load_u64(L, "'allocscope'", &v))
		return -1;
	if (v != TRACE_FORMAT_VERSION)
		return load_error(L, L->ev.start_mark,
				  "unsupported trace format version '%s': this allocscope reads version %d",
				  shown, TRACE_FORMAT_VERSION);
	return 0;
}

static int load_name(struct loader *L)
{
	char shown[LOAD_SHOWN_MAX];
	if (load_next(L))
		return -1;
	if (L->ev.type != YAML_SCALAR_EVENT)
		return load_error(L, L->ev.start_mark, "'name' must be a string");
	const char *s = (const char *)L->ev.data.scalar.value;
	size_t n = L->ev.data.scalar.length;
	if (n >= TRACE_NAME_MAX)
		return load_error(L, L->ev.start_mark, "name is longer than %d characters",
				  TRACE_NAME_MAX - 1);
	size_t good = 0;
	while (good < n && trace_name_char(s[good]))
		good++;
	if (!n || good != n)
		return load_error(L, L->ev.start_mark,
				  "malformed name '%s': use letters, digits, '.', '_' and '-'",
				  load_shown(L, shown));
	memcpy(L->b.trace.name, s, n);
	L->b.trace.name[n] = '\0';
	return 0;
}

static int load_description(struct loader *L)
{
	if (load_next(L))
		return -1;
	if (L->ev.type != YAML_SCALAR_EVENT)
		return load_error(L, L->ev.start_mark, "'description' must be a string");
	if (L->ev.data.scalar.length == 0)
		return 0;
	L->b.trace.description = strndup((const char *)L->ev.data.scalar.value,
					 L->ev.data.scalar.length);
	return L->b.trace.description ? 0 : diag_set(L->d, L->path, 0, 0, "out of memory");
}

struct load_buf {
	char *p;
	size_t len, cap;
};

static int load_buf_write(void *ctx, unsigned char *s, size_t n)
{
	struct load_buf *buf = ctx;
	if (buf->len + n + 1 > buf->cap) {
		size_t cap = (buf->len + n + 1) * 2;
		char *p = realloc(buf->p, cap);
		if (!p)
			return 0;
		buf->p = p;
		buf->cap = cap;
	}
	memcpy(buf->p + buf->len, s, n);
	buf->len += n;
	buf->p[buf->len] = '\0';
	return 1;
}

/* One open collection of `source`, for its duplicate keys: the keys seen
 * so far in a mapping, by length and hash (scalar keys only). */
#define SOURCE_MAX_KEYS 64
struct source_level {
	int is_map;
	unsigned items, n_keys;
	uint64_t key[SOURCE_MAX_KEYS];
};

/* Notes an item of the innermost collection: an error when it is a key its
 * mapping already has. */
static int source_item(struct loader *L, struct source_level *lv)
{
	if (!lv->is_map || lv->items++ % 2 || L->ev.type != YAML_SCALAR_EVENT)
		return 0;
	char shown[LOAD_SHOWN_MAX];
	uint64_t k = XXH3_64bits(L->ev.data.scalar.value, L->ev.data.scalar.length) ^
		     L->ev.data.scalar.length;
	for (unsigned i = 0; i < lv->n_keys; i++)
		if (lv->key[i] == k)
			return load_error(L, L->ev.start_mark, "duplicate key '%s' in 'source'",
					  load_shown(L, shown));
	if (lv->n_keys == SOURCE_MAX_KEYS)
		return load_error(L, L->ev.start_mark, "more than %d keys in one mapping",
				  SOURCE_MAX_KEYS);
	lv->key[lv->n_keys++] = k;
	return 0;
}

/* Feeds the `source` mapping's events, forced to flow style, to `em`. */
static int load_source_emit(struct loader *L, yaml_emitter_t *em, struct source_level *level)
{
	int depth = 0;
	do {
		if (load_next(L))
			return -1;
		if (depth == 0 && L->ev.type != YAML_MAPPING_START_EVENT)
			return load_error(L, L->ev.start_mark, "'source' must be a mapping");
		if (depth == LOAD_MAX_DEPTH && (L->ev.type == YAML_SEQUENCE_START_EVENT ||
						L->ev.type == YAML_MAPPING_START_EVENT))
			return load_error(L, L->ev.start_mark, "nesting deeper than %d levels",
					  LOAD_MAX_DEPTH);
		int ends = L->ev.type == YAML_SEQUENCE_END_EVENT ||
			   L->ev.type == YAML_MAPPING_END_EVENT;
		if (depth > 0 && !ends && source_item(L, &level[depth - 1]))
			return -1;
		if (L->ev.type == YAML_SEQUENCE_START_EVENT) {
			L->ev.data.sequence_start.style = YAML_FLOW_SEQUENCE_STYLE;
			level[depth++] = (struct source_level){0};
		} else if (L->ev.type == YAML_MAPPING_START_EVENT) {
			L->ev.data.mapping_start.style = YAML_FLOW_MAPPING_STYLE;
			level[depth++] = (struct source_level){.is_map = 1};
		} else if (ends) {
			depth--;
		}
		yaml_mark_t at = L->ev.start_mark;
		yaml_event_t e = L->ev; /* the emitter takes ownership */
		memset(&L->ev, 0, sizeof L->ev);
		if (!yaml_emitter_emit(em, &e))
			return load_error(L, at, "cannot keep 'source': %s", em->problem);
	} while (depth > 0);
	return 0;
}

/* Keeps `source` re-serialised as a one-line YAML flow mapping. */
static int load_source(struct loader *L)
{
	yaml_emitter_t em;
	yaml_event_t e;
	struct load_buf buf = { 0 };
	int rc = -1;
	if (!yaml_emitter_initialize(&em))
		return diag_set(L->d, L->path, 0, 0, "out of memory");
	yaml_emitter_set_output(&em, load_buf_write, &buf);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_unicode(&em, 1);
	yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&em, &e))
		goto out;
	yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&em, &e))
		goto out;
	struct source_level *level = calloc(LOAD_MAX_DEPTH, sizeof *level);
	if (!level)
		goto out;
	int emitted = load_source_emit(L, &em, level);
	free(level);
	if (emitted)
		goto done;
	yaml_document_end_event_initialize(&e, 1);
	if (!yaml_emitter_emit(&em, &e))
		goto out;
	yaml_stream_end_event_initialize(&e);
	if (!yaml_emitter_emit(&em, &e) || !yaml_emitter_flush(&em))
		goto out;
	while (buf.len && (buf.p[buf.len - 1] == '\n' || buf.p[buf.len - 1] == ' '))
		buf.p[--buf.len] = '\0';
	L->b.trace.source = buf.p;
	buf.p = NULL;
	rc = 0;
	goto done;
out:
	diag_set(L->d, L->path, 0, 0, "cannot keep 'source': %s",
		 em.problem ? em.problem : "out of memory");
done:
	free(buf.p);
	yaml_emitter_delete(&em);
	return rc;
}

static int load_generate(struct loader *L)
{
	return gen_expand_yaml(&L->parser, L->path, L->opt->max_events, &L->b, L->d);
}

static unsigned load_key_of(const struct loader *L)
{
	static const struct {
		const char *name;
		enum load_key key;
	} keys[] = {
		{ "allocscope", KEY_ALLOCSCOPE }, { "name", KEY_NAME },
		{ "description", KEY_DESCRIPTION }, { "source", KEY_SOURCE },
		{ "events", KEY_EVENTS }, { "generate", KEY_GENERATE },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (load_is_scalar(L, keys[i].name))
			return keys[i].key;
	return 0;
}

/* Warns about an unknown key (rejecting a repeated one) and skips its value. */
static int load_unknown(struct loader *L)
{
	char shown[LOAD_SHOWN_MAX];
	load_shown(L, shown);
	for (unsigned i = 0; i < L->n_unknown; i++)
		if (strcmp(L->unknown[i], shown) == 0)
			return load_error(L, L->ev.start_mark, "duplicate key '%s'", shown);
	if (L->n_unknown < LOAD_UNKNOWN_MAX)
		memcpy(L->unknown[L->n_unknown++], shown, sizeof shown);
	load_warn(L, L->ev.start_mark, "unknown key '%s' ignored", shown);
	return load_skip_value(L);
}

static int load_value(struct loader *L, unsigned key)
{
	switch (key) {
	case KEY_ALLOCSCOPE:
		return load_version(L);
	case KEY_NAME:
		return load_name(L);
	case KEY_DESCRIPTION:
		return load_description(L);
	case KEY_SOURCE:
		return load_source(L);
	case KEY_EVENTS:
		return load_events(L);
	case KEY_GENERATE:
		return load_generate(L);
	}
	return load_unknown(L);
}

/* The document's top-level mapping, its MAPPING-START being current. */
static int load_top(struct loader *L)
{
	yaml_mark_t top = L->ev.start_mark;
	char shown[LOAD_SHOWN_MAX];
	for (;;) {
		if (load_next(L))
			return -1;
		if (L->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (L->ev.type != YAML_SCALAR_EVENT)
			return load_error(L, L->ev.start_mark, "top-level keys must be scalars");
		unsigned key = load_key_of(L);
		if (key & L->seen)
			return load_error(L, L->ev.start_mark, "duplicate key '%s'",
					  load_shown(L, shown));
		if ((key & (KEY_EVENTS | KEY_GENERATE)) && (L->seen & (KEY_EVENTS | KEY_GENERATE)))
			return load_error(L, L->ev.start_mark,
					  "'events' and 'generate' exclude each other");
		L->seen |= key;
		if (load_value(L, key))
			return -1;
	}
	if (!(L->seen & KEY_ALLOCSCOPE))
		return load_error(L, top, "missing 'allocscope: %d' (the format version)",
				  TRACE_FORMAT_VERSION);
	if (!(L->seen & KEY_NAME))
		return load_error(L, top, "missing 'name'");
	if (!(L->seen & (KEY_EVENTS | KEY_GENERATE)))
		return load_error(L, top, "missing 'events' (or 'generate')");
	return 0;
}

static int load_stream(struct loader *L)
{
	if (load_next(L) || load_next(L)) /* STREAM-START, then the document */
		return -1;
	if (L->ev.type != YAML_DOCUMENT_START_EVENT)
		return load_error(L, L->ev.start_mark, "empty trace: expected 'allocscope: %d', "
				  "'name' and 'events'", TRACE_FORMAT_VERSION);
	if (load_next(L))
		return -1;
	if (L->ev.type != YAML_MAPPING_START_EVENT)
		return load_error(L, L->ev.start_mark, "a trace must be a YAML mapping");
	if (load_top(L) || load_next(L) || load_next(L)) /* DOCUMENT-END, STREAM-END */
		return -1;
	if (L->ev.type != YAML_STREAM_END_EVENT)
		return load_error(L, L->ev.start_mark, "a trace file holds one YAML document");
	return 0;
}

#define LOAD_GIVE_BACK ((size_t)16 << 20)

/* libyaml pulls the text through this handler rather than reading the
 * string itself, so that the text behind it can be given back: a large
 * trace's text then occupies a window of memory, not its whole size. */
static int load_read(void *ctx, unsigned char *buf, size_t size, size_t *n)
{
	struct loader *L = ctx;
	size_t left = L->len - L->read;
	*n = size < left ? size : left;
	memcpy(buf, L->text + L->read, *n);
	L->read += *n;
	if (L->read - L->given_back >= LOAD_GIVE_BACK) {
		mem_avail_give_back(L->text + L->given_back, L->read - L->given_back);
		L->given_back = L->read;
	}
	return 1;
}

int trace_parse_yaml(const char *path, const char *text, size_t len,
		     const struct trace_load_options *opt, struct trace *t,
		     struct diag *d)
{
	static const struct trace_load_options defaults;
	struct loader *L = calloc(1, sizeof *L);
	if (!L)
		return diag_set(d, path, 0, 0, "out of memory");
	L->path = path;
	L->text = text;
	L->len = len;
	L->opt = opt ? opt : &defaults;
	L->d = d;
	trace_builder_init(&L->b, L->opt->max_size);
	if (!yaml_parser_initialize(&L->parser)) {
		free(L);
		return diag_set(d, path, 0, 0, "out of memory");
	}
	yaml_parser_set_input(&L->parser, load_read, L);
	int rc = load_stream(L);
	yaml_event_delete(&L->ev);
	yaml_parser_delete(&L->parser);
	if (rc)
		trace_builder_discard(&L->b);
	else
		trace_builder_finish(&L->b, t);
	free(L);
	return rc;
}
