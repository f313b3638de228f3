/* gen_yaml.c - reads one YAML node into a gen_node tree (gen_yaml.h) and
 * converts its scalars, with every error placed at the node. */
#include "gen_yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	GEN_NODE_MAX_DEPTH = 64, /* a spec is shallow; bounds the recursion */
	/* A spec's mappings have a handful of keys; the bound keeps the
	 * duplicate-key check (each key against the earlier ones) linear. */
	GEN_NODE_MAX_KEYS = 64,
};

int gen_node_error(const struct gen_node *n, const char *file, struct diag *d,
		   const char *fmt, ...)
{
	char msg[sizeof d->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return diag_set(d, file, n->line, n->column, "%s", msg);
}

void gen_node_free(struct gen_node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		gen_node_free(&n->kids[i]);
	free(n->kids);
	free(n->value);
	memset(n, 0, sizeof *n);
}

static int parse_event(yaml_parser_t *p, yaml_event_t *ev, const char *file, struct diag *d)
{
	if (yaml_parser_parse(p, ev))
		return 0;
	return diag_set(d, file, p->problem_mark.line + 1, p->problem_mark.column + 1, "%s",
			p->problem ? p->problem : "YAML syntax error");
}

static int node_read(yaml_parser_t *p, const char *file, struct gen_node *out,
		     struct diag *d, int depth);

/* Reads items until the closing event; for a mapping, checks keys. */
static int node_read_kids(yaml_parser_t *p, const char *file, struct gen_node *out,
			  struct diag *d, int depth)
{
	size_t cap = 0;
	for (;;) {
		if (out->n_kids == cap) {
			cap = cap ? cap * 2 : 8;
			struct gen_node *k = realloc(out->kids, cap * sizeof *k);
			if (!k)
				return gen_node_error(out, file, d, "out of memory");
			out->kids = k;
		}
		struct gen_node *kid = &out->kids[out->n_kids];
		memset(kid, 0, sizeof *kid);
		int r = node_read(p, file, kid, d, depth + 1);
		if (r == 1)
			return 0; /* the closing event */
		if (r) {
			gen_node_free(kid);
			return -1;
		}
		out->n_kids++;
		int is_key = out->type == GEN_NODE_MAP && out->n_kids % 2 == 1;
		if (is_key && kid->type != GEN_NODE_SCALAR)
			return gen_node_error(kid, file, d, "mapping keys must be scalars");
		if (is_key && out->n_kids / 2 >= GEN_NODE_MAX_KEYS)
			return gen_node_error(kid, file, d, "more than %d keys in one mapping",
					      GEN_NODE_MAX_KEYS);
		for (size_t i = 0; is_key && i + 1 < out->n_kids; i += 2)
			if (!strcmp(out->kids[i].value, kid->value))
				return gen_node_error(kid, file, d, "duplicate key '%s'", kid->value);
	}
}

/* Returns 0 with a node, 1 at a sequence or mapping end, -1 on error. */
static int node_read(yaml_parser_t *p, const char *file, struct gen_node *out,
		     struct diag *d, int depth)
{
	yaml_event_t ev;
	if (parse_event(p, &ev, file, d))
		return -1;
	out->line = ev.start_mark.line + 1;
	out->column = ev.start_mark.column + 1;
	int rc = 0;
	switch (ev.type) {
	case YAML_SCALAR_EVENT:
		out->type = GEN_NODE_SCALAR;
		out->value = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
		if (!out->value)
			rc = gen_node_error(out, file, d, "out of memory");
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		out->type = ev.type == YAML_MAPPING_START_EVENT ? GEN_NODE_MAP : GEN_NODE_SEQ;
		yaml_event_delete(&ev);
		if (depth > GEN_NODE_MAX_DEPTH)
			return gen_node_error(out, file, d, "nesting deeper than %d levels",
					      GEN_NODE_MAX_DEPTH);
		return node_read_kids(p, file, out, d, depth);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		rc = 1;
		break;
	case YAML_ALIAS_EVENT:
		rc = gen_node_error(out, file, d, "aliases are not supported in 'generate'");
		break;
	default:
		rc = gen_node_error(out, file, d, "unexpected YAML event");
		break;
	}
	yaml_event_delete(&ev);
	return rc;
}

int gen_node_read(yaml_parser_t *parser, const char *file, struct gen_node *out,
		  struct diag *d)
{
	memset(out, 0, sizeof *out);
	int r = node_read(parser, file, out, d, 0);
	if (r == 1)
		r = gen_node_error(out, file, d, "expected a value");
	if (r)
		gen_node_free(out);
	return r ? -1 : 0;
}

const struct gen_node *gen_node_get(const struct gen_node *map, const char *key)
{
	if (map->type != GEN_NODE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n_kids; i += 2)
		if (!strcmp(map->kids[i].value, key))
			return &map->kids[i + 1];
	return NULL;
}

int gen_node_check_keys(const struct gen_node *map, const char *const *allowed,
			const char *what, const char *file, struct diag *d)
{
	for (size_t i = 0; i < map->n_kids; i += 2) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, map->kids[i].value))
			a++;
		if (*a)
			continue;
		char list[256] = "";
		for (a = allowed; *a; a++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 a == allowed ? "" : ", ", *a);
		return gen_node_error(&map->kids[i], file, d, "unknown key '%s' in %s (expected %s)",
				      map->kids[i].value, what, list);
	}
	return 0;
}

/* The decimal digits at s into *v, *end past them: 0, -1 when there are
 * none, or 1 when they overflow 64 bits (*v then UINT64_MAX, *end still past
 * them, so that the caller can tell a number too large from no number). */
static int scalar_digits(const char *s, uint64_t *v, const char **end)
{
	const char *p = s;
	int overflow = 0;
	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if (!overflow && (__builtin_mul_overflow(*v, 10, v) ||
				  __builtin_add_overflow(*v, (uint64_t)(*p - '0'), v)))
			overflow = 1;
	*end = p;
	if (overflow)
		*v = UINT64_MAX;
	return p == s ? -1 : overflow;
}

int gen_node_u64(const struct gen_node *n, const char *file, uint64_t min, uint64_t max,
		 uint64_t *out, struct diag *d)
{
	const char *end;
	int r = n->type == GEN_NODE_SCALAR ? scalar_digits(n->value, out, &end) : -1;
	if (r < 0 || *end)
		return gen_node_error(n, file, d, "expected an unsigned integer%s%s%s",
				      n->type == GEN_NODE_SCALAR ? ", not '" : "",
				      n->type == GEN_NODE_SCALAR ? n->value : "",
				      n->type == GEN_NODE_SCALAR ? "'" : "");
	if (r > 0)
		return gen_node_error(n, file, d, "'%s' is out of range [%llu, %llu]", n->value,
				      (unsigned long long)min, (unsigned long long)max);
	if (*out < min || *out > max)
		return gen_node_error(n, file, d, "%llu is out of range [%llu, %llu]",
				      (unsigned long long)*out, (unsigned long long)min,
				      (unsigned long long)max);
	return 0;
}

int gen_node_q32(const struct gen_node *n, const char *file, uint64_t max_q32,
		 uint64_t *out, struct diag *d)
{
	const char *p;
	uint64_t ip, frac = 0, scale = 1;
	int bad = n->type != GEN_NODE_SCALAR || scalar_digits(n->value, &ip, &p) < 0;
	if (!bad && *p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000000000000000ull) { /* 18 digits are plenty */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	if (bad || *p)
		return gen_node_error(n, file, d, "expected a non-negative decimal number "
				      "(like 0.25 or 3)");
	/* ip + round(frac / scale * 2^32), exactly: in 128 bits, as rounding
	 * 4294967295.9999999999 up reaches 2^64 (an ip of 2^32 or more, or one
	 * past 64 bits, is too large whatever max_q32 is) */
	unsigned __int128 q = ((unsigned __int128)ip << 32) +
			      ((((unsigned __int128)frac << 32) + scale / 2) / scale);
	if (ip >> 32 || q > max_q32)
		return gen_node_error(n, file, d, "'%s' is too large (at most %llu.%02llu)",
				      n->value, (unsigned long long)(max_q32 >> 32),
				      (unsigned long long)(((max_q32 & 0xffffffffu) * 100) >> 32));
	*out = (uint64_t)q;
	return 0;
}

int gen_node_bool(const struct gen_node *n, const char *file, int *out, struct diag *d)
{
	if (n->type == GEN_NODE_SCALAR && !strcmp(n->value, "true"))
		*out = 1;
	else if (n->type == GEN_NODE_SCALAR && !strcmp(n->value, "false"))
		*out = 0;
	else
		return gen_node_error(n, file, d, "expected true or false");
	return 0;
}
