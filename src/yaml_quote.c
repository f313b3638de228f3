/* yaml_quote.c - YAML double-quoted scalars from arbitrary bytes (see
 * yaml_quote.h). The printable set is YAML 1.1's, which libyaml enforces
 * on input: a trace we write must always load. */
#include "yaml_quote.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at p (2 to 4) and its code
 * point, or 0: overlong forms, surrogates and values past U+10FFFF are not
 * well formed. */
static size_t utf8_sequence(const unsigned char *p, uint32_t *cp)
{
	size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 0;
	if (!n || *p >= 0xf8)
		return 0;
	uint32_t v = *p & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < least[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* What can stand in a quoted scalar as itself: YAML 1.1's printable set,
 * less NEL, LS and PS, which it folds as line breaks. */
static int printable(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xfffd && cp != 0x2028 &&
						cp != 0x2029) || cp >= 0x10000;
}

void yaml_quote(const char *s, yaml_quote_put *put, void *ctx)
{
	put(ctx, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		char esc[8];
		uint32_t cp = *p;
		size_t n = *p < 0x80 ? 1 : utf8_sequence(p, &cp);
		if (*p == '"' || *p == '\\')
			put(ctx, (const char[]){'\\', (char)*p}, 2);
		else if (*p == '\n')
			put(ctx, "\\n", 2);
		else if (*p == '\t')
			put(ctx, "\\t", 2);
		else if (n && printable(cp))
			put(ctx, (const char *)p, n);
		else if (n > 1)
			put(ctx, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp));
		else
			put(ctx, esc, (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p));
		p += n ? n : 1;
	}
	put(ctx, "\"", 1);
}

struct bounded {
	char *buf;
	size_t used, len;
	int cut;
};

/* A lone '"' is a delimiter (one inside the string comes escaped); room for
 * the closing one and the terminator is always kept. Once a piece does not
 * fit, the rest of the string is dropped, so no escape is cut in half and
 * no later piece fills the gap. */
static void put_bounded(void *ctx, const char *bytes, size_t n)
{
	struct bounded *b = ctx;
	int delimiter = n == 1 && bytes[0] == '"';
	if (!delimiter && (b->cut || b->used + n + 2 > b->len)) {
		b->cut = 1;
		return;
	}
	memcpy(b->buf + b->used, bytes, n);
	b->used += n;
	b->buf[b->used] = '\0';
}

void yaml_quote_append(const char *s, char *buf, size_t len)
{
	struct bounded b = {buf, strlen(buf), len, 0};
	if (b.used + 3 > len)
		return;
	yaml_quote(s, put_bounded, &b);
}

static void put_file(void *ctx, const char *bytes, size_t n)
{
	fwrite(bytes, 1, n, ctx);
}

void yaml_quote_file(const char *s, FILE *f)
{
	yaml_quote(s, put_file, f);
}
