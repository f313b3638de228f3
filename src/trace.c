/* trace.c - the parts of struct trace shared by every producer and consumer:
 * op names and releasing a trace (malloc'ed events or a cache mapping). */
#include "trace.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const struct {
	char letter;
	const char *name;
} ops[TRACE_OP_COUNT] = {
	[TRACE_MALLOC] = {'m', "malloc"},
	[TRACE_CALLOC] = {'c', "calloc"},
	[TRACE_ALIGNED] = {'a', "aligned"},
	[TRACE_REALLOC] = {'r', "realloc"},
	[TRACE_FREE] = {'f', "free"},
};

const char *trace_op_name(enum trace_op op)
{
	return (unsigned)op < TRACE_OP_COUNT ? ops[op].name : "unknown";
}

char trace_op_letter(enum trace_op op)
{
	return (unsigned)op < TRACE_OP_COUNT ? ops[op].letter : '?';
}

int trace_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int trace_name_valid(const char *s)
{
	size_t n = 0;
	while (s[n] && trace_name_char(s[n]))
		n++;
	return n && !s[n] && n < TRACE_NAME_MAX;
}

size_t trace_name_make(const char *s, size_t n, char *out, size_t len)
{
	if (len > TRACE_NAME_MAX)
		len = TRACE_NAME_MAX;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = trace_name_char(s[i]) ? s[i] : '_';
	out[n] = '\0';
	return n;
}

/* Leaves t zeroed, so that freeing it twice is harmless. */
void trace_free(struct trace *t)
{
	if (t->map)
		munmap(t->map, t->map_len);
	else
		free(t->events);
	free(t->description);
	free(t->source);
	memset(t, 0, sizeof *t);
}
